"""The backlog screen's sections as lines of Content, each a function of the width (the
screen's ``Block`` widgets draw them): per client, the catch-up plan, the first batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import tzinfo

from textual.content import Content

from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.model import CHANNEL_SHORT
from sfogo.inbox.timefmt import span_hm, span_precise, strftime

from ..widgets._format import age_short, count_short, fit, fit_right, local_time, one_line
from ..widgets._health import initials
from ..widgets._lines import LinesWidget
from ._backlog_data import PlanView, Summary

NARROW = 60
TIER_SHORT = {"vip": "vip", "high": "high", "normal": "norm", "low": "low"}


def client_lines(
    summary: Summary | None, plan: PlanView | None, now: int, width: int
) -> list[Content]:
    """One line per client (items, past target, unanswerable, oldest, done by) and a line
    of where the items are (channels) and what they are (kinds)."""
    title = Content.assemble((_("Per client"), "bold"))
    if summary is None:
        return [title, Content.assemble((_("computing…"), "$text-muted"))]
    if not summary.clients:
        return [title, Content.assemble((_("No clients yet."), "$text-muted"))]
    narrow = width < NARROW
    # (header, width, right-aligned); the client's name takes what is left.
    columns = [
        (N_("items"), 6, True),
        (N_("late"), 5, True),
        (N_("lost"), 5, True),
        (N_("oldest"), 7, True),
    ]
    if narrow:
        columns = [
            (N_("items"), 5, True),
            (N_("late"), 5, True),
            (N_("lost"), 5, True),
            (N_("old"), 4, True),
        ]
    else:
        columns = [(N_("tier"), 4, False), *columns, (N_("done by"), 12, False)]
    client_w = max(6, width - sum(w + 1 for _, w, _ in columns))

    def cells(values: list[str]) -> str:
        out = []
        for (_head, w, right), value in zip(columns, values, strict=True):
            out.append(fit_right(value, w) if right else fit(value, w))
        return " " + " ".join(out)

    lines = [
        Content.assemble(
            (_("Per client").ljust(client_w), "bold"),
            (cells([_(h) for h, _w, _r in columns]), "$text-muted"),
        )
    ]
    for c in summary.clients:
        values = [
            count_short(c.count),
            count_short(c.past_target),
            count_short(c.unanswerable),
            age_short(c.oldest_at, now=now) if c.oldest_at else "-",
        ]
        if not narrow:
            done = "…" if plan is None else "-"
            if plan is not None and c.client_id in plan.client_finish:
                status, at = plan.client_finish[c.client_id]
                done = local_time(at, now) if at is not None else status
            values = [TIER_SHORT.get(c.tier, c.tier), *values, done]
        late = "$text-error" if c.past_target else ""
        lines.append(
            Content.assemble(
                (fit(one_line(c.client, 80), client_w), "$text-primary bold" if c.count else ""),
                (cells(values), late if c.count else "$text-muted"),
            )
        )
        if c.count:
            data = c.as_dict()
            where = " ".join(
                f"{CHANNEL_SHORT.get(k, k)} {count_short(n)}" for k, n in data["by_channel"].items()
            )
            what = " ".join(f"{k} {count_short(n)}" for k, n in data["by_kind"].items())
            lines.append(
                Content.assemble(("  " + where + " │ " + what, "$text-muted")).truncate(
                    width, ellipsis=True
                )
            )
    return lines


def plan_lines(plan: PlanView | None, now: int, width: int) -> list[Content]:
    narrow = width < NARROW
    title = Content.assemble((_("Catch-up plan"), "bold"))
    if plan is None:
        return [title, Content.assemble((_("computing…"), "$text-muted"))]
    if plan.status == "empty" and not plan.unanswerable:
        return [title, Content(_("Nothing to catch up on."))]
    effort = (
        span_hm(plan.effort_s)
        if narrow
        else _("{span_precise} of work").format(span_precise=span_precise(plan.effort_s))
    )
    title += Content.assemble(
        (
            _(" · {count_short} items, {effort}").format(
                count_short=count_short(plan.items), effort=effort
            ),
            "$text-muted",
        )
    )
    lines = [title]
    if plan.status == "eta" and plan.finish_at is not None:
        percent = f"{max(0, round(100 * plan.share))}%"
        share = _(" · {percent} of working time free for it").format(percent=percent)
        lines.append(
            Content.assemble(
                (_("Cleared by "), ""),
                (local_time(plan.finish_at, now), "bold"),
                ("" if narrow else share, "$text-muted"),
            )
        )
    elif plan.status == "never":
        lines.append(
            Content.assemble(
                (_("Never cleared at this pace: new items take all the working time"), "bold")
            )
        )
    elif plan.status == "beyond":
        lines.append(Content.assemble((_("Not cleared within the plan's horizon"), "bold")))
    late = plan.misses_target
    if narrow:
        text = _("Late: {late:,} targets, {misses_window:,} windows").format(
            late=late, misses_window=plan.misses_window
        )
    else:
        text = _(
            "Will be late: {late:,} past their response target, {misses_window:,} "
            "past their reply window"
        ).format(late=late, misses_window=plan.misses_window)
    lines.append(Content.assemble((text, "$text-error" if late else "")))
    if plan.unanswerable:
        text = (
            _("{:,} unanswerable (window closed)")
            if narrow
            else _("{:,} can no longer be answered (the reply window closed)")
        )
        lines.append(Content.assemble((text.format(plan.unanswerable), "$text-warning")))
    lines += share_lines(plan, now, narrow)
    lines += advice_lines(plan, narrow)
    return [line.truncate(width, ellipsis=True) for line in lines]


def zone_time(ts: int, now: int, tz: tzinfo) -> str:
    """Wall-clock time in ``tz``, with as much date as needed (as ``local_time`` does)."""
    moment = dt.datetime.fromtimestamp(ts, tz)
    today = dt.datetime.fromtimestamp(now, tz)
    clock = moment.strftime("%H:%M")
    if moment.date() == today.date():
        return clock
    if abs((moment.date() - today.date()).days) < 7:
        return f"{strftime(moment, '%a')} {clock}"
    return f"{moment.day} {strftime(moment, '%b')} {clock}"


def share_lines(plan: PlanView, now: int, narrow: bool) -> list[Content]:
    """A team's plan: each member's items, work and when they are done, in their own
    hours and time zone (backlog.plan_share); nothing for one person's plan."""
    if not plan.shares:
        return []
    heading = _("Who does what") if narrow else _("Who does what, in each one's own time zone")
    lines = [Content.assemble((heading, "$text-muted"))]
    for part in plan.shares:
        city = part.tz.key.split("/")[-1].replace("_", " ")
        done = "-"
        if part.finish_at is not None:
            at = zone_time(part.finish_at, now, part.tz)
            done = at if narrow else _("done {at} {city}").format(at=at, city=city)
        count = ngettext("{n} item", "{n} items", part.items).format(n=count_short(part.items))
        work = span_hm(part.effort_s) if part.effort_s else "-"
        note = ""
        if part.away and part.back_at is None:
            note = _("away: none until back")
        elif part.away and part.back_at is not None:
            note = _("away until {at}").format(at=zone_time(part.back_at, now, part.tz))
        head = f" {fit(one_line(part.name, 40), 7 if narrow else 10)}"
        cells = f" {part.items:>4} {work:>5} " if narrow else f" {count:>10} {work:>6}  "
        lines.append(
            Content.assemble(
                (head, "$text-primary"),
                (cells, ""),
                (done, "bold" if part.items else "$text-muted"),
                (f" · {note}" if note and not narrow else "", "$text-warning"),
            )
        )
    return lines


