"""Who does what by when: the catch-up plan's working order shared among a team's members.

The plan (``backlog.plan``) orders the backlog and cuts it into batches (one client and
channel each, and one owner: an assigned item only joins a batch of the same owner's items).
This module hands each batch to one member and walks each member's own working time:

1. **Assigned items stay with their owner.** An assignment is a person's decision; the plan
   does not overrule it. The owner does them when they are at work, so an owner who is away
   until Wednesday does them from Wednesday on (and the plan says which promises that
   breaks). Only a member away *with no end date* cannot do them at all: their items are
   shared out like unassigned ones, and their share says so.
2. **Unassigned batches go, in the working order, to whoever would finish them first**,
   each member walking their own days, hours and time zone less their away periods, from
   where their earlier share ends. Ties go to who would start first, then to who has less
   work so far, then by name. A batch goes whole: one person, one client and channel.
3. **A member away now gets none until back**: their working time starts when they are
   back, so they only finish first what nobody present could finish sooner; away with no
   end date, they get nothing.

Each member gives the backlog the plan's ``share`` of their time (new arrivals take the
rest, as for one person). The plan's deadline protection (``schedule``) walks the team's
pooled time; the times here are each member's own, so they are the ones the plan reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .team_hours import FOREVER, Person, TeamHours

if TYPE_CHECKING:  # plan imports this module
    from .plan import PlanItem


@dataclass(slots=True)
class Share:
    """One member's part of the plan."""

    name: str
    tz: ZoneInfo  # their own time zone: their times are read in it
    items: int = 0
    effort_s: int = 0  # backlog work (effort seconds, before the arrivals' share)
    start_at: int | None = None  # when they start on it
    finish_at: int | None = None  # when their last item is done (None: nothing, or beyond)
    beyond: bool = False  # some of it lies past the plan's horizon
    away: bool = False  # away now
    back_at: int | None = None  # away now: when they are back (None: no end date)
    handed_on: int = 0  # away with no end date: their own items shared out


def away_now(person: Person, now: int) -> tuple[bool, int | None]:
    """(away now, back at): back at None when the period has no end."""
    at, away = now, False
    for lo, hi in person.away:  # sorted by start: back-to-back periods join up
        if lo <= at < hi:
            if hi >= FOREVER:
                return True, None
            at, away = hi, True
    return away, (at if away else None)


class _Lane:
    """One member's queue: their own working time, and how much of it is taken."""

    __slots__ = ("clock", "gone", "share", "used")

    def __init__(self, person: Person, now: int) -> None:
        from .plan import WorkClock

        self.clock = WorkClock(TeamHours((person,)), now)
        self.used = 0.0  # their working seconds taken so far
        away, back = away_now(person, now)
        self.gone = away and back is None  # never works again: never asked (no walk)
        self.share = Share(person.name, person.work.tz, away=away, back_at=back)

    def finish(self, work_s: float) -> int | None:
        return None if self.gone else self.clock.wall(self.used + work_s)

    def start(self) -> int | None:
        return None if self.gone else self.clock.wall(self.used, begin=True)


def _batches(order: Sequence[PlanItem]) -> Iterator[list[PlanItem]]:
    """The working order's batches (runs of one batch number), in order."""
    run: list[PlanItem] = []
    for item in order:
        if run and item.batch != run[0].batch:
            yield run
            run = []
        run.append(item)
    if run:
        yield run


def _choose(lanes: list[_Lane], work_s: float) -> _Lane:
    """Who would finish ``work_s`` first (then start first, then has less, then name)."""
    inf = float("inf")

    def key(lane: _Lane) -> tuple:
        finish, start = lane.finish(work_s), lane.start()
        return (
            inf if finish is None else finish,
            inf if start is None else start,
            lane.used,
            lane.share.name.casefold(),
        )

    present = [lane for lane in lanes if not lane.gone] or lanes
    return min(present, key=key)


def _handed(
    order: Sequence[PlanItem], lanes: list[_Lane], share: float
) -> Iterator[tuple[list[PlanItem], _Lane]]:
    """Each batch of ``order`` with the lane that takes it (rules 1 and 2); the caller moves
    that lane's ``used`` on before asking for the next batch."""
    by_name = {lane.share.name: lane for lane in lanes}
    for batch in _batches(order):
        owner = by_name.get(batch[0].owner) if batch[0].owner else None
        if owner is not None and not owner.gone:
            yield batch, owner
            continue
        if owner is not None:
            owner.share.handed_on += len(batch)
        yield batch, _choose(lanes, sum(i.effort_s for i in batch) / share)


def share_out(order: Sequence[PlanItem], team: TeamHours, now: int, share: float) -> list[Share]:
    """Give each batch of ``order`` (plan items in working order) to a member, by the rules
    of the module's docstring; set each item's ``member``, start, finish and misses; return
    each member's share, in the team's order."""
    lanes = [_Lane(p, now) for p in team.people]
    for batch, lane in _handed(order, lanes, share):
        for item in batch:
            item.member = lane.share.name
            item.start_at = lane.start()
            lane.used += item.effort_s / share
            item.finishes(None if lane.gone else lane.clock.wall(lane.used))
            _count(lane.share, item)
    return [lane.share for lane in lanes]


def _count(share: Share, item: PlanItem) -> None:
    share.items += 1
    share.effort_s += item.effort_s
    if share.start_at is None:
        share.start_at = item.start_at
    if item.finish_at is None:
        share.beyond = True
    elif share.finish_at is None or item.finish_at > share.finish_at:
        share.finish_at = item.finish_at


def finish_of(order: Sequence[PlanItem], team: TeamHours, now: int, share: float) -> int | None:
    """When ``order`` (plan items) is all done if shared out, without touching the items
    (the advice's options): None past the horizon."""
    lanes = [_Lane(p, now) for p in team.people]
    last = now
    for batch, lane in _handed(order, lanes, share):
        work_s = sum(i.effort_s for i in batch) / share
        at = lane.finish(work_s)
        if at is None:
            return None
        lane.used += work_s
        last = max(last, at)
    return last


def owned_effort(items: Iterable[PlanItem], team: TeamHours, now: int) -> dict[str, int]:
    """The effort seconds that stay with each member by rule 1 (the advice's hours): their
    assigned items, unless they are away with no end date (then their items are shared)."""
    keep = {p.name for p in team.people if away_now(p, now) != (True, None)}
    owned: dict[str, int] = {}
    for item in items:
        if item.owner in keep:
            owned[item.owner] = owned.get(item.owner, 0) + item.effort_s
    return owned
