"""The burndown: backlog size at the end of each of the last days, and the plan's way to zero.

The past is counted by one store query (:func:`backlog_history`); the future comes from the
catch-up plan's finish time for each item (:func:`projection`). Past bars are solid
(``▁▂▃▄▅▆▇█``), projected ones shaded (``░``), so the two read apart without colour.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from textual.content import Content

from sfogo.inbox.i18n import _
from sfogo.inbox.store import Store

from ._format import count_short, local_time
from ._lines import LinesWidget

DAY = 86400
HEIGHT = 5  # rows of bars
EIGHTHS = " ▁▂▃▄▅▆▇█"
PROJECTED = "░"
MAX_FUTURE_DAYS = 60
_FAR = 1 << 62

# The backlog at point k: items still open then whose account had a gap that ended after
# they arrived. For each account the gap cutoff only grows with time, so an item enters the
# backlog at the first point whose cutoff is past its arrival (its "step": one range of
# created_at) and leaves it at the first point after it was handled; the store counts items
# per (entered, left) pair (``store.reports.backlog_transitions``) and a running sum turns
# the pairs into the series.


def history_points(now: int, days: int) -> list[int]:
    """The moments measured: ``now`` and the same time on each of the ``days`` before."""
    return [now - (days - k) * DAY for k in range(days + 1)]


def backlog_history(store: Store, gaps: list, now: int, days: int = 14) -> list[int]:
    """The backlog size at each of :func:`history_points` (the last is ``now``, and equals
    the total of :func:`backlog.measure.summarize` with the same gaps)."""
    points = history_points(now, days)
    count = len(points)
    steps = []
    for account_id in store.accounts.ids():
        mine = [g for g in gaps if g.touches(account_id)]
        # The cutoff at each point: items that arrived before it were caught by a gap.
        cuts = []
        for point in points:
            ends = [min(g.end_or(now), point) for g in mine if g.started_at < point]
            cuts.append(max(ends) if ends else None)
        values = sorted({c for c in cuts if c is not None})
        # An item that arrived in [lo, hi) enters the backlog at the first point whose
        # cutoff is past its arrival: after every point without a gap or with a cutoff
        # at or before lo (the cutoffs only grow).
        for lo, hi in zip([-_FAR, *values], values, strict=False):
            entered = sum(c is None or c <= lo for c in cuts)
            if entered < count:
                steps.append([account_id, lo, hi, entered])
    if not steps:
        return [0] * count
    delta = [0] * (count + 1)
    for entered, left_at, n in store.reports.backlog_transitions(
        steps, points=count, first=points[0]
    ):
        if left_at > entered:
            delta[entered] += n
            delta[left_at] -= n
    series, running = [], 0
    for k in range(count):
        running += delta[k]
        series.append(running)
    return series


def projection(plan, now: int, max_days: int = MAX_FUTURE_DAYS) -> list[int]:
    """Items the plan still has to do at the same time on each following day, until none
    (or ``max_days``); empty when the plan has no finish time."""
    if plan.status != "eta" or not plan.items:
        return []
    finishes = sorted(i.finish_at for i in plan.items if i.finish_at is not None)
    total = len(plan.items)
    result = []
    for day in range(1, max_days + 1):
        left = total - bisect.bisect_right(finishes, now + day * DAY)
        result.append(left)
        if not left:
            break
    return result


@dataclass(frozen=True, slots=True)
class BurndownData:
    now: int
    past: tuple[int, ...]  # oldest first; the last is now
    future: tuple[int, ...] | None = None  # None: the plan is still being computed
    status: str = ""  # the plan's status ("eta", "never", "beyond", "empty")
    finish_at: int | None = None


def _caption(data: BurndownData, width: int) -> Content:
    now_count = data.past[-1]
    start = _("{count} now").format(count=count_short(now_count))
    if data.future is None:
        tail = _("plan: computing…")
    elif data.status == "eta" and data.finish_at is not None:
        tail = _("0 by {local_time}").format(local_time=local_time(data.finish_at, data.now))
    elif data.status == "empty":
        tail = _("nothing to plan")
    elif data.status == "failed":
        tail = _("no plan (see above)")
    elif data.status == "never":
        tail = _("never 0: new items take all the time")
    else:
        tail = _("not 0 within the plan's horizon")
    peak = max(data.past)
    text = f"{start} · {tail}"
    if width >= 60:
        text = _("{days} days ago {then} · peak {peak} · {text}").format(
            days=len(data.past) - 1,
            then=count_short(data.past[0]),
            peak=count_short(peak),
            text=text,
        )
    return Content.assemble((text, "$text-muted"))


def burndown_lines(data: BurndownData | None, width: int) -> list[Content]:
    title = Content.assemble(
        (_("Burndown"), "bold"),
        (
            _(" · backlog size, then the plan") if width >= 60 else _(" · then the plan"),
            "$text-muted",
        ),
    )
    if data is None:
        return [title, Content.assemble((_("computing…"), "$text-muted"))]
    future = list(data.future or ())
    top = max([*data.past, *future, 1])
    label_w = len(count_short(top)) + 1
    room = width - label_w - 1
    per = max(1, min(3, room // max(1, len(data.past) + len(future))))
    fit_future = max(0, (room - per * len(data.past)) // per)
    cut = len(future) > fit_future
    future = future[:fit_future]
    columns = [(v, False) for v in data.past] + [(v, True) for v in future]
    lines = [title]
    for row in range(HEIGHT - 1, -1, -1):
        label = count_short(top) if row == HEIGHT - 1 else "0" if row == 0 else ""
        parts: list[tuple[str, str]] = [
            (label.rjust(label_w - 1) + " ", "$text-muted"),
            ("│" if row else "└", "$text-muted"),
        ]
        for value, projected in columns:
            eighths = round(value / top * HEIGHT * 8)
            if value and not eighths:
                eighths = 1  # a backlog of one is still a backlog
            fill = max(0, min(8, eighths - row * 8))
            if projected:
                char = PROJECTED if fill >= 4 else " "
                style = "$text-secondary"
            else:
                char = EIGHTHS[fill]
                style = "$text-accent"
            parts.append((char * per, style))
        if row == 0 and cut:
            parts.append(("…", "$text-muted"))
        lines.append(Content.assemble(*parts))
    # Day numbers under the bars, as many as fit.
    axis = [" "] * (len(columns) * per)
    start = data.now - (len(data.past) - 1) * DAY
    step = next(s for s in (1, 2, 3, 4, 7, 14, 28) if s * per >= 3)
    for index in range(0, len(columns), step):
        number = str(dt.datetime.fromtimestamp(start + index * DAY).day)
        at = index * per
        if at + len(number) <= len(axis):
            axis[at : at + len(number)] = list(number)
    lines.append(Content.assemble((" " * (label_w + 1) + "".join(axis), "$text-muted")))
    lines.append(_caption(data, width))
    return lines


class Burndown(LinesWidget):
    """Set the past with ``show``; the projection follows when the plan is ready."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data: BurndownData | None = None

    def show(self, data: BurndownData) -> None:
        self.data = data
        self.changed()

    def lines(self, width: int) -> list[Content]:
        return burndown_lines(self.data, width)
