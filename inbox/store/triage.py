"""The triage index: each open item's stored key, kept right on every write, and the
index-served reads the urgency order is merged from (backlog/triage.py holds the scoring).

Keys are computed when items are written (:meth:`TriageIndex.fill_missing` runs inside every
item write), with the keyword lists the file records in ``triage_meta``. Changing the lists
is an explicit write (:meth:`TriageIndex.set_keywords`, run where the config is read when
a command or the app starts); reading never writes. Until lists are recorded, keys use the
defaults (inbox/triage_keys.py). A key left NULL (an item written by an older sfogo, or by
hand) is scored in memory by the reader.

The partial index ``interactions_triage (triage_key, created_at, id, status)`` over new and
open items holds one *stream* per key, oldest first; :data:`KEYS_SQL` lists the keys with one
seek each and :meth:`TriageIndex.many_reader` reads several streams' next chunks with keyset
paging in one statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from ..rows import ItemRow
from ..triage_keys import KEY_SPAN, Keywords
from ._part import Part
from .filters import InboxFilter

if TYPE_CHECKING:
    from .database import Store

OPEN_SQL = "i.status IN ('new', 'open')"  # exactly the partial index's WHERE
# A stream of one key from (after_t, after_id) on, within [lo, hi] of created_at; the
# redundant ``created_at >= ?`` bound keeps SQLite seeking instead of walking the index.
STREAM_SQL = (
    "SELECT i.id, i.created_at FROM interactions i INDEXED BY interactions_triage"
    f" WHERE {OPEN_SQL} AND i.triage_key = ? AND i.created_at >= ? AND i.created_at <= ?"
    " AND (i.created_at > ? OR i.id > ?){status}"
    " ORDER BY i.created_at, i.id LIMIT ?"
)
# Every distinct key among open items, one index seek each (a loose index scan).
KEYS_SQL = (
    "WITH RECURSIVE k(key) AS ("
    f" SELECT min(i.triage_key) FROM interactions i WHERE {OPEN_SQL}"
    "  AND i.triage_key IS NOT NULL"
    " UNION ALL"
    f" SELECT (SELECT min(i.triage_key) FROM interactions i WHERE {OPEN_SQL}"
    "  AND i.triage_key > k.key) FROM k WHERE k.key IS NOT NULL"
    ") SELECT key FROM k WHERE key IS NOT NULL"
)
_MISSING_SQL = (
    "SELECT i.id, i.account_id, i.kind, i.pinned, i.text FROM interactions i"
    f" WHERE {OPEN_SQL} AND i.triage_key IS NULL"
)
_META = ("keywords", "urgent_words", "question_words")
# The account's last run started at or before a time, and when the next run of the other
# outcome (ok after a failure, a failure after an ok) started: the span that run's outcome
# holds for. The failure is found by the partial index of failed runs.
_RUN_STATE_SQL = (
    "SELECT r.outcome != 'ok', r.started_at, CASE WHEN r.outcome = 'ok' THEN"
    " (SELECT min(n.started_at) FROM sync_runs n WHERE n.account_id = r.account_id"
    "  AND n.outcome != 'ok' AND n.started_at >= r.started_at"
    "  AND (n.started_at > r.started_at OR n.id > r.id))"
    " ELSE (SELECT min(n.started_at) FROM sync_runs n WHERE n.account_id = r.account_id"
    "  AND n.outcome = 'ok' AND n.started_at >= r.started_at"
    "  AND (n.started_at > r.started_at OR n.id > r.id)) END"
    " FROM sync_runs r WHERE r.account_id = ? AND r.started_at <= ?"
    " ORDER BY r.started_at DESC, r.id DESC LIMIT 1"
)
# Per account with a failed run: its last failure's start, and the start of the run after it
# in (started_at, id) order (NULL: none yet, the gap is still open). Two index seeks each.
_HORIZONS_SQL = (
    "SELECT f.account_id, f.started_at, (SELECT min(r.started_at) FROM sync_runs r"
    "  WHERE r.account_id = f.account_id AND r.started_at >= f.started_at"
    "  AND (r.started_at > f.started_at OR r.id > f.id))"
    " FROM (SELECT a.id AS account_id,"
    "  (SELECT r.started_at FROM sync_runs r WHERE r.account_id = a.id AND r.outcome != 'ok'"
    "   ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS started_at,"
    "  (SELECT r.id FROM sync_runs r WHERE r.account_id = a.id AND r.outcome != 'ok'"
    "   ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS id"
    "  FROM accounts a) f WHERE f.started_at IS NOT NULL"
)

# (id, account_id, kind, pinned, text, created_at): what scoring an unkeyed item needs.
ScoringRow = tuple[int, int, str, int, str, int]
# The same with the stored key (None: none), and the text only where there is no key.
KeyedScoringRow = tuple[int, int, str, int, str | None, int, int | None]
_META_SQL = f"SELECT name, value FROM triage_meta WHERE name IN ({', '.join('?' * 3)})"


class TriageOverview(NamedTuple):
    """What a triage page needs before it reads any stream (:meth:`TriageIndex.overview`)."""

    fingerprint: str | None  # the keyword lists' the stored keys were computed with
    missing: bool  # some open item has no key
    # Every distinct key among open items, ascending; a server engine may add keys no open
    # item has any more (their streams read empty).
    keys: list[int]
    horizons: dict[int, int | None]  # TriageIndex.gap_horizons


# (key, lo, hi, after_t, after_id, limit, probe_before): one stream's next chunk (see
# TriageIndex.stream), asking whether the account was failing for items before probe_before.
StreamRequest = tuple[int, int, int, int, int, int, int]
# (id, created_at, failing): failing is None when not asked (see TriageIndex.many_reader).
StreamRow = tuple[int, int, bool | int | None]
# read_many([request, ...]) -> [[row, ...] per request, in order]
ManyReader = Callable[[Sequence[StreamRequest]], list[list[StreamRow]]]


def stream_sql(status: str | None = None) -> str:
    """:data:`STREAM_SQL` for both indexed statuses, or narrowed to one."""
    return _STREAM_ONE if status else _STREAM_BOTH


_STREAM_BOTH = STREAM_SQL.format(status="")
_STREAM_ONE = STREAM_SQL.format(status=" AND i.status = ?")


# Whether an item's account was failing when it arrived (its last run by then failed: the
# item lies in a sync gap), asked only for items before ``probe_before``.
_FAILING_SQL = (
    "CASE WHEN s.created_at < ? THEN (SELECT r.outcome != 'ok' FROM sync_runs r"
    " WHERE r.account_id = ? AND r.started_at <= s.created_at"
    " ORDER BY r.started_at DESC, r.id DESC LIMIT 1) END"
)


@lru_cache(maxsize=64)
def streams_sql(n: int, status: bool = False) -> str:
    """``n`` streams' chunks in one statement: each request's :data:`STREAM_SQL`, tagged
    with its position (a round trip per stream is what a server engine cannot afford), each
    row with whether it arrived while its account was failing."""
    one = _STREAM_ONE if status else _STREAM_BOTH
    return " UNION ALL ".join(
        f"SELECT {n}, s.id, s.created_at, {_FAILING_SQL} FROM ({one}) s" for n in range(n)
    )


def _by_time(row: StreamRow) -> tuple[int, int]:
    return row[1], row[0]


class TriageIndex(Part):
    """``store.triage``."""

    __slots__ = ("_cached",)

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._cached: tuple[tuple[str, str], Keywords] | None = None

    # -- the keys' keyword lists -----------------------------------------------------------

    def _recorded(self) -> tuple[str | None, Keywords | None]:
        """(stored fingerprint, stored lists)."""
        return self._parse_meta(dict(self._conn.execute(_META_SQL, _META)))

    def _parse_meta(self, meta: dict[str, str]) -> tuple[str | None, Keywords | None]:
        if "urgent_words" not in meta or "question_words" not in meta:
            return meta.get("keywords"), None
        raw = (meta["urgent_words"], meta["question_words"])
        if self._cached is None or self._cached[0] != raw:
            self._cached = (raw, Keywords(tuple(json.loads(raw[0])), tuple(json.loads(raw[1]))))
        return meta.get("keywords"), self._cached[1]

    def fingerprint(self) -> str | None:
        """The fingerprint of the lists the stored keys were computed with (None: no key
        was computed yet)."""
        return self._recorded()[0]

    def _record(self, keywords: Keywords) -> None:
        self._conn.executemany(
            "INSERT INTO triage_meta (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [
                ("keywords", keywords.fingerprint),
                ("urgent_words", json.dumps(list(keywords.urgent), ensure_ascii=False)),
                ("question_words", json.dumps(list(keywords.question), ensure_ascii=False)),
            ],
        )

    def _reset_open(self) -> None:
        self._conn.execute(
            "UPDATE interactions SET triage_key = NULL WHERE id IN (SELECT i.id FROM"
            f" interactions i WHERE {OPEN_SQL} AND i.triage_key IS NOT NULL)"
        )

    def writing_keywords(self) -> Keywords:
        """The lists new keys are computed with (call inside a write transaction).

        A file whose keys were computed with lists it does not record (an older sfogo) gets
        the recorded lists, or the defaults, and its open items' keys are recomputed.
        """
        stored, keywords = self._recorded()
        keywords = keywords or Keywords()
        if stored != keywords.fingerprint:
            with self._store.transaction():
                self._record(keywords)
                self._reset_open()
        return keywords

    def set_keywords(self, keywords: Keywords) -> int:
        """Record new keyword lists and recompute the open items' keys with them; return
        how many keys were computed (0 when the lists did not change: nothing is written)."""
        stored, recorded = self._recorded()
        if recorded == keywords and stored == keywords.fingerprint:
            return 0
        with self._store.transaction():
            if stored != keywords.fingerprint:
                self._reset_open()
            self._record(keywords)
            return self.fill_missing()

    def fill_missing(self) -> int:
        """Compute the keys open items lack (inside an item write: the schema's triggers
        clear a key when its inputs change); return how many."""
        with self._store.transaction() as conn:
            rows = conn.execute(_MISSING_SQL).fetchall()
            if rows:
                key = self.writing_keywords().key
                conn.executemany(
                    "UPDATE interactions SET triage_key = ? WHERE id = ?",
                    [(key(a, k, p, t), i) for i, a, k, p, t in rows],
                )
        return len(rows)

    def missing(self) -> bool:
        """Whether some open item has no key (one index probe)."""
        return self._conn.execute(_MISSING_SQL + " LIMIT 1").fetchone() is not None

    # -- index-served reads ----------------------------------------------------------------

    first_chunk = 4  # rows a stream's first read asks for (a statement here costs little)
    read_ahead = False  # whether a read takes others' next chunks and streams along (_merge)
    open_batch = 32  # streams opened by one read at most

    def overview(
        self,
        *,
        then_accounts: bool = False,
        then_away: bool = False,
        first_read: str | None = None,
    ) -> TriageOverview:
        """The keys' fingerprint, whether keys are missing, the open keys and the accounts'
        gap horizons (four statements; a server engine sends them at once, with the next
        calls' ``store.accounts.owners()`` and ``store.away.all()`` when told they follow,
        and with the first stream read the last page named ``first_read`` made, which
        answers :meth:`many_reader`'s first read only if it asks exactly that)."""
        return TriageOverview(
            self.fingerprint(), self.missing(), self.open_keys(), self.gap_horizons()
        )

    def open_keys(self) -> list[int]:
        """Every distinct key among open items, ascending."""
        return [key for (key,) in self._conn.execute(KEYS_SQL)]

    def stream(
        self,
        key: int,
        lo: int,
        hi: int,
        after: tuple[int, int],
        limit: int,
        *,
        status: str | None = None,
    ) -> list[tuple[int, int]]:
        """Up to ``limit`` (id, created_at) of one key's open items in [lo, hi] of
        created_at, after ``after`` = (created_at, id), oldest first."""
        request = (key, lo, hi, after[0], after[1], limit, -(2**62))
        return [(i, t) for i, t, _ in self.many_reader(status)([request])[0]]

    def many_reader(self, status: str | None = None, first_read: str | None = None) -> ManyReader:
        """Several streams' next chunks (:meth:`stream`'s requests) in one statement, each
        row as (id, created_at, failing): whether the account's last sync run by then
        failed (None: not asked, the item is at or after the request's ``probe_before``,
        or no run started by then). ``first_read``: the page's kind, under which a server
        engine keeps its first read for :meth:`overview` to send ahead next time."""
        execute = self._conn.execute

        def read(requests: Sequence[StreamRequest]) -> list[list[StreamRow]]:
            params: list[int | str] = []
            for key, lo, hi, after_t, after_id, limit, probe_before in requests:
                params += (probe_before, key // KEY_SPAN)
                params += (key, lo if lo > after_t else after_t, hi, after_t, after_id)
                if status:
                    params.append(status)
                params.append(limit)
            out: list[list[StreamRow]] = [[] for _ in requests]
            sql = streams_sql(len(requests), bool(status))
            for n, item_id, created_at, failing in execute(sql, params).fetchall():
                out[n].append((item_id, created_at, failing))
            for rows in out:  # each part comes in its order; a compound keeps no order
                rows.sort(key=_by_time)
            return out

        return read

    def run_state(self, account_id: int, t: int) -> tuple[bool, int, int | None] | None:
        """(whether the account's last run started at or before ``t`` failed, when that
        run started, when the next run with the other outcome started: None if none yet);
        None when no run started by then. Every time in that span has the same answer."""
        row = self._conn.execute(_RUN_STATE_SQL, (account_id, t)).fetchone()
        return None if row is None else (bool(row[0]), row[1], row[2])

    def gap_horizons(self) -> dict[int, int | None]:
        """Account id -> the time from which none of its items can lie in a sync gap (the
        start of the run after its last failure; None: its last run failed, the gap is
        open). Accounts that never failed are left out. One statement for every account."""
        return {a: end for a, _last, end in self._conn.execute(_HORIZONS_SQL)}

    def rows_and_targets(self, ids: Sequence[int]) -> tuple[dict[int, ItemRow], dict[int, int]]:
        """``store.items.by_ids(ids)`` and ``store.clients.own_targets()``: what a ranked
        page is shown with (a server engine sends both at once)."""
        return self._store.items.by_ids(ids), self._store.clients.own_targets()

    def keyed_open(self) -> list[tuple[int, int, int]]:
        """(id, key, created_at) of every keyed open item: one pass over the covering index."""
        return self._conn.execute(
            "SELECT i.id, i.triage_key, i.created_at FROM interactions i"
            f" INDEXED BY interactions_triage WHERE {OPEN_SQL} AND i.triage_key IS NOT NULL"
        ).fetchall()

    def unkeyed(self, *, snoozed: bool = True) -> Iterator[ScoringRow]:
        """Open items without a key, and (``snoozed``) every snoozed item."""
        sql = (
            "SELECT id, account_id, kind, pinned, text, created_at FROM interactions i"
            f" WHERE ({OPEN_SQL} AND i.triage_key IS NULL)"
        )
        if snoozed:
            sql += " OR i.status = 'snoozed'"
        return self._conn.execute(sql)

    def scoring_rows(self, flt: InboxFilter, *, unkeyed_only: bool = False) -> Iterator[ScoringRow]:
        """What scoring needs of every item matching ``flt`` (scored in memory: snoozed and
        done items, searches, items without a key)."""
        clause, params = self._where(flt)
        if unkeyed_only:
            clause += " AND i.triage_key IS NULL"
        return self._conn.execute(
            "SELECT i.id, i.account_id, i.kind, i.pinned, i.text, i.created_at"
            f" FROM interactions i WHERE {clause}",
            params,
        )

    def keyed_scoring_rows(self, flt: InboxFilter) -> Iterator[KeyedScoringRow]:
        """:meth:`scoring_rows` with each item's stored key, and its text only where it has
        none (a search matching thousands of items moves no text it does not need)."""
        clause, params = self._where(flt)
        return self._conn.execute(
            "SELECT i.id, i.account_id, i.kind, i.pinned,"
            " CASE WHEN i.triage_key IS NULL THEN i.text END, i.created_at, i.triage_key"
            f" FROM interactions i WHERE {clause}",
            params,
        )

    def backlog_groups(
        self, account_id: int, *, before: int, late_before: int, key_span: int
    ) -> Iterator[tuple[int, int, int, int]]:
        """Per key of one account's open items created before ``before``: (key, count,
        oldest created_at, how many were created at or before ``late_before``)."""
        return self._conn.execute(
            "SELECT i.triage_key, count(*), min(i.created_at),"
            " sum(CASE WHEN i.created_at <= ? THEN 1 ELSE 0 END)"
            f" FROM interactions i WHERE {OPEN_SQL}"
            " AND i.triage_key >= ? AND i.triage_key < ? AND i.created_at < ?"
            " GROUP BY i.triage_key",
            (late_before, account_id * key_span, (account_id + 1) * key_span, before),
        )

    def count_before(self, key: int, *, at_or_before: int, before: int) -> int:
        """Open items of one key created at or before ``at_or_before`` and before ``before``."""
        return self._conn.execute(
            f"SELECT count(*) FROM interactions i WHERE {OPEN_SQL}"
            " AND i.triage_key = ? AND i.created_at <= ? AND i.created_at < ?",
            (key, at_or_before, before),
        ).fetchone()[0]

    def unkeyed_brief(self) -> Iterator[tuple[int, str, int]]:
        """(account_id, kind, created_at) of open items without a key and snoozed items."""
        return self._conn.execute(
            "SELECT i.account_id, i.kind, i.created_at FROM interactions i"
            f" WHERE {OPEN_SQL} AND i.triage_key IS NULL"
            " UNION ALL SELECT account_id, kind, created_at FROM interactions"
            " WHERE status = 'snoozed'"
        )
