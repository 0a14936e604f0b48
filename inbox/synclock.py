"""Who runs the one sync loop of a data file, and taking it over when they stop.

The app and ``sfogo sync --watch`` both run the watch loop (:mod:`.watch`); on one file only
one of them may, or every account is asked twice per interval (twice the rate-limit budget,
twice the requests). The loop's host holds an exclusive OS file lock (``flock``) on
``DATA-sync.lock`` beside the data file; a host that finds it taken tries again every
:data:`POLL_S` and takes the loop over once the holder stops, however it stops.

Why a lock file and not a row in the data file (a holder id with a heartbeat and a stale
timeout):

- The kernel releases a ``flock`` the moment its holder dies, ``kill -9`` and a crash
  included, so a takeover takes at most one poll (measured: under 1.5 s). A heartbeat row
  must wait out a stale timeout, which has to be several heartbeats long to survive a busy
  machine.
- A heartbeat writes the data file every few seconds: every open app would see a change to
  the file and read its list again (``PRAGMA data_version``), and the file's reads would no
  longer be free of writes.
- Staleness compares times, and each process has its own clock (``SFOGO_NOW``, a test's
  manual clock): two processes that disagree about the time would take the loop from each
  other. A ``flock`` compares nothing.
- ``flock`` (unlike ``fcntl`` record locks) belongs to the open file, not the process, so
  two hosts inside one process exclude each other too.

The file holds what the holder says about itself (:class:`Holder`: its process id, which
host, its interval, the accounts it syncs), so the others can say who syncs and can ask it
for a round now (:func:`ask_for_round`, a ``SIGUSR1``). It is never deleted: removing a lock
file while another process waits on it would let two holders in. A network file system may
not honour ``flock``; SQLite's WAL mode does not work there either. Where ``fcntl`` is
missing (Windows) there is no lock: :func:`available` says so and the app leaves syncing to
``sfogo sync --watch``.

A PostgreSQL inbox is shared by machines that share no folder: there :class:`SyncLock` is a
:class:`ServerSyncLock`, a session advisory lock on the server (``inbox/store/pg/locks.py``),
with the same guarantees (the server ends the lock with its session, ``kill -9`` included),
the holder's words in the database, and a round asked for by ``NOTIFY`` instead of a signal.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sfogo.inbox.i18n import _

from .errors import SfogoError
from .text import sanitize

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

SUFFIX = "-sync.lock"
POLL_S = 1.0  # a waiting host tries the lock this often: the bound on a takeover
ROUND_POLL_S = 0.5  # a server lock's holder looks for asked rounds this often
# The signal that asks the holder for a round now (the app's R key); None where it is missing.
ROUND_SIGNAL: signal.Signals | None = getattr(signal, "SIGUSR1", None)


def lock_path(db_path: str | os.PathLike) -> Path:
    """``sfogo.db`` -> ``sfogo.db-sync.lock`` (beside it, like ``sfogo.db-wal``); the real
    path, so a relative path, an absolute one and a symbolic link name one lock. (A
    PostgreSQL inbox has no folder: its loop takes a :class:`ServerSyncLock`.)"""
    return Path(os.path.realpath(db_path) + SUFFIX)


def available(db_path: str | os.PathLike | None = None) -> bool:
    """True where the inbox can be locked: a PostgreSQL inbox always; a file where the
    system has ``flock`` (every POSIX system)."""
    from .store.location import is_url

    return is_url(db_path) or fcntl is not None


@dataclass(frozen=True, slots=True)
class Holder:
    """What the holder of the loop writes into the lock file about itself."""

    pid: int
    host: str  # "sfogo sync --watch", "the app"
    interval: int  # seconds between an account's successful syncs
    since: int  # when it took the loop (its own clock)
    accounts: tuple[int, ...] | None = None  # the account ids it syncs; None: every one

    def describe(self) -> str:
        return _("{host} (pid {pid})").format(host=self.host, pid=self.pid)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Holder | None:
        """The holder a lock file names, or None (empty: released; torn: being written)."""
        try:
            data = json.loads(raw)
            accounts = data.get("accounts")
            return cls(
                int(data["pid"]),
                sanitize(str(data["host"]), single_line=True)[:80],  # shown: another file's words
                int(data["interval"]),
                int(data["since"]),
                None if accounts is None else tuple(int(a) for a in accounts),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


class SyncLock:
    """The loop's lock on one data file (on a PostgreSQL inbox: a :class:`ServerSyncLock`).
    Not shared between threads: one host, one lock."""

    def __new__(cls, db_path: str | os.PathLike) -> SyncLock:
        from .store.location import is_url

        if cls is SyncLock and is_url(db_path):
            return super().__new__(ServerSyncLock)
        return super().__new__(cls)

    def __init__(self, db_path: str | os.PathLike) -> None:
        self.path = lock_path(db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self, holder: Holder) -> bool:
        """Take the loop if nobody holds it, and say who we are; False if someone does.

        Raises SfogoError when the lock file cannot be opened (a read-only folder: then the
        data file cannot take a sync's writes either)."""
        if self._fd is not None:
            return True
        if fcntl is None:
            raise SfogoError(_("this system has no file locks (flock): run 'sfogo sync --watch'"))
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise SfogoError(
                _("cannot open {path}: {strerror}").format(path=self.path, strerror=exc.strerror)
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise SfogoError(
                _("cannot lock {path}: {strerror}").format(path=self.path, strerror=exc.strerror)
            ) from None
        self._fd = fd
        self._write(holder.to_json())
        return True

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)  # one write: a reader sees all of it or nothing

    def release(self) -> None:
        """Give the loop up (the file says nobody holds it, then the lock goes)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)  # closing the last descriptor releases the flock

    def held_elsewhere(self) -> bool:
        """True while another host holds the loop (a shared lock is refused meanwhile)."""
        if self._fd is not None or fcntl is None:
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return False  # no lock file: nobody ever held it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)
        return False

    def holder(self) -> Holder | None:
        """Who holds the loop, as its lock file says (None: nobody said, or we cannot read).
        A holder killed with ``kill -9`` leaves its words behind: see :meth:`held_elsewhere`."""
        try:
            return Holder.from_json(self.path.read_bytes())
        except OSError:
            return None

    def ask_for_round(self) -> Holder | None:
        """See :func:`ask_for_round`: a signal to the holder's process."""
        # A holder killed with kill -9 leaves its process id in the file, and the system may
        # give that id to another program since: only a live holder is signalled.
        if ROUND_SIGNAL is None or not self.held_elsewhere():
            return None
        who = self.holder()
        if who is None or who.pid == os.getpid():
            return None
        try:
            os.kill(who.pid, ROUND_SIGNAL)
        except OSError:  # gone since it wrote the file, or not ours to signal
            return None
        return who


class ServerSyncLock(SyncLock):
    """The loop's lock on a PostgreSQL inbox: one per inbox, whichever machine holds it."""

    def __init__(self, db_path: str | os.PathLike) -> None:
        from .store.location import shown
        from .store.pg.locks import PgSyncLock

        url = str(db_path)
        self._server = PgSyncLock(url, shown(url))
        self._listener: asyncio.Task | None = None

    @property
    def held(self) -> bool:
        return self._server.held

    def try_acquire(self, holder: Holder) -> bool:
        return self._server.try_acquire(holder.to_json().decode())

    def release(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
        self._server.release()

    def held_elsewhere(self) -> bool:
        return self._server.held_elsewhere()

    def holder(self) -> Holder | None:
        """Who holds the loop now (a dead holder's words are never read back)."""
        words = self._server.words()
        return None if words is None else Holder.from_json(words.encode())

    def ask_for_round(self) -> Holder | None:
        """A ``NOTIFY`` that the holder's session hears, wherever it runs."""
        who = self.holder()
        if who is None or self.held or not self._server.ask_for_round():
            return None
        return who

    def listen(self, holder: Holder, on_round: Callable[[], object]) -> None:
        """While held, call ``on_round`` for each round asked for (in the running loop)."""
        self._listener = asyncio.create_task(self._listen(holder, on_round))

    async def _listen(self, holder: Holder, on_round: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(ROUND_POLL_S)
            try:
                if not self._server.held:
                    # The session was lost (the server restarted, the network broke) and the
                    # lock with it: take it again once it is free. If another host took it
                    # meanwhile, both run a loop until this one stops: a known limit, rare
                    # (it needs the session lost while the process lives on). Rounds asked
                    # for meanwhile were not heard: one now stands for them.
                    if self._server.try_acquire(holder.to_json().decode()):
                        on_round()
                    continue
                asked = self._server.rounds_asked()
            except SfogoError:
                self._server.release()
                continue
            if asked:
                on_round()


async def acquire(
    lock: SyncLock,
    holder: Holder,
    *,
    waiting: Callable[[Holder | None], object] | None = None,
    poll_s: float = POLL_S,
    on_round: Callable[[], object] | None = None,
) -> None:
    """Take the loop, waiting for as long as another host holds it; ``waiting(who)`` is
    called once when it has to wait. The wait is paced on the machine's clock (a poll, not a
    time of the inbox); cancelling the task stops it. ``on_round`` is called when another
    host asks for a round and no signal carries it (a PostgreSQL inbox), until release."""
    told = False
    while not lock.try_acquire(holder):
        if not told and waiting is not None:
            waiting(lock.holder())
            told = True
        await asyncio.sleep(poll_s)
    if on_round is not None and isinstance(lock, ServerSyncLock):
        lock.listen(holder, on_round)


def ask_for_round(lock: SyncLock) -> Holder | None:
    """Ask the process that holds the loop for a round now; the holder asked, or None
    (nobody holds it, it is this process, or it could not be reached)."""
    return lock.ask_for_round()
