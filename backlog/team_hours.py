"""A team's working time: each member's own hours, less their away periods, added up.

The catch-up plan (``backlog.plan``) walks working time through :class:`~.plan.WorkClock`.
For one person that is ``[work]``'s intervals, at one second of work per second. For a team
it is every member's intervals at once: while two members work, the backlog gets two
seconds of work per second, while one is away or off shift it gets one; nobody's night or
sick day counts. That pooled time measures the share new arrivals take and guards the
deadlines while batching; who does which batch, and so every finish time, comes from each
member's own time (``backlog.plan_share``).

A member's ``days``, ``hours`` and ``timezone`` replace ``[work]``'s where set. Only a
member's own away periods take their time away; the whole inbox's (no member) are gaps, as
before teams. With no members there is no :class:`TeamHours` and the plan is one person's.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sfogo.inbox.rows import MemberRow
from sfogo.inbox.store import Store

from .workhours import HORIZON_DAYS, WorkHours

FOREVER = 2**62  # the end of an away period that has none


def member_hours(
    member: MemberRow, work: dict | None, *, hours_per_day: float | None = None
) -> WorkHours:
    """The member's working time: their own settings over ``[work]``'s."""
    merged = dict(work or {})
    if member.days:
        merged["days"] = member.days
    if member.hours:
        merged["hours"] = member.hours
    if member.timezone:
        merged["timezone"] = member.timezone
    return WorkHours.from_config(merged, hours_per_day=hours_per_day)


def _without(
    intervals: Iterator[tuple[int, int]], away: Sequence[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """``intervals`` (in order) with the ``away`` periods (sorted by start) cut out."""
    for lo, hi in intervals:
        pieces = [(lo, hi)]
        for a_lo, a_hi in away:
            if a_lo >= hi:
                break
            pieces = [
                part
                for p_lo, p_hi in pieces
                for part in ((p_lo, min(p_hi, a_lo)), (max(p_lo, a_hi), p_hi))
                if part[1] > part[0]
            ]
        yield from pieces


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    work: WorkHours
    away: tuple[tuple[int, int], ...]  # (start, end) sorted by start; an open one ends never


@dataclass(frozen=True, slots=True)
class TeamHours:
    """Every member's working time together (see the module's docstring)."""

    people: tuple[Person, ...]

    def intervals(
        self, start: int, *, horizon_days: int = HORIZON_DAYS
    ) -> Iterator[tuple[int, int, int]]:
        """(lo, hi, rate) from ``start`` on: ``rate`` members work all through [lo, hi)."""
        events = heapq.merge(*(self._edges(p, start, horizon_days) for p in self.people))
        working, since = 0, start
        for at, step in events:
            if at > since and working > 0:
                yield since, at, working
            working, since = working + step, max(since, at)

    @staticmethod
    def _edges(person: Person, start: int, horizon_days: int) -> Iterator[tuple[int, int]]:
        """(time, +1) where the person's work starts, (time, -1) where it stops, in order."""
        walked = person.work.intervals(start, horizon_days=horizon_days)
        for lo, hi in _without(walked, person.away):
            yield lo, 1
            yield hi, -1

    def seconds_between(self, start: int, end: int) -> int:
        """Working seconds of the whole team in [start, end) (two members: twice as many)."""
        total = 0
        for p in self.people:
            total += p.work.seconds_between(start, end)
            for a_lo, a_hi in p.away:
                total -= p.work.seconds_between(max(a_lo, start), min(a_hi, end))
        return total

    @property
    def day_seconds(self) -> int:
        """The team's working seconds in a day when everyone works."""
        return sum(p.work.day_seconds for p in self.people)


def team_hours(
    store: Store, work: dict | None, *, hours_per_day: float | None = None
) -> TeamHours | None:
    """The team's working time, from its members and their away periods (None: no team)."""
    members = store.team.members()
    if not members:
        return None
    away: dict[int, list[tuple[int, int]]] = {}
    for period in store.away.all():
        if period.member_id is not None:
            end = FOREVER if period.ended_at is None else period.ended_at
            away.setdefault(period.member_id, []).append((period.started_at, end))
    people = []
    for m in members:
        hours = member_hours(m, work, hours_per_day=hours_per_day)
        people.append(Person(m.name, hours, tuple(sorted(away.get(m.id, ())))))
    return TeamHours(tuple(people))
