"""What the backlog screen reads, off the UI thread: each client's backlog and the gap
timeline, the burndown's past, and the catch-up plan (kept to what the screen shows: the
plan itself can hold 100k items).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING

from sfogo.inbox.store import Store

from ..widgets._burndown import backlog_history, projection
from ..widgets._timeline import Timeline, build_timeline

if TYPE_CHECKING:  # the backlog modules load in the workers, not when the app starts
    from sfogo.backlog.plan_advice import Advice
    from sfogo.backlog.plan_share import Share

DAYS = 14  # the timeline's and the burndown's window


def _settings(data: dict, store: Store):
    from sfogo.backlog.settings import client_targets, from_dict

    return from_dict(data).with_client_targets(client_targets(store))


@dataclass(frozen=True, slots=True)
class Summary:
    clients: list  # backlog.measure.ClientBacklog, largest backlog first
    gaps: int
    open_gaps: int
    timeline: Timeline


@dataclass(frozen=True, slots=True)
class BatchView:
    number: int
    client: str
    channel: str
    items: int
    effort_s: int
    start_at: int | None
    late: int
    member: str = ""  # who does it (a team's plan)


@dataclass(frozen=True, slots=True)
class PlanView:
    """What the screen shows of a plan (the plan itself can hold 100k items)."""

    status: str
    finish_at: int | None
    items: int
    effort_s: int
    share: float
    misses_target: int
    misses_window: int
    unanswerable: int
    batches: tuple[BatchView, ...]
    batch_count: int
    client_finish: dict[int, tuple[str, int | None]]
    future: tuple[int, ...]
    advice: Advice | None = None  # what it would take, by the next working day's end
    tz: tzinfo | None = None  # the working time's zone (the advice's dates are its days)
    shares: tuple[Share, ...] = ()  # a team's: who does what by when (backlog.plan_share)


def read_summary(store: Store, data: dict, now: int) -> Summary:
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.measure import summarize

    gaps = find_gaps(store, now=now)
    clients = summarize(store, _settings(data, store), now=now, gaps=gaps)
    clients.sort(key=lambda c: (-c.count, c.client))
    accounts = [(o.account_id, o.client, o.channel) for o in store.accounts.owners()]
    return Summary(
        clients, len(gaps), sum(g.is_open for g in gaps), build_timeline(accounts, gaps, now, DAYS)
    )


def read_history(store: Store, now: int) -> list[int]:
    from sfogo.backlog.gaps import find_gaps

    return backlog_history(store, find_gaps(store, now=now), now, DAYS)


def read_plan(store: Store, data: dict, now: int, batches: int = 12) -> PlanView:
    from sfogo.backlog.plan import make_plan
    from sfogo.backlog.plan_advice import default_targets, plan_advice
    from sfogo.backlog.workhours import WorkHours
    from sfogo.inbox.config import section

    work = WorkHours.from_config(section(data, "work"))
    plan = make_plan(store, now=now, work=work, settings=_settings(data, store), config=data)
    finish: dict[int, tuple[str, int | None]] = {}
    if plan.status == "eta":
        latest: dict[int, int] = {}  # client id -> when its last item is done
        for item in plan.items:
            if item.finish_at is not None and latest.get(item.client_id, 0) < item.finish_at:
                latest[item.client_id] = item.finish_at
        finish = {client_id: ("eta", at) for client_id, at in latest.items()}
    else:
        for item in plan.items:
            finish[item.client_id] = (plan.status, None)
    return PlanView(
        plan.status,
        plan.finish_at,
        len(plan.items),
        plan.effort_s,
        plan.share,
        sum(i.misses_target for i in plan.items),
        sum(i.misses_window for i in plan.items),
        len(plan.unanswerable),
        tuple(
            BatchView(
                b.number,
                b.client,
                b.channel,
                len(b.items),
                b.effort_s,
                b.start_at,
                sum(i.misses_target for i in b.items),
                b.member,
            )
            for b in plan.batches[:batches]
        ),
        len(plan.batches),
        finish,
        tuple(projection(plan, now)),
        plan_advice(plan, default_targets(work, now, (1,))),
        work.tz,
        tuple(plan.shares),
    )
