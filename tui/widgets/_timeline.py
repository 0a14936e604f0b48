"""The gap timeline: one text row per account over the last days, blind stretches filled.

Columns are local days (midnight to midnight, so daylight-saving days are walked, not
assumed), each split into as many cells as the width allows. A cell is blind when any gap
overlaps it, so a 45-minute outage still shows as one cell. Symbols carry the meaning, not
only colour (NO_COLOR): ``█`` blind, ``▓`` still blind (an open gap), ``░`` the manager away
or sick (which covers every account), ``·`` seen.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content

from sfogo.inbox.i18n import _
from sfogo.inbox.model import CHANNEL_SHORT

from ._format import fit, one_line, span_short
from ._health import GAP_MARK, initials
from ._lines import LinesWidget

NARROW = 60
SEEN, BLIND, OPEN, AWAY, FUTURE = "·", "█", "▓", "░", " "
STYLES = {
    SEEN: "$text-muted",
    BLIND: "$text-warning",
    OPEN: "$text-error bold",
    AWAY: "$text-secondary",
    FUTURE: "",
}


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int | None  # None: still open
    kind: str  # outcome or away reason

    def end_or(self, now: int) -> int:
        return self.end if self.end is not None else now


@dataclass(frozen=True, slots=True)
class TimelineRow:
    client: str
    channel: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Timeline:
    now: int
    days: int
    rows: tuple[TimelineRow, ...]
    away: tuple[Span, ...]  # the manager's away periods: every account


def build_timeline(
    accounts: Sequence[tuple[int, str, str]], gaps: list, now: int, days: int = 14
) -> Timeline:
    """``accounts`` as (id, client, channel) in display order; ``gaps`` from
    :func:`backlog.gaps.find_gaps` (only those that reach into the window are drawn)."""
    since = day_bounds(now, days)[0]
    spans: dict[int, list[Span]] = {}
    away: list[Span] = []
    for gap in gaps:
        if gap.end_or(now) <= since:
            continue
        span = Span(gap.started_at, gap.ended_at, gap.kind)
        if gap.account_id is None:
            away.append(span)
        else:
            spans.setdefault(gap.account_id, []).append(span)
    rows = tuple(
        TimelineRow(client, channel, tuple(spans.get(aid, ()))) for aid, client, channel in accounts
    )
    return Timeline(now, days, rows, tuple(away))


def day_bounds(now: int, days: int) -> list[int]:
    """Local midnights: the start of each of the last ``days`` days (today last), and the
    end of today."""
    today = dt.datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - dt.timedelta(days=days - 1)
    return [int((first + dt.timedelta(days=k)).timestamp()) for k in range(days + 1)]


def _cells(bounds: list[int], per_day: int) -> list[tuple[int, int]]:
    cells = []
    for lo, hi in itertools.pairwise(bounds):
        step = (hi - lo) / per_day
        cells += [(lo + round(m * step), lo + round((m + 1) * step)) for m in range(per_day)]
    return cells


def _bar(
    cells: list[tuple[int, int]], spans: tuple[Span, ...], away: tuple[Span, ...], now: int
) -> str:
    chars = []
    for lo, hi in cells:
        if lo >= now:
            chars.append(FUTURE)
            continue
        hit = [s for s in spans if s.start < hi and s.end_or(now) > lo]
        if hit:
            chars.append(OPEN if any(s.end is None for s in hit) else BLIND)
        elif any(s.start < hi and s.end_or(now) > lo for s in away):
            chars.append(AWAY)
        else:
            chars.append(SEEN)
    return "".join(chars)


def _styled_bar(bar: str) -> Content:
    runs: list[tuple[str, str]] = []
    for char in bar:
        if runs and runs[-1][0][0] == char:
            runs[-1] = (runs[-1][0] + char, runs[-1][1])
        else:
            runs.append((char, STYLES[char]))
    return Content.assemble(*runs)


def _suffix(spans: tuple[Span, ...], now: int, since: int, narrow: bool) -> tuple[str, str]:
    """What a row ends with: an open gap and its age, else the longest gap in the window."""
    if not spans:
        return "", ""
    still = [s for s in spans if s.end is None]
    if still:
        age = span_short(now - min(s.start for s in still))
        return (
            f"{GAP_MARK} {age}" if narrow else _("{mark} {age} open").format(mark=GAP_MARK, age=age)
        ), OPEN
    longest = max(spans, key=lambda s: s.end_or(now) - max(s.start, since))
    return span_short(longest.end_or(now) - longest.start), BLIND


def timeline_lines(data: Timeline | None, width: int) -> list[Content]:
    """The chart as lines no wider than ``width``."""
    title = Content.assemble(
        (_("Gaps"), "bold"),
        (_(" · last {days} days").format(days=data.days if data else 14), "$text-muted"),
    )
    if data is None:
        return [title, Content.assemble((_("computing…"), "$text-muted"))]
    if not data.rows:
        return [title, Content.assemble((_("No accounts yet."), "$text-muted"))]
    narrow = width < NARROW
    label_w = 7 if narrow else 16
    suffix_w = 5 if narrow else 10
    per_day = max(1, min(6, (width - label_w - suffix_w - 2) // data.days))
    # What the bars leave over goes to the names.
    label_w = max(label_w, min(24, width - suffix_w - 2 - per_day * data.days))
    bounds = day_bounds(data.now, data.days)
    cells = _cells(bounds, per_day)
    lines = [title]

    # The axis: day of the month at the start of a day, every few days so numbers fit.
    step = next(s for s in (1, 2, 3, 4, 7, 14) if s * per_day >= 3)
    axis = [" "] * len(cells)
    for day in range(0, data.days, step):
        number = str(dt.datetime.fromtimestamp(bounds[day]).day)
        at = day * per_day
        if at + len(number) <= len(axis):
            axis[at : at + len(number)] = list(number)
    lines.append(Content.assemble((" " * (label_w + 1) + "".join(axis), "$text-muted")))

    def row(label: Content, bar: str, suffix: tuple[str, str]) -> Content:
        text, mark = suffix
        return Content.assemble(
            label, " ", _styled_bar(bar), " ", (fit(text, suffix_w).rstrip(), STYLES.get(mark, ""))
        )

    since = bounds[0]
    if data.away:
        you = "you" if narrow else _("you (all)")
        text, _mark = _suffix(data.away, data.now, since, narrow)
        latest = max(data.away, key=lambda s: s.start)
        if latest.end is None:
            text = f"{GAP_MARK} {latest.kind}"
        else:
            text = latest.kind if narrow else f"{latest.kind} {text}"
        lines.append(
            row(
                Content.assemble((fit(you, label_w), "bold")),
                _bar(cells, (), data.away, data.now),
                (text, AWAY),
            )
        )
    for r in data.rows:
        channel = CHANNEL_SHORT.get(r.channel) or one_line(r.channel, 4)
        client_w = label_w - 5
        client = initials(r.client) if client_w < 8 else one_line(r.client, 60)
        label = Content.assemble(
            (fit(client, client_w), "$text-primary"), " ", (fit(channel, 4), "")
        )
        lines.append(
            row(
                label,
                _bar(cells, r.spans, data.away, data.now),
                _suffix(r.spans, data.now, since, narrow),
            )
        )
    legend = (
        _("{blind} blind {open} still blind {away} you away").format(
            blind=BLIND, open=OPEN, away=AWAY
        )
        if narrow
        else _(
            "{blind} blind  {open} still blind  {away} you away/sick (every account)  {seen} seen"
        ).format(blind=BLIND, open=OPEN, away=AWAY, seen=SEEN)
    )
    lines.append(Content.assemble((legend, "$text-muted")))
    return lines


class GapTimeline(LinesWidget):
    """Which accounts were blind, when, for how long; set ``data`` and call ``changed``."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: Timeline | None = None

    def show(self, data: Timeline) -> None:
        self.data = data
        self.changed()

    def lines(self, width: int) -> list[Content]:
        return timeline_lines(self.data, width)
