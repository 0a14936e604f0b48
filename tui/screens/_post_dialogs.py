"""The Posts screen's dialogs: a post's history (Enter) and new text for it (``e``).

The history shows the post's whole text, where it stands and why, and every transition
with its time and reason, oldest first. Its keys act on the post as the list's do: the
dialog closes with the action's name and the screen runs it.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from sfogo.backlog.posts import ShownPost
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.text import sanitize
from sfogo.inbox.timefmt import strftime

from ..widgets._format import one_line
from ..widgets._post_list import MARKS, WORDS
from ..widgets._safe import SafeTextArea
from ._base import DialogScreen


def _when(ts: int | None) -> str:
    return "" if ts is None else strftime(datetime.fromtimestamp(ts).astimezone(), "%a %d %b %H:%M")


def history_lines(post: ShownPost) -> list[Content]:
    """The dialog's body: the text, the state and why, the history (plain text only)."""
    row = post.row
    state = WORDS.get(post.state, post.state)
    why = row["reason"]
    if post.gap is not None:
        why = _("due while its account could not be read ({kind}): not confirmed yet").format(
            kind=post.gap.kind
        )
    lines = [
        Content(sanitize(row["text"])),  # sanitised at ingest; again for any other writer
        Content(""),
        Content.from_markup(
            _("[b]$mark $state[/b] · due $when · $source"),
            mark=MARKS.get(post.state, "·"),
            state=state,
            when=_when(row["at"]),
            source={"queue": "from the platform's queue", "plan": "from a plan file"}.get(
                row["source"], "from sfogo's queue"
            ),
        ),
    ]
    if why:
        lines.append(Content(one_line(why, 600)))
    if row["published_at"] is not None:
        lines.append(Content(f"appeared {_when(row['published_at'])} {one_line(row['url'], 120)}"))
    lines += [Content(""), Content.from_markup("[b]History[/b]")]
    for event in post.history or ():
        reason = one_line(event.reason, 300)
        text = f"{_when(event.at)}  {WORDS.get(event.state, event.state)}: {reason}"
        if event.old_at is not None and event.new_at is not None:
            text += f" ({_when(event.old_at)} → {_when(event.new_at)})"
        if event.detail:
            text += f" [{one_line(event.detail, 200)}]"
        lines.append(Content(text))
    return lines


class PostHistoryScreen(DialogScreen[str | None]):
    """Returns an action's name (restore, publish, cancel, edit) or None."""

    BINDINGS = [
        Binding("escape,q", "close", N_("Close"), id="post.close"),
        Binding("r", "act('restore')", N_("Restore"), id="post.restore"),
        Binding("n", "act('publish')", N_("Publish now"), id="post.publish"),
        Binding("c", "act('cancel')", N_("Cancel post"), id="post.cancel"),
        Binding("e", "act('edit')", N_("Edit"), id="post.edit"),
        Binding("j,down", "scroll(1)", N_("Scroll down"), id="post.down", show=False),
        Binding("k,up", "scroll(-1)", N_("Scroll up"), id="post.up", show=False),
    ]

    def __init__(self, post: ShownPost) -> None:
        super().__init__()
        self.post = post

    def compose(self) -> ComposeResult:
        row = self.post.row
        with VerticalScroll() as box:
            box.border_title = _("Post {id} · {channel} {one_line}").format(
                id=row["id"], channel=row["channel"], one_line=one_line(row["account"], 40)
            )
            box.border_subtitle = _("r restore · n publish · c cancel · e edit · q close")
            yield Static(Content("\n").join(history_lines(self.post)), id="post-history")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_scroll(self, step: int) -> None:
        box = self.query_one(VerticalScroll)
        box.scroll_relative(y=step, animate=False)

    def action_act(self, name: str) -> None:
        self.dismiss(name)

    def action_close(self) -> None:
        self.dismiss(None)


class PostEditScreen(DialogScreen[str | None]):
    """Returns the new text, or None when cancelled; ctrl+s saves, escape cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="post_edit.save"),
        Binding("escape", "cancel", N_("Cancel"), id="post_edit.cancel"),
    ]

    def __init__(self, post: ShownPost) -> None:
        super().__init__()
        self.post = post

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Edit post {id}").format(id=self.post.row["id"])
            box.border_subtitle = _("ctrl+s save · esc cancel")
            yield SafeTextArea(
                self.post.row["text"],
                id="post-text",
                soft_wrap=True,
                show_line_numbers=False,
                tab_behavior="focus",
            )
            yield Static(Content(""), id="post-edit-error")

    def on_mount(self) -> None:
        self.query_one("#post-text", SafeTextArea).focus()

    def action_save(self) -> None:
        text = self.query_one("#post-text", SafeTextArea).text
        if not text.strip():
            self.query_one("#post-edit-error", Static).update(
                Content(_("Write something first: a post needs some text."))
            )
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
