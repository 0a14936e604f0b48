"""Sync runs (every attempt to read an account, with its outcome and the entries it
skipped) and away periods (when the manager could not act): together, what backlog/gaps.py
makes gaps of."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from ..model import AwayReason, SyncOutcome
from ..redact import redact
from ..rows import AwayPeriodRow, FailedRun, SyncRunRow, TokenCheck
from ._part import Part, insert

_RUN_FIELDS = (
    "id",
    "account_id",
    "started_at",
    "ended_at",
    "outcome",
    "detail",
    "items",
    "retry_at",
    "lost",
)
_RUN_SELECT = f"SELECT {', '.join(_RUN_FIELDS)} FROM sync_runs"
_LAST_SQL = _RUN_SELECT + " WHERE account_id = ? ORDER BY started_at DESC, id DESC LIMIT 1"
_LAST_OK_SQL = (
    "SELECT id, started_at FROM sync_runs WHERE account_id = ? AND outcome = 'ok'"
    " ORDER BY started_at DESC, id DESC LIMIT 1"
)
# What the account's runs started at a time or later skipped, by reason (most first).
_SKIPS_SINCE_SQL = (
    "SELECT s.reason, sum(s.count) AS n FROM sync_runs r"
    " JOIN sync_run_skips s ON s.run_id = r.id"
    " WHERE r.account_id = ? AND r.started_at >= ?"
    " GROUP BY s.reason ORDER BY n DESC, s.reason"
)
# How many failed runs after (started_at, id), and the first one's start.
_FAILURES_AFTER_SQL = (
    "SELECT count(*), min(started_at) FROM sync_runs WHERE account_id = ?"
    " AND outcome != 'ok' AND (started_at > ? OR (started_at = ? AND id > ?))"
)
# The first successful run after (started_at, id), in that order.
_NEXT_OK_SQL = (
    "SELECT started_at, id FROM sync_runs WHERE account_id = ? AND outcome = 'ok'"
    " AND started_at >= ? AND (started_at > ? OR id > ?) ORDER BY started_at, id LIMIT 1"
)
# An account's failed runs from its last success before a time on (all: none before it),
# so that a gap which started earlier and reaches into a window is seen whole.
_FAILED_SINCE_LAST_OK = (
    " AND started_at >= coalesce((SELECT l.started_at FROM sync_runs l WHERE l.account_id = ?"
    " AND l.outcome = 'ok' AND l.started_at < ? ORDER BY l.started_at DESC, l.id DESC"
    " LIMIT 1), started_at)"
)


class RunFacts(NamedTuple):
    """What an account's health is made of (:meth:`SyncRuns.health_facts`)."""

    last: SyncRunRow | None  # its last run
    skips: dict[str, int]  # what its recent runs skipped, by reason
    failures: int  # failed runs since its last success (0 when the last run was ok)
    gap_since: int | None  # the first of those failures' start


def _run(row: tuple[Any, ...]) -> SyncRunRow:
    run = dict(zip(_RUN_FIELDS, row, strict=True))
    run["outcome"] = SyncOutcome(run["outcome"])
    return run  # type: ignore[return-value]  # built from _RUN_FIELDS, a SyncRunRow's keys


