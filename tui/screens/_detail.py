"""One item on a screen of its own (terminals under 60 columns), and what both the pane and
this screen read about an item besides its row (thread, our replies, urgency, gap).

The screen acts through its owner (the inbox screen), so there is one place that changes
items: done and snooze close it; pin, tag, reply and copy keep it open.
"""
from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from sfogo.inbox.store import Store

from ..widgets import DetailPane, KeyFooter
from ..widgets._detail import ItemExtras
from ._base import SfogoScreen


def load_extras(store: Store, row: dict, settings, now: int) -> ItemExtras:
    """The thread, our replies from the outbox, the urgency breakdown and the gap the item
    arrived in (runs in a worker)."""
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.triage import explain

    thread = store.items.thread(row)
    replies = store.outbox.for_item(row["id"])
    created = row["created_at"]
    gap = next((g for g in find_gaps(store, now=now)
                if g.touches(row["account_id"]) and g.started_at <= created < g.end_or(now)),
               None)
    breakdown = None
    if not row["outgoing"] and row["status"] in ("new", "open", "snoozed"):
        breakdown = explain(row, settings, now, in_gap=gap is not None)
    return ItemExtras(row["id"], thread, replies, breakdown, gap)


class ExtrasLoaded(Message):
    def __init__(self, extras: ItemExtras) -> None:
        super().__init__()
        self.extras = extras


class DetailScreen(SfogoScreen[str | None]):
    BINDINGS = [
        Binding("d", "choose('done')", "Done", id="detail.done"),
        Binding("s", "choose('snooze')", "Snooze", id="detail.snooze"),
        Binding("r", "act('reply')", "Reply", id="detail.reply"),
        Binding("p", "act('pin')", "Pin", id="detail.pin", show=False),
        Binding("t", "act('tag')", "Tag", id="detail.tag", show=False),
        Binding("c,y", "act('copy')", "Copy link", id="detail.copy_link", show=False),
    ]

    def __init__(self, row: dict, db_path, now: Callable[[], int], owner=None) -> None:
        super().__init__()
        self.row = row
        self._db_path = db_path
        self._now = now
        self._owner = owner  # the InboxScreen: it changes items

    def compose(self) -> ComposeResult:
        yield DetailPane(self._now, id="detail")
        yield KeyFooter()

    @property
    def pane(self) -> DetailPane:
        return self.query_one(DetailPane)

    def on_mount(self) -> None:
        self.pane.show(self.row)
        self.pane.focus()
        self.reload_extras()
        changed = getattr(self.app, "data_changed", None)
        if changed is not None:
            changed.subscribe(self, self._data_changed)

    def _data_changed(self, _value=None) -> None:
        """Another process changed the file: show the item as it is now."""
        self.refresh_row()

    def refresh_row(self) -> None:
        fresh = self.app.store.items.by_ids([self.row["id"]]).get(self.row["id"])
        if fresh is not None:
            self.row = fresh
            self.pane.show(fresh)
        self.reload_extras()

    def reload_extras(self) -> None:
        self._load_extras(self.row)

    @work(thread=True, group="detail-extras", exclusive=True, exit_on_error=False)
    def _load_extras(self, row: dict) -> None:
        settings = getattr(self.app, "settings_for", None)
        with Store(self._db_path) as store:  # this thread's own connection
            current = settings(store) if settings else None
            if current is None:
                from sfogo.backlog.settings import Settings

                current = Settings()
            extras = load_extras(store, row, current, self._now())
        if not get_current_worker().is_cancelled:
            self.post_message(ExtrasLoaded(extras))

    def on_extras_loaded(self, message: ExtrasLoaded) -> None:
        self.pane.show_extras(message.extras)

    def on_detail_pane_leave(self, message: DetailPane.Leave) -> None:
        message.stop()
        self.dismiss(None)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_act(self, what: str) -> None:
        if self._owner is not None:
            self._owner.act_on_item(self.row, what, screen=self)
