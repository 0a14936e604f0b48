"""Where OAuth grants live between runs, and the locks that keep two processes from spending
one refresh token or losing each other's writes.

A grant is one JSON object (:mod:`inbox.channels.oauth` makes and reads it): the refresh
token, the access token it last gave and when that expires, the refresh token before the
last rotation (kept until the new one has worked once), and ``seed``, a fingerprint of the
refresh token the login stored, so a new login starts a new grant. It is kept beside the
account's secret, as one object, so the refresh token and the access token it gave are
always written together:

- :class:`KeyringGrant`: in the account's keyring entry, when the login went to the keyring;
- :class:`GrantFile`: in ``sessions.json`` beside the config file (mode 0600, replaced
  atomically under a lock), when the secret is in the config file;
- :class:`MemoryGrant`: in this process only (sync without a config folder, and tests).

Every save goes to the process's memory first, then to the durable place. A durable write
that fails leaves the grant *pending* in memory: this process keeps using it, the next load
tries to store it again, and the caller hears of the failure (an OSError) to say so.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path

from sfogo.inbox.i18n import _

from . import redact
from . import system_keyring as keyring_mod
from .files import write_private

SESSIONS = "sessions.json"
REFRESH_LOCK = ".sfogo-refresh.lock"  # held while a refresh token is spent
REFRESH_WAIT_S = 30.0  # a refresh takes a second; past this the lock's holder is stuck
SECRET_FIELDS = ("refresh_token", "previous_refresh_token", "access_token")

_LOCK = threading.Lock()
_PENDING: dict[str, dict] = {}  # scope -> a grant not yet stored durably
_MEMORY: dict[str, dict] = {}  # scope -> the grant of a MemoryGrant


def remember(grant: dict | None) -> None:
    """The grant's tokens are secrets: masked wherever they would be printed or stored."""
    if grant:
        redact.remember(*(grant.get(k) for k in SECRET_FIELDS))


# -- sessions.json ---------------------------------------------------------------------------


def read_sessions(path: Path) -> dict:
    """``sessions.json`` as a dict ({} when missing or unreadable)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _lock_fd(folder: Path, name: str | None) -> int | None:
    """An open lock file ``name`` in ``folder`` (created 0600), or the folder itself when
    ``name`` is None; None where locks cannot be had."""
    try:
        import fcntl  # noqa: F401  (POSIX only: elsewhere, no lock)
    except ImportError:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if name is None:
            return os.open(folder, os.O_RDONLY)
        return os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        return None


@contextmanager
def _sessions_locked(folder: Path) -> Iterator[None]:
    """Held for the few milliseconds of a read-change-replace of sessions.json, so two
    processes that save different accounts never drop each other's entry. The lock is
    the folder's own (sessions.json is replaced, so it cannot hold one): no file is left
    behind."""
    fd = _lock_fd(folder, None)
    if fd is None:
        yield
        return
    import fcntl

    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass  # a file system without locks: the write is still atomic
        yield
    finally:
        os.close(fd)  # closing releases the lock


def update_session(path: Path, key: str, value: dict | None) -> None:
    """Set (or, with None, remove) ``key`` in the sessions file, atomically, under its lock.
    Raises OSError when the file cannot be written."""
    with _sessions_locked(path.parent):
        sessions = read_sessions(path)
        if value:
            sessions[key] = value
        elif key in sessions:
            del sessions[key]
        else:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, json.dumps(sessions))


@asynccontextmanager
async def refresh_lock(folder: Path | None) -> AsyncIterator[None]:
    """Held while a refresh token is spent: another process (the app's sync and a cron
    sync) waits, then finds the new grant stored instead of spending the old token. The
    lock is polled, never waited for in a blocking call, so the event loop (and the other
    accounts' refreshes) go on meanwhile. Past :data:`REFRESH_WAIT_S` the refresh goes
    ahead without it."""
    fd = _lock_fd(folder, REFRESH_LOCK) if folder is not None else None
    if fd is None:
        yield
        return
    import fcntl

    try:
        deadline = time.monotonic() + REFRESH_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.05)
            except OSError:
                break  # no locks on this file system
        yield
    finally:
        os.close(fd)


# -- grant slots -----------------------------------------------------------------------------


class _Grant:
    """What every grant slot shares: the pending copy in memory, the refresh lock."""

    where = "memory"

    def __init__(self, scope: str, folder: Path | None) -> None:
        self._scope = scope
        self._folder = folder

    def _read(self) -> dict | None:
        raise NotImplementedError

    def _write(self, data: dict) -> None:
        raise NotImplementedError

    def load(self) -> dict | None:
        """The grant as stored now; a pending one is stored again first (and returned
        whether that works or not: it is the newest)."""
        with _LOCK:
            pending = _PENDING.get(self._scope)
        if pending is None:
            found = self._read()
            remember(found)
            return dict(found) if found else None
        try:
            self._write(pending)
        except OSError:
            return dict(pending)
        with _LOCK:
            if _PENDING.get(self._scope) is pending:
                del _PENDING[self._scope]
        return dict(pending)

    def save(self, data: dict) -> None:
        """Keep ``data`` in memory, then store it; OSError when it could not be stored (it
        stays pending, see the module's docstring)."""
        data = dict(data)
        remember(data)
        with _LOCK:
            _PENDING[self._scope] = data
        self._write(data)
        with _LOCK:
            if _PENDING.get(self._scope) is data:
                del _PENDING[self._scope]

    def forget(self) -> None:
        """Drop this process's copy (a logout)."""
        with _LOCK:
            _PENDING.pop(self._scope, None)
            _MEMORY.pop(self._scope, None)

    def hold(self) -> AbstractAsyncContextManager[None]:
        return refresh_lock(self._folder)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<hidden>)"


class MemoryGrant(_Grant):
    """A grant kept for this process only."""

    def __init__(self, key: str) -> None:
        super().__init__(f"memory:{key}", None)

    def _read(self) -> dict | None:
        with _LOCK:
            return _MEMORY.get(self._scope)

    def _write(self, data: dict) -> None:
        with _LOCK:
            _MEMORY[self._scope] = data


class GrantFile(_Grant):
    """A grant in ``FOLDER/sessions.json``, under the account's key."""

    def __init__(self, folder: Path, key: str) -> None:
        self.path = Path(folder) / SESSIONS
        super().__init__(f"{self.path}:{key}", self.path.parent)
        self.where = str(self.path)
        self._key = key

    def _read(self) -> dict | None:
        found = read_sessions(self.path).get(self._key)
        return found if isinstance(found, dict) and found.get("refresh_token") else None

    def _write(self, data: dict) -> None:
        update_session(self.path, self._key, data)


class KeyringGrant(_Grant):
    """A grant in the account's keyring entry (beside the login's refresh token and client
    secret); the refresh lock lives in ``folder`` (the config folder)."""

    where = "the system keyring"

    def __init__(self, key: str, folder: Path | None) -> None:
        super().__init__(f"keyring:{key}", folder)
        self._key = key

    def _read(self) -> dict | None:
        found = keyring_mod.entry(self._key).get("grant")
        return found if isinstance(found, dict) and found.get("refresh_token") else None

    def _write(self, data: dict) -> None:
        entry = keyring_mod.entry(self._key)
        if not entry.get("refresh_token"):
            # Logged out meanwhile: writing the grant back would bring the login back.
            raise keyring_mod.KeyringUnavailable(_("the login is no longer in the keyring"))
        keyring_mod.put_entry(self._key, {**entry, "grant": data})
