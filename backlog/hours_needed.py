"""How long a working day must be to clear the backlog by a date: one person's, a team's.

**One person.** New interactions take ``load`` of the configured working time until the
date ``D`` whatever the hours, and the backlog needs its own effort on top. The answer is
the fewest minutes per working day (each day trimmed or stretched as ``--hours-per-day``
does, from its usual start, up to midnight) whose working time until ``D`` covers both;
None when even the longest day that fits is not enough.

**A team.** Every member works the same ``H`` a day (each one's day trimmed or stretched
from its usual start; a day that cannot stretch so far runs to midnight), less their away
periods. The plan's sharing (``backlog.plan_share``) keeps an assigned item with its owner
(one away with no end date excepted) and gives the rest to whoever has time, so ``D`` is
reachable at ``H`` only if both hold:

- **each owner's own part fits in their own time:** their items, plus ``load`` of their
  own configured working time until ``D`` (the plan has each member give only ``share`` of
  their time to the backlog), within their own time at ``H`` until ``D``;
- **everything fits in everyone's time:** the whole backlog plus ``load`` of the team's
  configured time within the team's time at ``H`` (unassigned work fills anyone's slack).

A member who owns nothing has no condition of their own: arrivals and unassigned work are
nobody's, so a team with no assignments gets exactly the pooled answer. Each condition is
monotone in ``H``, so each has its own fewest minutes (a binary search, as for one person)
and the answer is the largest of them. The member whose own part needs more than the
pool (None counts as more than any length) is the one who limits the answer, and the advice
names them: "by Tuesday" with Tom on holiday until Wednesday and owning items is out of
reach whatever the others do, and nobody else's hours can change that.

Why this condition and not the plan's sharing run on shortened calendars: the plan hands
whole batches, one at a time, to whoever would finish each first, and such greedy sharing
is not monotone in the length of the day (a longer day can send a batch to someone else
and end later), so a search over ``H`` could skip the answer; running it costs a whole
sharing per step, for each option and date (and it would count the arrivals as a share of
the shortened days, where one person's answer counts them in the configured ones). The
condition is the same rule with the unassigned work divisible: any sharing of whole
batches by the rule that meets ``D`` at ``H`` meets it, so it never calls a date out of
reach that the rule could meet; the plan's own first-come sharing may end a little later,
and the "cleared by" column, the plan's own sharing at today's hours, says when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache, partial

from sfogo.inbox.errors import SfogoError

from .team_hours import Person, TeamHours
from .workhours import WorkHours, cap_ranges

Calendar = WorkHours | TeamHours
DAY_MINUTES = 24 * 60


def _longest(ranges: tuple[tuple[int, int], ...]) -> int:
    """The most minutes a day with these ranges holds, its last stretch run to midnight."""
    return sum(e - s for s, e in ranges[:-1]) + DAY_MINUTES - ranges[-1][0]


def capped_person(person: Person, minutes: int) -> Person:
    """A member with every working day ``minutes`` long (to midnight if it cannot be)."""
    work = person.work
    most = min(minutes, _longest(work.ranges))
    ranges = cap_ranges(work.ranges, most / 60)
    return Person(person.name, WorkHours(work.tz, work.days, ranges), person.away)


def _capped(work: WorkHours, minutes: int) -> WorkHours | None:
    """``work`` with every day ``minutes`` long (None: the day cannot be)."""
    try:
        ranges = cap_ranges(work.ranges, minutes / 60)
    except SfogoError:  # a day that long does not fit before midnight
        return None
    return WorkHours(work.tz, work.days, ranges)


def _fewest(capacity: Callable[[int], int | None], need: float, longest: int) -> int | None:
    """The fewest minutes a day (1..``longest``) whose ``capacity`` covers ``need``; 0 when
    nothing is needed, None when not even ``longest`` is enough."""
    best = capacity(longest)
    if best is None or best < need:
        return None
    if need <= 0:
        return 0
    lo, hi = 1, longest
    while lo < hi:
        mid = (lo + hi) // 2
        cap = capacity(mid)
        if cap is not None and cap >= need:
            hi = mid
        else:
            lo = mid + 1
    return lo


def hours_needed(work: Calendar, now: int, until: int, left_s: float, load: float) -> float | None:
    """The fewest hours per working day (to the minute; a team's: each member's, pooled)
    that clear ``left_s`` of backlog by ``until`` while new arrivals take ``load`` of the
    configured working time."""
    if isinstance(work, TeamHours):
        return team_hours_needed(work, now, until, left_s, load, {})[0]
    need = left_s + max(0.0, load) * work.seconds_between(now, until)

    def capacity(minutes: int) -> int | None:
        capped = _capped(work, minutes)
        return None if capped is None else capped.seconds_between(now, until)

    lo, hi = 1, DAY_MINUTES  # the longest day that fits (a shorter day fits too)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if capacity(mid) is None:
            hi = mid - 1
        else:
            lo = mid
    minutes = _fewest(capacity, need, lo)
    return None if minutes is None else minutes / 60


def team_hours_needed(
    team: TeamHours,
    now: int,
    until: int,
    left_s: float,
    load: float,
    owned: Mapping[str, float],
) -> tuple[float | None, str | None]:
    """(hours a day each member works, who limits it) to clear ``left_s`` of backlog by
    ``until`` when ``owned`` effort seconds stay with each member (see the module's
    docstring). Who limits it: the member whose own part needs more than the pool, else
    None; the hours are None when no day is long enough."""
    load = max(0.0, load)
    people = team.people

    @cache
    def own_time(i: int, minutes: int) -> int:
        return TeamHours((capped_person(people[i], minutes),)).seconds_between(now, until)

    configured = [TeamHours((p,)).seconds_between(now, until) for p in people]
    longest = max((_longest(p.work.ranges) for p in people), default=1)
    every = range(len(people))
    pool = _fewest(
        lambda m: sum(own_time(i, m) for i in every), left_s + load * sum(configured), longest
    )
    inf = DAY_MINUTES + 1  # more than any day: no length is enough
    answer = inf if pool is None else pool
    limit: str | None = None
    for i, person in enumerate(people):
        mine = owned.get(person.name, 0)
        if mine <= 0:
            continue
        fewest = _fewest(partial(own_time, i), mine + load * configured[i], longest)
        need = inf if fewest is None else fewest
        if need > answer:  # ties go to the pool, then to the first in the team's order
            answer, limit = need, person.name
    return (None if answer >= inf else answer / 60), limit
