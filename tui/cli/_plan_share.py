"""``sfogo plan`` on a team's inbox: who does what by when (``backlog.plan_share`` shares
it out). Each member's times are read in their own time zone; one person's plan prints no
such table."""

from __future__ import annotations

from datetime import datetime

from sfogo.inbox.i18n import _, ngettext
from sfogo.inbox.timefmt import span_hm, strftime

from . import _output

DATE = "%a %d %H:%M"  # as the batches' START


def city(tz) -> str:
    """'America/New_York' -> 'New York' (--json gives the zone's full name)."""
    return tz.key.split("/")[-1].replace("_", " ")


def _at(ts: int, tz) -> str:
    return strftime(datetime.fromtimestamp(ts, tz), DATE)


def share_note(part, status: str) -> str:
    """Why a member's share looks as it does: away, handed on, past the horizon."""
    notes = []
    if part.away and part.back_at is None:
        notes.append(_("away: none until back"))
    elif part.away:
        notes.append(_("back {at}").format(at=_at(part.back_at, part.tz)))
    if part.handed_on:
        notes.append(
            ngettext("{n} of theirs shared out", "{n} of theirs shared out", part.handed_on).format(
                n=part.handed_on
            )
        )
    if part.beyond and status == "beyond":
        notes.append(_("not done within ten years"))
    return "; ".join(notes)


def share_rows(made) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for part in made.shares:
        done = "-"
        if part.finish_at is not None:
            done = _at(part.finish_at, part.tz)
        elif part.items and made.status == "never":
            done = _("never at this pace")
        rows.append(
            (
                part.name,
                city(part.tz),
                str(part.items),
                span_hm(part.effort_s) if part.effort_s else "-",
                "-" if part.start_at is None else _at(part.start_at, part.tz),
                done,
                share_note(part, made.status),
            )
        )
    return rows


def print_shares(made) -> None:
    """The table of each member's share; nothing for one person's plan."""
    if not made.shares:
        return
    print()
    print(_("Who does what (each member's times in their own time zone):"))
    _output.table(
        share_rows(made),
        ("MEMBER", "ZONE", "ITEMS", "WORK", "STARTS", "DONE BY", "NOTE"),
        page=False,
    )
