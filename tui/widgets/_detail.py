"""The highlighted item in full: who, where, when, the link, our reply, the text, why it is
this urgent, the gap it arrived in, and its conversation.

Every value from the store goes into ``Content`` as a template variable or a plain
``Content(...)``; nothing from a row is ever parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.rows import ItemRow, ReplyRow

from ._format import ago, local_time, one_line, when_long
from ._one_paint import OnePaint, PaneText

THREAD_AROUND = 8  # thread items shown either side of the open one


@dataclass(slots=True)
class ItemExtras:
    """What the detail worker reads for an item besides its row."""

    item_id: int
    thread: list[ItemRow] = field(default_factory=list)
    replies: list[ReplyRow] = field(default_factory=list)  # from the outbox, oldest first
    breakdown: object | None = None  # backlog.triage.Breakdown
    gap: object | None = None  # backlog.gaps.Gap the item arrived in
    account_removed: bool = False  # its account was removed (the items are kept)


def head_content(
    row: ItemRow, now: int, *, account_removed: bool = False, width: int = 80
) -> Content:
    """Author, client and account (and whether it was removed), kind and status, times and
    link, laid out for ``width`` cells."""
    author = one_line(row["author_name"]) or one_line(row["author_handle"]) or _("unknown")
    handle = one_line(row["author_handle"])
    if row["outgoing"]:
        author = _("you ({one_line})").format(one_line=one_line(row["account"]))
        handle = ""
    status: str = _(STATUS_WORDS.get(row["status"], row["status"]))
    if row["status"] == "snoozed" and row["snoozed_until"]:
        status = _("snoozed until {local_time}").format(
            local_time=local_time(row["snoozed_until"], now)
        )
    elif row["status"] in ("done", "ignored") and row["handled_at"]:
        status = f"{status} {ago(row['handled_at'], now=now)}"
    extras = []
    if row.get("replying"):  # a team's inbox: someone else is answering it now
        extras.append(_("✍ {name} is replying").format(name=one_line(row["replying"], 40)))
    if row.get("owner"):
        extras.append(_("owner {name}").format(name=one_line(row["owner"], 40)))
    if row["pinned"]:
        extras.append(_("▲ pinned"))
    extras += [f"#{one_line(t, 40)}" for t in row.get("tags", ())]
    parts = [
        Content.from_markup("[b]$author[/b]", author=author),
    ]
    if handle and handle != author:
        parts.append(Content.from_markup(" [$text-muted]$handle[/]", handle=handle))
    where = [
        Content.from_markup("[$text-primary]$client[/]", client=one_line(row["client"])),
        Content(f"{row['channel']} {one_line(row['account'])}"),
        Content(_(KIND_WORDS.get(row["kind"], row["kind"]))),
        Content.from_markup("[b]$status[/b]", status=status),
    ]
    if account_removed:  # its items are kept; nothing syncs or sends for it any more
        where.append(Content.from_markup("[$text-warning]$gone[/]", gone=_("account removed")))
    if extras:
        where.append(Content(" ".join(extras)))
    parts += [Content("\n"), flow(where, width)]
    parts.append(
        Content.from_markup("\n[$text-muted]$when[/]", when=when_long(row["created_at"], now))
    )
    url = one_line(row["url"], 500)
    if url:
        parts.append(
            Content.from_markup(_("\n[$text-muted]$url[/] [dim](c copies it)[/]"), url=url)
        )
    return Content("").join(parts)


def body_content(row: ItemRow) -> Content:
    from sfogo.inbox.text import sanitize

    # Tabs would move the terminal's cursor to its own tab stops: spaces keep the layout.
    text = sanitize(row["text"]).expandtabs(4).strip() or _("(no text)")
    return Content(text)


REPLY_STATES = {
    "queued": N_("queued: it will be sent when {channel} is reachable"),
    "sending": N_("being sent to {channel}"),
    "sent": N_("sent"),
    "held": N_("held, not sent"),
    "failed": N_("failed, not sent"),
    "unknown": N_("unknown: check {channel}, then retry or drop it (sfogo outbox)"),
    "dropped": N_("dropped"),
}
# The codes the header shows, in the interface's words.
STATUS_WORDS = {
    "new": N_("new"),
    "open": N_("open"),
    "snoozed": N_("snoozed"),
    "done": N_("done"),
    "ignored": N_("ignored"),
}
KIND_WORDS = {
    "comment": N_("comment"),
    "reply": N_("reply"),
    "mention": N_("mention"),
    "dm": N_("dm"),
    "email": N_("email"),
    "review": N_("review"),
}


def replies_content(replies: list[ReplyRow], channel: str, now: int) -> Content:
    """Our replies to the item (and our like of it) and where each stands in the outbox."""
    lines = []
    for reply in replies:
        state = _(REPLY_STATES.get(reply["state"], reply["state"])).format(channel=channel)
        stamp = reply.get("sent_at") or reply.get("updated_at") or reply["created_at"]
        like = reply.get("action") == "like"
        line = Content.from_markup(
            "[b $text-success]$what[/] [b]$state[/b] [$text-muted]($when)[/]",
            what=_("♥ Your like") if like else _("↳ Your reply"),
            state=state,
            when=ago(stamp, now=now),
        )
        reason = one_line(reply.get("reason"), 300)
        if reason and reply["state"] in ("held", "failed", "queued", "unknown"):
            line += Content.from_markup("\n  [$text-warning]$reason[/]", reason=reason)
        link = one_line(reply.get("link"), 500)
        if link and reply["state"] == "sent":
            line += Content.from_markup("\n  [$text-muted]$link[/]", link=link)
        if not like:
            line += Content.from_markup("\n  [i]$text[/i]", text=one_line(reply["text"], 300))
        lines.append(line)
    return Content("\n").join(lines)


def urgency_content(breakdown, width: int = 80) -> Content:
    """Each term of the score: coefficient × factor = points, and what it means.

    Wide: one line a term, the note cut to fit. Under 60 columns a term takes the numbers'
    line and its note below (wrapped), and terms that add nothing take one line."""
    if breakdown is None:
        return Content("")
    import textwrap

    from ._format import fit

    note_w = width - 38  # what is left of a wide line after the numbers
    narrow = width < 60 or note_w < 16
    title = Content.from_markup(
        _("[b]Urgency $score[/b] [$text-muted]$how[/]"),
        score=f"{breakdown.score:.1f}",
        how=_("(sum of terms)") if narrow else _("= Σ coefficient × factor"),
    )
    if breakdown.unanswerable:
        title += Content.from_markup(_(" [b $text-error]✕ unanswerable[/]"))
    lines = [title]
    for term in breakdown.terms:
        points = "  0.00" if term.contribution == 0 else f"{term.contribution:+6.2f}"
        numbers = dict(
            name=f"{term.name:<12}",
            coef=f"{term.coefficient:5.1f}",
            factor=f"{term.factor:4.2f}",
            points=points,
        )
        note = one_line(term.note, 200)
        if not narrow:
            line = Content.from_markup(
                "  $name $coef × $factor = [b]$points[/b]  [$text-muted]$note[/]",
                note=fit(note, note_w).rstrip(),
                **numbers,
            )
        elif term.contribution == 0:
            line = Content.from_markup("  $name [b]$points[/b]", **numbers)
        else:
            wrapped = "\n".join(
                textwrap.wrap(
                    note, max(10, width - 4), initial_indent="    ", subsequent_indent="    "
                )
            )
            line = Content.from_markup(
                "  $name [b]$points[/b] = $coef × $factor\n[$text-muted]$note[/]",
                note=wrapped,
                **numbers,
            )
        if term.contribution == 0:
            line = line.stylize("dim")
        lines.append(line)
    return Content("\n").join(lines)


def flow(groups: list[Content], width: int, sep: str = " · ") -> Content:
    """``groups`` joined by ``sep``, a new line where the next group would not fit: a line
    never ends or starts with a separator (a group longer than the line still wraps)."""
    lines: list[Content] = []
    for group in groups:
        if lines and lines[-1].cell_length + len(sep) + group.cell_length <= width:
            lines[-1] = lines[-1] + sep + group
        else:
            lines.append(group)
    return Content("\n").join(lines)


class HeadView(OnePaint, Static):
    """The item's head (:func:`head_content`), laid out for the width it gets."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.head: tuple[ItemRow, int, bool] | None = None
        self.text = ""  # shown when there is no item

    def show(self, row: ItemRow | None, now: int = 0, *, account_removed: bool = False) -> None:
        self.head = None if row is None else (row, now, account_removed)
        self.refresh(layout=True)

    def show_text(self, text: str) -> None:
        self.head, self.text = None, text
        self.refresh(layout=True)

    def render(self) -> Content:
        if self.head is None:
            return Content(self.text)
        row, now, removed = self.head
        return head_content(row, now, account_removed=removed, width=self.size.width or 80)