class SyncRuns(Part):
    """``store.runs``."""

    __slots__ = ()

    def add(
        self,
        account_id: int,
        started_at: int,
        ended_at: int | None,
        outcome: str,
        detail: str = "",
        items: int = 0,
        retry_at: int | None = None,
        lost: str = "",
        *,
        skipped: dict[str, int] | None = None,
    ) -> int:
        """Record one run; ``skipped`` counts the entries it could not store, by reason."""
        # A platform's words can quote a secret: the data file never keeps one.
        detail, lost = redact(detail), redact(lost)
        with self._store.transaction() as conn:
            run_id = insert(
                conn,
                "INSERT INTO sync_runs (account_id, started_at, ended_at, outcome, detail, items,"
                " retry_at, lost) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (account_id, started_at, ended_at, outcome, detail, items, retry_at, lost),
            )
            conn.executemany(
                "INSERT INTO sync_run_skips (run_id, reason, count) VALUES (?, ?, ?)",
                [(run_id, why[:200], n) for why, n in (skipped or {}).items() if n > 0],
            )
        return run_id

    def skipped(self, run_id: int) -> dict[str, int]:
        """The entries one run skipped, by reason (most first)."""
        return dict(
            self._conn.execute(
                "SELECT reason, count FROM sync_run_skips WHERE run_id = ?"
                " ORDER BY count DESC, reason",
                (run_id,),
            )
        )

    def skips_since(self, account_id: int, since: int) -> dict[str, int]:
        """The entries the account's runs started at ``since`` or later skipped, by reason
        (most first); the runs come from the (account, started_at) index."""
        return dict(self._conn.execute(_SKIPS_SINCE_SQL, (account_id, since)))

    def last_per_account(self) -> dict[int, SyncRunRow]:
        """Each account's most recent sync run (the accounts listing)."""
        return {
            r[1]: _run(r)
            for r in self._conn.execute(
                "SELECT r.id, r.account_id, r.started_at, r.ended_at, r.outcome, r.detail, r.items,"
                " r.retry_at, r.lost FROM sync_runs r JOIN (SELECT account_id, max(started_at) AS s"
                " FROM sync_runs GROUP BY account_id) m"
                " ON m.account_id = r.account_id AND m.s = r.started_at"
            )
        }

    def last(self, account_id: int) -> SyncRunRow | None:
        row = self._conn.execute(_LAST_SQL, (account_id,)).fetchone()
        return None if row is None else _run(row)

    def health_facts(self, account_ids: Sequence[int], *, skips_since: int) -> list[RunFacts]:
        """Each account's :class:`RunFacts` (in order), the skips of its runs started at
        ``skips_since`` or later. The statements of each step go together: a server engine
        answers in two round trips however many accounts there are (one per statement
        asked a big team's health in hundreds)."""
        first = self._each(
            [
                statement
                for a in account_ids
                for statement in (
                    (_LAST_SQL, [a]),
                    (_SKIPS_SINCE_SQL, [a, skips_since]),
                    (_LAST_OK_SQL, [a]),
                )
            ]
        )
        lasts = [_run(rows[0]) if rows else None for rows in first[0::3]]
        oks = [tuple(rows[0]) if rows else (0, -1) for rows in first[2::3]]  # (id, started_at)
        failing = [n for n, last in enumerate(lasts) if last and last["outcome"] != "ok"]
        counted = self._each(
            [
                (_FAILURES_AFTER_SQL, [account_ids[n], oks[n][1], oks[n][1], oks[n][0]])
                for n in failing
            ]
        )
        failures = {n: (rows[0][0], rows[0][1]) for n, rows in zip(failing, counted, strict=True)}
        return [
            RunFacts(last, dict(skips), *failures.get(n, (0, None)))
            for n, (last, skips) in enumerate(zip(lasts, first[1::3], strict=True))
        ]

    def failing_at(self, account_id: int, t: int) -> bool:
        """Whether the account's last run started at or before ``t`` failed (one index
        probe): then ``t`` lies in a gap its failures opened."""
        row = self._conn.execute(
            "SELECT outcome FROM sync_runs WHERE account_id = ? AND started_at <= ?"
            " ORDER BY started_at DESC, id DESC LIMIT 1",
            (account_id, t),
        ).fetchone()
        return row is not None and row[0] != "ok"

    def failed_many(
        self, account_ids: Sequence[int], *, since: int | None = None, until: int | None = None
    ) -> list[list[FailedRun]]:
        """Each account's failed runs in (started_at, id) order (a partial index holds only
        the failures), as bare tuples: a triage page reads every failure, thousands after a
        long outage. From its last success before ``since`` (all of its failures when it
        has none), to ``until`` (started at or before). One statement per account, which a
        server engine sends together."""
        statements = []
        for account_id in account_ids:
            sql = (
                "SELECT id, started_at, outcome, detail FROM sync_runs"
                " WHERE account_id = ? AND outcome != 'ok'"
            )
            params: list = [account_id]
            if since is not None:
                sql += _FAILED_SINCE_LAST_OK
                params += [account_id, since]
            if until is not None:
                sql += " AND started_at <= ?"
                params.append(until)
            statements.append((sql + " ORDER BY started_at, id", params))
        return self._each(statements)

    def next_oks(self, runs: Sequence[tuple[int, int, int]]) -> list[tuple[int, int] | None]:
        """For each (account_id, started_at, id) of a run, (started_at, id) of the
        account's first successful run after it in that order (None: none yet); one
        statement each, which a server engine sends together."""
        answers = self._each([(_NEXT_OK_SQL, [a, t, t, i]) for a, t, i in runs])
        return [(rows[0][0], rows[0][1]) if rows else None for rows in answers]

    def _each(self, statements: Sequence[tuple[str, list]]) -> list[list]:
        """Every statement's rows, in order."""
        return [self._conn.execute(sql, params).fetchall() for sql, params in statements]

    def set_token_check(self, account_id: int, check: TokenCheck) -> None:
        """Keep what the platform last said about when the account's credentials expire."""
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO token_checks (account_id, checked_at, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (account_id) DO UPDATE SET checked_at = excluded.checked_at,"
                " expires_at = excluded.expires_at",
                (account_id, check.checked_at, check.expires_at),
            )

    def token_check(self, account_id: int) -> TokenCheck | None:
        row = self._conn.execute(
            "SELECT checked_at, expires_at FROM token_checks WHERE account_id = ?",
            (account_id,),
        ).fetchone()
        return None if row is None else TokenCheck(row[0], row[1])

    def token_checks(self) -> dict[int, TokenCheck]:
        """Every account's last token check (the health bar)."""
        return {
            a: TokenCheck(c, e)
            for a, c, e in self._conn.execute(
                "SELECT account_id, checked_at, expires_at FROM token_checks"
            )
        }


