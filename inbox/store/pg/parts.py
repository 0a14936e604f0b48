"""The collaborators whose SQL PostgreSQL spells differently: only what differs is here.

Each class overrides the statement or method of its SQLite collaborator that PostgreSQL
cannot run as written, or runs slowly; everything else is inherited and runs as it is
(through :class:`~.connection.PgConnection`'s translation of placeholders).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ...model import Interaction
from ...rows import ItemRow
from ...triage_keys import KEYED_STATUSES
from ..accounts import OWNERS_SQL
from ..filters import InboxFilter
from ..items import _INSERT_SQL, _NEWEST, _ROW_SELECT, INSERT_COLUMNS, Items, _row
from ..reports import Reports
from ..runs import SyncRuns

if TYPE_CHECKING:
    from .connection import PgConnection
    from .database import PgStore


_FOUND_SQL = (
    "SELECT i.account_id, i.external_id, i.id FROM interactions i"
    " JOIN unnest(CAST(? AS bigint[]), CAST(? AS text[])) AS k(a, e)"
    " ON i.account_id = k.a AND i.external_id = k.e"
)
# Content that a platform may change (an edited post); the manager's own state is kept.
_EDIT_SQL = (
    "UPDATE interactions SET text = ?, author_name = ?, author_handle = ?, url = ?"
    " WHERE account_id = ? AND external_id = ? AND (text IS DISTINCT FROM ?"
    " OR author_name IS DISTINCT FROM ? OR author_handle IS DISTINCT FROM ?"
    " OR url IS DISTINCT FROM ?)"
)


# The rows with their tags in one statement: over loopback a second statement for the tags
# costs as much as the page itself.
_TAGGED_SELECT = _ROW_SELECT.replace(
    "a.client_id\nFROM",
    "a.client_id, (SELECT array_agg(CAST(t.tag AS text) ORDER BY t.tag) FROM interaction_tags t"
    " WHERE t.interaction_id = i.id)\nFROM",
)
assert _TAGGED_SELECT != _ROW_SELECT, "the row select changed: update the tags column"


# Rows by id as three statements in one pipeline: the items alone, their tags, and every
# account with its client (OWNERS_SQL: a dozen rows, a few hundred for a big agency). Joined
# and with the tags as a subquery per row the server took 0.27 ms longer for 100 rows.
_ITEMS_BY_IDS_SQL = """
SELECT i.id, i.kind, i.author_name, i.author_handle, i.text, i.url, i.created_at,
       i.fetched_at, i.status, i.snoozed_until, i.handled_at, i.pinned, i.outgoing,
       i.thread_ref, i.parent_ref, i.external_id, i.account_id
FROM interactions i WHERE i.id = ANY(CAST(? AS bigint[]))
"""
_TAGS_BY_IDS_SQL = (
    "SELECT interaction_id, CAST(tag AS text) FROM interaction_tags"
    " WHERE interaction_id = ANY(CAST(? AS bigint[])) ORDER BY interaction_id, tag"
)


def by_ids_statements(ids: Sequence[int]) -> list[tuple[str, tuple]]:
    """:meth:`PgItems.by_ids`'s statements: the items, their tags, the accounts."""
    numbers = (int_array(ids),)
    return [(_ITEMS_BY_IDS_SQL, numbers), (_TAGS_BY_IDS_SQL, numbers), (OWNERS_SQL, ())]


def int_array(numbers: Iterable[int]) -> str:
    """A ``bigint[]`` parameter as its literal: psycopg's list dumper inspects every element
    to choose the array's type (about 1 ms for 100 ids), and a list of small ints would be
    another type, so another prepared statement, than one with a large id."""
    return "{" + ",".join(map(str, numbers)) + "}"


def _tagged(r: Sequence) -> ItemRow:
    row = _row(r)
    if r[-1]:
        row["tags"] = list(r[-1])
    return row


