"""Gaps: windows in which sfogo could not see, or the manager could not act.

Two sources: consecutive failed sync runs of one account (from the first failure to the
next success, or still open), and away periods the manager records (away, sick, offline),
which cover every account.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _
from sfogo.inbox.model import AWAY_REASONS
from sfogo.inbox.rows import AccountOwner, FailedRun
from sfogo.inbox.store import Store


@dataclass(slots=True)
class Gap:
    kind: str  # offline, down, rate_limited, auth, blocked, broken, away, sick
    started_at: int
    ended_at: int | None  # None: still open
    source: str  # "sync" (failed runs of one account) or "away" (recorded by the manager)
    account_id: int | None = None  # None: every account
    account: str = ""  # "channel:handle"
    client_id: int | None = None
    client: str = ""
    runs: int = 0  # failed sync runs in the gap
    kinds: dict[str, int] = field(default_factory=dict)  # outcomes seen, with counts
    detail: str = ""  # the last failure's detail, or the away note
    away_id: int | None = None

    @property
    def scope(self) -> str:
        return "account" if self.account_id is not None else "all"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def end_or(self, now: int) -> int:
        return self.ended_at if self.ended_at is not None else now

    def duration(self, now: int) -> int:
        return max(0, self.end_or(now) - self.started_at)

    def touches(self, account_id: int) -> bool:
        return self.account_id is None or self.account_id == account_id

    def overlaps(self, start: int, end: int, now: int) -> bool:
        return self.started_at < end and self.end_or(now) > start


def _sync_gaps(store: Store, since: int | None, until: int | None) -> list[Gap]:
    """Group each account's consecutive failed runs into gaps.

    Only the failed runs are read (a partial index holds them), plus one probe per gap
    for the success that closed it: an account syncing every 15 minutes has thousands of
    good runs for every failure. A gap keeps its real end even when that lies after
    ``until`` (a report on last week must not call a gap closed since "still open").
    The accounts are walked side by side, their reads asked together (a server engine
    sends each round in one trip): the failures, then each round of gaps' closing runs.
    """
    owners = store.accounts.owners()
    failed = store.runs.failed_many([o.account_id for o in owners], since=since, until=until)
    walkers = [_account_gaps(owner, runs) for owner, runs in zip(owners, failed, strict=True)]
    results: list[list[Gap]] = [[] for _ in walkers]
    asked: dict[int, tuple[int, int, int]] = {}  # walker -> the run it wants closed

    def resume(n: int, answer: tuple[int, int] | None) -> None:
        try:
            asked[n] = walkers[n].send(answer)  # the first send (None) starts it
        except StopIteration as stop:
            results[n] = stop.value

    for n in range(len(walkers)):
        resume(n, None)
    while asked:
        requests = dict(asked)
        asked.clear()
        for n, answer in zip(requests, store.runs.next_oks(list(requests.values())), strict=True):
            resume(n, answer)
    gaps = [gap for account_gaps in results for gap in account_gaps]
    for gap in gaps:  # the outcome that filled most of the gap names it
        gap.kind = Counter(gap.kinds).most_common(1)[0][0]
    return gaps


def _account_gaps(
    owner: AccountOwner, runs: list[FailedRun]
) -> Generator[tuple[int, int, int], tuple[int, int] | None, list[Gap]]:
    """One account's gaps from its failed runs in order; yields (account_id, started_at,
    id) of a run that opens a gap and is sent the first successful run after it."""
    gaps: list[Gap] = []
    current: Gap | None = None
    closing: tuple[int, int] | None = None
    for run_id, started_at, outcome, detail in runs:
        if current is None or (closing is not None and (started_at, run_id) > closing):
            if current is not None:
                gaps.append(current)
            closing = yield (owner.account_id, started_at, run_id)
            current = Gap(
                kind=outcome,
                started_at=started_at,
                ended_at=closing[0] if closing else None,
                source="sync",
                account_id=owner.account_id,
                account=owner.label,
                client_id=owner.client_id,
                client=owner.client,
            )
        current.runs += 1
        current.kinds[outcome] = current.kinds.get(outcome, 0) + 1
        current.detail = detail
    if current is not None:
        gaps.append(current)
    return gaps


def away_gaps(store: Store) -> list[Gap]:
    """The whole inbox's away periods as gaps. A team member's own period is not one: the
    others watch the inbox meanwhile; it takes that member's hours out of the plan
    (``backlog.team_hours``)."""
    return [
        Gap(
            kind=p.reason,
            started_at=p.started_at,
            ended_at=p.ended_at,
            source="away",
            detail=p.note,
            away_id=p.id,
        )
        for p in store.away.all()
        if p.member_id is None
    ]


def find_gaps(
    store: Store,
    *,
    since: int | None = None,
    until: int | None = None,
    client_id: int | None = None,
    now: int,
) -> list[Gap]:
    """Every gap overlapping [since, until], oldest first.

    ``client_id`` keeps the gaps that touched that client's accounts (away periods touch
    every client).
    """
    lo = since if since is not None else 0
    hi = until if until is not None else now
    store.ahead_gap_reads()  # on a server, the two reads that follow in one round trip
    away = away_gaps(store)
    gaps = [
        g
        for g in _sync_gaps(store, since, until) + away
        if g.overlaps(lo, hi, now) or (g.is_open and g.started_at <= hi)
    ]
    if client_id is not None:
        gaps = [g for g in gaps if g.client_id in (None, client_id)]
    gaps.sort(key=lambda g: (g.started_at, g.account))
    return gaps


def open_away(store: Store, member_id: int | None = None) -> tuple[int, int, str] | None:
    """The open away period (id, started_at, reason), if the manager (or the member) is
    away now."""
    current = store.away.current(member_id)
    return None if current is None else (current.id, current.started_at, current.reason)


def record_away(
    store: Store,
    reason: str = "away",
    *,
    start: int | None = None,
    end: int | None = None,
    note: str = "",
    member_id: int | None = None,
    now: int,
) -> int:
    """Record an away period (open-ended without ``end``) of the whole inbox, or of one
    team member; return its id."""
    if reason not in AWAY_REASONS:
        raise SfogoError(
            _("unknown reason {reason!r}: use one of {names}").format(
                reason=reason, names=", ".join(AWAY_REASONS)
            )
        )
    start = now if start is None else start
    if end is not None and end <= start:
        raise SfogoError(_("the end of an away period must come after its start"))
    if end is None:
        current = open_away(store, member_id)
        if current is not None:
            raise SfogoError(
                _("already {v2} since {iso}: run 'sfogo back' first").format(
                    v2=current[2], iso=when.iso(current[1])
                )
            )
    return store.away.add(start, end, reason, note, member_id=member_id)


def end_away(store: Store, *, member_id: int | None = None, now: int) -> tuple[int, int, int, str]:
    """End the open away period (the inbox's, or the member's); return (id, started_at,
    ended_at, reason)."""
    current = open_away(store, member_id)
    if current is None:
        raise SfogoError(_("you are not away: 'sfogo away' records a period"))
    away_id, started_at, reason = current
    ended_at = max(now, started_at + 1)
    store.away.end(away_id, ended_at)
    return away_id, started_at, ended_at, reason
