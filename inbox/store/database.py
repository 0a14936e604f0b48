"""The open data file: the connection, its settings, migrations and transactions.

:class:`Store` owns the SQLite connection and hands out typed collaborators, one per thing
the file holds (``store.clients``, ``store.items`` …); every query lives in one of them, so
``backlog/`` and ``tui/`` call named functions and never see SQL.

One connection per thread (sqlite3's rule): a thread opens its own ``Store``. WAL mode and a
busy timeout let the app, a background sync and a one-off command share the file. Writes
happen in short explicit transactions (``with store.transaction():``); the connection is
otherwise in autocommit.

Every sqlite3 error that is about the file (busy, damaged, read-only, full) becomes a
one-line sfogo error in :mod:`.failures`; write transactions raise those themselves. A file
whose folder cannot be written opens read-only (reads work, writes are refused in one line),
and a file found damaged earlier takes no more writes.

``PRAGMA optimize`` follows SQLite's advice: a short-lived connection that wrote runs it just
before closing (``close(optimize=True)``: the command line); a long-lived one runs
``optimize(opening=True)`` once after opening and :meth:`Store.optimize` every
:data:`OPTIMIZE_EVERY_S` (the app, the sync loop). A worker's connection never runs it: it
may ANALYZE, a write that other connections see as a change to the file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import schema
from ..errors import StoreDamaged, StoreError, StoreReadOnly
from ..schema import SCHEMA_VERSION
from . import failures
from .accounts import Accounts
from .canned import CannedReplies
from .clients import Clients
from .drafts import Drafts
from .items import Items
from .marks import Marks
from .outbox import Outbox
from .posts import Posts
from .reports import Reports
from .runs import AwayPeriods, SyncRuns
from .triage import TriageIndex
from .workload import Workload

BUSY_TIMEOUT_S = 10.0
OPTIMIZE_EVERY_S = 6 * 3600  # long-lived connections refresh the planner's statistics


def default_path() -> Path:
    """The user's inbox: ``SFOGO_DB``, else ``sfogo.db`` in the user data directory."""
    env = os.environ.get("SFOGO_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("sfogo", appauthor=False) / "sfogo.db"


class Store:
    """An open sfogo data file. Use one per thread; close it (or use ``with``) when done."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        create: bool = True,
        create_folder: bool = True,
        busy_timeout_s: float | None = None,
    ) -> None:
        self.path = Path(path)
        # How long a write waits for another writer's lock (default: BUSY_TIMEOUT_S).
        self.busy_timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        self.read_only = False  # opened read-only because its folder cannot be written
        self.conn = self._open(create, create_folder)
        self.clients = Clients(self)
        self.accounts = Accounts(self)
        self.items = Items(self)
        self.marks = Marks(self)
        self.triage = TriageIndex(self)
        self.runs = SyncRuns(self)
        self.away = AwayPeriods(self)
        self.outbox = Outbox(self)
        self.posts = Posts(self)
        self.reports = Reports(self)
        self.workload = Workload(self)
        self.drafts = Drafts(self)
        self.canned = CannedReplies(self)

    # -- opening -------------------------------------------------------------------------

    def _open(self, create: bool, create_folder: bool) -> sqlite3.Connection:
        """Connect and set the file up; a file whose folder cannot be written opens
        read-only. Every failure is one StoreError, and leaves no connection open."""
        conn = self.conn = self._connect(create, create_folder)
        try:
            try:
                self._setup()
            except sqlite3.Error as exc:
                if not self._may_read_only(exc):
                    raise
                conn.close()
                conn = self.conn = self._connect_read_only(exc)
                self._setup()
        except StoreError:
            conn.close()  # a refused file is not left open (Windows could not delete it)
            raise
        except sqlite3.Error as exc:
            conn.close()
            error = self.failure(exc)
            if error is None:
                raise StoreError(f"cannot use {self.path}: {exc}") from None
            if isinstance(error, StoreDamaged):  # not even its list of tables can be read
                raise StoreDamaged(
                    f"{self.path} is damaged ({exc}) so badly that it cannot be opened: "
                    "restore a backup"
                ) from None
            raise error from None
        return conn

    def _connect(self, create: bool, create_folder: bool) -> sqlite3.Connection:
        if not create and not self.path.exists():
            raise StoreError(f"no data file at {self.path}: run 'sfogo demo' or add a client")
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a data file: pass a file to --db")
        parent = self.path.parent
        if not parent.exists() and not create_folder:
            # A path the user typed: a typo must not quietly start an empty inbox elsewhere.
            raise StoreError(f"no folder {parent}: check the path, or create the folder first")
        if not parent.exists():
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder {parent}: {exc.strerror}") from None
        try:
            return sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise self.failure(exc) or StoreError(f"cannot open {self.path}: {exc}") from None

    def _may_read_only(self, exc: sqlite3.Error) -> bool:
        """A WAL file in a folder this process cannot write: SQLite cannot create the
        ``-wal`` and ``-shm`` files it needs even to read, unless asked to read only."""
        code = failures.primary_code(exc)
        return (
            code in (failures.SQLITE_READONLY, failures.SQLITE_CANTOPEN)
            and self.path.exists()
            and failures.cannot_write(self.path)
        )

    def _connect_read_only(self, first: sqlite3.Error) -> sqlite3.Connection:
        """Open the file read-only: ``mode=ro`` where SQLite's shared files exist, else
        ``immutable=1``, which reads the file without locks or a log, so only when no log
        holds changes not yet in the file (they would be invisible)."""
        self.read_only = True
        uri = self.path.resolve().as_uri()
        try:
            conn = sqlite3.connect(
                f"{uri}?mode=ro",
                timeout=self.busy_timeout_s,
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA user_version").fetchone()
            return conn
        except sqlite3.Error:
            pass
        wal = Path(f"{self.path}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreReadOnly(
                f"cannot read {self.path}: {failures.why_read_only(self.path)}, and "
                f"{wal.name} holds changes not yet in the file; open it once where it can "
                "be written"
            ) from None
        try:
            return sqlite3.connect(
                f"{uri}?immutable=1", uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error:
            raise first from None

    def _setup(self) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer sfogo (schema {version}; this one reads "
                f"up to {SCHEMA_VERSION}): upgrade sfogo to open it"
            )
        if version == 0:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if tables:
                raise StoreError(
                    f"{self.path} is an SQLite file but not an sfogo one: pass another to --db"
                )
        if version < SCHEMA_VERSION and self.read_only:
            raise StoreError(
                f"{self.path} is from an older sfogo and must be upgraded once, but it is "
                f"read-only: {failures.why_read_only(self.path)}"
            )
        if not self.read_only:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"cannot switch {self.path} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            self.migrate(SCHEMA_VERSION)

    def migrate(self, target: int) -> None:
        """Move the file forward to schema ``target``, one version per transaction."""
        schema.migrate(self.conn, target)

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    # -- living and closing ----------------------------------------------------------------

    def optimize(self, *, opening: bool = False) -> None:
        """Let SQLite refresh the planner's statistics where they went stale (it may write).

        ``opening``: the first run of a long-lived connection, which also looks at tables
        this connection has not used yet. A file that cannot be written is left as it is.
        """
        try:
            self.conn.execute("PRAGMA optimize = 0x10002" if opening else "PRAGMA optimize")
        except sqlite3.Error:
            pass

    def close(self, *, optimize: bool = False) -> None:
        """Close the connection; ``optimize`` first for a short-lived one that wrote.

        That optimize does not wait for the write lock: a command that finished its work
        must not sit out another writer's busy timeout only to refresh statistics."""
        if optimize and not self.read_only:
            try:
                self.conn.execute("PRAGMA busy_timeout = 0")
            except sqlite3.Error:
                pass
            self.optimize()
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; it takes the write lock at once so it cannot deadlock.

        Nested, it joins the outer one. Outside the store package, use it only to group
        collaborators' writes (``with store.transaction(): ...``), never for SQL. An error
        about the file itself (busy, damaged, read-only, full) leaves as a one-line
        :class:`~sfogo.inbox.errors.StoreError`; nothing of the transaction is kept.
        """
        if self.conn.in_transaction:
            yield self.conn
            return
        self._may_write()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self.failure(exc) or exc from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self._roll_back()
            error = self.failure(exc) if isinstance(exc, sqlite3.Error) else None
            if error is not None:
                raise error from None
            raise

    def _roll_back(self) -> None:
        """ROLLBACK, unless SQLite already rolled back after the error (a full disk, a busy
        COMMIT): a second ROLLBACK would hide the first error behind its own."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the connection is closed with the command; the file keeps nothing

    def _may_write(self) -> None:
        """Refuse a write to a file opened read-only, or found damaged earlier."""
        if self.read_only:
            raise failures.read_only(self.path)
        found = failures.recorded_damage(self.path)
        if found is not None:
            raise failures.damaged(self.path, found)

    def failure(self, exc: BaseException) -> StoreError | None:
        """What ``exc`` means for this file as a one-line sfogo error (None: it is not
        about the file); see :mod:`.failures`."""
        return failures.failure(exc, self.path, waited_s=self.busy_timeout_s)

    def quick_check(self) -> list[str]:
        """What SQLite's ``quick_check`` finds wrong (every page is read; indexes are not
        compared with their rows); [] when the file is sound. A read: it never writes."""
        try:
            found = [row[0] for row in self.conn.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:  # damage bad enough that the check cannot finish
            return [str(exc)]
        return [] if found == ["ok"] else found

    def data_version(self) -> int:
        """Changes when another connection commits to the file: a cheap poll for 'live'."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]


def open_store(path: str | os.PathLike | None = None, *, create: bool = True) -> Store:
    """Open the file at ``path`` (default: :func:`default_path`)."""
    return Store(default_path() if path is None else path, create=create)
