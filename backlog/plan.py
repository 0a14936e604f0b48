"""The catch-up plan: how long the backlog takes, when it is gone, which promises break,
and the order to work in.

Inputs
------
- The backlog (``backlog.measure``) in triage order: exactly ``backlog.triage``'s order,
  computed in one pass over the whole backlog (:func:`ranked_backlog`).
- Working time from ``[work]`` (see ``backlog.workhours``); ``--hours-per-day`` trims or
  stretches each working day.
- Minutes per kind from ``[effort]`` (defaults below). Once the store holds at least
  ``min_samples`` (30) measured items of a kind, the median measured time replaces the
  default. What can honestly be measured: sfogo never sees when the manager *started* an
  item, only when each was marked handled. Within a working session items are handled one
  after another, so the time between two consecutive ``handled_at`` stamps is the time the
  second one took. Gaps of zero (a selection marked done at once) and gaps longer than
  ``session_gap`` (30 minutes: a break, a meeting, the night) are not handling times and are
  dropped. The sample is the handled items in the most recent window (6, 12, 24 hours …
  4 weeks of arrivals) that holds at least ``LEARN_SAMPLE`` of them, so the cost stays
  bounded on a big inbox; the median is ``median_low`` (a time that really happened).
- New interactions keep arriving and take their share of the same hours: per client, the
  items that arrived in the last 7 days divided by the working hours of those 7 days, times
  the minutes those kinds take, is the fraction of working time the new flow needs. The
  backlog gets what is left (``share``); when nothing is left the backlog never clears.

The order (batching rule)
-------------------------
Items are taken in triage order. The head of what is left opens a batch (its client and
channel: no context switch inside a batch). The batch then grows by pulling forward the next
items *of the same client and channel*, in triage order, looking at most ``lookahead`` items
ahead, while

1. the batch stays within ``batch_minutes`` of work, and
2. no item ranked ahead of the pulled one that meets a deadline (its response target or its
   reply window) in the pure triage order would miss it because of the pull.

Deadlines already missed in the pure triage order are not protected: pulls may delay those
items further (each batch by less than its length). The first same-key item that fails
rule 2 ends the batch. So batching never breaks a deadline that the triage order meets
(a test checks this on random cases).

Times are exact: working intervals are walked day by day (nights, weekends, daylight saving),
and with the whole working time given to the backlog (``share`` 1) a finish time is
``start + cumulative minutes`` walked through those intervals, to the second.
Items whose reply window has already closed are not scheduled: they are listed to be marked
unanswerable.

A team
------
With team members, the working time is theirs (``backlog.team_hours``), an assigned item
only joins a batch of the same owner's items, and ``backlog.plan_share`` hands each batch to
one member and walks their own hours: the plan's times are each member's, and
``Plan.shares`` says who does what by when.
"""

from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass, field

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _
from sfogo.inbox.model import KINDS
from sfogo.inbox.store import Store

from .gaps import Gap, find_gaps
from .measure import cutoffs
from .plan_share import Share, share_out
from .settings import Settings
from .team_hours import TeamHours, team_hours
from .workhours import DAY_NAMES, HORIZON_DAYS, WorkHours

DEFAULT_EFFORT_MIN = {
    "dm": 4.0,
    "email": 6.0,
    "comment": 2.0,
    "mention": 2.0,
    "reply": 2.0,
    "review": 5.0,
}
MIN_SAMPLES = 30
SESSION_GAP_S = 30 * 60
LEARN_SAMPLE = 3000
LEARN_WINDOWS_H = (6, 12, 24, 48, 96, 192, 384, 672)  # hours of arrivals, up to 4 weeks
ARRIVAL_DAYS = 7
KIND_MIX_SAMPLE = 500  # recent items per account that estimate its mix of kinds
DEFAULT_BATCH_MIN = 45.0
DEFAULT_LOOKAHEAD = 50
MAX_MINUTES = 1_000_000  # about two years: an effort or a batch longer than that is a typo
MIN_SHARE = 0.02  # below this the backlog gets no meaningful time: "never"


