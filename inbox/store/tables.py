"""What tables an inbox holds, read from the engine's own catalogue (for ``sfogo db copy``).

Each engine lists its tables with their columns in order, their primary key and the tables
their foreign keys point to; what only one engine keeps for its own machinery (SQLite's
full-text tables, PostgreSQL's schema version) is left out. The copy takes the columns both
sides have, so a column one engine computes (PostgreSQL's search vector) is rebuilt there.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple


class Table(NamedTuple):
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key's columns, in order (() when it has none)
    parents: tuple[str, ...]  # the tables its foreign keys point to


def quoted(name: str) -> str:
    """An identifier as SQL text (names come from the catalogue, quoted all the same)."""
    return '"' + name.replace('"', '""') + '"'


def sqlite_tables(conn: sqlite3.Connection) -> list[Table]:
    """The file's tables, without SQLite's own and a virtual table's shadow tables."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = [name for name, sql in rows if sql and sql.upper().startswith("CREATE VIRTUAL")]
    found = []
    for name, _sql in rows:
        if name.startswith("sqlite_") or any(name.startswith(v) for v in virtual):
            continue
        info = conn.execute(f"PRAGMA table_info({quoted(name)})").fetchall()
        key = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        parents = conn.execute(f"PRAGMA foreign_key_list({quoted(name)})").fetchall()
        found.append(
            Table(name, tuple(r[1] for r in info), key, tuple(sorted({p[2] for p in parents})))
        )
    return found


def in_copy_order(tables: list[Table]) -> list[Table]:
    """Parents before the tables that point to them (then by name, so the order is stable)."""
    left = {t.name: t for t in tables}
    ordered: list[Table] = []
    while left:
        ready = sorted(
            n for n, t in left.items() if all(p not in left or p == n for p in t.parents)
        )
        if not ready:  # a cycle: no foreign key of sfogo's makes one
            ready = sorted(left)
        for name in ready:
            ordered.append(left.pop(name))
    return ordered
