"""Counting items: how many a listing holds, and the file's counts by status, client,
channel and kind (the header's counts, ``sfogo stats``).

:class:`ItemCounts` is the base of :class:`~.items.Items`: callers count through
``store.items`` as they list through it. Counts return numbers, never rows, so they live
apart from the row format the listings share.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import STATUSES
from ..rows import Stats
from . import search_bound
from ._part import Part
from .filters import InboxFilter, marks


class ItemCounts(Part):
    """How many items: in a listing, a search, each status, client, channel and kind."""

    __slots__ = ()

    def count(self, flt: InboxFilter | None = None) -> int:
        clause, params = self._where(flt)
        return self._conn.execute(
            f"SELECT count(*) FROM interactions i WHERE {clause}", params
        ).fetchone()[0]

    def search_exceeds(self, text: str, limit: int) -> bool:
        """Whether a search for ``text`` matches more than ``limit`` items (any status);
        it stops counting there, and answers from an earlier search that ``text`` narrows or
        widens while no item arrived (see .search_bound: typing on costs no count)."""
        found = self._store.search_sql.first(text, limit + 1)
        if found is None:
            return False
        location, newest = str(self._store.location), self.newest_id()
        exceeds = search_bound.known(location, limit, newest, text)
        if exceeds is None:
            sql, params = found
            n = self._conn.execute(f"SELECT count(*) FROM ({sql}) AS m", params).fetchone()[0]
            exceeds = n > limit
            search_bound.remember(location, limit, newest, text, exceeds)
        return exceeds

    def newest_id(self) -> int:
        """The highest item id (0 when empty): ids only grow, so what arrives after now has a
        higher one (the app's 'arrived since you looked')."""
        return self._conn.execute("SELECT coalesce(max(id), 0) FROM interactions").fetchone()[0]

    def arrived_after(self, item_id: int) -> dict[str, int]:
        """New incoming items with an id above ``item_id``, counted by their client's tier
        (a range of the primary key: as fast as what arrived is small)."""
        return dict(
            self._conn.execute(
                "SELECT c.tier, count(*) FROM interactions i"
                " JOIN accounts a ON a.id = i.account_id JOIN clients c ON c.id = a.client_id"
                " WHERE i.id > ? AND i.outgoing = 0 AND i.status = 'new' GROUP BY c.tier",
                (item_id,),
            )
        )

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in self._conn.execute(
            "SELECT status, count(*) FROM interactions GROUP BY status"
        ):
            counts[status] = n
        return counts

    def stats(self) -> Stats:
        """Counts by client, channel, kind and status (the ``sfogo stats`` command)."""
        conn = self._conn
        by_client = {
            name: dict.fromkeys(STATUSES, 0)
            for (name,) in conn.execute("SELECT name FROM clients ORDER BY name")
        }
        for name, status, n in conn.execute(
            "SELECT c.name, x.status, sum(x.n) FROM"
            " (SELECT account_id, status, count(*) AS n FROM interactions"
            "  GROUP BY account_id, status) x"
            " JOIN accounts a ON a.id = x.account_id JOIN clients c ON c.id = a.client_id"
            " GROUP BY c.name, x.status"
        ):
            by_client[name][status] = n
        return {
            "total": self.total(),
            "by_status": self.status_counts(),
            "by_client": by_client,
            "by_channel": dict(
                conn.execute(
                    "SELECT a.channel, sum(x.n) FROM (SELECT account_id, count(*) AS n"
                    " FROM interactions GROUP BY account_id) x"
                    " JOIN accounts a ON a.id = x.account_id"
                    " GROUP BY a.channel ORDER BY a.channel"
                )
            ),
            "by_kind": dict(
                conn.execute("SELECT kind, count(*) FROM interactions GROUP BY kind ORDER BY kind")
            ),
        }

    def total(self, account_ids: Sequence[int] | None = None) -> int:
        """How many items the file holds (of these accounts)."""
        if account_ids is None:
            return self._conn.execute("SELECT count(*) FROM interactions").fetchone()[0]
        ids = list(account_ids)
        return (
            self._conn.execute(
                f"SELECT count(*) FROM interactions WHERE account_id IN ({marks(len(ids))})", ids
            ).fetchone()[0]
            if ids
            else 0
        )
