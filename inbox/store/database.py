"""The open inbox: the base every engine shares, and the SQLite file.

:class:`Store` is what ``backlog/`` and ``tui/`` hold: it hands out the typed collaborators,
one per thing the inbox holds (``store.clients``, ``store.items`` …), and owns the write
transaction. ``Store(location)`` opens the engine the location names: an SQLite file
(:class:`SqliteStore`, below) or a PostgreSQL URL (:class:`~.pg.database.PgStore`); both
answer every collaborator's functions with the same typed rows (see the package's docstring
for how the engines differ and stay equal).

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from .. import schema
from ..errors import StoreDamaged, StoreError, StoreReadOnly
from ..rows import ItemRow
from ..schema import SCHEMA_VERSION
from . import failures
from ._part import Connection
from .accounts import Accounts
from .canned import CannedReplies
from .clients import Clients
from .drafts import Drafts
from .filters import SQLITE_SEARCH, SearchSql, marks
from .items import Items
from .location import Location, default_location, is_url, location_of, shown
from .marks import Marks
from .outbox import Outbox
from .posts import Posts
from .reports import Reports
from .runs import AwayPeriods, SyncRuns
from .tables import Table, quoted, sqlite_tables
from .team import Team
from .triage import TriageIndex
from .workload import Workload

BUSY_TIMEOUT_S = 10.0
OPTIMIZE_EVERY_S = 6 * 3600  # long-lived connections refresh the planner's statistics


def default_path() -> Path:
    """The user's data file: ``SFOGO_DB``, else ``sfogo.db`` in the user data directory
    (a URL in ``SFOGO_DB`` is not a file: see :func:`~.location.default_location`)."""
    found = default_location()
    return found if isinstance(found, Path) else Path(found)


class Store:
    """An open inbox, of either engine. Use one per thread; close it (or use ``with``).

    ``Store(location)`` returns the engine's own class: a path opens an SQLite file
    (:class:`SqliteStore`), a ``postgresql://`` URL a server's database
    (:class:`~.pg.database.PgStore`).
    """

    engine: ClassVar[str] = ""
    # What a value being written can raise when the value is the problem, not the inbox
    # (a constraint, a string the engine cannot store): the import skips that line.
    CONTENT_ERRORS: ClassVar[tuple[type[BaseException], ...]] = ()
    # A unique or foreign key refused a write (a client's name taken …).
    IntegrityError: ClassVar[type[BaseException]] = Exception
    # How the engine spells a full-text match in a listing's WHERE.
    search_sql: ClassVar[SearchSql] = SQLITE_SEARCH

    conn: Connection
    location: Location
    busy_timeout_s: float
    read_only: bool

    def __new__(cls, location: str | os.PathLike, *args: Any, **kwargs: Any) -> Store:
        if cls is not Store:
            return super().__new__(cls)
        if is_url(location):
            from .pg.database import PgStore  # a one-line StoreError without psycopg

            return super().__new__(PgStore)
        return super().__new__(SqliteStore)

    def __init__(
        self,
        location: str | os.PathLike,
        *,
        create: bool = True,
        create_folder: bool = True,
        busy_timeout_s: float | None = None,
    ) -> None:
        self.location = location_of(location)
        # How long a write waits for another writer's lock (default: BUSY_TIMEOUT_S).
        self.busy_timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        self.read_only = False  # opened read-only: it cannot be written here
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
        self.team = Team(self)
        self._specialise()

    @property
    def name(self) -> str:
        """The inbox as messages name it: the file's path, or the URL without a password."""
        return shown(self.location)

    def _specialise(self) -> None:
        """Put the engine's own collaborators where it spells a query differently."""

    # -- what each engine provides ------------------------------------------------------

    def _open(self, create: bool, create_folder: bool) -> Connection:
        raise NotImplementedError

    def _begin(self) -> None:
        """Start a write transaction that holds the one writer's lock at once."""
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _roll_back(self) -> None:
        raise NotImplementedError

    def _may_write(self) -> None:
        """Refuse a write before it starts (an inbox opened read-only)."""

    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def migrate(self, target: int) -> None:
        raise NotImplementedError

    def schema_version(self) -> int:
        raise NotImplementedError

    def optimize(self, *, opening: bool = False) -> None:
        """Refresh the planner's statistics where they went stale (it may write)."""

    def ahead_gap_reads(self) -> None:
        """Send ahead what finding gaps reads first: the away periods, then the accounts
        with their clients (as :meth:`ahead_list_rows`)."""

    def ahead_item_extras(self, item: ItemRow) -> None:
        """Send ahead what an item's pane reads next: its replies in the outbox, its account
        by id, then its thread's rows, in that order (as :meth:`ahead_list_rows`)."""

    def ahead_list_rows(self, ids: Sequence[int], *, now: int | None) -> None:
        """Send ahead what a page of the list reads next (its rows by id, then what is
        waiting, liked, drafted, assigned and being replied to, in that order, for these
        ``ids``): a server engine answers it all in one round trip, served to those reads
        only if they ask exactly that. In process, nothing to do."""

    def close(self, *, optimize: bool = False) -> None:
        raise NotImplementedError

    def failure(self, exc: BaseException) -> StoreError | None:
        """What ``exc`` means for this inbox as a one-line sfogo error (None: it is not
        about the inbox)."""
        raise NotImplementedError

    def quick_check(self) -> list[str]:
        """What a quick check of every page finds wrong; [] when the inbox is sound."""
        return []

    def data_version(self) -> int:
        """Changes when another connection commits to the inbox: a cheap poll for 'live'."""
        raise NotImplementedError

    # -- whole tables (sfogo db copy) ------------------------------------------------------

    def tables(self) -> list[Table]:
        """The inbox's tables, from the engine's catalogue (see :mod:`.tables`)."""
        raise NotImplementedError

    def load_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Insert ``rows`` as they are, ids included (inside :meth:`transaction`)."""
        names = ", ".join(quoted(c) for c in columns)
        self.conn.executemany(
            f"INSERT INTO {quoted(table)} ({names}) VALUES ({marks(len(columns))})", rows
        )

    def after_load(self, table: str) -> None:
        """What the engine needs after rows came in with their ids (SQLite: nothing, a new
        row's id follows the largest)."""

    # -- shared ------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction; it takes the write lock at once so it cannot deadlock.

        Nested, it joins the outer one. Outside the store package, use it only to group
        collaborators' writes (``with store.transaction(): ...``), never for SQL. An error
        about the inbox itself (busy, damaged, read-only, full, a lost server) leaves as a
        one-line :class:`~sfogo.inbox.errors.StoreError`; nothing of the transaction is kept.
        """
        if self.in_transaction():
            yield self.conn
            return
        self._may_write()
        try:
            self._begin()
        except StoreError:
            raise
        except Exception as exc:
            raise self.failure(exc) or exc from None
        try:
            yield self.conn
            self._commit()
        except BaseException as exc:
            self._roll_back()
            error = self.failure(exc) if not isinstance(exc, StoreError) else None
            if error is not None:
                raise error from None
            raise


class SqliteStore(Store):
    """An open sfogo data file (SQLite)."""

    engine = "sqlite"
    CONTENT_ERRORS = failures.CONTENT_ERRORS
    IntegrityError = sqlite3.IntegrityError
    conn: sqlite3.Connection

    @property
    def path(self) -> Path:
        assert isinstance(self.location, Path)
        return self.location

    def tables(self) -> list[Table]:
        return sqlite_tables(self.conn)

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

    def _begin(self) -> None:
        # IMMEDIATE: the write lock now, so two writers never deadlock upgrading a read.
        self.conn.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        self.conn.execute("COMMIT")

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


def open_store(location: str | os.PathLike | None = None, *, create: bool = True) -> Store:
    """Open the inbox at ``location`` (default: :func:`~.location.default_location`)."""
    return Store(default_location() if location is None else location, create=create)
