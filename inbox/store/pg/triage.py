"""The triage index's reads on PostgreSQL: the same statements, fewer round trips.

In process, SQLite answers a statement in microseconds; over loopback every statement is a
round trip of about 0.1 ms before the server does any work. So the statements a triage page
starts with are sent together in one pipeline (psycopg's pipeline mode: one round trip for
all of them, the accounts and away periods read next included, and the first stream read
the same kind of page made last time: a page read again within the minute finds its first
read answered), and a stream's first read asks for more rows, which costs the server next
to nothing and saves reading the same stream again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...rows import ItemRow
from ...triage_keys import KEY_SPAN
from ..accounts import OWNERS_SQL
from ..clients import OWN_TARGETS_SQL
from ..runs import AWAY_SQL
from ..triage import (
    _META,
    _META_SQL,
    _MISSING_SQL,
    OPEN_SQL,
    ManyReader,
    StreamRequest,
    StreamRow,
    TriageIndex,
    TriageOverview,
    _by_time,
)
from . import probes
from .parts import int_array
from .probes import UNBOUNDED

if TYPE_CHECKING:
    from .connection import PgConnection


# Every stream's chunk in one statement whose text does not depend on how many streams are
# read (the requests come as arrays): PostgreSQL plans it once and keeps the plan, where a
# UNION ALL of N parts would be planned again for every N, at a cost of milliseconds. A
# gap probe's answer comes as the start of the run it is read from, times 2, plus 1 when
# that run failed (0 when no run had started: not failing, since time 0); :mod:`.probes`
# keeps it, and items in [skip_lo, skip_hi] are not asked.
_STREAMS_SQL = """
SELECT r.n, s.id, s.created_at,
  CASE WHEN s.created_at < r.probe AND (s.created_at < r.skip_lo OR s.created_at > r.skip_hi)
  THEN coalesce((SELECT f.started_at * 2 + CASE WHEN f.outcome != 'ok' THEN 1 ELSE 0 END
    FROM sync_runs f WHERE f.account_id = r.key / {span} AND f.started_at <= s.created_at
    ORDER BY f.started_at DESC, f.id DESC LIMIT 1), 0) END
FROM unnest(CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]),
            CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]),
            CAST(? AS bigint[]))
  WITH ORDINALITY AS r(key, lo, hi, after_t, after_id, lim, probe, skip_lo, skip_hi, n)
CROSS JOIN LATERAL (
  SELECT i.id, i.created_at FROM interactions i
  WHERE {open} AND i.triage_key = r.key AND i.created_at >= greatest(r.lo, r.after_t)
    AND i.created_at <= r.hi AND (i.created_at > r.after_t OR i.id > r.after_id){status}
  ORDER BY i.created_at, i.id LIMIT r.lim) s
"""
_STREAMS_BOTH = _STREAMS_SQL.format(span=KEY_SPAN, open=OPEN_SQL, status="")
_STREAMS_ONE = _STREAMS_SQL.format(span=KEY_SPAN, open=OPEN_SQL, status=" AND i.status = ?")


# The store's _HORIZONS_SQL with each account's last failure read once, by a LATERAL join:
# PostgreSQL inlined the shared subquery and read that failure five times per account
# (0.48 ms of a page's server work at 13 accounts).
_HORIZONS_SQL = """
SELECT a.id, f.started_at, (SELECT min(r.started_at) FROM sync_runs r
  WHERE r.account_id = a.id AND r.started_at >= f.started_at
  AND (r.started_at > f.started_at OR r.id > f.id))
FROM accounts a CROSS JOIN LATERAL (
  SELECT r.started_at, r.id FROM sync_runs r WHERE r.account_id = a.id AND r.outcome != 'ok'
  ORDER BY r.started_at DESC, r.id DESC LIMIT 1) f
