"""The two engines hold the same inbox: the same tables with the same columns.

A migration step appended to SQLite's schema (inbox/schema.py) needs its twin in
PostgreSQL's (inbox/store/pg/schema.py); this fails, naming the difference, until it has
one."""

from __future__ import annotations

from sfogo.inbox.store import Store
from sfogo.inbox.store.pg.tables import OWN

# What only one engine keeps, for its own machinery.
SQLITE_OWN = ("sqlite_", "interactions_fts")
PG_OWN_TABLES = OWN  # the version; who sees which client; the keys a triage page reads
PG_OWN_COLUMNS = {("interactions", "search")}  # the tsvector that FTS5's table is on SQLite


def _sqlite_columns(store: Store) -> set[tuple[str, str]]:
    tables = [
        name
        for (name,) in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not name.startswith(SQLITE_OWN)
    ]
    return {
        (table, row[1])
        for table in tables
        for row in store.conn.execute(f"PRAGMA table_info({table})")
    }


def _pg_columns(store: Store) -> set[tuple[str, str]]:
    rows = store.conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
    ).fetchall()
    return {(t, c) for t, c in rows if t not in PG_OWN_TABLES and (t, c) not in PG_OWN_COLUMNS}


def test_both_engines_hold_the_same_tables_and_columns(db_path, pg_server, pg_template):
    with (
        Store(db_path) as lite,
        Store(pg_server.url(pg_server.new_database(template=pg_template))) as pg,
    ):
        sqlite, postgres = _sqlite_columns(lite), _pg_columns(pg)
    assert sorted(sqlite - postgres) == [], "only in SQLite's schema"
    assert sorted(postgres - sqlite) == [], "only in PostgreSQL's schema"