@dataclass(slots=True)
class Effort:
    """Seconds one item of a kind takes, and where the number comes from."""

    kind: str
    seconds: int
    source: str  # "default", "config" or "learned"
    samples: int = 0


@dataclass(slots=True)
class Arrivals:
    client_id: int
    client: str
    items: int  # incoming items in the last ARRIVAL_DAYS
    per_hour: float  # per working hour
    load: float  # fraction of working time the new flow needs


@dataclass(slots=True)
class PlanItem:
    id: int
    rank: int  # position in triage order (0 = most urgent)
    score: float
    client_id: int
    client: str
    channel: str
    account_id: int
    kind: str
    created_at: int
    effort_s: int
    deadline_at: int
    window_closes_at: int | None
    start_at: int | None = None
    finish_at: int | None = None  # None: beyond the horizon, or never at this pace
    misses_target: bool = False
    misses_window: bool = False
    batch: int = 0
    tier: str = ""  # the client's tier
    owner: str = ""  # the team member it is assigned to ('' : nobody)
    member: str = ""  # the team member the plan gives it to ('' : one person's plan)

    def finishes(self, at: int | None) -> None:
        """Set the finish ``at`` (None: beyond the horizon) and which deadlines it misses."""
        self.finish_at = at
        if at is None:
            self.misses_target = True
            self.misses_window = self.window_closes_at is not None
        else:
            self.misses_target = at > self.deadline_at
            self.misses_window = self.window_closes_at is not None and at > self.window_closes_at


@dataclass(slots=True)
class Batch:
    number: int
    client: str
    channel: str
    items: list[PlanItem]

    @property
    def start_at(self) -> int | None:
        return self.items[0].start_at

    @property
    def finish_at(self) -> int | None:
        return self.items[-1].finish_at

    @property
    def effort_s(self) -> int:
        return sum(i.effort_s for i in self.items)

    @property
    def member(self) -> str:
        """Who does it ('' : one person's plan)."""
        return self.items[0].member


@dataclass(slots=True)
class Plan:
    now: int
    work: WorkHours
    effort: dict[str, Effort]
    arrivals: list[Arrivals]
    share: float  # of working time left for the backlog
    items: list[PlanItem]  # scheduled, in working order
    batches: list[Batch]
    unanswerable: list[PlanItem]
    finish_at: int | None
    status: str  # "empty", "eta", "never" (no time left), "beyond" (past the horizon)
    settings: dict = field(default_factory=dict)
    # The team whose members' hours the plan walked (None: one person's, ``work``).
    team: TeamHours | None = None
    # Each member's part, in the team's order (backlog.plan_share; [] : one person's plan).
    shares: list[Share] = field(default_factory=list)

    @property
    def effort_s(self) -> int:
        return sum(i.effort_s for i in self.items)

    def client_finish(self, client_id: int) -> tuple[str, int | None]:
        """(status, when) the client's last backlog item is done."""
        mine = [i for i in self.items if i.client_id == client_id]
        if not mine:
            return "empty", None
        if self.status != "eta":
            return self.status, None
        # Under "eta" every item has a finish time (the last one has, and they only grow).
        return "eta", max(i.finish_at for i in mine if i.finish_at is not None)


# -- settings --------------------------------------------------------------------------------


def _minutes(section: str, key: str, value: object) -> float:
    # nan and inf are refused too: either would make every ETA after it meaningless.
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 < value <= MAX_MINUTES  # False for nan as well
    ):
        raise SfogoError(
            _(
                "config: [{section}] {key} must be a number of minutes above zero (at "
                "most {max_minutes:,}), not {value!r}"
            ).format(section=section, key=key, max_minutes=MAX_MINUTES, value=value)
        )
    return float(value)


