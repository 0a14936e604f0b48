"""The item being read on the inbox screen: the detail pane follows the cursor, holds its
item while the manager reads it, and gives way to the item's own screen when the terminal is
narrow.

The pane follows the cursor once the keys pause (:data:`FOLLOW_S`), not on every key:
redrawing it costs more bytes than the two list lines a move changes (about 2 KiB against
0.5 KiB at 80×24 in 256 colours), which a phone over SSH feels while a key is held down.
A held key repeats every 30–50 ms, so a pause of 120 ms lets a burst through untouched while
a single move still feels immediate.

What the pane shows besides the row (the thread, a queued reply, the urgency, the gap) is
read in a worker by :class:`ExtrasReader`; the pane shows the row and its extras together,
in one frame, when they arrive (drawing the row first and the rest a few milliseconds later
drew the whole pane twice).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from textual.timer import Timer

from sfogo.inbox.model import Status
from sfogo.inbox.rows import ItemRow

from ..actions import ItemAction, Verb
from ..widgets._detail import ItemExtras
from ._detail import DetailScreen, ExtrasReader

if TYPE_CHECKING:
    from sfogo.backlog.gaps import Gap

    from ._inbox import InboxScreen

NARROW = 60  # below this many columns the item opens on its own screen
FOLLOW_S = 0.12  # the pause in the keys after which the pane shows the cursor's item


class Reading:
    """What the pane shows for ``host`` (the inbox screen), and reading it there."""

    def __init__(self, host: InboxScreen) -> None:
        self._host = host
        self._extras = ExtrasReader(host, "inbox-extras")
        self._timer: Timer | None = None
        self._waiting: ItemRow | None = None  # shown with its extras when they arrive
        # The gaps the list was ordered with (None until it is read): the pane's item's gap
        # is one of them, so a move of the cursor does not group every account's runs again.
        self.known_gaps: tuple[Gap, ...] | None = None

    @property
    def pending(self) -> bool:
        """The pane has yet to catch up: a pause in the keys or an item's extras."""
        return self._timer is not None or self._waiting is not None

    def cursor_moved(self) -> None:
        """The cursor is on another item: follow it once the keys pause."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._host.set_timer(FOLLOW_S, self._follow, name="pane-follow")

    def _follow(self) -> None:
        self._timer = None
        self.show_current()

    def _stop_following(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def show_current(self, force: bool = False) -> None:
        """Show the cursor's item in the pane (``force``: even while one is being read)."""
        self._stop_following()
        detail = self._host.detail
        if not force and detail.has_focus and detail.row is not None:
            return  # reading: the item stays open whatever the list does underneath
        row = self._host.inbox.current_row()
        if row is not None and row["id"] == detail.item_id:
            self._waiting = None
            return  # back where it was, or nothing changed
        if row is not None and self._waiting is not None and row["id"] == self._waiting["id"]:
            return  # its extras are on their way
        if row is None or not self._host.pane_shown:
            self._waiting = None
            detail.show(row, empty=self._host.empty_text())
            return
        self._show_with_extras(row)

    def _show_with_extras(self, row: ItemRow) -> None:
        self._waiting = row
        self._read_extras(row)

    def _read_extras(self, row: ItemRow) -> None:
        gaps = self.known_gaps
        self._extras.read(row, None if gaps is None else (self._host.inbox.settings, gaps))

    def extras_loaded(self, extras: ItemExtras) -> None:
        """An item's extras arrived: show them, with the row that waited for them."""
        waiting = self._waiting
        detail = self._host.detail
        if waiting is not None:
            if waiting["id"] != extras.item_id:
                return  # superseded: the newer read will arrive
            self._waiting = None
            detail.show(waiting)
        detail.show_extras(extras)

    def refresh(self, item_ids: Collection[int] | None = None) -> None:
        """Show the item in the pane as it is in the file now (it stays even if it left
        the list: the reader is reading it); with ``item_ids``, only if it is one of them."""
        detail = self._host.detail
        item_id = detail.item_id
        if item_id is None or (item_ids is not None and item_id not in item_ids):
            return
        if self._waiting is not None and self._waiting["id"] != item_id:
            return  # another item is on its way to the pane
        fresh = self._host.sfogo.rows_by_ids([item_id]).get(item_id)
        if fresh is not None:
            self._show_with_extras(fresh)

    def open(self) -> None:
        """Mark the item seen and read it: in the pane, or on its own screen when narrow."""
        host = self._host
        row = host.inbox.current_row()
        if row is None:
            return
        self._stop_following()
        if row["status"] == "new":
            host.acts.apply([ItemAction(Verb.SEEN, (row["id"],))])
            row = row | {"status": Status.OPEN}
        if host.size.width < NARROW:
            item_id = row["id"]
            host.app.push_screen(
                DetailScreen(row, owner=host.acts),
                callback=lambda choice: host.acts.after_item_screen(item_id, choice),
            )
        else:
            detail = host.detail
            other = detail.item_id != row["id"]  # the keys had not paused yet
            self._waiting = None
            detail.show(row)  # now, not when the extras come: the reader asked for it
            if other:
                self._read_extras(row)
            host.add_class("-reading")
            host.detail.focus()

    def stop(self) -> None:
        """Back to the list from the item being read."""
        self._host.remove_class("-reading")
        self._host.inbox.focus()
        self.show_current(force=True)

    def resized(self) -> None:
        """Too narrow to read beside the list: back to the list."""
        if self._host.size.width < NARROW and self._host.detail.has_focus:
            self.stop()