AWAY_SQL = (
    "SELECT id, started_at, ended_at, reason, note, member_id FROM away_periods ORDER BY started_at"
)


class AwayPeriods(Part):
    """``store.away``: periods the manager (or one member of the team) recorded as away, sick
    or offline. A period with no member is the whole inbox's, as before there were teams."""

    __slots__ = ()
    _SELECT = "SELECT id, started_at, ended_at, reason, note, member_id FROM away_periods"

    def add(
        self,
        started_at: int,
        ended_at: int | None,
        reason: str = "away",
        note: str = "",
        *,
        member_id: int | None = None,
    ) -> int:
        with self._store.transaction() as conn:
            return insert(
                conn,
                "INSERT INTO away_periods (started_at, ended_at, reason, note, member_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (started_at, ended_at, reason, note, member_id),
            )

    def all(self) -> list[AwayPeriodRow]:
        """Every away period (the whole inbox's and each member's), oldest first."""
        return [
            AwayPeriodRow(i, s, e, AwayReason(r), n, m)
            for i, s, e, r, n, m in self._conn.execute(AWAY_SQL)
        ]

    def current(self, member_id: int | None = None) -> AwayPeriodRow | None:
        """The open away period (no end yet) of the whole inbox, or of ``member_id``."""
        who = "member_id IS NULL" if member_id is None else "member_id = ?"
        row = self._conn.execute(
            self._SELECT + f" WHERE ended_at IS NULL AND {who} ORDER BY started_at DESC LIMIT 1",
            () if member_id is None else (member_id,),
        ).fetchone()
        if row is None:
            return None
        return AwayPeriodRow(row[0], row[1], row[2], AwayReason(row[3]), row[4], row[5])

    def end(self, away_id: int, ended_at: int) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE away_periods SET ended_at = ? WHERE id = ?", (ended_at, away_id))