def plan_settings(config: dict) -> dict:
    """``[effort]`` and ``[plan]`` with defaults, checked."""
    effort = config.get("effort", {})
    plan = config.get("plan", {})
    if not isinstance(effort, dict) or not isinstance(plan, dict):
        raise SfogoError(_("config: [effort] and [plan] must be tables"))
    minutes = dict(DEFAULT_EFFORT_MIN)
    for key, value in effort.items():
        if key in KINDS:
            minutes[key] = _minutes("effort", key, value)
        elif key not in ("learn", "min_samples", "session_gap"):
            raise SfogoError(
                _(
                    "config: [effort] has no setting {key!r}: use {names}, learn, "
                    "min_samples, session_gap"
                ).format(key=key, names=", ".join(KINDS))
            )
    learn = effort.get("learn", True)
    if not isinstance(learn, bool):
        raise SfogoError(_("config: [effort] learn must be true or false"))
    min_samples = effort.get("min_samples", MIN_SAMPLES)
    if isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1:
        raise SfogoError(_("config: [effort] min_samples must be a whole number above zero"))
    for key in plan:
        if key not in ("batch_minutes", "lookahead", "arrivals"):
            raise SfogoError(
                _(
                    "config: [plan] has no setting {key!r}: use batch_minutes, lookahead, arrivals"
                ).format(key=key)
            )
    lookahead = plan.get("lookahead", DEFAULT_LOOKAHEAD)
    if isinstance(lookahead, bool) or not isinstance(lookahead, int) or lookahead < 0:
        raise SfogoError(_("config: [plan] lookahead must be a whole number, 0 or more"))
    arrivals = plan.get("arrivals", True)
    if not isinstance(arrivals, bool):
        raise SfogoError(_("config: [plan] arrivals must be true or false"))
    return {
        "minutes": minutes,
        "configured": {k for k in effort if k in KINDS},
        "learn": learn,
        "min_samples": min_samples,
        "session_gap_s": round(
            60 * _minutes("effort", "session_gap", effort.get("session_gap", SESSION_GAP_S / 60))
        ),
        "batch_s": round(
            60 * _minutes("plan", "batch_minutes", plan.get("batch_minutes", DEFAULT_BATCH_MIN))
        ),
        "lookahead": lookahead,
        "arrivals": arrivals,
    }


# -- effort ----------------------------------------------------------------------------------


def learned_samples(
    store: Store, now: int, *, session_gap_s: int = SESSION_GAP_S
) -> dict[str, list[int]]:
    """Measured handling times per kind (seconds); see the module docstring."""
    workload = store.workload
    since = now
    for hours in LEARN_WINDOWS_H:  # index-only counts pick the smallest window that suffices
        since = now - hours * 3600
        if workload.handled_count(since=since) >= LEARN_SAMPLE:
            break
    samples: dict[str, list[int]] = {}
    previous = None
    for kind, handled, status in workload.handled(since=since):
        if previous is not None and status == "done":
            gap = handled - previous
            if 0 < gap <= session_gap_s:
                samples.setdefault(kind, []).append(gap)
        previous = handled
    return samples


def effort_table(store: Store, now: int, cfg: dict) -> dict[str, Effort]:
    """Seconds per kind: measured medians where there are enough samples, else config."""
    samples = (
        learned_samples(store, now, session_gap_s=cfg["session_gap_s"]) if cfg["learn"] else {}
    )
    table = {}
    for kind in KINDS:
        values = samples.get(kind, [])
        if len(values) >= cfg["min_samples"]:
            table[kind] = Effort(kind, int(statistics.median_low(values)), "learned", len(values))
        else:
            source = "config" if kind in cfg["configured"] else "default"
            table[kind] = Effort(kind, round(cfg["minutes"][kind] * 60), source, len(values))
    return table


# -- arrivals --------------------------------------------------------------------------------


