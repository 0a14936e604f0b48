"""The item being read on the inbox screen: the detail pane follows the cursor, holds its
item while the manager reads it, and gives way to the item's own screen when the terminal is
narrow.

The pane shows the row at once; what it shows besides (the thread, a queued reply) is read
in a worker by :class:`ExtrasReader` and arrives as a message the screen hands to the pane.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from sfogo.inbox.model import Status

from ..actions import ItemAction, Verb
from ._detail import DetailScreen, ExtrasReader

if TYPE_CHECKING:
    from ._inbox import InboxScreen

NARROW = 60  # below this many columns the item opens on its own screen


class Reading:
    """What the pane shows for ``host`` (the inbox screen), and reading it there."""

    def __init__(self, host: InboxScreen) -> None:
        self._host = host
        self._extras = ExtrasReader(host, "inbox-extras")

    def show_current(self, force: bool = False) -> None:
        """Show the cursor's item in the pane (``force``: even while one is being read)."""
        detail = self._host.detail
        if not force and detail.has_focus and detail.row is not None:
            return  # reading: the item stays open whatever the list does underneath
        row = self._host.inbox.current_row()
        if row is not None and row["id"] == detail.item_id:
            return  # several moves collapsed into one update, or nothing changed
        detail.show(row, empty=self._host.empty_text())
        if row is not None and detail.display:
            self._extras.read(row)

    def refresh(self, item_ids: Collection[int] | None = None) -> None:
        """Show the item in the pane as it is in the file now (it stays even if it left
        the list: the reader is reading it); with ``item_ids``, only if it is one of them."""
        detail = self._host.detail
        item_id = detail.item_id
        if item_id is None or (item_ids is not None and item_id not in item_ids):
            return
        fresh = self._host.sfogo.store.items.by_ids([item_id]).get(item_id)
        if fresh is not None:
            detail.show(fresh)
            self._extras.read(fresh)

    def open(self) -> None:
        """Mark the item seen and read it: in the pane, or on its own screen when narrow."""
        host = self._host
        row = host.inbox.current_row()
        if row is None:
            return
        if row["status"] == "new":
            host.acts.apply([ItemAction(Verb.SEEN, (row["id"],))])
            row = row | {"status": Status.OPEN}
            host.detail.show(row)  # the pane may not have caught up with the cursor yet
        if host.size.width < NARROW:
            item_id = row["id"]
            host.app.push_screen(
                DetailScreen(row, owner=host.acts),
                callback=lambda choice: host.acts.after_item_screen(item_id, choice),
            )
        else:
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
