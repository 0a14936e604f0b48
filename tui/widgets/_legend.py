"""The line above the list that says what its marks mean, in the words that fit."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from sfogo.inbox.i18n import N_, _

from ._row import DRAFT_MARK, LIKE_MARK, REPLY_MARK, STATUS_MARKS

# From the longest to the shortest; the first that fits the width is shown (on a phone the
# rarer marks, snoozed and liked, give way).
LEGENDS = (
    N_(
        "! late or closing  ✕ window closed  ▲ pinned  {new} new  {snoozed} snoozed"
        "  {reply} reply waiting  {draft} draft  {like} liked"
    ),
    N_(
        "! late  ✕ closed  ▲ pinned  {new} new  {snoozed} snoozed  {reply} reply  {draft} draft"
        "  {like} liked"
    ),
    N_("!late ✕closed ▲pin {new}new {snoozed}snz {reply}reply {draft}draft {like}liked"),
    N_("!late ✕shut ▲pin {new}new {reply}reply {draft}draft"),
)


def legend_text(width: int) -> str:
    """The legend for ``width`` cells (the shortest, cut by the CSS, when none fits)."""
    marks = {
        "new": STATUS_MARKS["new"],
        "snoozed": STATUS_MARKS["snoozed"],
        "reply": REPLY_MARK,
        "draft": DRAFT_MARK,
        "like": LIKE_MARK,
    }
    texts = [_(legend).format(**marks) for legend in LEGENDS]
    return next((text for text in texts if len(text) <= width), texts[-1])


class MarksLegend(Widget):
    """What the two mark columns of the list mean (the first: how pressing; the second:
    the status), always visible so the symbols never have to be learnt from the help."""

    DEFAULT_CSS = """
    MarksLegend {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def render(self) -> Content:
        return Content(legend_text(self.size.width))
