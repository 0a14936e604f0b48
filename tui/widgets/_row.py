"""One inbox item as one line: urgency marker, client, channel, kind, author, excerpt, age and
time to deadline, cut to fit and never wrapped.

At 64 columns and more::

    !● Hotel Roma  ig dm      Marco Rossi  Ciao, vorrei prenotare una…   2h  late 1h

Under 64 (phones, split panes) a compact line keeps client, channel, author, excerpt and
deadline::

    !● Hotel  ig   Marco  Ciao, vor… late 1h

The first cell says how pressing the item is, with a symbol so it reads without colour:
``+`` selected, ``✕`` unanswerable (the platform's reply window closed), ``!`` late or a
reply window closing, ``▲`` pinned. The second is the status: ``●`` new, ``z`` snoozed,
``✓`` done, ``-`` ignored, blank when open; ``↩`` instead when a reply of ours to the item
waits in the outbox (queued or sending, or held, failed or unknown: those in the warning
colour, as the manager must act on them), else ``✎`` when a reply is being written (its
draft is kept). An item we liked (or whose like waits in the outbox) starts its excerpt
with ``♥``, so no column moves.

On a team's inbox an assigned item's excerpt starts with its owner's name (``Anna›``; under
64 columns its first three letters), and an item someone else is writing a reply to shows
``✍`` in the status column and "Anna is replying" before the excerpt.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from sfogo.inbox.i18n import _
from sfogo.inbox.model import CHANNEL_SHORT
from sfogo.inbox.rows import ItemRow

from ._format import CLOSING, GONE, LATE, age_short, deadline, fit, fit_right, one_line

COMPACT_BELOW = 64  # list widths under this get the compact row
STATUS_MARKS = {"new": "●", "open": " ", "snoozed": "z", "done": "✓", "ignored": "-"}
REPLY_MARK = "↩"
LIKE_MARK = "♥"
DRAFT_MARK = "✎"
REPLYING_MARK = "✍"
OWNER_MARK = "› "
# Replies in these states wait for the manager, not for the platform.
REPLY_NEEDS_YOU = ("held", "failed", "unknown")
KIND_SHORT = {
    "mention": "ment",
    "comment": "cmt",
    "reply": "reply",
    "dm": "dm",
    "email": "email",
    "review": "review",
}


def urgency_mark(row: ItemRow, level: str, selected: bool) -> str:
    if selected:
        return "+"
    if level == GONE:
        return "✕"
    if level in (LATE, CLOSING):
        return "!"
    if row["pinned"]:
        return "▲"
    return " "


def where_short(row: ItemRow) -> str:
    """'ig dm', 'mast reply', 'mail' (an e-mail account's e-mails need no kind)."""
    channel = CHANNEL_SHORT.get(row["channel"]) or one_line(row["channel"], 20)
    kind = KIND_SHORT.get(row["kind"], one_line(row["kind"], 20))
    if row["channel"] == "email" and row["kind"] == "email":
        return channel
    return f"{channel} {kind}"


def row_segments(
    row: ItemRow,
    width: int,
    now: int,
    settings,
    style: Callable[[str], Style],
    base: Style,
    selected: bool = False,
    owner_implied: str = "",
) -> tuple[list[Segment], int]:
    """The line's segments and the cells they take (each cell counted by ``fit``)."""
    muted = style("inbox-list--muted")
    new = row["status"] == "new"
    compact = width < COMPACT_BELOW
    wide = width >= 100
    due_text, level = deadline(row, now, settings, wide=wide, compact=compact)
    mark = urgency_mark(row, level, selected)
    mark_style = {
        "+": "inbox-list--selected-mark",
        "✕": "inbox-list--muted",
        "!": "inbox-list--late",
        "▲": "inbox-list--warn",
    }.get(mark)
    due_style = {
        LATE: style("inbox-list--late"),
        CLOSING: style("inbox-list--warn"),
        GONE: muted,
    }.get(level, Style() if level else muted)
    author = "you" if row["outgoing"] else one_line(row["author_name"] or row["author_handle"], 80)
    author_style = (
        style("inbox-list--ours") if row["outgoing"] else (Style(bold=True) if new else Style())
    )
    client = one_line(row["client"], 60)
    text = one_line(row["text"])
    head = [
        (mark, style(mark_style) if mark_style else Style(), 1),
        (*_status(row, style, muted), 1),
    ]
    if compact:
        client_w, author_w = (6, 6) if width >= 36 else (5, 5)
        middle = [
            (client, style("inbox-list--client"), client_w),
            (CHANNEL_SHORT.get(row["channel"]) or one_line(row["channel"], 20), muted, 4),
            (author, author_style, author_w),
        ]
        tail = [(due_text, due_style, 7)]
    else:
        client_w, author_w, due_w = (16, 18, 16) if wide else (11, 12, 10)
        middle = [
            (client, style("inbox-list--client"), client_w),
            (where_short(row), muted, 10),
            (author, author_style, author_w),
        ]
        tail = [(age_short(row["created_at"], now=now), muted, 4), (due_text, due_style, due_w)]
    # The two marks touch; every other column is followed by one space, the excerpt
    # takes what is left.
    fixed = 2 + sum(w + 1 for _, _, w in middle) + sum(w + 1 for _, _, w in tail) + 1
    text_w = max(0, width - fixed)
    segments = [Segment(fit(value, w), base + st) for value, st, w in head]
    for value, st, w in middle:
        segments.append(Segment(" ", base))
        segments.append(Segment(fit(value, w), base + st))
    segments.append(Segment(" ", base))
    segments += _excerpt(row, text, text_w, style, base, compact, owner_implied)
    for i, (value, st, w) in enumerate(tail):
        segments.append(Segment(" ", base))
        cell = fit_right(value, w) if i == 0 and not compact else fit(value, w)
        segments.append(Segment(cell, base + st))
    return segments, fixed + text_w


def _status(row: ItemRow, style: Callable[[str], Style], muted: Style) -> tuple[str, Style]:
    """The status column: the item's status, or our reply waiting, a draft, someone else
    replying."""
    if row.get("replying"):  # someone else is writing a reply to it now
        return REPLYING_MARK, style("inbox-list--warn")
    reply = row.get("reply")  # the state of a reply of ours not out yet (the list adds it)
    if reply:
        return REPLY_MARK, style("inbox-list--warn") if reply in REPLY_NEEDS_YOU else muted
    if row.get("draft"):
        return DRAFT_MARK, muted
    new = row["status"] == "new"
    return STATUS_MARKS.get(row["status"], " "), style("inbox-list--new") if new else muted


def _excerpt(
    row: ItemRow,
    text: str,
    width: int,
    style: Callable[[str], Style],
    base: Style,
    compact: bool = False,
    owner_implied: str = "",
) -> list[Segment]:
    """The excerpt in ``width`` cells, after the like mark when we liked the item, and the
    owner's name (unless ``owner_implied``) or who is replying (a team's inbox)."""
    head: list[Segment] = []
    replying, owner = row.get("replying"), row.get("owner")
    if owner == owner_implied:
        owner = ""
    short = 3 if compact else 12
    if replying and width >= 24 and not compact:
        who = _("{name} is replying").format(name=one_line(replying, 16)) + " · "
        head.append(Segment(who, base + style("inbox-list--warn")))
    elif replying and width >= 6:
        head.append(
            Segment(
                f"{one_line(replying, short)}{REPLYING_MARK} ", base + style("inbox-list--warn")
            )
        )
    elif owner and width >= 6:
        head.append(
            Segment(one_line(owner, short) + OWNER_MARK, base + style("inbox-list--client"))
        )
    used = sum(seg.cell_length for seg in head)
    if used > width - 2:  # a long name in a narrow list: the excerpt keeps its cells
        head, used = [], 0
    liked = row.get("liked")  # the state of our like of it (the list adds it)
    if not liked or width - used < 3:
        return [*head, Segment(fit(text, max(0, width - used)), base)]
    heart = style("inbox-list--warn") if liked in REPLY_NEEDS_YOU else style("inbox-list--ours")
    return [
        *head,
        Segment(LIKE_MARK, base + heart),
        Segment(fit(f" {text}", width - used - 1), base),
    ]


def row_strip(
    row: ItemRow,
    width: int,
    now: int,
    settings,
    style: Callable[[str], Style],
    base: Style,
    *,
    selected: bool,
    cursor: bool,
    owner_implied: str = "",
) -> Strip:
    """The line exactly ``width`` cells wide, with the selection's and the cursor's
    highlight (``style`` gives the list's component styles); an owner named
    ``owner_implied`` (every row's, in a view of one member's items) is not shown."""
    segments, used = row_segments(row, width, now, settings, style, base, selected, owner_implied)
    if used <= width:
        strip = Strip(segments, used).extend_cell_length(width, base)
    else:  # a list too narrow for its fixed columns: cut
        strip = Strip(segments).crop_extend(0, width, base)
    if selected and not cursor:
        strip = Strip(Segment.apply_style(strip, post_style=style("inbox-list--selected")), width)
    if cursor:
        strip = Strip(Segment.apply_style(strip, post_style=style("inbox-list--cursor")), width)
    return strip