"""

_NOTHING = (1, 0)  # an empty [skip_lo, skip_hi]
# What the kept probes are kept under: a recreated database, or another server on the same
# address, is another one; a role sees its own clients' runs.
_DATABASE_SQL = (
    "SELECT oid, current_user, pg_postmaster_start_time() FROM pg_database"
    " WHERE datname = current_database()"
)

# The keys a triage page opens streams for: every key an open item has had (the schema's
# triage_open_keys, kept by a trigger), a superset of the open keys whose extra keys' streams
# read empty. Walking the index for the exact set costs one seek per key.
_SEEN_KEYS_SQL = "SELECT DISTINCT key FROM triage_open_keys ORDER BY key"

# KEYS_SQL as PostgreSQL walks it faster (a fifth less than min() per step, measured):
# each next key by an index seek in a LATERAL subquery.
_KEYS_SQL = f"""
WITH RECURSIVE k(key) AS (
  (SELECT i.triage_key FROM interactions i WHERE {OPEN_SQL} AND i.triage_key IS NOT NULL
   ORDER BY i.triage_key LIMIT 1)
  UNION ALL
  SELECT n.triage_key FROM k CROSS JOIN LATERAL (
    SELECT i.triage_key FROM interactions i WHERE {OPEN_SQL} AND i.triage_key > k.key
    ORDER BY i.triage_key LIMIT 1) n
) SELECT key FROM k
"""


# Per inbox and kind of page (``overview``'s ``first_read``), the first stream read that
# page made: the next overview of that kind sends it too, and when the page asks exactly
# that read again (the same streams, the same minute, the same kept probes) its answer is
# there without a round trip of its own. A read that differs is sent as usual, and the
# answer sent ahead is dropped (the server's work on it, ~0.6 ms at 1M items, is lost).
_FIRST_READS: dict[tuple[str, str], tuple[str, tuple]] = {}
_MAX_FIRST_READS = 64  # kinds of page kept per process, all inboxes together


class PgTriageIndex(TriageIndex):
    """``store.triage`` on PostgreSQL."""

    # One read for the demo's first page at 1M items (64 streams, ~390 rows). One read of
    # 48 streams of 24 rows took ~810 rows, each with its gap probe on the server: 3 ms
    # more per page than an extra round trip. Since the probes are kept (:mod:`.probes`), 64
    # streams of 16 in one read beat two reads of 32 (4.8 against 5.4 ms, alternating).
    first_chunk = 16
    read_ahead = True
    open_batch = 64

    __slots__ = ("_database",)  # who reads which database: the key of its kept probes

    def overview(
        self,
        *,
        then_accounts: bool = False,
        then_away: bool = False,
        first_read: str | None = None,
    ) -> TriageOverview:
        conn: PgConnection = self._conn  # type: ignore[assignment]  # only a PgStore holds this
        kept = None if first_read is None else _FIRST_READS.get(self._page_kind(first_read))
        with conn.together():
            meta = conn.execute(_META_SQL, _META)
            missing = conn.execute(_MISSING_SQL + " LIMIT 1")
            keys = conn.execute(_SEEN_KEYS_SQL)
            horizons = conn.execute(_HORIZONS_SQL)
            # Which database this is never changes for a store: asked with its first page.
            known = getattr(self, "_database", None)
            database = None if known is not None else conn.execute(_DATABASE_SQL)
            if then_accounts:
                conn.ahead(OWNERS_SQL)
            if then_away:
                conn.ahead(AWAY_SQL)
            if kept is not None:
                conn.ahead(*kept)
        if database is not None:
            self._database = (str(self._store.location), *database.fetchone())
        return TriageOverview(
            self._parse_meta(dict(meta.fetchall()))[0],
            missing.fetchone() is not None,
            [key for (key,) in keys.fetchall()],
            {a: end for a, _last, end in horizons.fetchall()},
        )

    def _page_kind(self, first_read: str) -> tuple[str, str]:
        return (str(self._store.location), first_read)

    def many_reader(self, status: str | None = None, first_read: str | None = None) -> ManyReader:
        execute = self._conn.execute
        # Only after an overview on this connection: it says which database this is.
        database = getattr(self, "_database", None)
        known = None if database is None else probes.answers(database)
        keep_as = None if first_read is None else self._page_kind(first_read)

        def read(requests: Sequence[StreamRequest]) -> list[list[StreamRow]]:
            # A request's answers are final (and kept) when its account has a gap horizon.
            final = [known is not None and -UNBOUNDED < r[6] < UNBOUNDED for r in requests]
            skips = [
                known.stretch.get(r[0], _NOTHING) if known is not None and ok else _NOTHING
                for r, ok in zip(requests, final, strict=True)
            ]
            # Each column as an array literal: its parameter's type is then the same whatever
            # the numbers (a list of ints is sent as smallint[], integer[] or bigint[] by its
            # largest), so the statement is prepared once and its plan kept.
            columns: list = [int_array(c) for c in zip(*requests, strict=True)]
            columns += [int_array(s[0] for s in skips), int_array(s[1] for s in skips)]
            params: list = [*columns, status] if status else columns
            sql = _STREAMS_ONE if status else _STREAMS_BOTH
            nonlocal keep_as
            if keep_as is not None:  # the page's first read
                if len(_FIRST_READS) >= _MAX_FIRST_READS and keep_as not in _FIRST_READS:
                    _FIRST_READS.clear()
                _FIRST_READS[keep_as] = (sql, tuple(params))
                keep_as = None
            out: list[list[StreamRow]] = [[] for _ in requests]
            for n, item_id, created_at, answer in execute(sql, params).fetchall():
                request = requests[n - 1]
                failing: bool | None = None
                if answer is not None:
                    failing = bool(answer & 1)
                    if final[n - 1] and known is not None:
                        known.keep(request[0] // KEY_SPAN, answer >> 1, created_at, failing)
                elif created_at < request[6] and skips[n - 1][0] <= created_at <= skips[n - 1][1]:
                    failing = self._kept(known, request[0] // KEY_SPAN, created_at)
                out[n - 1].append((item_id, created_at, failing))
            for rows, request, ok in zip(out, requests, final, strict=True):
                rows.sort(key=_by_time)
                if ok and known is not None and rows and rows[0][1] < request[6]:
                    asked = [t for _i, t, _f in rows if t < request[6]]
                    known.widen(request[0], asked[0], asked[-1])
            return out

        return read

    def _kept(self, known: probes.Answers | None, account_id: int, t: int) -> bool | None:
        """A skipped item's answer: kept, or asked alone (it arrived since its stream's
        stretch was answered) and then kept."""
        failing = None if known is None else known.failing(account_id, t)
        if failing is not None:
            return failing
        state = self.run_state(account_id, t)
        failing, since, until = (False, 0, None) if state is None else state  # None: no run yet
        if known is not None:
            known.keep(account_id, since, t if until is None else until - 1, failing)
        return failing

    def gap_horizons(self) -> dict[int, int | None]:
        return {a: end for a, _last, end in self._conn.execute(_HORIZONS_SQL)}

    def rows_and_targets(self, ids: Sequence[int]) -> tuple[dict[int, ItemRow], dict[int, int]]:
        from .parts import by_ids_statements

        if ids:
            conn: PgConnection = self._conn  # type: ignore[assignment]  # a PgStore's
            with conn.together():
                for sql, params in by_ids_statements(ids):
                    conn.ahead(sql, params)
                conn.ahead(OWN_TARGETS_SQL)
        return self._store.items.by_ids(ids), self._store.clients.own_targets()

    def open_keys(self) -> list[int]:
        return [key for (key,) in self._conn.execute(_KEYS_SQL)]