# The choices as the screen names them (wide, narrow).
CHOICE_WORDS = {
    "drop_low_tier": (N_("drop low tier"), N_("low tier")),
    "drop_window_closed": (N_("give up closed windows"), N_("windows")),
    "drop_both": (N_("both"), N_("both")),
}


def advice_lines(plan: PlanView, narrow: bool) -> list[Content]:
    """What it would take to clear the backlog by the end of the next working day, and what
    each choice that drops work changes (``backlog.plan_advice``)."""
    advice = plan.advice
    if advice is None or not advice.targets or not (plan.items or plan.unanswerable):
        return []

    def per_day(hours: float | None) -> str:
        return (
            _("no day is long enough")
            if hours is None
            else _("{span_hm} a day").format(span_hm=span_hm(hours * 3600))
        )

    day = strftime(dt.datetime.fromtimestamp(advice.targets[0] - 1, plan.tz), "%a %d %b")
    as_is = advice.options[0]
    you = span_hm(advice.day_hours * 3600)
    yours = _(" (each of you)") if advice.members else _(" (you work {you})").format(you=you)
    lines = [
        Content.assemble(
            (
                _("Clear by {day}: ").format(day=day)
                if narrow
                else _("To clear it by the end of {day}: ").format(day=day),
                "",
            ),
            (per_day(as_is.hours_per_day[0]), "bold"),
            ("" if narrow else yours, "$text-muted"),
        )
    ]
    who = (as_is.limited_by or (None,))[0]
    if who is not None:  # one member's own items set the hours (or put the date out of reach)
        why = _("  set by {member}'s own items, whatever the others do").format(member=who)
        lines.append(Content.assemble((why, "$text-muted")))
    if not narrow and len(advice.options) > 1:
        choice = fit(_("or, by choice"), 22)
        # The heading is the per-day cell's words without the hours ("a day" alone is also
        # a duration, "un giorno", elsewhere).
        per_day_heading = _("{span_hm} a day").format(span_hm="").strip()
        head = f"  {choice} {_('items'):>6} {_('saves'):>6}  {_('cleared'):12} {per_day_heading:>6}"
        lines.append(Content.assemble((head, "$text-muted")))
    for o in advice.options[1:]:
        wide, short = (_(w) for w in CHOICE_WORDS[str(o.choice)])
        hours = per_day(o.hours_per_day[0])
        if narrow:
            lines.append(Content.assemble((f" {short} −{o.items}: ", "$text-muted"), (hours, "")))
            continue
        cleared = "never" if o.finish_at is None else local_time(o.finish_at, advice.now)
        cells = (
            f"  {fit(wide, 22)} {o.items:>6,} {span_hm(o.saved_s) if o.saved_s else '-':>6}"
            f"  {fit(cleared, 12)} "
        )
        day_h = "-" if o.hours_per_day[0] is None else span_hm(o.hours_per_day[0] * 3600)
        lines.append(Content.assemble((cells, ""), (f"{day_h:>6}", "bold")))
    return lines


