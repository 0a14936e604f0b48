"""Reading times and durations the way people type them: ``2h``, ``tomorrow 9:00``, ISO 8601.

Everything returns UTC epoch seconds; wall-clock words (``tomorrow``, ``9:00``) are read in
the local time zone, or the one passed in, relative to the ``ref`` time the caller gives
(its clock's now: inbox/clock.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import overload

from sfogo.inbox.i18n import _

from .errors import SfogoError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)")
_DURATION_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+$")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

DURATION_HELP = "try 90m, 2h, 1d12h or 2w"
WHEN_HELP = "try 2h, 3d, 'tomorrow 9:00', monday or ISO 8601"


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``90m``, ``2h``, ``1d12h``; raise SfogoError otherwise."""
    cleaned = text.strip().lower()
    if not cleaned or not _DURATION_WHOLE.match(cleaned):
        raise SfogoError(
            _("bad duration {text!r}: {duration_help}").format(
                text=text, duration_help=DURATION_HELP
            )
        )
    total = sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(cleaned))
    if total <= 0:
        raise SfogoError(_("bad duration {text!r}: it must be longer than zero").format(text=text))
    return int(total)


def _local_tz(tz: tzinfo | None, ref: int) -> tzinfo:
    """``tz``, else the local zone's offset at ``ref`` (not at the machine's now)."""
    if tz is not None:
        return tz
    # astimezone() always sets tzinfo (typeshed types the attribute as Optional).
    return datetime.fromtimestamp(ref).astimezone().tzinfo  # type: ignore[return-value]


def _clock(text: str) -> tuple[int, int] | None:
    m = _CLOCK.match(text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    elif m.group(3) == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_when(text: str, *, ref: int, past: bool = False, tz: tzinfo | None = None) -> int:
    """A point in time as UTC epoch seconds.

    A bare duration counts forward from ``ref`` (``snooze --until 2h``), or backward when
    ``past`` is true (``gaps --since 7d``). Raises SfogoError with a one-line hint.
    """
    raw = text.strip()
    low = raw.lower()
    if not low:
        raise SfogoError(_("empty time: {when_help}").format(when_help=WHEN_HELP))
    if low == "now":
        return ref
    signed = low.lstrip("+-")
    if _DURATION_WHOLE.match(signed):
        seconds = parse_duration(signed)
        backwards = past or low.startswith("-")
        return ref - seconds if backwards and not low.startswith("+") else ref + seconds
    zone = _local_tz(tz, ref)
    base = datetime.fromtimestamp(ref, zone)
    words = low.split()
    day: datetime | None = None
    if words[0] in ("today", "oggi"):
        day = base
    elif words[0] in ("tomorrow", "domani"):
        day = base + timedelta(days=1)
    elif words[0] in ("yesterday", "ieri"):
        day = base - timedelta(days=1)
    elif words[0] in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(words[0]) - base.weekday()) % 7
        if past:
            ahead = ahead - 7 if ahead else 0
        elif ahead == 0:
            ahead = 7
        day = base + timedelta(days=ahead)
    if day is not None:
        rest = " ".join(words[1:])
        if rest:
            clock = _clock(rest)
            if clock is None:
                raise SfogoError(
                    _("bad time {text!r}: {when_help}").format(text=text, when_help=WHEN_HELP)
                )
        elif past:  # "--since monday": from the start of that day
            clock = (0, 0)
        elif words[0] in ("today", "oggi"):
            return ref
        else:  # "--until tomorrow": the start of a working day
            clock = (9, 0)
        hour, minute = clock
        return int(day.replace(hour=hour, minute=minute, second=0, microsecond=0).timestamp())
    clock = _clock(low)
    if clock is not None:  # a bare clock time: the next time it happens (or the last, past)
        at = base.replace(hour=clock[0], minute=clock[1], second=0, microsecond=0)
        if not past and at.timestamp() <= ref:
            at += timedelta(days=1)
        elif past and at.timestamp() > ref:
            at -= timedelta(days=1)
        return int(at.timestamp())
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    except ValueError:
        raise SfogoError(
            _("bad time {text!r}: {when_help}").format(text=text, when_help=WHEN_HELP)
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return int(parsed.timestamp())


@overload
def iso(ts: float) -> str: ...
@overload
def iso(ts: float | None) -> str | None: ...
def iso(ts: float | None) -> str | None:
    """UTC ISO 8601 with a Z, for JSON output and exports."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> int:
    """Epoch seconds from ISO 8601 as platforms send it (Z, +00:00 or +0000 offsets)."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    elif re.search(r"[+-]\d{4}$", raw):
        raw = raw[:-2] + ":" + raw[-2:]
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())