class UrgencyView(OnePaint, Static):
    """The breakdown, laid out for the width it gets."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.breakdown = None

    def show(self, breakdown) -> None:
        self.breakdown = breakdown
        self.refresh(layout=True)

    def render(self) -> Content:
        return urgency_content(self.breakdown, self.size.width or 80)


def gap_content(gap, now: int) -> Content:
    """The gap the item arrived in: which account was blind, or that you were away."""
    if gap is None:
        return Content("")
    from sfogo.inbox.timefmt import span_precise

    end = _("still open") if gap.ended_at is None else local_time(gap.ended_at, now)
    if gap.source == "away":
        what = _("while you were {kind}").format(kind=gap.kind)
    else:
        what = _("while {one_line} was {replace}").format(
            one_line=one_line(gap.account, 80), replace=gap.kind.replace("_", " ")
        )
    return Content.from_markup(
        _("[b $text-warning]⚠ Arrived in a gap[/] $what: $start → $end ($length)"),
        what=what,
        start=local_time(gap.started_at, now),
        end=end,
        length=span_precise(gap.duration(now)),
    )


def thread_content(item_id: int, thread: list[ItemRow], now: int) -> Content:
    """The conversation around the item, one line each, the open item marked."""
    if len(thread) <= 1:
        return Content("")
    index = next((i for i, r in enumerate(thread) if r["id"] == item_id), 0)
    start = max(0, index - THREAD_AROUND)
    shown = thread[start : index + THREAD_AROUND + 1]
    lines = [Content.from_markup(_("[b]Thread[/b] [$text-muted]· $n items[/]"), n=str(len(thread)))]
    if start:
        lines.append(Content.from_markup(_("[$text-muted]  … $n earlier[/]"), n=str(start)))
    for r in shown:
        mark = "▸" if r["id"] == item_id else " "
        who = (
            "you"
            if r["outgoing"]
            else (one_line(r["author_name"], 60) or one_line(r["author_handle"], 60))
        )
        line = Content.from_markup(
            "$mark [$text-muted]$when[/] [b]$who[/b] $text",
            mark=mark,
            when=local_time(r["created_at"], now),
            who=who,
            text=one_line(r["text"], 300),
        )
        if r["id"] == item_id:
            line = line.stylize("$text-accent")
        lines.append(line)
    later = len(thread) - (start + len(shown))
    if later > 0:
        lines.append(Content.from_markup(_("[$text-muted]  … $n later[/]"), n=str(later)))
    return Content("\n").join(lines)


class DetailPane(OnePaint, VerticalScroll, can_focus=True):
    """The item in full; scrolls when focused. ``q``/escape hand the keys back."""

    DEFAULT_CSS = """
    DetailPane {
        padding: 0 1;
        & > #detail-head { margin-bottom: 1; }
        & > #detail-replies { margin-bottom: 1; }
        & > #detail-urgency { margin-top: 1; }
        & > #detail-gap { margin-top: 1; }
        & > #detail-thread {
            margin-top: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    }
    """
    BINDINGS = [
        Binding("j", "scroll_down", N_("Scroll down"), id="detail.scroll_down", show=False),
        Binding("k", "scroll_up", N_("Scroll up"), id="detail.scroll_up", show=False),
        Binding("q,escape", "leave", N_("Back"), id="detail.back"),
    ]

    class Leave(Message):
        """The reader is done with the item (q or escape)."""

    def __init__(
        self, now: Callable[[], int], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._now = now
        self.item_id: int | None = None
        self.row: ItemRow | None = None
        self.extras: ItemExtras | None = None

    def compose(self):
        yield HeadView(id="detail-head")
        yield PaneText(id="detail-replies")
        yield PaneText(id="detail-body")
        yield UrgencyView(id="detail-urgency")
        yield PaneText(id="detail-gap")
        yield PaneText(id="detail-thread")

    def _parts(self) -> dict[str, Static]:
        return {
            name: self.query_one(f"#detail-{name}", Static)
            for name in ("replies", "body", "gap", "thread")
        }

    def show(self, row: ItemRow | None, empty: str = "") -> None:
        """Show ``row`` (thread, reply, urgency and gap come later, from :meth:`show_extras`)."""
        parts = self._parts()
        changed = row is None or row["id"] != self.item_id
        self.row = row
        if row is None:
            self.item_id = None
            self.extras = None
            self.query_one(HeadView).show_text(empty)
            for name in ("replies", "body", "gap", "thread"):
                parts[name].update(Content(""))
            self.query_one(UrgencyView).show(None)
            parts["replies"].display = parts["gap"].display = False
            return
        self.item_id = row["id"]
        now = self._now()
        self.query_one(HeadView).show(row, now)
        parts["body"].update(body_content(row))
        if changed:
            self.extras = None
            for name in ("replies", "gap", "thread"):
                parts[name].update(Content(""))
            self.query_one(UrgencyView).show(None)
            parts["replies"].display = parts["gap"].display = False
            self.scroll_home(animate=False)

    def show_extras(self, extras: ItemExtras) -> None:
        if extras.item_id != self.item_id or self.row is None:
            return
        self.extras = extras
        now = self._now()
        parts = self._parts()
        if extras.account_removed:
            self.query_one(HeadView).show(self.row, now, account_removed=True)
        parts["replies"].update(replies_content(extras.replies, self.row["channel"], now))
        parts["replies"].display = bool(extras.replies)
        self.query_one(UrgencyView).show(extras.breakdown)
        parts["gap"].update(gap_content(extras.gap, now))
        parts["gap"].display = extras.gap is not None
        parts["thread"].update(thread_content(extras.item_id, extras.thread, now))

    def show_thread(self, item_id: int, thread: list[ItemRow]) -> None:
        """Only the conversation (kept for callers that read nothing else)."""
        if item_id == self.item_id:
            self.query_one("#detail-thread", Static).update(
                thread_content(item_id, thread, self._now())
            )

    def action_leave(self) -> None:
        self.post_message(self.Leave())
