"""Looking after a PostgreSQL inbox: what ``sfogo db check``, ``vacuum`` and ``analyze`` run
there.

The server guards its own pages and enforces every foreign key as it writes, so the check
is what sfogo keeps itself: the search index agrees with each item's words (the trigger
keeps it; a row written with the trigger disabled would not), and every open item has its
triage key. Vacuum is PostgreSQL's ``VACUUM (ANALYZE)``; the size is the database's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...maintenance import Check

if TYPE_CHECKING:
    from .database import PgStore

TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def check(store: PgStore) -> list[Check]:
    raw = store.conn.raw
    stale = raw.execute(
        "SELECT id FROM interactions WHERE search IS DISTINCT FROM"
        " sfogo_search_doc(text, author_name, author_handle) ORDER BY id LIMIT 20"
    ).fetchall()
    return [
        Check("server", ()),
        Check(
            "search index",
            tuple(f"item {i} is missing from the search index or out of date" for (i,) in stale),
        ),
    ]


def size(store: PgStore) -> int:
    row = store.conn.raw.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def vacuum(store: PgStore) -> tuple[int, int]:
    before = size(store)
    for (table,) in store.conn.raw.execute(TABLES_SQL).fetchall():
        store.conn.raw.execute(f'VACUUM (ANALYZE) "{table}"')
    return before, size(store)


def analyze(store: PgStore) -> None:
    store.conn.raw.execute("ANALYZE")
