"""The triage index's reads on PostgreSQL: the same statements, fewer round trips.

In process, SQLite answers a statement in microseconds; over loopback every statement is a
round trip of about 0.1 ms before the server does any work. So the statements a triage page
starts with are sent together in one pipeline (psycopg's pipeline mode: one round trip for
all four), and a stream's first read asks for more rows, which costs the server next to
nothing and saves reading the same stream again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..triage import (
    _HORIZONS_SQL,
    _META,
    _META_SQL,
    _MISSING_SQL,
    KEYS_SQL,
    TriageIndex,
    TriageOverview,
)

if TYPE_CHECKING:
    from .connection import PgConnection


class PgTriageIndex(TriageIndex):
    """``store.triage`` on PostgreSQL."""

    __slots__ = ()

    first_chunk = 16

    def overview(self) -> TriageOverview:
        conn: PgConnection = self._conn  # type: ignore[assignment]  # only a PgStore holds this
        with conn.raw.pipeline():
            meta = conn.execute(_META_SQL, _META)
            missing = conn.execute(_MISSING_SQL + " LIMIT 1")
            keys = conn.execute(KEYS_SQL)
            horizons = conn.execute(_HORIZONS_SQL)
        return TriageOverview(
            self._parse_meta(dict(meta.fetchall()))[0],
            missing.fetchone() is not None,
            [key for (key,) in keys.fetchall()],
            {a: end for a, _last, end in horizons.fetchall()},
        )