def arrival_load(
    store: Store, work: WorkHours | TeamHours, now: int, effort: dict[str, Effort]
) -> list[Arrivals]:
    """Per client: how much of each working hour the new flow of interactions needs."""
    since = now - ARRIVAL_DAYS * 86400
    hours = work.seconds_between(since, now) / 3600
    workload = store.workload
    per_client: dict[int, list] = {}
    for owner in store.accounts.owners():
        entry = per_client.setdefault(owner.client_id, [owner.client, 0, 0.0])
        n = workload.arrived(owner.account_id, since, now)
        if not n:
            continue
        mix = workload.recent_kinds(owner.account_id, since, now, KIND_MIX_SAMPLE)
        incoming = [k for k, out in mix if not out]
        if not incoming:
            continue
        # The sample's share of incoming items scales the count (ours need no handling).
        items = n * len(incoming) / len(mix)
        mean_s = sum(effort[k].seconds for k in incoming) / len(incoming)
        entry[1] += items
        entry[2] += items * mean_s
    result = []
    for client_id, (client, items, work_s) in per_client.items():
        per_hour = items / hours if hours else 0.0
        load = work_s / (hours * 3600) if hours else 0.0
        result.append(Arrivals(client_id, client, round(items), per_hour, load))
    return result


# -- the clock -------------------------------------------------------------------------------


class WorkClock:
    """Working seconds since ``start`` <-> wall time, over intervals built as needed.

    A team's intervals carry a rate (how many members work then: ``backlog.team_hours``);
    one person's work at one working second per second."""

    def __init__(self, work: WorkHours | TeamHours, start: int) -> None:
        self.start = start
        self._iter = work.intervals(start, horizon_days=HORIZON_DAYS)
        self.los: list[int] = []
        self.his: list[int] = []
        self.rates: list[int] = []
        self.before: list[float] = []  # working seconds before each interval
        self.total = 0.0
        self.exhausted = False

    def _extend(self) -> bool:
        try:
            piece = next(self._iter)
        except StopIteration:
            self.exhausted = True
            return False
        lo, hi = piece[0], piece[1]
        rate = piece[2] if len(piece) > 2 else 1
        self.los.append(lo)
        self.his.append(hi)
        self.rates.append(rate)
        self.before.append(self.total)
        self.total += (hi - lo) * rate
        return True

    def wall(self, work_s: float, *, begin: bool = False) -> int | None:
        """The moment ``work_s`` working seconds after start are done (None: past horizon).

        Work that ends exactly at the end of a stretch ends then; with ``begin``, the next
        piece of work *begins* at the start of the following stretch instead.
        """
        while self.total < work_s or (begin and self.total <= work_s):
            if not self._extend():
                return None
        if begin:
            k = bisect.bisect_right(self.before, work_s) - 1
        else:
            if work_s <= 0:
                return self.start
            k = bisect.bisect_left(self.before, work_s) - 1  # last stretch starting before
        # A microsecond of slack: a share like 1 - 0.8 is 0.19999999999999996 in floating
        # point, and work that ends on the second must not end a second later.
        done = work_s - self.before[k]
        if self.rates[k] != 1:
            done /= self.rates[k]
        return self.los[k] + math.ceil(done - 1e-6)

    def work(self, ts: int) -> float:
        """Working seconds from start to ``ts`` (``inf`` past what the clock has walked)."""
        if ts <= self.start:
            return 0.0
        while not self.his or self.his[-1] < ts:
            if self.exhausted or not self._extend():
                return math.inf
        k = bisect.bisect_right(self.los, ts) - 1
        if k < 0:
            return 0.0
        return self.before[k] + (min(ts, self.his[k]) - self.los[k]) * self.rates[k]


# -- the plan --------------------------------------------------------------------------------