class PgItems(Items):
    """``store.items``: the upsert looks up which items exist first, and bulk loads go
    through COPY.

    PostgreSQL's ``INSERT … ON CONFLICT`` draws a new id from the sequence before it finds
    the conflict, so every re-fetched item (most of a sync's) would use up an id: ids would
    leave gaps SQLite's never have. One look-up for the whole page, then the new items'
    INSERTs and the edited ones' UPDATEs in a pipeline, keeps the ids SQLite gives and
    costs two round trips a page instead of one per item."""

    __slots__ = ()

    @property
    def _pg(self) -> PgStore:
        return self._store  # type: ignore[return-value]  # only a PgStore holds these

    def upsert(self, items: Iterable[Interaction], *, now: int) -> int:
        """Store items keyed by (account, external id); return how many were new (as
        :meth:`Items.upsert`, whose rules these are)."""
        items = list(items)
        if not items:
            return 0
        triage = self._store.triage
        with self._store.transaction() as conn:
            keywords = triage.writing_keywords()
            rows = [self._insert_tuple(item, now, keywords) for item in items]
            keys = {
                (a, e): i
                for a, e, i in conn.execute(
                    _FOUND_SQL, ([r[0] for r in rows], [r[1] for r in rows])
                )
            }
            inserts, edits = [], []
            for r in rows:
                if (r[0], r[1]) in keys:
                    edits.append((r[5], r[3], r[4], r[6], r[0], r[1], r[5], r[3], r[4], r[6]))
                else:
                    inserts.append(r)
                    keys[(r[0], r[1])] = 0  # a second copy in the same page edits it
            conn.executemany(_INSERT_SQL, inserts)
            edited = conn.executemany(_EDIT_SQL, edits).rowcount if edits else 0
            tagged = [i for i in items if i.tags]
            if tagged:
                ids = {
                    (a, e): i
                    for a, e, i in conn.execute(
                        _FOUND_SQL,
                        ([i.account_id for i in tagged], [i.external_id for i in tagged]),
                    )
                }
                conn.executemany(
                    "INSERT INTO interaction_tags (interaction_id, tag) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [(ids[(i.account_id, i.external_id)], t) for i in tagged for t in i.tags],
                )
            if edited:  # an edited text cleared its item's key
                triage.fill_missing()
        return len(inserts)

    def page(
        self, flt: InboxFilter | None = None, *, limit: int | None = 100, offset: int = 0
    ) -> list[ItemRow]:
        """As :meth:`Items.page`, in one round trip."""
        clause, params = self._where(flt)
        sql = _TAGGED_SELECT + f" WHERE {clause}" + _NEWEST
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        return [_tagged(r) for r in self._conn.execute(sql, params)]

    def by_ids(self, ids: Sequence[int]) -> dict[int, ItemRow]:
        """As :meth:`Items.by_ids`, in one round trip (the ids as one array parameter)."""
        if not ids:
            return {}
        conn: PgConnection = self._conn  # type: ignore[assignment]  # only a PgStore's
        with conn.together():  # (no round trip when the triage page sent them ahead)
            items, tags, accounts = [conn.execute(*s) for s in by_ids_statements(ids)]
        # OWNERS_SQL's columns as _ROW_SELECT places them: client, tier, channel, handle.
        whose = {a[0]: (a[2], a[3], a[5], a[6], a[1]) for a in accounts.fetchall()}
        out: dict[int, ItemRow] = {}
        for r in items.fetchall():
            account = whose.get(r[16])
            if account is None:  # (removed between the statements: as the join did)
                continue
            name, tier, channel, handle, client_id = account
            out[r[0]] = _row((r[0], name, tier, channel, handle, *r[1:], client_id))
        for item_id, tag in tags.fetchall():
            if item_id in out:  # (deleted between the two statements)
                out[item_id]["tags"].append(tag)
        return out

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """A transaction for loading many rows at once with :meth:`insert_rows`; the search
        index follows by its trigger (one GIN insert per row, as fast as a rebuild), and the
        table is vacuumed once the load committed (fresh statistics, and a visibility map
        that lets the triage index answer without reading the table)."""
        with self._store.transaction() as conn:
            self._loading = self._store.triage.writing_keywords()
            try:
                yield None
            finally:
                self._loading = None
            self._store.triage.fill_missing()
            conn.execute("ANALYZE interactions")
        self._pg.vacuum("interactions", "interaction_tags")

    def insert_rows(self, rows: Iterable[tuple]) -> None:
        """Insert raw tuples in ``INSERT_COLUMNS`` order (inside :meth:`bulk_load`)."""
        keywords = self._loading or self._store.triage.writing_keywords()
        key = keywords.key
        self._pg.copy_rows(
            "interactions",
            (*INSERT_COLUMNS, "triage_key"),
            ((*r, key(r[0], r[2], r[15], r[5]) if r[12] in KEYED_STATUSES else None) for r in rows),
        )


class PgReports(Reports):
    """``store.reports``: our first reply to each item found by the indexes (SQLite indexes
    a materialized CTE on the fly; PostgreSQL would scan it once per item), and the
    burndown's steps read from a JSON array with PostgreSQL's functions."""

    __slots__ = ()
    period_sql = """
SELECT i.id, i.kind, i.created_at, i.status, i.handled_at, {text}
  CASE WHEN i.kind IN ('dm', 'email') THEN
    (SELECT min(o.created_at) FROM interactions o
      WHERE o.account_id = ?1 AND o.outgoing = 1 AND o.created_at >= i.created_at
        AND o.thread_ref = CASE WHEN i.thread_ref = '' THEN i.external_id ELSE i.thread_ref END)
  ELSE (SELECT min(o.created_at) FROM interactions o
      WHERE o.account_id = ?1 AND o.outgoing = 1 AND o.parent_ref = i.external_id
        AND o.created_at >= i.created_at) END
FROM interactions i
WHERE i.account_id = ?1 AND i.created_at >= ?2 AND i.created_at < ?3 AND i.outgoing = 0{order}
"""
    history_sql = """
WITH steps AS (
    SELECT (s->>0)::bigint AS account_id, (s->>1)::bigint AS lo, (s->>2)::bigint AS hi,
           (s->>3)::bigint AS entered
    FROM jsonb_array_elements(CAST(:steps AS jsonb)) AS s
)
SELECT steps.entered,
       CASE WHEN i.status IN ('new', 'open', 'snoozed') THEN CAST(:points AS bigint)
            ELSE least(CAST(:points AS bigint), (i.handled_at - :first + 86399) / 86400)
       END AS left_at,
       count(*)
FROM steps JOIN interactions i
  ON i.account_id = steps.account_id AND i.created_at >= steps.lo AND i.created_at < steps.hi
WHERE i.status IN ('new', 'open', 'snoozed')
   OR (i.status IN ('done', 'ignored') AND i.handled_at > :first)
GROUP BY 1, 2
"""


class PgSyncRuns(SyncRuns):
    """``store.runs``: statements asked together go in one pipeline (one round trip for
    all of them: finding gaps asks one per account)."""

    __slots__ = ()

    def _each(self, statements: Sequence[tuple[str, list]]) -> list[list]:
        conn: PgConnection = self._conn  # type: ignore[assignment]  # only a PgStore's
        if len(statements) > 1:
            with conn.together():
                for sql, params in statements:
                    conn.ahead(sql, params)
        return [conn.execute(sql, params).fetchall() for sql, params in statements]
