"""Ages and durations as people read them: one rule for every face of sfogo.

A length of time is said in the largest unit that keeps it under that unit's limit, and
rounded to the nearest whole unit, never cut: an item that arrived 1 hour 50 minutes ago is
"2h" in the list, "2 hours ago" in ``sfogo show`` and in the item's pane, and a gap that
began 4 days 23 hours ago is "5d" on the health bar and "5 days ago" in ``sfogo gaps``.

==========  ===============================  =========
unit        used while the rounded value is  short
==========  ===============================  =========
minutes     under 60                         ``40m``
hours       under 48                         ``30h``
days        under 14                         ``5d``
weeks       under 8                          ``3w``
months      under 12 (30 days each)          ``4mo``
years       from then on (365 days each)     ``2y``
==========  ===============================  =========

Hours run to 48 because a day and a half is worth saying as "36 hours" (a 30-hour outage
is the story the demo tells). Under a minute an age is "now"; a duration is at least "1m".

Pure functions: ``now`` is always passed in, nothing here reads a clock. The client
report's durations (localized, with a second unit: "5 giorni e 3 ore") are prose for the
client in their language and stay with the report.
"""

from __future__ import annotations

from datetime import datetime

from sfogo.inbox.i18n import N_, _, ngettext

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY
YEAR = 365 * DAY

# (seconds in the unit, how many of it before the next unit takes over, short suffix, name)
UNITS = (
    (MINUTE, 60, "m", "minute"),
    (HOUR, 48, "h", "hour"),
    (DAY, 14, "d", "day"),
    (WEEK, 8, "w", "week"),
    (MONTH, 12, "mo", "month"),
    (YEAR, None, "y", "year"),
)


def _count_of(name: str, count: int) -> str:
    """``count`` of a unit in words ("an hour", "30 hours"), in the interface's language."""
    forms = {
        "minute": ngettext("a minute", "{n} minutes", count),
        "hour": ngettext("an hour", "{n} hours", count),
        "day": ngettext("a day", "{n} days", count),
        "week": ngettext("a week", "{n} weeks", count),
        "month": ngettext("a month", "{n} months", count),
        "year": ngettext("a year", "{n} years", count),
        "minute_n": ngettext("{n} minute", "{n} minutes", count),
        "hour_n": ngettext("{n} hour", "{n} hours", count),
        "day_n": ngettext("{n} day", "{n} days", count),
    }
    return forms[name].format(n=count)


def whole(seconds: float) -> tuple[int, str, str]:
    """(count, short suffix, unit name) for a length of time, rounded half up in its unit;
    at least 1 minute."""
    size = abs(seconds)
    for unit, limit, suffix, name in UNITS:
        count = max(1, int(size / unit + 0.5))
        if limit is None or count < limit:
            return count, suffix, name
    raise AssertionError("the last unit has no limit")


def span_short(seconds: float) -> str:
    """A duration in at most four cells: ``40m``, ``30h``, ``5d``, ``3w``, ``4mo``, ``2y``."""
    count, suffix, _name = whole(seconds)
    return f"{count}{suffix}"


def age_short(ts: int | None, *, now: int) -> str:
    """How long ago ``ts`` was, in at most four cells: ``now``, ``5m``, ``3h``, ``2d``;
    ``soon`` for a time ahead of ``now`` (a clock skewed elsewhere); '' for no time."""
    if ts is None:
        return ""
    seconds = now - ts
    if seconds < 0:
        return _("soon")
    if seconds < MINUTE:
        return _("now")
    return span_short(seconds)


def span_words(seconds: float) -> str:
    """A duration in words: '40 minutes', 'an hour', '30 hours', '5 days'; under a minute,
    the seconds ('51 seconds')."""
    size = abs(int(seconds))
    if size < MINUTE:
        if size == 0:
            return _("a moment")
        return ngettext("a second", "{n} seconds", size).format(n=size)
    count, _suffix, name = whole(size)
    return _count_of(name, count)


def ago(ts: int | None, *, now: int) -> str:
    """'40 minutes ago', 'an hour ago', 'in 3 hours', 'just now'; '' for no time."""
    if ts is None:
        return ""
    seconds = now - ts
    if abs(seconds) < MINUTE:
        return _("just now") if seconds >= 0 else _("in a moment")
    words = span_words(seconds)
    return (_("{span} ago") if seconds > 0 else _("in {span}")).format(span=words)


def span_precise(seconds: float) -> str:
    """A duration with a second unit where it matters, for explanations and gaps:
    '45 minutes', '3 hours 20 minutes', '30 hours', '2 days 4 hours'. The leading unit is
    the one :func:`whole` picks up to days."""
    s = int(abs(seconds))
    minutes = int(s / MINUTE + 0.5)
    if minutes < 60:
        return _count_of("minute_n", max(1, minutes))
    if minutes < 48 * 60:
        h, m = divmod(minutes, 60)
        text = _count_of("hour_n", h)
        return text + (" " + _count_of("minute_n", m) if m and h < 10 else "")
    d, h = divmod(int(s / HOUR + 0.5), 24)
    return _count_of("day_n", d) + (" " + _count_of("hour_n", h) if h else "")


def span_hm(seconds: float) -> str:
    """Work in hours and minutes, compact: '45m', '8h02', '120h' (efforts in a plan)."""
    hours, minutes = divmod(int(seconds / MINUTE + 0.5), 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes:02d}" if hours < 100 else f"{hours}h"


# Day and month names as strftime's %a and %b write them (the C locale, which sfogo never
# changes), translated where a date is shown.
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)


def strftime(moment: datetime, fmt: str) -> str:
    """``moment.strftime(fmt)`` with the day (``%a``) and month (``%b``) names in the
    interface's language."""
    day = _(WEEKDAYS[moment.weekday()]).replace("%", "%%")
    month = _(MONTHS[moment.month - 1]).replace("%", "%%")
    return moment.strftime(fmt.replace("%a", day).replace("%b", month))