def ranked_backlog(
    store: Store, settings: Settings, now: int, gaps: list[Gap], everything: bool = False
) -> list[tuple[int, float, int, int, str]]:
    """Backlog items (every open item with ``everything``) in triage order, as
    (id, score, created_at, account_id, kind)."""
    from . import triage

    limits = None
    if not everything:
        limits = cutoffs(store, gaps, now)
        if not limits:
            return []
    return triage.rank_all(store, settings, now, gaps, before=limits)


def _plan_items(
    store: Store,
    settings: Settings,
    now: int,
    gaps: list[Gap],
    effort: dict[str, Effort],
    everything: bool,
) -> tuple[list[PlanItem], list[PlanItem]]:
    """The backlog as plan items in triage order: (answerable, unanswerable)."""
    accounts = {
        o.account_id: (
            o.client_id,
            o.client,
            o.channel,
            settings.target_s(o.tier, o.client_id, o.own_target_s),
            o.tier,
        )
        for o in store.accounts.owners()
    }
    items: list[PlanItem] = []
    unanswerable: list[PlanItem] = []
    static: dict[tuple[int, str], tuple] = {}  # what every item of an account and kind shares
    for rank, (item_id, score, created, account_id, kind) in enumerate(
        ranked_backlog(store, settings, now, gaps, everything)
    ):
        info = static.get((account_id, kind))
        if info is None:
            cid, client, channel, target, tier = accounts[account_id]
            info = static[(account_id, kind)] = (
                cid,
                client,
                channel,
                effort[kind].seconds,
                target,
                settings.window_s(channel, kind),
                tier,
            )
        cid, client, channel, seconds, target, window, tier = info
        closes = None if window is None else created + window
        item = PlanItem(
            item_id,
            rank,
            score,
            cid,
            client,
            channel,
            account_id,
            kind,
            created,
            seconds,
            created + target,
            closes,
            tier=tier,
        )
        (unanswerable if closes is not None and closes <= now else items).append(item)
    return items, unanswerable


def make_plan(
    store: Store,
    *,
    now: int,
    work: WorkHours | None = None,
    settings: Settings | None = None,
    config: dict | None = None,
    gaps: list[Gap] | None = None,
    everything: bool = False,
    hours_per_day: float | None = None,
) -> Plan:
    """The catch-up plan for the whole backlog (every open item with ``everything``).

    With team members, their hours less their away periods are the working time (see
    ``backlog.team_hours``; ``hours_per_day`` trims each member's day as it trimmed
    ``work``); without, ``work`` is."""
    work = work or WorkHours.from_config({})
    settings = settings if settings is not None else Settings()
    cfg = plan_settings(config or {})
    team = team_hours(store, (config or {}).get("work"), hours_per_day=hours_per_day)
    gaps = find_gaps(store, now=now) if gaps is None else gaps
    effort = effort_table(store, now, cfg)
    hours: WorkHours | TeamHours = team or work
    arrivals = arrival_load(store, hours, now, effort) if cfg["arrivals"] else []
    share = 1.0 - sum(a.load for a in arrivals)
    items, unanswerable = _plan_items(store, settings, now, gaps, effort, everything)
    plan = Plan(
        now=now,
        work=work,
        effort=effort,
        arrivals=arrivals,
        share=share,
        items=[],
        batches=[],
        unanswerable=unanswerable,
        finish_at=None,
        status="empty",
        settings={k: v for k, v in cfg.items() if k != "configured"},
        team=team,
    )
    if not items:
        plan.finish_at = now
        return plan
    if team is not None:  # an assigned item is batched with its owner's only
        owners = store.team.assignees([i.id for i in items])
        for item in items:
            if (owner := owners.get(item.id)) is not None:
                item.owner = owner.name
    clock = WorkClock(hours, now)
    never = share < MIN_SHARE
    # With no time left for the backlog no deadline can be protected; the order is still
    # the triage order, batched.
    order = schedule(
        items,
        clock,
        MIN_SHARE if never else share,
        batch_s=cfg["batch_s"],
        lookahead=cfg["lookahead"],
        protect=not never,
    )
    plan.items = order
    _times(plan, clock, MIN_SHARE if never else share, never=never)
    plan.batches = _group(order)
    return plan


