"""``sfogo plan``'s advice as text: what it would take to clear the backlog by a date, and
what each choice that drops work would change (``backlog.plan_advice`` computes it)."""

from __future__ import annotations

from datetime import datetime

from sfogo.backlog.plan_advice import Advice, Choice, per_target
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.timefmt import span_hm, strftime

from . import _output

LABELS = {
    Choice.AS_IS: N_("as it is"),
    Choice.DROP_LOW: N_("drop low tier"),
    Choice.DROP_WINDOW: N_("give up closed windows"),
    Choice.DROP_BOTH: N_("both"),
}
WHAT = {
    Choice.DROP_LOW: N_("drop the low-tier clients' backlog"),
    Choice.DROP_WINDOW: N_("give up the replies whose window closed or closes first"),
    Choice.DROP_BOTH: N_("drop the low tier and give up the closed windows"),
}


def hours_words(hours: float) -> str:
    """'9h00', '9h24' (a working day's length, as the backlog screen says it)."""
    return span_hm(hours * 3600)


def _day(ts: int, tz) -> str:
    """The date a target ends: a target is the midnight after it, so a second earlier."""
    return strftime(datetime.fromtimestamp(ts - 1, tz), "%a %d %b")


def advice_lines(advice: Advice, tz) -> list[str]:
    """Sentences before the table: the first date, and what the cheapest choice needs."""
    if not advice.targets:
        return []
    as_is = advice.options[0]
    first = as_is.hours_per_day[0]
    by = _day(advice.targets[0], tz)
    now_h = hours_words(advice.day_hours)
    if advice.members:  # a team's: hours a day are each member's
        lines = _team_lines(advice, by, first, (as_is.limited_by or (None,))[0])
    elif first is None:
        # Say why: new interactions alone may need more than a day holds.
        alone = hours_words(advice.load * advice.day_hours)
        lines = [
            _(
                "To clear it by the end of {by}: no working day is long enough (new "
                "interactions alone need {alone} a day; you work {now_h})."
            ).format(by=by, alone=alone, now_h=now_h)
        ]
    else:
        lines = [
            _(
                "To clear it by the end of {by}: {hours_words} of work a day (you work "
                "{now_h} now)."
            ).format(by=by, hours_words=hours_words(first), now_h=now_h)
        ]
    # The choice that needs the fewest hours, if it needs fewer than doing everything.
    choices = [(o.hours_per_day[0], o) for o in advice.options[1:]]
    fits = [(hours, o) for hours, o in choices if hours is not None]
    if fits:
        hours, best = min(fits, key=lambda pair: pair[0])
        if first is None or hours < first:
            lines.append(
                ngettext(
                    "Or {hours} a day if you {what} ({items} item, {saved} less work).",
                    "Or {hours} a day if you {what} ({items} items, {saved} less work).",
                    best.items,
                ).format(
                    hours=hours_words(hours),
                    what=_(WHAT[best.choice]),
                    items=best.items,
                    saved=span_hm(best.saved_s),
                )
            )
    return lines


def team_now(advice: Advice) -> str:
    """'Giulia 8h00, Marco 8h00': each member's working day now."""
    return ", ".join(f"{name} {hours_words(hours)}" for name, hours in advice.members)


def _team_lines(advice: Advice, by: str, first: float | None, who: str | None) -> list[str]:
    """The advice's sentence for a team: hours a day each member would work, and the
    member whose own items set them, if one does."""
    members = team_now(advice)
    if who is not None and first is None:
        return [
            _(
                "To clear it by the end of {by}: out of reach whatever the others do, as "
                "{member} cannot finish their own items by then (now: {members})."
            ).format(by=by, member=who, members=members)
        ]
    if who is not None and first is not None:
        return [
            _(
                "To clear it by the end of {by}: {hours} of work a day for each of you, "
                "which {member}'s own items need (now: {members})."
            ).format(by=by, hours=hours_words(first), member=who, members=members)
        ]
    if first is None:
        return [
            _(
                "To clear it by the end of {by}: no working day is long enough, even for "
                "all of you (now: {members})."
            ).format(by=by, members=team_now(advice))
        ]
    return [
        _(
            "To clear it by the end of {by}: {hours} of work a day for each of you (now: "
            "{members})."
        ).format(by=by, hours=hours_words(first), members=team_now(advice))
    ]


def print_advice(advice: Advice, tz) -> None:
    """The choices as a table: items dropped, work saved, when cleared, hours a day by date."""
    import textwrap

    width = _output.wrap_width()  # prose wraps (80 columns when piped); tables are not cut
    print()
    for line in advice_lines(advice, tz):
        print(textwrap.fill(line, width, subsequent_indent="  "))
    if len(advice.options) < 2 and len(advice.targets) < 2:
        return
    dates = [_day(t, tz)[:6].upper() for t in advice.targets]
    rows = []
    for o in advice.options:
        cleared = (
            _("never at this pace")
            if o.finish_at is None
            else strftime(datetime.fromtimestamp(o.finish_at, tz), "%a %d %b %H:%M")
        )
        rows.append(
            (
                _(LABELS[o.choice]),
                str(o.items) if o.items else "-",
                span_hm(o.saved_s) if o.saved_s else "-",
                cleared,
                *(_cell(h, who) for _by, h, who in per_target(advice, o)),
            )
        )
    print(_("Hours a day to clear it by the end of each date, and what each choice changes:"))
    _output.table(rows, ("CHOICE", "ITEMS", "SAVES", "CLEARED BY", *dates), flex=0, page=False)
    if any(h is None for o in advice.options for h in o.hours_per_day):
        print(_("(-: no working day is long enough for that date)"))
    if any(who for o in advice.options for who in o.limited_by):
        print(_("(a name: that member's own items set the hours, whatever the others do)"))


def _cell(hours: float | None, who: str | None) -> str:
    """'2h13', '-'; with the member whose own items set it: '2h13 (Giulia)', '- (Tom)'."""
    cell = "-" if hours is None else span_hm(hours * 3600)
    return cell if who is None else f"{cell} ({who})"
