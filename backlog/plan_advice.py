"""What it would take to clear the backlog: hours per day by a date, and what to drop.

The plan (``backlog.plan``) says when the backlog is gone at the hours you work; this module
answers the next question, "and what would make it sooner?", with numbers computed from the
same inputs, never canned text:

- **Hours per day by a date.** New interactions keep arriving whatever you do: the plan
  measured them as a share (``load``) of the configured working time, so until a date ``D``
  they need ``load * working_seconds(now, D)``. The backlog needs its own effort on top. The
  answer is the fewest minutes per working day (each day trimmed or stretched as
  ``--hours-per-day`` does, from its usual start, up to midnight) whose working time until
  ``D`` covers both. None when even the longest day that fits is not enough.
- **Choices that drop work**, each with its effect: how many items leave the backlog, how
  much work that saves, when the rest is cleared at the current hours, and the hours per
  day each date would then need.
  - *Drop low tier*: the backlog items of low-tier clients (their new arrivals still come).
  - *Window closed*: items whose platform reply window has closed (the plan already skips
    them, so they save no time, but they leave the backlog) and items whose window closes
    before the plan reaches them at this pace (those save their effort).
  - Both together.

A finish time is the plan's own: ``left`` effort seconds at ``share`` of the working time,
walked through the working intervals (``WorkClock``), so the "as it is" row agrees with the
plan to the second.

On a team's inbox every member's own calendar counts (``backlog.team_hours``): the hours
per day are what *each* member would work (their day trimmed or stretched from its usual
start, as ``--hours-per-day`` does for a team; a day that cannot stretch that far runs to
midnight), and they follow the plan's sharing rule (``backlog.hours_needed``): a date is
within reach only if each owner's own items fit in their own time less their away periods,
and everything fits in the team's. When one member's own items set the hours (or put the
date out of reach), the option names them (``limited_by``). Each option's finish time is
the plan's sharing of what is left (``backlog.plan_share``), so the "as it is" row still
agrees with the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _

from .hours_needed import hours_needed, team_hours_needed
from .plan import MIN_SHARE, Plan, PlanItem, WorkClock
from .plan_share import finish_of, owned_effort
from .team_hours import TeamHours
from .workhours import WorkHours

_BARE_DATE = re.compile(r"[a-z]+|\d{4}-\d{2}-\d{2}")  # "friday", "tomorrow", "2026-12-04"
MAX_AHEAD_DAYS = 366  # a date further than this is a typo, and costs a walk through its days
TARGET_DAYS = (1, 3, 5)  # default dates: the end of the 1st, 3rd and 5th working day ahead


class Choice(StrEnum):
    AS_IS = "as_is"
    DROP_LOW = "drop_low_tier"
    DROP_WINDOW = "drop_window_closed"
    DROP_BOTH = "drop_both"


@dataclass(frozen=True, slots=True)
class Pending:
    """One backlog item as the advice sees it."""

    effort_s: int
    tier: str
    closed: bool  # its reply window has closed already (the plan does not schedule it)
    loses_window: bool  # its window closes before the plan reaches it at this pace
    item: PlanItem | None = field(default=None, compare=False)  # the plan's (a team's)


@dataclass(frozen=True, slots=True)
class Option:
    """One choice and its effect."""

    choice: Choice
    items: int  # backlog items the choice drops (0 for "as it is")
    saved_s: int  # work those items would have taken
    left_s: int  # backlog work left after the choice
    finish_at: int | None  # cleared at the current hours (None: never, or past the horizon)
    hours_per_day: tuple[float | None, ...]  # per target; None: no day is long enough
    # Per target, the team member whose own items set its hours (None: nobody in particular).
    limited_by: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Advice:
    now: int
    day_hours: float  # the configured working hours per working day (a team's: all of it)
    load: float  # share of working time new arrivals need
    targets: tuple[int, ...]  # the dates, as the moment each one ends
    options: tuple[Option, ...]  # as it is first, then the choices that drop something
    # A team's members and their working hours per day now (hours per day are each one's).
    members: tuple[tuple[str, float], ...] = ()

    def option(self, choice: Choice) -> Option | None:
        return next((o for o in self.options if o.choice == choice), None)


def default_targets(work: WorkHours, now: int, days: Iterable[int] = TARGET_DAYS) -> list[int]:
    """The end (local midnight) of the n-th working day after today, for each n."""
    wanted = sorted(set(days))
    if not work.days or not wanted:
        return []
    out: list[int] = []
    day = datetime.fromtimestamp(now, work.tz).date()
    count = 0
    while len(out) < len(wanted):
        day += timedelta(days=1)
        if day.weekday() in work.days:
            count += 1
            if count in wanted:
                out.append(end_of_day(work, day))
    return out


def end_of_day(work: WorkHours, day: date) -> int:
    """The local midnight that ends ``day`` (a date), as epoch seconds."""
    nxt = day + timedelta(days=1)
    return int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=work.tz).timestamp())


def target_from(text: str, work: WorkHours, now: int) -> int:
    """``--by``: a moment (``friday 18:00``, ``3d``, ISO 8601); a bare date (``friday``,
    ``2026-12-04``) means the end of that day."""
    at = when.parse_when(text, ref=now, tz=work.tz)
    if _BARE_DATE.fullmatch(text.strip().lower()) and text.strip().lower() != "now":
        at = end_of_day(work, datetime.fromtimestamp(at, work.tz).date())
    if at <= now:
        raise SfogoError(
            _("--by {text!r} is not in the future: give a later date").format(text=text)
        )
    if at > now + MAX_AHEAD_DAYS * 86400:
        raise SfogoError(
            _("--by {text!r} is more than a year ahead: give a nearer date").format(text=text)
        )
    return at


Calendar = WorkHours | TeamHours
Finisher = Callable[[Sequence[Pending]], "int | None"]
Owners = Callable[[Sequence[Pending]], Mapping[str, float]]


def finish_at(work: Calendar, now: int, left_s: float, share: float) -> int | None:
    """When ``left_s`` seconds of backlog work are done with ``share`` of the working time."""
    if left_s <= 0:
        return now
    if share < MIN_SHARE:
        return None
    return WorkClock(work, now).wall(left_s / share)


def advise(
    pending: Sequence[Pending],
    *,
    load: float,
    work: Calendar,
    now: int,
    targets: Sequence[int] | None = None,
    finish: Finisher | None = None,
    owners: Owners | None = None,
) -> Advice:
    """The options for this backlog (see the module docstring). ``targets`` default to
    one person's working days (``work`` must then be a ``WorkHours``); ``finish`` says
    when the items left are done (a team's sharing), else they are walked at ``share``;
    ``owners`` says whose the items left are (a team's: the effort that stays with each
    member), else anyone may do any of them."""
    if targets is None:
        assert isinstance(work, WorkHours), "a team's advice needs its dates"
        targets = default_targets(work, now)
    dates = tuple(targets)
    share = 1.0 - load
    open_items = [p for p in pending if not p.closed]
    total = sum(p.effort_s for p in open_items)
    choices = {
        Choice.DROP_LOW: lambda p: p.tier == "low",
        Choice.DROP_WINDOW: lambda p: p.closed or p.loses_window,
        Choice.DROP_BOTH: lambda p: p.tier == "low" or p.closed or p.loses_window,
    }

    def option(
        choice: Choice, dropped: list[Pending], drops: Callable[[Pending], bool] = lambda p: False
    ) -> Option:
        saved = sum(p.effort_s for p in dropped if not p.closed)
        left = total - saved
        kept = [p for p in open_items if not drops(p)]
        if finish is None or share < MIN_SHARE:
            done = finish_at(work, now, left, share)
        else:
            done = finish(kept)
        if isinstance(work, TeamHours):
            owned = owners(kept) if owners is not None else {}
            answers = [team_hours_needed(work, now, d, left, load, owned) for d in dates]
        else:
            answers = [(hours_needed(work, now, d, left, load), None) for d in dates]
        hours = tuple(h for h, _who in answers)
        limits = tuple(who for _h, who in answers)
        return Option(choice, len(dropped), saved, left, done, hours, limits)

    options = [option(Choice.AS_IS, [])]
    seen: set[tuple[int, int]] = set()
    for choice, drops in choices.items():
        dropped = [p for p in pending if drops(p)]
        effect = (len(dropped), sum(p.effort_s for p in dropped))
        # A choice that drops nothing, or exactly what another one drops, adds nothing.
        if dropped and effect not in seen:
            seen.add(effect)
            options.append(option(choice, dropped, drops))
    members: tuple[tuple[str, float], ...] = ()
    if isinstance(work, TeamHours):
        members = tuple((p.name, p.work.day_seconds / 3600) for p in work.people)
    return Advice(now, work.day_seconds / 3600, load, dates, tuple(options), members)


def pending(plan: Plan) -> list[Pending]:
    """The plan's backlog as the advice sees it: scheduled items, then the unanswerable."""
    return [Pending(i.effort_s, i.tier, False, i.misses_window, i) for i in plan.items] + [
        Pending(i.effort_s, i.tier, True, True) for i in plan.unanswerable
    ]


def plan_advice(plan: Plan, targets: Sequence[int] | None = None) -> Advice:
    """The advice for a plan made by ``backlog.plan.make_plan`` (a team's: each member's
    calendar, and the plan's sharing for the finish times)."""
    dates = default_targets(plan.work, plan.now) if targets is None else targets
    team = plan.team
    finish: Finisher | None = None
    owners: Owners | None = None
    if team is not None:

        def finish(kept: Sequence[Pending]) -> int | None:
            order = [p.item for p in kept if p.item is not None]
            return finish_of(order, team, plan.now, plan.share) if order else plan.now

        def owners(kept: Sequence[Pending]) -> Mapping[str, float]:
            return owned_effort([p.item for p in kept if p.item is not None], team, plan.now)

    return advise(
        pending(plan),
        load=1.0 - plan.share,
        work=team or plan.work,
        now=plan.now,
        targets=dates,
        finish=finish,
        owners=owners,
    )


def per_target(advice: Advice, option: Option) -> Iterator[tuple[int, float | None, str | None]]:
    """(date, hours a day, who limits them) for each of the advice's dates."""
    limits = option.limited_by or (None,) * len(option.hours_per_day)
    return zip(advice.targets, option.hours_per_day, limits, strict=True)


def _per_day(advice: Advice, by: int, hours: float | None, who: str | None) -> dict:
    """One date's hours a day; on a team's inbox also the member whose own items set them."""
    row = {"by": when.iso(by), "hours": None if hours is None else round(hours, 2)}
    if advice.members:
        row["limited_by"] = who
    return row


def to_json(advice: Advice) -> dict:
    """Stable JSON fields; times are ISO 8601 UTC."""
    iso = when.iso
    return {
        "hours_per_day_now": round(advice.day_hours, 2),
        "arrivals_load": round(advice.load, 4),
        # A team's members and their hours now; hours_per_day below are then each one's.
        "members": [
            {"member": name, "hours_per_day_now": round(hours, 2)} for name, hours in advice.members
        ],
        "targets": [iso(t) for t in advice.targets],
        "options": [
            {
                "choice": str(o.choice),
                "items": o.items,
                "saved_hours": round(o.saved_s / 3600, 2),
                "left_hours": round(o.left_s / 3600, 2),
                "finish_at": iso(o.finish_at),
                "hours_per_day": [_per_day(advice, *row) for row in per_target(advice, o)],
            }
            for o in advice.options
        ],
    }
