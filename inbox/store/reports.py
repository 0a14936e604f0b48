"""The report's and the burndown's reads: a period's items per account with our first reply
to each, arrivals during a gap, the oldest waiting items, and the backlog's history."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from ..rows import PeriodItem, PeriodText, WaitingItem
from ._part import Part
from .filters import marks

# Each incoming item with its first reply of ours (see backlog/report.py's docstring). Our
# replies of the period are materialized once and SQLite indexes them on the fly: a
# correlated lookup per item in the big thread index measured 2.2 s for 240k items, this
# 0.7 s. The rest of the judgement is Python: materializing it in SQL cost more.
PERIOD_SQL = """
WITH o AS MATERIALIZED (
  SELECT thread_ref AS t, parent_ref AS p, created_at AS c FROM interactions
  WHERE account_id = ?1 AND created_at >= ?2 AND outgoing = 1)
SELECT i.id, i.kind, i.created_at, i.status, i.handled_at, {text}
  CASE WHEN i.kind IN ('dm', 'email') THEN
    (SELECT min(o.c) FROM o WHERE o.c >= i.created_at AND o.t =
      CASE WHEN i.thread_ref = '' THEN i.external_id ELSE i.thread_ref END)
  ELSE (SELECT min(o.c) FROM o WHERE o.p = i.external_id AND o.c >= i.created_at) END
FROM interactions i
WHERE i.account_id = ?1 AND i.created_at >= ?2 AND i.created_at < ?3 AND i.outgoing = 0{order}
"""
_TEXT_COLUMNS = "i.author_handle, i.author_name, i.text,"

# The oldest open items of some accounts in a period, walked in the partial index of open
# items (it stops after LIMIT matches), each with its first reply of ours if any.
WAITING_SQL = """
SELECT i.id, i.account_id, i.kind, i.created_at, i.author_handle, i.author_name, i.text,
  (SELECT min(o.created_at) FROM interactions o
    WHERE o.account_id = i.account_id AND o.outgoing = 1 AND o.created_at >= i.created_at
      AND o.thread_ref = CASE WHEN i.thread_ref = '' THEN i.external_id ELSE i.thread_ref END
      AND (o.parent_ref = i.external_id OR i.kind IN ('dm', 'email'))) AS replied
FROM interactions i INDEXED BY interactions_open_created
WHERE i.status IN ('new', 'open') AND i.created_at >= ? AND i.created_at < ?
  AND i.outgoing = 0 AND i.account_id IN ({marks})
ORDER BY i.created_at, i.id LIMIT ?
"""

# The backlog at point k: items still open then (never handled, or handled after it) whose
# account had a gap that ended after they arrived. Each step is one range of created_at of
# one account (served by the (account_id, created_at) index) whose items entered the
# backlog at point ``entered``; an item leaves it at the first point after it was handled.
# The query counts items per (entered, left) pair.
HISTORY_SQL = """
WITH steps AS (
    SELECT json_extract(value, '$[0]') AS account_id, json_extract(value, '$[1]') AS lo,
           json_extract(value, '$[2]') AS hi, json_extract(value, '$[3]') AS entered
    FROM json_each(:steps)
)
SELECT steps.entered,
       CASE WHEN i.status IN ('new', 'open', 'snoozed') THEN :points
            ELSE min(:points, (i.handled_at - :first + 86399) / 86400) END AS left_at,
       count(*)
FROM steps CROSS JOIN interactions i INDEXED BY interactions_account_created
WHERE i.account_id = steps.account_id AND i.created_at >= steps.lo AND i.created_at < steps.hi
  AND (i.status IN ('new', 'open', 'snoozed')
       OR (i.status IN ('done', 'ignored') AND i.handled_at > :first))
GROUP BY 1, 2
"""


class Reports(Part):
    """``store.reports``."""

    __slots__ = ()
    # Statements another engine spells differently (its collaborator overrides them).
    period_sql = PERIOD_SQL
    history_sql = HISTORY_SQL

    def period_items(
        self, account_id: int, since: int, until: int, *, ordered: bool = True
    ) -> Iterator[PeriodItem]:
        """The account's incoming items that arrived in [since, until), each with the time
        of our first reply to it (None: none), oldest first unless not ``ordered``."""
        sql = self.period_sql.format(
            text="", order=" ORDER BY i.created_at, i.id" if ordered else ""
        )
        return self._conn.execute(sql, (account_id, since, until))

    def period_texts(self, account_id: int, since: int, until: int) -> Iterator[PeriodText]:
        """:meth:`period_items` with author and text, oldest first."""
        sql = self.period_sql.format(text=_TEXT_COLUMNS, order=" ORDER BY i.created_at, i.id")
        return self._conn.execute(sql, (account_id, since, until))

    def incoming_between(self, account_id: int, lo: int, hi: int) -> int:
        """How many incoming items of the account arrived in [lo, hi)."""
        return self._conn.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND outgoing = 0"
            " AND created_at >= ? AND created_at < ?",
            (account_id, lo, hi),
        ).fetchone()[0]

    def all_between(self, account_id: int, lo: int, hi: int) -> int:
        """Every item of the account (ours included) created in [lo, hi): an index-only
        count."""
        return self._conn.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND created_at >= ?"
            " AND created_at < ?",
            (account_id, lo, hi),
        ).fetchone()[0]

    def oldest_waiting(
        self, account_ids: Sequence[int], since: int, until: int, limit: int
    ) -> list[WaitingItem]:
        """Up to ``limit`` of the oldest new or open incoming items of these accounts that
        arrived in [since, until), each with our first reply (answered but not marked
        done)."""
        ids = list(account_ids)
        if not ids:
            return []
        sql = WAITING_SQL.format(marks=marks(len(ids)))
        return [WaitingItem(*r) for r in self._conn.execute(sql, (since, until, *ids, limit))]

    def backlog_transitions(
        self, steps: list[list[int]], *, points: int, first: int
    ) -> Iterator[tuple[int, int, int]]:
        """(entered, left, count) for the burndown: ``steps`` are [account id, lo, hi,
        entered point]; ``points`` how many points there are, ``first`` the first one's
        time (points are a day apart)."""
        return self._conn.execute(
            self.history_sql, {"steps": json.dumps(steps), "points": points, "first": first}
        )
