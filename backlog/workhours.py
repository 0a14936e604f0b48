"""The manager's working time: which hours of which days count, in which time zone.

Configured in ``[work]``::

    [work]
    days = ["mon", "tue", "wed", "thu", "fri"]
    hours = ["09:00-13:00", "14:00-18:00"]   # or one string "09:00-18:00"
    timezone = "Europe/Rome"                 # IANA name; default: the system's zone

Everything here is exact integer arithmetic on UTC epoch seconds: the working intervals of
each local day are built from the wall-clock ranges with :mod:`zoneinfo`, so nights,
weekends and daylight-saving changes are walked, never approximated.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LONG_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

WORK_KEYS = ("days", "hours", "timezone")
DEFAULT_DAYS = DAY_NAMES[:5]
DEFAULT_HOURS = ("09:00-18:00",)
# Walking further than this many days without finishing means "never at this pace".
HORIZON_DAYS = 3660


def system_zone() -> ZoneInfo:
    """The system's IANA zone (``TZ``, else the /etc/localtime link), else UTC."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            target = os.path.realpath("/etc/localtime")
        except OSError:
            target = ""
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _zone(name: object) -> ZoneInfo:
    if name in (None, ""):
        return system_zone()
    if not isinstance(name, str):
        raise SfogoError(_('config: [work] timezone must be a name like "Europe/Rome"'))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SfogoError(
            _(
                'config: [work] unknown time zone {name!r}: use an IANA name like "Europe/Rome"'
            ).format(name=name)
        ) from None


def _days(value: object) -> frozenset[int]:
    if value is None:
        value = list(DEFAULT_DAYS)
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, list) or not value:
        raise SfogoError(_('config: [work] days must be a list like ["mon", "tue", "wed"]'))
    result = set()
    for item in value:
        word = str(item).strip().lower()
        if word in DAY_NAMES:
            result.add(DAY_NAMES.index(word))
        elif word in _LONG_DAYS:
            result.add(_LONG_DAYS.index(word))
        else:
            raise SfogoError(
                _("config: [work] unknown day {item!r}: use {names}").format(
                    item=item, names=", ".join(DAY_NAMES)
                )
            )
    return frozenset(result)


def parse_ranges(value: object) -> tuple[tuple[int, int], ...]:
    """Wall-clock ranges as (start, end) minutes after midnight, sorted, not overlapping."""
    if value is None:
        value = list(DEFAULT_HOURS)
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value:
        raise SfogoError(_('config: [work] hours must look like "09:00-18:00" or a list of them'))
    ranges = []
    for item in value:
        m = _RANGE.match(str(item))
        if not m:
            raise SfogoError(
                _('config: [work] bad hours {item!r}: write them as "09:00-18:00"').format(
                    item=item
                )
            )
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60 or end <= start:
            raise SfogoError(
                _(
                    "config: [work] bad hours {item!r}: the end must follow the start, by 24:00"
                ).format(item=item)
            )
        ranges.append((start, end))
    ranges.sort()
    for (_start, end), (start, _end) in itertools.pairwise(ranges):
        if start < end:
            raise SfogoError(_("config: [work] hours overlap: list each stretch once"))
    return tuple(ranges)


def cap_ranges(ranges: tuple[tuple[int, int], ...], hours: float) -> tuple[tuple[int, int], ...]:
    """The day's ranges trimmed or stretched to ``hours`` of work.

    The day still starts when it starts and keeps its breaks: shorter days drop time from
    the end, longer days extend the last stretch (up to midnight).
    """
    if not 0 < hours <= 24:
        raise SfogoError(_("--hours-per-day must be more than 0 and at most 24"))
    want = round(hours * 60)
    result = []
    for i, (start, end) in enumerate(ranges):
        if want <= 0:
            break
        last = i == len(ranges) - 1
        take = want if last else min(want, end - start)
        result.append((start, min(24 * 60, start + take)))
        want -= result[-1][1] - start
    if want > 0:
        raise SfogoError(
            _(
                "--hours-per-day {hours:g} does not fit in a day that starts at "
                "{value:02d}:{value2:02d}"
            ).format(hours=hours, value=ranges[0][0] // 60, value2=ranges[0][0] % 60)
        )
    return tuple(result)


@dataclass(frozen=True, slots=True)
class WorkHours:
    """Working days and hours in one time zone; walks working time exactly."""

    tz: ZoneInfo
    days: frozenset[int] = frozenset(range(5))
    ranges: tuple[tuple[int, int], ...] = ((9 * 60, 18 * 60),)

    @classmethod
    def from_config(cls, work: dict | None, *, hours_per_day: float | None = None) -> WorkHours:
        work = work or {}
        unknown = sorted(set(work) - set(WORK_KEYS))
        if unknown:
            raise SfogoError(
                _("config: [work] has no setting {v0!r}: use {names}").format(
                    v0=unknown[0], names=", ".join(WORK_KEYS)
                )
            )
        ranges = parse_ranges(work.get("hours"))
        if hours_per_day is not None:
            ranges = cap_ranges(ranges, hours_per_day)
        return cls(tz=_zone(work.get("timezone")), days=_days(work.get("days")), ranges=ranges)

    @property
    def day_seconds(self) -> int:
        """Working seconds in one working day."""
        return sum(end - start for start, end in self.ranges) * 60

    def _at(self, day: date, minute: int) -> int:
        """UTC epoch of a wall-clock minute of a local date (24:00 is the next midnight)."""
        if minute >= 24 * 60:
            day, minute = day + timedelta(days=1), minute - 24 * 60
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.tz)
        return int(wall.timestamp())

    def day_intervals(self, day: date) -> list[tuple[int, int]]:
        """The working intervals of one local date, as UTC epoch seconds."""
        if day.weekday() not in self.days:
            return []
        return [(self._at(day, s), self._at(day, e)) for s, e in self.ranges]

    def intervals(
        self, start: int, *, horizon_days: int = HORIZON_DAYS
    ) -> Iterator[tuple[int, int]]:
        """Working intervals from ``start`` on (the first one clipped to it)."""
        day = datetime.fromtimestamp(start, self.tz).date() - timedelta(days=1)
        for _day in range(horizon_days + 2):
            for lo, hi in self.day_intervals(day):
                if hi > start:
                    yield max(lo, start), hi
            day += timedelta(days=1)

    def seconds_between(self, start: int, end: int) -> int:
        """Working seconds in [start, end)."""
        if end <= start:
            return 0
        total = 0
        day = datetime.fromtimestamp(start, self.tz).date() - timedelta(days=1)
        last = datetime.fromtimestamp(end, self.tz).date() + timedelta(days=1)
        while day <= last:
            for lo, hi in self.day_intervals(day):
                lo, hi = max(lo, start), min(hi, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def describe(self) -> str:
        days = ", ".join(DAY_NAMES[d] for d in sorted(self.days))
        hours = ", ".join(
            f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in self.ranges
        )
        return f"{days} {hours} {self.tz.key}"
