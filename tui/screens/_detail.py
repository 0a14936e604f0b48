"""One item on a screen of its own (terminals under 60 columns).

It returns what the reader chose to do with the item ("done", "snooze") or None; the
inbox screen acts on it, so there is one place that changes items.
"""
from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message

from inbox.store import Store

from ..widgets import DetailPane, KeyFooter
from ._base import SfogoScreen


class DetailScreen(SfogoScreen[str | None]):
    BINDINGS = [
        Binding("d", "choose('done')", "Done", id="detail.done"),
        Binding("s", "choose('snooze')", "Snooze", id="detail.snooze"),
    ]

    class ThreadLoaded(Message):
        def __init__(self, item_id: int, thread: list[dict]) -> None:
            super().__init__()
            self.item_id = item_id
            self.thread = thread

    def __init__(self, row: dict, db_path, now: Callable[[], int]) -> None:
        super().__init__()
        self.row = row
        self._db_path = db_path
        self._now = now

    def compose(self) -> ComposeResult:
        yield DetailPane(self._now, id="detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        pane = self.query_one(DetailPane)
        pane.show(self.row)
        pane.focus()
        self._load_thread(self.row)

    @work(thread=True, group="detail-thread", exclusive=True, exit_on_error=False)
    def _load_thread(self, row: dict) -> None:
        with Store(self._db_path) as store:  # this thread's own connection
            thread = store.thread(row)
        self.post_message(self.ThreadLoaded(row["id"], thread))

    def on_detail_screen_thread_loaded(self, message: ThreadLoaded) -> None:
        self.query_one(DetailPane).show_thread(message.item_id, message.thread)

    def on_detail_pane_leave(self, message: DetailPane.Leave) -> None:
        message.stop()
        self.dismiss(None)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
