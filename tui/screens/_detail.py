"""One item on a screen of its own (terminals under 60 columns), and what both the pane and
this screen read about an item besides its row (thread, our replies, urgency, gap).

The screen acts through its owner (the inbox's item actions), so there is one place that
changes items: done and snooze close it; pin, tag, reply, like and copy keep it open.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from sfogo.inbox.i18n import N_
from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import Store

if TYPE_CHECKING:
    from sfogo.backlog.gaps import Gap

from ..widgets import DetailPane, KeyFooter, Latest
from ..widgets._detail import ItemExtras
from ._base import SfogoScreen


def load_extras(
    store: Store, row: ItemRow, settings, now: int, gaps: Sequence[Gap] | None = None
) -> ItemExtras:
    """The thread, our replies from the outbox, the urgency breakdown and the gap the item
    arrived in, among ``gaps`` when the caller has them (runs in a worker)."""
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.triage import explain

    store.ahead_item_extras(row)  # on a server, the next three reads in one round trip
    replies = store.outbox.for_item(row["id"])
    removed = store.accounts.get(row["account_id"], removed=True).removed_at is not None
    thread = store.items.thread(row)
    created = row["created_at"]
    gap = next(
        (
            g
            for g in (find_gaps(store, now=now) if gaps is None else gaps)
            if g.touches(row["account_id"]) and g.started_at <= created < g.end_or(now)
        ),
        None,
    )
    breakdown = None
    if not row["outgoing"] and row["status"] in ("new", "open", "snoozed"):
        breakdown = explain(row, settings, now, in_gap=gap is not None)
    return ItemExtras(row["id"], thread, replies, breakdown, gap, account_removed=removed)


class ExtrasLoaded(Message):
    def __init__(self, extras: ItemExtras) -> None:
        super().__init__()
        self.extras = extras


class ExtrasReader:
    """Reads an item's extras for ``host`` in a named thread worker (``group``), which gets
    :class:`ExtrasLoaded`; a newer read supersedes an older one."""

    def __init__(self, host: SfogoScreen, group: str) -> None:
        self._host = host
        self._group = group
        self._latest = Latest()

    def read(self, row: ItemRow, known: tuple[object, Sequence[Gap]] | None = None) -> None:
        """Read ``row``'s extras; ``known``: the triage settings and the gaps the list was
        read with, used instead of reading them again."""
        token = self._latest.next()
        app = self._host.sfogo

        def work() -> None:
            try:
                with Store(app.db_path) as store:  # this thread's own connection
                    settings, gaps = known if known is not None else (app.settings_for(store), None)
                    extras = load_extras(store, row, settings, app.now(), gaps)
            except Exception:
                # The row still shows, without extras; the failed worker is reported.
                extras = ItemExtras(row["id"])
                raise
            finally:
                if self._latest.is_current(token) and not get_current_worker().is_cancelled:
                    self._host.post_message(ExtrasLoaded(extras))

        self._host.run_worker(
            work, name=self._group, group=self._group, thread=True, exit_on_error=False
        )


class ItemOwner(Protocol):
    """What the item's screen asks of whoever changes items."""

    def pin_item(self, item_ids: list[int], *, pinned: bool, screen=None) -> None: ...
    def tag_items(self, item_ids: list[int], tags: list[str], *, screen=None) -> None: ...
    def reply_to(self, row: ItemRow, *, screen=None) -> None: ...
    def like_items(self, item_ids: list[int], *, screen=None) -> None: ...
    def assign_items(self, item_ids: list[int], *, screen=None) -> None: ...
    def copy_link(self, row: ItemRow) -> None: ...
    def undo(self, screen=None) -> None: ...


class DetailScreen(SfogoScreen[str | None]):
    """Dismissed with "done", "snooze" or "reopen" (the owner then asks or writes), or
    None."""

    BINDINGS = [
        Binding("d", "choose('done')", N_("Done"), id="detail.done"),
        Binding("s", "choose('snooze')", N_("Snooze"), id="detail.snooze"),
        Binding("r", "reply", N_("Reply"), id="detail.reply"),
        Binding("p", "pin", N_("Pin"), id="detail.pin", show=False),
        Binding("t", "tag", N_("Tag"), id="detail.tag", show=False),
        Binding("c,y", "copy_link", N_("Copy link"), id="detail.copy_link", show=False),
        Binding("l", "like", N_("Like"), id="detail.like", show=False),
        Binding("A", "assign", N_("Assign"), id="detail.assign", show=False),
        Binding("u", "undo", N_("Undo"), id="detail.undo", show=False),
        Binding("o", "choose('reopen')", N_("Reopen"), id="detail.reopen", show=False),
    ]

    def __init__(self, row: ItemRow, owner: ItemOwner) -> None:
        super().__init__()
        self.row = row
        self._owner = owner
        self._extras = ExtrasReader(self, "detail-extras")

    def compose(self) -> ComposeResult:
        yield DetailPane(self.sfogo.now, id="detail")
        yield KeyFooter()

    @property
    def pane(self) -> DetailPane:
        return self.query_one(DetailPane)

    def on_mount(self) -> None:
        self.pane.show(self.row)
        self.pane.focus()
        self.reload_extras()
        self.sfogo.data_changed.subscribe(self, self._data_changed)

    def _data_changed(self, _change=None) -> None:
        """Another process changed the file: show the item as it is now."""
        self.refresh_row()

    def refresh_row(self) -> None:
        fresh = self.sfogo.rows_by_ids([self.row["id"]]).get(self.row["id"])
        if fresh is not None:
            self.row = fresh
            self.pane.show(fresh)
        self.reload_extras()

    def reload_extras(self) -> None:
        self._extras.read(self.row)

    def on_extras_loaded(self, message: ExtrasLoaded) -> None:
        self.pane.show_extras(message.extras)

    def on_detail_pane_leave(self, message: DetailPane.Leave) -> None:
        message.stop()
        self.dismiss(None)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_pin(self) -> None:
        self._owner.pin_item([self.row["id"]], pinned=not self.row["pinned"], screen=self)

    def action_tag(self) -> None:
        self._owner.tag_items([self.row["id"]], self.row.get("tags", []), screen=self)

    def action_reply(self) -> None:
        self._owner.reply_to(self.row, screen=self)

    def action_copy_link(self) -> None:
        self._owner.copy_link(self.row)

    def action_like(self) -> None:
        self._owner.like_items([self.row["id"]], screen=self)

    def action_assign(self) -> None:
        self._owner.assign_items([self.row["id"]], screen=self)

    def action_undo(self) -> None:
        self._owner.undo(self)


__all__ = ["DetailScreen", "ExtrasLoaded", "ExtrasReader", "ItemOwner", "load_extras"]
