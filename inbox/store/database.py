"""The open data file: the connection, its settings, migrations and transactions.

:class:`Store` owns the SQLite connection and hands out typed collaborators, one per thing
the file holds (``store.clients``, ``store.items`` …); every query lives in one of them, so
``backlog/`` and ``tui/`` call named functions and never see SQL.

One connection per thread (sqlite3's rule): a thread opens its own ``Store``. WAL mode and a
busy timeout let the app, a background sync and a one-off command share the file. Writes
happen in short explicit transactions (``with store.transaction():``); the connection is
otherwise in autocommit.

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
from ..errors import StoreError
from ..schema import SCHEMA_VERSION
from .accounts import Accounts
from .clients import Clients
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
        self, path: str | os.PathLike, *, create: bool = True, create_folder: bool = True
    ) -> None:
        self.path = Path(path)
        self.conn = self._connect(create, create_folder)
        try:
            self._setup()
        except StoreError:
            self.conn.close()  # a refused file is not left open (Windows could not delete it)
            raise
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            message = str(exc)
            if "not a database" in message or "malformed" in message:
                raise StoreError(
                    f"{self.path} is not an SQLite data file: pass another file to --db"
                ) from None
            raise StoreError(f"cannot use {self.path}: {message}") from None
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

    # -- opening -------------------------------------------------------------------------

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
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from None

    def _setup(self) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
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
        """Close the connection; ``optimize`` first for a short-lived one that wrote."""
        if optimize:
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
        collaborators' writes (``with store.transaction(): ...``), never for SQL.
        """
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes when another connection commits to the file: a cheap poll for 'live'."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]


def open_store(path: str | os.PathLike | None = None, *, create: bool = True) -> Store:
    """Open the file at ``path`` (default: :func:`default_path`)."""
    return Store(default_path() if path is None else path, create=create)
