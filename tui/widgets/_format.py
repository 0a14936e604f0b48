"""Turning stored values into what a cell on screen shows: cut text, local times, deadlines.

Everything here returns plain ``str``; callers put it in Segments or Content, never in
markup. Text from the store was sanitised at ingest, but :func:`one_line` sanitises again:
a file written by another tool (or an older sfogo) must not reach the terminal raw. Ages
and durations come from :mod:`sfogo.inbox.timefmt`, the one rule the command line uses too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rich.cells import cell_len, set_cell_size

from sfogo.inbox.i18n import _, ngettext
from sfogo.inbox.text import sanitize

# The cells' ages and durations (re-exported: the widgets import them from here).
from sfogo.inbox.timefmt import age_short as age_short
from sfogo.inbox.timefmt import ago as ago
from sfogo.inbox.timefmt import span_short as span_short
from sfogo.inbox.timefmt import strftime

ELLIPSIS = "…"
# Long texts are cut before flattening: a row never shows more than a screen width.
_ROW_CHARS = 400


def one_line(text: str | None, limit: int = _ROW_CHARS) -> str:
    """``text`` on one line: controls replaced, runs of whitespace folded into one space."""
    if not text:
        return ""
    return " ".join(sanitize(text[:limit], single_line=True).split())


def fit(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut with an ellipsis (wide characters counted)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ELLIPSIS


def fit_right(text: str, width: int) -> str:
    """Like :func:`fit`, aligned right (ages, counts)."""
    if cell_len(text) >= width:
        return fit(text, width)
    return " " * (width - cell_len(text)) + text


# How pressing an item's time is (what the marker and colour of its deadline say).
LATE, CLOSING, DUE, GONE, QUIET = "late", "closing", "due", "gone", ""


def deadline(
    row: Mapping[str, Any], now: int, settings, *, wide: bool = False, compact: bool = False
) -> tuple[str, str]:
    """(text, level) for an item's time to its deadline.

    New and open items: ``due 40m`` before the client's response target runs out,
    ``late 2h`` after it, ``closes 3h`` in the last hours of a platform's reply window
    (``window closes 3h`` when ``wide``) and ``closed`` once it has closed (unanswerable).
    Snoozed items say when they wake, handled ones their status. ``compact`` keeps it
    within seven cells.
    """
    status = row["status"]
    if status == "snoozed":
        until = row.get("snoozed_until")
        return (f"z {span_short(until - now)}" if until and until > now else "snoozed"), QUIET
    if status in ("done", "ignored"):
        return status, QUIET
    if row.get("outgoing"):
        return "", QUIET
    created = int(row["created_at"])
    window = settings.window_s(row["channel"], row["kind"])
    if window is not None:
        closes = created + window
        if closes <= now:
            return _("closed"), GONE
        if closes - now <= min(settings.window_warning_s, window):
            left = span_short(closes - now)
            if compact:
                return _("win {left}").format(left=left), CLOSING
            return (
                _("window closes {left}").format(left=left)
                if wide
                else _("closes {left}").format(left=left)
            ), CLOSING
    due = created + settings.target_s(row["tier"], row.get("client_id"), row.get("target_s"))
    if due > now:
        return _("due {left}").format(left=span_short(due - now)), DUE
    text = _("late {late}").format(late=span_short(now - due))
    if compact and len(text) > 7:
        text = text.replace(" ", "")
    return text, LATE


def local_time(ts: int, now: int) -> str:
    """Local wall-clock time, with as much date as needed to be unambiguous."""
    moment = dt.datetime.fromtimestamp(ts).astimezone()
    today = dt.datetime.fromtimestamp(now).astimezone()
    clock = moment.strftime("%H:%M")
    if moment.date() == today.date():
        return clock
    if abs((moment.date() - today.date()).days) < 7:
        return f"{strftime(moment, '%a')} {clock}"
    if moment.year == today.year:
        return f"{moment.day} {strftime(moment, '%b')} {clock}"
    return f"{moment.day} {strftime(moment, '%b %Y')} {clock}"


def when_long(ts: int | None, now: int) -> str:
    """'14:05 · 3 hours ago' (local time, then relative)."""
    if ts is None:
        return ""
    return f"{local_time(ts, now)} · {ago(ts, now=now)}"


def count_short(n: int) -> str:
    """A count in few cells: 999, 9,999, 12k, 1.2M."""
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n // 1000}k"
    millions = n / 1_000_000
    return f"{millions:.1f}M" if millions < 10 else f"{int(millions)}M"


def posts_in_state(state: str, n: int) -> str:
    """'1 missed', '6 vanished': a count of posts in a state that needs a decision, as the
    health bar and the Posts screen's title say it (a sentence each, so every language can
    make the word agree with the number)."""
    forms = {
        "missed": ngettext("{n} missed", "{n} missed", n),
        "vanished": ngettext("{n} vanished", "{n} vanished", n),
        "failed": ngettext("{n} failed", "{n} failed", n),
        "held": ngettext("{n} held", "{n} held", n),
        "at_risk": ngettext("{n} at risk", "{n} at risk", n),
    }
    form = forms.get(state)
    return form.format(n=n) if form is not None else f"{n} {state}"
