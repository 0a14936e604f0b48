"""Items: what arrived (stored keyed by account and external id) and every way to list it.

A listing takes an :class:`InboxFilter` and returns :class:`ItemRow` dicts: the item with its
account and client, and its tags. Newest first is served by an index on ``created_at``
(the open inbox by a partial one); the virtual list pages rows by primary key
(:meth:`Items.by_ids`), 500 ids per statement at most.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sfogo.inbox.i18n import _

from ..errors import NotFound, SfogoError
from ..model import KINDS, Channel, Interaction, Kind, Status, Tier
from ..rows import ItemRow
from ..schema import DROP_FTS_TRIGGERS, FTS_TRIGGERS
from ..triage_keys import KEYED_STATUSES, Keywords
from .filters import InboxFilter, marks
from .item_counts import ItemCounts

if TYPE_CHECKING:
    from .database import Store

# Column order of bulk inserts (demo, import): tuples are far cheaper than dicts.
INSERT_COLUMNS = (
    "account_id",
    "external_id",
    "kind",
    "author_name",
    "author_handle",
    "text",
    "url",
    "thread_ref",
    "parent_ref",
    "outgoing",
    "created_at",
    "fetched_at",
    "status",
    "snoozed_until",
    "handled_at",
    "pinned",
)
# The triage key is computed on the way in (see inbox/triage_keys.py).
_INSERT_SQL = (
    f"INSERT INTO interactions ({', '.join(INSERT_COLUMNS)}, triage_key) "
    f"VALUES ({', '.join('?' * (len(INSERT_COLUMNS) + 1))})"
)
# Content that a platform may change (an edited post); the manager's own state is kept.
_UPSERT_SQL = _INSERT_SQL + (
    " ON CONFLICT(account_id, external_id) DO UPDATE SET text = excluded.text,"
    " author_name = excluded.author_name, author_handle = excluded.author_handle,"
    " url = excluded.url WHERE interactions.text IS NOT excluded.text"
    " OR interactions.author_name IS NOT excluded.author_name"
    " OR interactions.author_handle IS NOT excluded.author_handle"
    " OR interactions.url IS NOT excluded.url"
)

# What every listing shows of an item: the interaction with its account and client.
ROW_COLUMNS = (
    "id",
    "client",
    "tier",
    "channel",
    "account",
    "kind",
    "author_name",
    "author_handle",
    "text",
    "url",
    "created_at",
    "fetched_at",
    "status",
    "snoozed_until",
    "handled_at",
    "pinned",
    "outgoing",
    "thread_ref",
    "parent_ref",
    "external_id",
    "account_id",
    "client_id",
)
_ROW_SELECT = """
SELECT i.id, c.name, c.tier, a.channel, a.handle, i.kind, i.author_name, i.author_handle,
       i.text, i.url, i.created_at, i.fetched_at, i.status, i.snoozed_until, i.handled_at,
       i.pinned, i.outgoing, i.thread_ref, i.parent_ref, i.external_id, i.account_id,
       a.client_id
