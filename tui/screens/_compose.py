"""``r``: write a reply. It goes into the outbox as *queued*; sync sends it when the channel
is reachable, exactly once (inbox/outbox.py). The screen says so plainly.

The composer is a TextArea: enter starts a new line, ctrl+s queues (ctrl+enter does not
reach programs over SSH), escape cancels. q types a q.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import Store

from ..widgets._format import one_line
from ..widgets._safe import SafeTextArea
from ._base import DialogScreen


class ReplyScreen(DialogScreen[int | None]):
    """Returns the queued reply's id, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "queue", "Queue reply", id="reply.queue"),
        Binding("escape", "cancel", "Cancel", id="reply.cancel"),
    ]

    def __init__(self, row: ItemRow) -> None:
        super().__init__()
        self.row = row
        self._queueing = False  # ctrl+s pressed twice queues one reply

    def compose(self) -> ComposeResult:
        row = self.row
        who = one_line(row["author_name"], 60) or one_line(row["author_handle"], 60) or "them"
        with Vertical() as box:
            box.border_title = "Reply"
            box.border_subtitle = "ctrl+s queue · esc cancel"
            yield Static(
                Content.from_markup(
                    "To [b]$who[/b] on $channel ($client):\n[i]$text[/i]",
                    who=who,
                    channel=row["channel"],
                    client=one_line(row["client"], 60),
                    text=one_line(row["text"], 240),
                ),
                id="reply-to",
            )
            yield SafeTextArea(
                id="reply-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
            )
            yield Static(Content(""), id="reply-error")
            yield Static(
                Content("Queued replies are sent by sync when the channel is reachable."),
                id="reply-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#reply-text", SafeTextArea).focus()

    def action_queue(self) -> None:
        text = self.query_one("#reply-text", SafeTextArea).text
        if not text.strip():
            self._error("Write something first: an empty reply is not queued.")
            return
        if self._queueing:
            return
        self._queueing = True
        self.sfogo.changes.own_write_started()  # the app does not reload for it
        self._queue(text, self.sfogo.db_path, self.sfogo.now())

    @work(thread=True, group="reply-queue", exit_on_error=False)
    def _queue(self, text: str, db_path, now: int) -> int:
        from sfogo.inbox.outbox import queue_reply

        with Store(db_path) as store:
            return queue_reply(store, self.row["id"], text, now=now)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "reply-queue" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        self._queueing = False
        self.sfogo.changes.own_write_ended()
        if event.state == WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            if isinstance(error, SfogoError):
                self._error(str(error))
            else:
                self._error(f"Could not queue the reply: {type(error).__name__}: {error}")

    def on_unmount(self) -> None:
        if self._queueing:  # closed while queueing: the watcher must not wait for it
            self._queueing = False
            self.sfogo.changes.own_write_ended()

    def _error(self, text: str) -> None:
        # Error text can quote the item or the file: Content, never markup.
        self.query_one("#reply-error", Static).update(Content(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