def batch_lines(
    plan: PlanView | None, now: int, width: int, *, failed: bool = False
) -> list[Content]:
    title = Content.assemble(
        (_("First batches"), "bold"),
        (_(" · one client and channel each") if width >= NARROW else "", "$text-muted"),
    )
    if plan is None:
        return [
            title,
            Content.assemble(
                (_("no plan (see above)") if failed else _("computing…"), "$text-muted")
            ),
        ]
    if not plan.batches:
        return [title, Content.assemble((_("None."), "$text-muted"))]
    narrow = width < NARROW
    lines = [title]
    for b in plan.batches[: 5 if narrow else 8]:
        start = local_time(b.start_at, now) if b.start_at else "-"
        client = initials(b.client) if narrow else one_line(b.client, 80)
        channel = CHANNEL_SHORT.get(b.channel, b.channel)
        # A team's plan says who does it; at 40 columns the start and count give it room.
        tight = narrow and bool(b.member)
        head = f"{b.number:>2} {fit(start, 9 if tight else 11)} "
        if b.member:
            head += f"{fit(one_line(b.member, 40), 6 if narrow else 8)} "
        tail = f" {fit(channel, 4)} {b.items:>4} {span_hm(b.effort_s):>5}"
        if tight:
            tail = f" {fit(channel, 4)}{b.items:>3} {span_hm(b.effort_s):>4}"
        if not narrow:
            tail += f" {b.late:>4} late" if b.late else ""
        client_w = max(3, min(20, width - len(head) - len(tail)))
        lines.append(
            Content.assemble((head, "$text-muted"), (fit(client, client_w), "$text-primary"), tail)
        )
    if plan.batch_count > len(lines) - 1:
        lines.append(
            Content.assemble(
                (
                    _("… {batch_count} batches in all: 'sfogo plan' lists them").format(
                        batch_count=plan.batch_count
                    ),
                    "$text-muted",
                )
            )
        )
    return [line.truncate(width, ellipsis=True) for line in lines]


class Block(LinesWidget):
    """A section drawn by a function of the width."""

    def __init__(self, make: Callable[[int], list[Content]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.make = make

    def lines(self, width: int) -> list[Content]:
        return self.make(width)
