"""The catch-up plan's reads: how long handling took lately, and how much keeps arriving."""

from __future__ import annotations

from ._part import Part


class Workload(Part):
    """``store.workload``."""

    __slots__ = ()

    def handled_count(self, *, since: int) -> int:
        """Done or ignored items created since ``since`` (an index-only count)."""
        return self._conn.execute(
            "SELECT count(*) FROM interactions WHERE status IN ('done', 'ignored')"
            " AND created_at >= ?",
            (since,),
        ).fetchone()[0]

    def handled(self, *, since: int) -> list[tuple[str, int, str]]:
        """(kind, handled_at, status) of incoming items created since ``since`` and handled,
        in the order they were handled."""
        return self._conn.execute(
            "SELECT kind, handled_at, status FROM interactions WHERE status IN ('done', 'ignored')"
            " AND created_at >= ? AND handled_at IS NOT NULL AND outgoing = 0"
            " ORDER BY handled_at, id",
            (since,),
        ).fetchall()

    def arrived(self, account_id: int, since: int, until: int) -> int:
        """Items of the account created in [since, until) (the (account_id, created_at)
        index serves it)."""
        return self._conn.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND created_at >= ?"
            " AND created_at < ?",
            (account_id, since, until),
        ).fetchone()[0]

    def recent_kinds(
        self, account_id: int, since: int, until: int, limit: int
    ) -> list[tuple[str, bool]]:
        """(kind, outgoing) of the account's newest ``limit`` items in [since, until)."""
        return [
            (kind, bool(out))
            for kind, out in self._conn.execute(
                "SELECT kind, outgoing FROM interactions WHERE account_id = ? AND created_at >= ?"
                " AND created_at < ? ORDER BY created_at DESC LIMIT ?",
                (account_id, since, until, limit),
            )
        ]
