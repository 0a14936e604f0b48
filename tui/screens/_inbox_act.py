"""Acting on items from the inbox: asking what to do (snooze time, tags, a reply), showing the
change at once, and handing the typed actions to the :class:`~._inbox_write.Writer`. A like
is queued in the outbox by a worker of its own, which answers with :class:`LikesQueued`.

The item's own screen (narrow terminals) acts through the same object, so there is one
place that changes items, whichever screen the key was pressed on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import Store

from ..actions import ItemAction, Verb, describe
from ..views import listed_statuses
from ..widgets import CountsHeader
from ._compose import ReplyScreen
from ._snooze import SnoozeScreen
from ._tag import TagScreen

if TYPE_CHECKING:
    from ._detail import DetailScreen
    from ._inbox import InboxScreen


class LikesQueued(Message):
    """The likes of ``item_ids`` were queued (``queued``; ``already`` were liked before), or
    refused with ``error`` (one line: nothing was queued)."""

    def __init__(
        self,
        item_ids: list[int],
        queued: tuple[int, ...],
        already: tuple[int, ...],
        error: str,
        screen: DetailScreen | None,
    ) -> None:
        super().__init__()
        self.item_ids, self.queued, self.already = item_ids, queued, already
        self.error, self.screen = error, screen


class ItemActions:
    """What the keys do to items, for ``host`` (the inbox screen)."""

    def __init__(self, host: InboxScreen) -> None:
        self._host = host

    # -- the keys (on the selection, else the item being read or under the cursor) ---------

    def target(self) -> ItemRow | None:
        """The item single-item actions apply to: the one being read, else the cursor's."""
        detail = self._host.detail
        if detail.has_focus and detail.row is not None:
            return detail.row
        return self._host.inbox.current_row()

    def chosen(self) -> list[int]:
        """The items batch actions apply to: the selection, else the one being read or under
        the cursor."""
        if self._host.inbox.selected:
            return self._host.inbox.chosen_ids()
        row = self.target()
        return [] if row is None else [row["id"]]

    def _chosen_row(self, chosen: list[int]) -> ItemRow | None:
        """The row as the file has it now, when one item is chosen."""
        if len(chosen) != 1:
            return None
        return self._host.sfogo.store.items.by_ids(chosen).get(chosen[0])

    def done(self) -> None:
        if chosen := self.chosen():
            self.apply([ItemAction(Verb.DONE, tuple(chosen))])

    def pin(self) -> None:
        if chosen := self.chosen():
            row = self._chosen_row(chosen)
            # A batch pins; pressing p on one pinned item unpins it.
            self.pin_item(chosen, pinned=not row["pinned"] if row else True)

    def tag(self) -> None:
        if chosen := self.chosen():
            row = self._chosen_row(chosen)
            self.tag_items(chosen, row["tags"] if row else [])

    def reply(self) -> None:
        if (row := self.target()) is not None:
            self.reply_to(row)

    def copy(self) -> None:
        if (row := self.target()) is not None:
            self.copy_link(row)

    def like(self) -> None:
        if chosen := self.chosen():
            self.like_items(chosen)

    def apply(self, actions: list[ItemAction], *, screen: DetailScreen | None = None) -> None:
        """Show the change at once, write it in a worker (one transaction), announce it.

        ``screen``: the item's own screen, if the action came from there (it stays open)."""
        if not actions:
            return
        host, inbox = self._host, self._host.inbox
        first = actions[0]
        ids = list(first.ids)
        status = first.status  # None: pins and tags, which leave the status alone
        seq = host.writer.apply(
            actions, then=None if status else lambda: self._after_change(ids, screen)
        )
        if (
            first.verb is not Verb.SEEN
            and status is not None
            and (status not in listed_statuses(host.view, host.filters))
        ):  # the items leave the list
            host.writer.hide(seq, ids, status)
            inbox.remove_ids(ids)
            header = host.query_one(CountsHeader)
            if header.shown is not None:
                header.shown = len(inbox.ids)
        else:
            for action in actions:
                inbox.update_rows(ids, action.changes)
        if status is None:
            self._show_changes(actions, screen)
        if (text := describe(actions)) is not None:
            host.notify(
                text, markup=False, timeout=3 if first.verb in (Verb.TAG, Verb.UNTAG) else 2
            )
        if first.verb is not Verb.SEEN and status is not None and host.detail.has_focus:
            if not inbox.ids:
                host.reading.stop()
            else:
                host.reading.show_current(force=True)  # reading on: the next item takes the pane

    def _show_changes(self, actions: list[ItemAction], screen: DetailScreen | None) -> None:
        """The pane and the item's own screen show a pin or a tag before it is written."""
        ids = set(actions[0].ids)
        detail = self._host.detail
        for shown in ([screen] if screen is not None else []) + [detail]:
            row = shown.row
            if row is None or row["id"] not in ids:
                continue
            for action in actions:
                row = row | action.changes(row)
            if shown is detail:
                detail.show(row)
            elif screen is not None:  # (the one other thing shown)
                screen.row = row
                screen.pane.show(row)

    def _after_change(self, item_ids: list[int], screen: DetailScreen | None) -> None:
        """Redraw what shows the items (pane, item screen) once the change is in the file."""
        if screen is not None:
            screen.refresh_row()
        self._host.reading.refresh(item_ids)

    # -- what needs asking first ------------------------------------------------------------

    def snooze(self, item_ids: list[int] | None = None) -> None:
        """Ask until when, then snooze ``item_ids`` (default: the chosen items)."""
        item_ids = self.chosen() if item_ids is None else item_ids
        if not item_ids:
            return

        def chosen(until: int | None) -> None:
            if until is not None:
                self.apply([ItemAction(Verb.SNOOZE, tuple(item_ids), until=until)])

        self._host.app.push_screen(SnoozeScreen(self._host.sfogo.now), callback=chosen)

    def after_item_screen(self, item_id: int, choice: str | None) -> None:
        """The item's own screen closed with ``choice`` ("done", "snooze" or None)."""
        if choice == "done":
            self.apply([ItemAction(Verb.DONE, (item_id,))])
        elif choice == "snooze":
            self.snooze([item_id])

    # -- the item screen's owner (detail.ItemOwner) -----------------------------------------

    def pin_item(self, item_ids: list[int], *, pinned: bool, screen=None) -> None:
        self.apply([ItemAction(Verb.PIN if pinned else Verb.UNPIN, tuple(item_ids))], screen=screen)

    def tag_items(self, item_ids: list[int], tags: list[str], *, screen=None) -> None:
        ids = tuple(item_ids)

        def chosen(result: tuple[list[str], list[str]] | None) -> None:
            if result is None:
                return
            add, remove = result
            actions = [ItemAction(Verb.TAG, ids, tags=tuple(add))] if add else []
            if remove:
                actions.append(ItemAction(Verb.UNTAG, ids, tags=tuple(remove)))
            self.apply(actions, screen=screen)

        self._host.app.push_screen(TagScreen(tags, len(item_ids)), callback=chosen)

    def reply_to(self, row: ItemRow, *, screen=None) -> None:
        def queued(reply_id: int | None) -> None:
            if reply_id is None:
                return
            self._host.inbox.update_rows([row["id"]], lambda _row: {"reply": "queued"})
            self._host.notify(
                f"Reply queued: it will be sent when {row['channel']} "
                "is reachable (sfogo sync sends it).",
                markup=False,
                timeout=6,
            )
            self._after_change([row["id"]], screen)

        self._host.app.push_screen(ReplyScreen(row), callback=queued)

    def like_items(self, item_ids: list[int], *, screen: DetailScreen | None = None) -> None:
        """Queue a like of each item in a worker (all or nothing: an item its platform
        cannot like refuses the batch with the reason)."""
        host, app = self._host, self._host.sfogo
        ids, now, db_path = list(item_ids), app.now(), app.db_path

        def work() -> None:
            from sfogo.inbox.errors import SfogoError
            from sfogo.inbox.outbox import queue_likes

            try:
                with Store(db_path) as store:  # this thread's own connection
                    liked = queue_likes(store, ids, now=now)
            except SfogoError as exc:
                host.post_message(LikesQueued(ids, (), (), str(exc), screen))
            except Exception as exc:  # the watcher must hear that the write ended
                error = f"Could not queue the like: {type(exc).__name__}"
                host.post_message(LikesQueued(ids, (), (), error, screen))
            else:
                host.post_message(LikesQueued(ids, tuple(liked.queued), liked.already, "", screen))

        app.changes.own_write_started()  # the app does not reload for it
        host.run_worker(
            work, name="like-queue", group="like-queue", thread=True, exit_on_error=False
        )

    def likes_queued(self, message: LikesQueued) -> None:
        """The worker queued the likes (or was refused): show it."""
        host = self._host
        host.sfogo.changes.own_write_ended()
        if message.error:  # e.g. "instagram has no like for comments in its API"
            host.notify(message.error, markup=False, severity="warning", timeout=6)
            return
        if message.queued:
            host.inbox.update_rows(list(message.queued), lambda _row: {"liked": "queued"})
            n = len(message.queued)
            host.notify(
                ("Liked" if n == 1 else f"Liked {n} items")
                + ": sent when the channel is reachable (sfogo sync sends it).",
                markup=False,
                timeout=4,
            )
        elif message.already:
            host.notify("Already liked.", markup=False, timeout=3)
        self._after_change(list(message.item_ids), message.screen)

    def copy_link(self, row: ItemRow) -> None:
        from ..widgets._format import one_line

        url = one_line(row["url"], 2000)
        if not url:
            self._host.notify("This item has no link.", markup=False, timeout=3)
            return
        self._host.app.copy_to_clipboard(url)  # OSC 52: reaches the local clipboard over SSH
        self._host.notify(f"Link copied: {url}", markup=False, timeout=4)