FROM interactions i JOIN accounts a ON a.id = i.account_id JOIN clients c ON c.id = a.client_id
"""
_NEWEST = " ORDER BY i.created_at DESC, i.id DESC"
_CHUNK = 500  # ids per IN (...) list
# Plain strings from SQLite -> the vocabularies' enum members (a dict lookup per field).
_TIER = {t.value: t for t in Tier}
_CHANNEL = {c.value: c for c in Channel}
_KIND = {k.value: k for k in Kind}
_STATUS = {s.value: s for s in Status}


def _row(r: Sequence) -> ItemRow:
    """A row of ``_ROW_SELECT`` as an :class:`ItemRow` (a dict literal: faster than
    ``dict(zip(ROW_COLUMNS, r))`` and the conversions after it, measured 1.5 against 2 µs)."""
    return {
        "id": r[0],
        "client": r[1],
        "tier": _TIER[r[2]],
        "channel": _CHANNEL[r[3]],
        "account": r[4],
        "kind": _KIND[r[5]],
        "author_name": r[6],
        "author_handle": r[7],
        "text": r[8],
        "url": r[9],
        "created_at": r[10],
        "fetched_at": r[11],
        "status": _STATUS[r[12]],
        "snoozed_until": r[13],
        "handled_at": r[14],
        "pinned": bool(r[15]),
        "outgoing": bool(r[16]),
        "thread_ref": r[17],
        "parent_ref": r[18],
        "external_id": r[19],
        "account_id": r[20],
        "client_id": r[21],
        "tags": [],
    }


class Items(ItemCounts):
    """``store.items``: storing what arrived, and listing it (its counts come from
    :class:`~.item_counts.ItemCounts`)."""

    __slots__ = ("_loading",)
    # A statement another engine spells differently (its collaborator overrides it).
    upsert_sql = _UPSERT_SQL

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._loading: Keywords | None = None  # inside bulk_load: the keys' keyword lists

    # -- storing -----------------------------------------------------------------------------

    @staticmethod
    def _insert_tuple(item: Interaction, fetched_at: int, keywords: Keywords) -> tuple:
        if item.kind not in KINDS:
            raise SfogoError(
                _("unknown kind {kind!r}: use one of {names}").format(
                    kind=item.kind, names=", ".join(KINDS)
                )
            )
        key = (
            keywords.key(item.account_id, item.kind, item.pinned, item.text)
            if item.status in KEYED_STATUSES
            else None
        )
        return (
            item.account_id,
            item.external_id,
            item.kind,
            item.author_name,
            item.author_handle,
            item.text,
            item.url,
            item.thread_ref,
            item.parent_ref,
            int(item.outgoing),
            item.created_at,
            item.fetched_at or fetched_at,
            item.status,
            item.snoozed_until,
            item.handled_at,
            int(item.pinned),
            key,
        )

    def upsert(self, items: Iterable[Interaction], *, now: int) -> int:
        """Store items keyed by (account, external id); return how many were new.

        Re-fetching an item is harmless: its text may be updated, but the manager's state
        (status, snooze, pin, tags) is kept. Runs inside the caller's transaction if any.
        """
        items = list(items)
        if not items:
            return 0
        triage = self._store.triage
        with self._store.transaction() as conn:
            keywords = triage.writing_keywords()
            before = conn.execute("SELECT coalesce(max(id), 0) FROM interactions").fetchone()[0]
            written = 0  # rows inserted or updated (an unchanged re-fetch writes nothing)
            for item in items:
                written += conn.execute(
                    self.upsert_sql, self._insert_tuple(item, now, keywords)
                ).rowcount
                if item.tags:
                    new_id = conn.execute(
                        "SELECT id FROM interactions WHERE account_id = ? AND external_id = ?",
                        (item.account_id, item.external_id),
                    ).fetchone()[0]
                    conn.executemany(
                        "INSERT INTO interaction_tags (interaction_id, tag) VALUES (?, ?)"
                        " ON CONFLICT DO NOTHING",
                        [(new_id, t) for t in item.tags],
                    )
            after = conn.execute(
                "SELECT count(*) FROM interactions WHERE id > ?", (before,)
            ).fetchone()[0]
            if written > after:  # an edited text cleared its item's key
                triage.fill_missing()
        return after

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """A transaction for loading many rows at once with :meth:`insert_rows` (the demo,
        big imports).

        The full-text triggers are dropped for the load and the index rebuilt once at the
        end, which is several times faster than updating it row by row.
        """
        with self._store.transaction() as conn:
            for stmt in DROP_FTS_TRIGGERS.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            self._loading = self._store.triage.writing_keywords()
            try:
                yield None
            finally:
                self._loading = None
            conn.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')")
            for stmt in FTS_TRIGGERS.strip().split("END;"):
                if stmt.strip():
                    conn.execute(stmt + "END;")
            self._store.triage.fill_missing()
            # Fresh statistics let the planner pick the partial index for the open inbox.
            conn.execute("ANALYZE")

    def insert_rows(self, rows: Iterable[tuple]) -> None:
        """Insert raw tuples in ``INSERT_COLUMNS`` order (inside :meth:`bulk_load`)."""
        keywords = self._loading or self._store.triage.writing_keywords()
        key = keywords.key
        self._conn.executemany(
            _INSERT_SQL,
            ((*r, key(r[0], r[2], r[15], r[5]) if r[12] in KEYED_STATUSES else None) for r in rows),
        )

    # -- listing -----------------------------------------------------------------------------

    def require(self, ids: Sequence[int]) -> None:
        """Raise NotFound naming the first id that does not exist."""
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            found = {
                r[0]
                for r in self._conn.execute(
                    f"SELECT id FROM interactions WHERE id IN ({marks(len(chunk))})", chunk
                )
            }
            missing = [i for i in chunk if i not in found]
            if missing:
                raise NotFound(f"no item with id {missing[0]}: 'sfogo list' shows the ids")

    def ids(
        self, flt: InboxFilter | None = None, *, limit: int | None = None, offset: int = 0
    ) -> list[int]:
        """Ids in newest-first order (the TUI keeps these in an array and pages rows by id)."""
        clause, params = self._where(flt)
        sql = f"SELECT i.id FROM interactions i WHERE {clause}" + _NEWEST
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        return [r[0] for r in self._conn.execute(sql, params)]

    def iter_ids(
        self, flt: InboxFilter | None = None, *, by_handled: bool = False
    ) -> Iterator[int]:
        """Like :meth:`ids` without building a list (fills an ``array('q')``); ``by_handled``:
        the most recently done or ignored first (an index on status and ``handled_at``
        serves it for one status)."""
        clause, params = self._where(flt)
        order = " ORDER BY i.handled_at DESC, i.id DESC" if by_handled else _NEWEST
        for (item_id,) in self._conn.execute(
            f"SELECT i.id FROM interactions i WHERE {clause}" + order, params
        ):
            yield item_id

    def page(
        self, flt: InboxFilter | None = None, *, limit: int | None = 100, offset: int = 0
    ) -> list[ItemRow]:
        """Full rows (item, account and client), newest first."""
        clause, params = self._where(flt)
        sql = _ROW_SELECT + f" WHERE {clause}" + _NEWEST
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        result = {r[0]: _row(r) for r in self._conn.execute(sql, params)}
        self._attach_tags(result)  # dicts keep the query's order
        return list(result.values())

    def iter_rows(
        self,
        flt: InboxFilter | None = None,
        *,
        limit: int | None = None,
        oldest_first: bool = False,
        batch: int = 500,
    ) -> Iterator[ItemRow]:
        """Full rows with tags, streamed in batches (exports, ``list --limit 0``).

        Newest first like :meth:`page`, or oldest first (exports: a reply follows what it
        answers); both orders are served by an index on ``created_at``.
        """
        clause, params = self._where(flt)
        direction = "" if oldest_first else " DESC"
        sql = _ROW_SELECT + f" WHERE {clause} ORDER BY i.created_at{direction}, i.id{direction}"
        if limit is not None:
            sql += " LIMIT ?"
            params = [*params, limit]
        cur = self._conn.execute(sql, params)
        while chunk := cur.fetchmany(batch):
            rows = {r[0]: _row(r) for r in chunk}
            self._attach_tags(rows)
            yield from rows.values()

    def by_ids(self, ids: Sequence[int]) -> dict[int, ItemRow]:
        """Rows keyed by id, for a page of the virtual list (primary-key lookups only)."""
        result: dict[int, ItemRow] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            sql = _ROW_SELECT + f" WHERE i.id IN ({marks(len(chunk))})"
            for r in self._conn.execute(sql, chunk):
                result[r[0]] = _row(r)
        if result:
            self._attach_tags(result)
        return result

    def get(self, item_id: int) -> ItemRow:
        rows = self.by_ids([item_id])
        if item_id not in rows:
            raise NotFound(f"no item with id {item_id}: 'sfogo list' shows the ids")
        return rows[item_id]

    def _attach_tags(self, rows: dict[int, ItemRow]) -> None:
        ids = list(rows)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            for item_id, tag in self._conn.execute(
                "SELECT interaction_id, tag FROM interaction_tags WHERE interaction_id IN"
                f" ({marks(len(chunk))}) ORDER BY tag",
                chunk,
            ):
                rows[item_id]["tags"].append(tag)

    @staticmethod
    def thread_statement(item: ItemRow) -> tuple[str, list]:
        """:meth:`thread`'s statement for the rows (a server engine sends it ahead)."""
        root = item["thread_ref"] or item["external_id"]
        return (
            _ROW_SELECT + " WHERE i.account_id = ? AND (i.thread_ref = ? OR i.external_id = ?)"
            " ORDER BY i.created_at, i.id",
            [item["account_id"], root, root],
        )

    def thread(self, item: ItemRow) -> list[ItemRow]:
        """The conversation an item belongs to (ours included), oldest first."""
        rows = self._conn.execute(*self.thread_statement(item)).fetchall()
        result = {r[0]: _row(r) for r in rows}
        self._attach_tags(result)
        return list(result.values())

    def handles_near(self, item: ItemRow, *, recent: int = 2000) -> list[str]:
        """Who wrote in the item's conversation (latest first), then who wrote among the
        account's latest ``recent`` items: the handles a reply may mention. Our own
        messages are left out; each handle once."""
        root = item["thread_ref"] or item["external_id"]
        thread = self._conn.execute(
            "SELECT author_handle FROM interactions WHERE account_id = ? AND outgoing = 0"
            " AND (thread_ref = ? OR external_id = ?) ORDER BY created_at DESC",
            (item["account_id"], root, root),
        )
        nearby = self._conn.execute(
            "SELECT author_handle FROM (SELECT author_handle, outgoing FROM interactions"
            " WHERE account_id = ? ORDER BY created_at DESC LIMIT ?) WHERE outgoing = 0",
            (item["account_id"], recent),
        )
        seen = dict.fromkeys(h for (h,) in [*thread, *nearby] if h)
        return list(seen)

    # -- single look-ups ----------------------------------------------------------------

    def first_id(self) -> int | None:
        return self._conn.execute("SELECT min(id) FROM interactions").fetchone()[0]

    def newest_incoming(self, account_id: int) -> int | None:
        """The id of the account's newest incoming item."""
        row = self._conn.execute(
            "SELECT id FROM interactions WHERE account_id = ? AND outgoing = 0"
            " ORDER BY created_at DESC LIMIT 1",
            (account_id,),
        ).fetchone()
        return row[0] if row else None

    def newest_quiet_dm(self, account_id: int, *, before: int) -> int | None:
        """The newest incoming private message of the account that is the last of its
        conversation and older than ``before`` (whose sender went quiet)."""
        row = self._conn.execute(
            "SELECT i.id FROM interactions i WHERE i.account_id = ? AND i.kind = 'dm'"
            " AND i.outgoing = 0 AND i.created_at = (SELECT max(created_at) FROM interactions"
            "  WHERE account_id = i.account_id AND thread_ref = i.thread_ref AND outgoing = 0)"
            " AND i.created_at < ? ORDER BY i.created_at DESC LIMIT 1",
            (account_id, before),
        ).fetchone()
        return row[0] if row else None
