"""The tables of a PostgreSQL inbox, from its catalogue (see :mod:`..tables`)."""

from __future__ import annotations

from ..tables import Table
from .connection import PgConnection

# The schema's version (each engine keeps its own), who may see which client (only a
# shared inbox has roles) and the keys a triage page reads (a trigger keeps them; SQLite
# walks its index instead).
OWN = {"sfogo_meta", "client_access", "triage_open_keys"}

_COLUMNS_SQL = (
    "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
)
_KEYS_SQL = (
    "SELECT c.relname, a.attname FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid"
    " JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) ON true"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
    " WHERE x.indisprimary AND c.relnamespace = current_schema()::regnamespace"
    " ORDER BY c.relname, k.n"
)
_PARENTS_SQL = (
    "SELECT c.relname, p.relname FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid"
    " JOIN pg_class p ON p.oid = f.confrelid"
    " WHERE f.contype = 'f' AND c.relnamespace = current_schema()::regnamespace"
)


def pg_tables(conn: PgConnection) -> list[Table]:
    raw = conn.raw
    columns: dict[str, list[str]] = {}
    for table, column in raw.execute(_COLUMNS_SQL):
        columns.setdefault(table, []).append(column)
    keys: dict[str, list[str]] = {}
    for table, column in raw.execute(_KEYS_SQL):
        keys.setdefault(table, []).append(column)
    parents: dict[str, set[str]] = {}
    for table, parent in raw.execute(_PARENTS_SQL):
        parents.setdefault(table, set()).add(parent)
    return [
        Table(name, tuple(cols), tuple(keys.get(name, ())), tuple(sorted(parents.get(name, ()))))
        for name, cols in columns.items()
        if name not in OWN
    ]