def _times(plan: Plan, clock: WorkClock, share: float, *, never: bool) -> None:
    """Each item's start and finish (a team's: each member's own, see backlog.plan_share),
    and the plan's status and finish."""
    order = plan.items
    if plan.team is not None:
        plan.shares = share_out(order, plan.team, plan.now, share)
    elif not never:
        set_times(order, clock, share)
    if never:  # who does what still holds (a team's); when does not
        plan.status = "never"
        for item in order:
            item.start_at = item.finish_at = None
            item.misses_target = True
            item.misses_window = item.window_closes_at is not None
        for part in plan.shares:
            part.start_at = part.finish_at = None
        return
    finishes = [i.finish_at for i in order]
    last = None if None in finishes else max(f for f in finishes if f is not None)
    plan.status = "eta" if last is not None else "beyond"
    plan.finish_at = last


def _deadline_work(item: PlanItem, clock: WorkClock, share: float) -> tuple[float, float]:
    """The item's target and window deadlines on the backlog's own work scale."""
    target = clock.work(item.deadline_at) * share
    window = (
        math.inf if item.window_closes_at is None else clock.work(item.window_closes_at) * share
    )
    return target, window


def schedule(
    items: list[PlanItem],
    clock: WorkClock,
    share: float = 1.0,
    *,
    batch_s: int = round(DEFAULT_BATCH_MIN * 60),
    lookahead: int = DEFAULT_LOOKAHEAD,
    protect: bool = True,
) -> list[PlanItem]:
    """``items`` (in triage order) in working order, batched by the rule in the docstring.

    Work is measured in effort seconds; a deadline ``d`` becomes the effort that fits before
    it, ``working_seconds(now, d) * share``, so "meets" is ``cumulative effort <= that``.
    """
    n = len(items)
    keys = [(i.client_id, i.channel, i.owner) for i in items]
    effort = [i.effort_s for i in items]
    # Baseline: pure triage order. Each item's slack is how much it can be delayed before
    # the first deadline it meets would break (inf when it meets none: nothing to protect).
    slack = [math.inf] * n
    done = 0.0
    for pos, item in enumerate(items if protect else ()):
        done += effort[pos]
        target, window = _deadline_work(item, clock, share)
        met = [d for d in (target, window) if done <= d]
        slack[pos] = (min(met) - done) if met else math.inf
    taken = [False] * n
    order: list[PlanItem] = []
    head = 0
    number = 0
    while True:
        while head < n and taken[head]:
            head += 1
        if head >= n:
            break
        number += 1
        taken[head] = True
        batch = [head]
        used = effort[head]
        key = keys[head]
        floor = math.inf  # least slack among skipped items, after this batch's pulls
        skipped: list[int] = []
        pulled_at: list[tuple[int, int]] = []  # (position, effort) of pulled items
        seen = 0
        pos = head + 1
        while pos < n and seen < lookahead:
            if taken[pos]:
                pos += 1
                continue
            seen += 1
            if keys[pos] == key:
                if used + effort[pos] > batch_s or effort[pos] > floor:
                    break  # the batch is full, or the pull would break a deadline
                taken[pos] = True
                batch.append(pos)
                used += effort[pos]
                floor -= effort[pos]
                pulled_at.append((pos, effort[pos]))
            else:
                skipped.append(pos)
                if slack[pos] < floor:
                    floor = slack[pos]
            pos += 1
        # Every skipped item is now later by the effort of the pulls ranked after it.
        if pulled_at:
            delay = 0
            j = len(pulled_at) - 1
            for s in reversed(skipped):
                while j >= 0 and pulled_at[j][0] > s:
                    delay += pulled_at[j][1]
                    j -= 1
                if delay:
                    slack[s] -= delay
        for p in batch:
            items[p].batch = number
            order.append(items[p])
    return order


