"""The highlighted item in full: who, where, when, the text, and its conversation.

Every value from the store goes into ``Content`` as a template variable or a plain
``Content(...)``; nothing from a row is ever parsed as markup.
"""
from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ._format import local_time, one_line, relative, when_long

THREAD_AROUND = 8  # thread items shown either side of the open one


def head_content(row: dict, now: int) -> Content:
    """Author, client and account, kind and status, times and link."""
    author = one_line(row["author_name"]) or one_line(row["author_handle"]) or "unknown"
    handle = one_line(row["author_handle"])
    if row["outgoing"]:
        author = f"you ({one_line(row['account'])})"
        handle = ""
    status = row["status"]
    if status == "snoozed" and row["snoozed_until"]:
        status = f"snoozed until {local_time(row['snoozed_until'], now)}"
    elif status in ("done", "ignored") and row["handled_at"]:
        status = f"{status} {relative(row['handled_at'], now)}"
    extras = []
    if row["pinned"]:
        extras.append("pinned")
    extras += [f"#{one_line(t, 40)}" for t in row.get("tags", ())]
    parts = [
        Content.from_markup("[b]$author[/b]", author=author),
    ]
    if handle and handle != author:
        parts.append(Content.from_markup(" [$text-muted]$handle[/]", handle=handle))
    parts.append(Content.from_markup(
        "\n[$text-primary]$client[/] · $channel $account · $kind · [b]$status[/b]",
        client=one_line(row["client"]), channel=row["channel"],
        account=one_line(row["account"]), kind=row["kind"], status=status,
    ))
    if extras:
        parts.append(Content.from_markup(" · $extras", extras=" ".join(extras)))
    parts.append(Content.from_markup(
        "\n[$text-muted]$when[/]", when=when_long(row["created_at"], now)
    ))
    url = one_line(row["url"], 500)
    if url:
        parts.append(Content.from_markup("\n[$text-muted]$url[/]", url=url))
    return Content("").join(parts)


def body_content(row: dict) -> Content:
    from inbox.text import sanitize

    # Tabs would move the terminal's cursor to its own tab stops: spaces keep the layout.
    text = sanitize(row["text"]).expandtabs(4).strip() or "(no text)"
    return Content(text)


def thread_content(item_id: int, thread: list[dict], now: int) -> Content:
    """The conversation around the item, one line each, the open item marked."""
    if len(thread) <= 1:
        return Content("")
    index = next((i for i, r in enumerate(thread) if r["id"] == item_id), 0)
    start = max(0, index - THREAD_AROUND)
    shown = thread[start:index + THREAD_AROUND + 1]
    lines = [Content.from_markup("[b]Thread[/b] [$text-muted]· $n items[/]", n=str(len(thread)))]
    if start:
        lines.append(Content.from_markup("[$text-muted]  … $n earlier[/]", n=str(start)))
    for r in shown:
        mark = "▸" if r["id"] == item_id else " "
        who = "you" if r["outgoing"] else (
            one_line(r["author_name"], 60) or one_line(r["author_handle"], 60)
        )
        line = Content.from_markup(
            "$mark [$text-muted]$when[/] [b]$who[/b] $text",
            mark=mark, when=local_time(r["created_at"], now), who=who,
            text=one_line(r["text"], 300),
        )
        if r["id"] == item_id:
            line = line.stylize("$text-accent")
        lines.append(line)
    later = len(thread) - (start + len(shown))
    if later > 0:
        lines.append(Content.from_markup("[$text-muted]  … $n later[/]", n=str(later)))
    return Content("\n").join(lines)


class DetailPane(VerticalScroll, can_focus=True):
    """The item in full; scrolls when focused. ``q``/escape hand the keys back."""

    DEFAULT_CSS = """
    DetailPane {
        padding: 0 1;
        & > #detail-head { margin-bottom: 1; }
        & > #detail-thread {
            margin-top: 1;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    }
    """
    BINDINGS = [
        Binding("j", "scroll_down", "Scroll down", id="detail.scroll_down", show=False),
        Binding("k", "scroll_up", "Scroll up", id="detail.scroll_up", show=False),
        Binding("q,escape", "leave", "Back", id="detail.back"),
    ]

    class Leave(Message):
        """The reader is done with the item (q or escape)."""

    def __init__(self, now: Callable[[], int], *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._now = now
        self.item_id: int | None = None
        self.row: dict | None = None

    def compose(self):
        yield Static(id="detail-head")
        yield Static(id="detail-body")
        yield Static(id="detail-thread")

    def show(self, row: dict | None, empty: str = "") -> None:
        """Show ``row`` (its thread comes later, from :meth:`show_thread`)."""
        head = self.query_one("#detail-head", Static)
        body = self.query_one("#detail-body", Static)
        thread = self.query_one("#detail-thread", Static)
        changed = row is None or row["id"] != self.item_id
        self.row = row
        if row is None:
            self.item_id = None
            head.update(Content(empty))
            body.update(Content(""))
            thread.update(Content(""))
            return
        self.item_id = row["id"]
        now = self._now()
        head.update(head_content(row, now))
        body.update(body_content(row))
        if changed:
            thread.update(Content(""))
            self.scroll_home(animate=False)

    def show_thread(self, item_id: int, thread: list[dict]) -> None:
        if item_id == self.item_id:
            self.query_one("#detail-thread", Static).update(
                thread_content(item_id, thread, self._now())
            )

    def action_leave(self) -> None:
        self.post_message(self.Leave())
