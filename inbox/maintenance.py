"""Looking after the data file: is it sound, and making it small and fast again.

What ``sfogo db check``, ``sfogo db vacuum`` and ``sfogo db analyze`` run. VACUUM and
ANALYZE go through sqlite-utils (``Database.vacuum``, ``Database.analyze``). The checks are
PRAGMAs and an FTS5 command for which sqlite-utils has no call, so they are plain SQL.
A PostgreSQL inbox has its own (inbox/store/pg/maintenance.py).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sfogo.inbox.i18n import _

from .store import Store, failures
from .store.database import SqliteStore

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .store.pg.database import PgStore

# The full-text index over the interactions' text (see schema.py).
SEARCH_TABLE = "interactions_fts"


@dataclass(frozen=True, slots=True)
class Check:
    """One check of the file and what it found wrong (nothing: sound)."""

    name: str
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _lines(messages: list[str]) -> tuple[str, ...]:
    # SQLite joins some findings with newlines ("*** in database main ***\nOn tree page …").
    return tuple(
        line
        for message in messages
        for line in message.splitlines()
        if line.strip() and not line.startswith("*** in database")
    )


def _integrity(conn: sqlite3.Connection, quick: bool) -> Check:
    """``integrity_check`` reads every page and checks every index against its table;
    ``quick_check`` skips the index comparison, so it runs in a fraction of the time but
    misses an index that disagrees with its rows."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        found = [row[0] for row in conn.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as exc:  # damage bad enough that the check cannot finish
        return Check(pragma, (str(exc),))
    return Check(pragma, () if found == ["ok"] else _lines(found))


def _foreign_keys(conn: sqlite3.Connection) -> Check:
    try:
        found = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return Check(_("foreign keys"), (str(exc),))
    return Check(
        _("foreign keys"),
        tuple(
            f"{table} row {rowid} refers to a missing {parent} row"
            for table, rowid, parent, _ in found
        ),
    )


def _search_index(store: SqliteStore) -> Check:
    """FTS5's own 'integrity-check' command: the index agrees with the rows it indexes."""
    conn = store.conn
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (SEARCH_TABLE,)).fetchone()
    if not exists:
        return Check(
            _("search index"),
            (_("the {search_table} table is missing").format(search_table=SEARCH_TABLE),),
        )
    try:
        conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        # FTS5 runs its check as a write: a file that takes none is not damaged for that.
        code = failures.primary_code(exc)
        if code == failures.SQLITE_READONLY:
            return Check(_("search index (not checked: the file is read-only)"))
        if code in (failures.SQLITE_BUSY, failures.SQLITE_LOCKED):
            raise store.failure(exc) or exc from None  # the check could not run: try again
        return Check(_("search index"), (str(exc),))
    return Check(_("search index"))


def _pg(store: Store) -> PgStore | None:
    """The store, if it is a PostgreSQL inbox (its maintenance is its own)."""
    return None if isinstance(store, SqliteStore) else store  # type: ignore[return-value]


def check(store: Store, *, quick: bool = False) -> list[Check]:
    """Every check of the file, in order: pages and indexes, foreign keys, search index."""
    if (pg := _pg(store)) is not None:
        from .store.pg import maintenance

        return maintenance.check(pg)
    assert isinstance(store, SqliteStore)
    conn = store.conn
    return [_integrity(conn, quick), _foreign_keys(conn), _search_index(store)]


def file_size(store: Store) -> int:
    """Bytes on disk: the file and its write-ahead log (a PostgreSQL inbox: its database)."""
    if (pg := _pg(store)) is not None:
        from .store.pg import maintenance

        return maintenance.size(pg)
    assert isinstance(store, SqliteStore)
    total = 0
    for suffix in ("", "-wal"):
        part = Path(f"{store.path}{suffix}")
        if part.exists():
            total += part.stat().st_size
    return total


def _database(store: SqliteStore) -> Database:
    from sqlite_utils import Database

    # No plugins and no change to how the store's connection runs triggers.
    return Database(store.conn, recursive_triggers=False, execute_plugins=False)


def vacuum(store: Store) -> tuple[int, int]:
    """Rewrite the file without its free pages; return its size before and after.

    VACUUM in WAL mode writes the new content into the log; the checkpoint moves it into
    the file and truncates the log, so the space is really given back.
    """
    if (pg := _pg(store)) is not None:
        from .store.pg import maintenance

        return maintenance.vacuum(pg)
    assert isinstance(store, SqliteStore)
    before = file_size(store)
    _database(store).vacuum()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return before, file_size(store)


def analyze(store: Store) -> None:
    """Refresh the query planner's statistics: ANALYZE, then ``PRAGMA optimize`` (which
    SQLite recommends after a schema change or a big load, and before closing)."""
    if (pg := _pg(store)) is not None:
        from .store.pg import maintenance

        return maintenance.analyze(pg)
    assert isinstance(store, SqliteStore)
    _database(store).analyze()
    store.conn.execute("PRAGMA optimize")