def set_times(order: list[PlanItem], clock: WorkClock, share: float) -> None:
    """Start and finish of each item, and which deadlines it misses."""
    done = 0.0
    for item in order:
        item.start_at = clock.wall(done / share, begin=True)
        done += item.effort_s
        item.finishes(clock.wall(done / share))


def _group(order: list[PlanItem]) -> list[Batch]:
    batches: list[Batch] = []
    for item in order:
        if (
            not batches
            or (item.batch and batches[-1].number != item.batch)
            or (
                not item.batch
                and (batches[-1].client, batches[-1].channel) != (item.client, item.channel)
            )
        ):
            batches.append(Batch(item.batch or len(batches) + 1, item.client, item.channel, []))
        batches[-1].items.append(item)
    return batches


def to_json(plan: Plan) -> dict:
    """The plan as stable JSON fields; times are ISO 8601 UTC, like every --json."""
    iso = when.iso

    def item(i: PlanItem) -> dict:
        return {
            "id": i.id,
            "rank": i.rank,
            "score": round(i.score, 4),
            "client": i.client,
            "channel": i.channel,
            "kind": i.kind,
            "created_at": iso(i.created_at),
            "effort_min": round(i.effort_s / 60, 2),
            "start_at": iso(i.start_at),
            "finish_at": iso(i.finish_at),
            "deadline_at": iso(i.deadline_at),
            "window_closes_at": iso(i.window_closes_at),
            "misses_target": i.misses_target,
            "misses_window": i.misses_window,
            "batch": i.batch,
            "member": i.member or None,  # who the plan gives it to (null: one person's)
        }

    return {
        "now": iso(plan.now),
        "status": plan.status,
        "finish_at": iso(plan.finish_at) if plan.status in ("eta", "empty") else None,
        "items": len(plan.items),
        "effort_hours": round(plan.effort_s / 3600, 2),
        "work": {
            "timezone": plan.work.tz.key,
            "days": [DAY_NAMES[d] for d in sorted(plan.work.days)],
            "hours": [
                f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"
                for s, e in plan.work.ranges
            ],
            "hours_per_day": plan.work.day_seconds / 3600,
        },
        # The members whose hours the plan shared the backlog among ([] : one person's).
        "team": [p.name for p in plan.team.people] if plan.team else [],
        # Who does what by when (backlog.plan_share; [] : one person's plan).
        "shares": [_share_json(p) for p in plan.shares],
        "share": round(plan.share, 4),
        "effort": {
            k: {"minutes": round(e.seconds / 60, 2), "source": e.source, "samples": e.samples}
            for k, e in plan.effort.items()
        },
        "arrivals": [
            {
                "client": a.client,
                "items_7d": a.items,
                "per_working_hour": round(a.per_hour, 2),
                "load": round(a.load, 4),
            }
            for a in plan.arrivals
        ],
        "misses_target": sum(i.misses_target for i in plan.items),
        "misses_window": sum(i.misses_window for i in plan.items),
        "batches": [
            {
                "number": b.number,
                "client": b.client,
                "channel": b.channel,
                "start_at": iso(b.start_at),
                "finish_at": iso(b.finish_at),
                "effort_min": round(b.effort_s / 60, 2),
                "member": b.member or None,
                "ids": [i.id for i in b.items],
            }
            for b in plan.batches
        ],
        "order": [item(i) for i in plan.items],
        "unanswerable": [item(i) for i in plan.unanswerable],
    }


def _share_json(part: Share) -> dict:
    iso = when.iso
    return {
        "member": part.name,
        "items": part.items,
        "effort_hours": round(part.effort_s / 3600, 2),
        "start_at": iso(part.start_at),
        "finish_at": iso(part.finish_at),
        "timezone": part.tz.key,
        "away": part.away,
        "back_at": iso(part.back_at),
        "handed_on": part.handed_on,
    }
