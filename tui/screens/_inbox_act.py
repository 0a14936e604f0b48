"""Acting on items from the inbox: asking what to do (snooze time, tags, a reply), asking
first when a change is big or late, showing the change at once, handing the typed actions to
the :class:`~._inbox_write.Writer`, and announcing each change with the key that undoes it. A
like is queued in the outbox by a worker of its own, which answers with :class:`LikesQueued`.

The item's own screen (narrow terminals) acts through the same object, so there is one
place that changes items, whichever screen the key was pressed on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfogo.inbox.i18n import _
from sfogo.inbox.rows import ItemRow

from ..actions import ItemAction, Verb, describe, question
from ..views import listed_statuses
from ..widgets import CountsHeader
from ._compose import Composed, ReplyScreen
from ._confirm import ConfirmScreen
from ._inbox_ask import BULK, SnoozeChecked, check_snooze, snooze_question
from ._inbox_drafts import DraftSaved, keep_draft
from ._inbox_like import LikesQueued, likes_answered, queue_likes
from ._inbox_replying import claim_then, release, write_claim
from ._inbox_undo import key_of
from ._snooze import SnoozeScreen
from ._tag import TagScreen

if TYPE_CHECKING:
    from ._detail import DetailScreen
    from ._inbox import InboxScreen


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

    def assign(self) -> None:
        if chosen := self.chosen():
            self.assign_items(chosen)

    def assign_items(self, item_ids: list[int], *, screen: DetailScreen | None = None) -> None:
        from ._inbox_assign import ask_assignee

        ask_assignee(self._host, self, item_ids, screen)

    def reopen(self) -> None:
        """Open the chosen items again (done, ignored or snoozed ones; the rest are open)."""
        host = self._host
        if set(listed_statuses(host.view, host.filters)) <= {"new", "open"}:
            host.notify(
                _("Nothing here to reopen: 0 lists what was done lately."), markup=False, timeout=3
            )
            return
        chosen = self.chosen()
        rows = host.sfogo.store.items.by_ids(chosen)  # primary-key look-ups
        ids = tuple(i for i in chosen if i in rows and rows[i]["status"] not in ("new", "open"))
        if not ids:
            host.notify(_("Already open."), markup=False, timeout=2)
            return
        self.apply([ItemAction(Verb.REOPEN, ids)])

    def undo(self, screen: DetailScreen | None = None) -> None:
        self._host.undoing.undo(screen)

    def apply(
        self,
        actions: list[ItemAction],
        *,
        screen: DetailScreen | None = None,
        asked: bool = False,
    ) -> None:
        """Change the items: after asking, when more than :data:`BULK` would change.

        ``screen``: the item's own screen, if the action came from there (it stays open);
        ``asked``: the manager already said yes."""
        if not actions:
            return
        if not asked and len(actions[0].ids) > BULK and actions[0].verb is not Verb.SEEN:
            self.ask(question(actions, now=self._host.sfogo.now()), actions, screen)
            return
        self._apply(actions, screen)

    def ask(self, text: str, actions: list[ItemAction], screen: DetailScreen | None) -> None:
        """Apply ``actions`` if the manager says yes to ``text`` (plain text)."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply(actions, screen)

        title = _("Change these items?") if len(actions[0].ids) > 1 else _("Change this item?")
        self._host.app.push_screen(ConfirmScreen(title, text), callback=answered)

    def _apply(self, actions: list[ItemAction], screen: DetailScreen | None) -> None:
        """Show the change at once, write it in a worker (one transaction), announce it."""
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
        ):  # the items leave the list; their cached rows change too, for another view
            host.writer.hide(seq, ids, status)
            for action in actions:
                inbox.update_rows(ids, action.changes)
            inbox.remove_ids(ids)
            header = host.query_one(CountsHeader)
            if header.shown is not None:
                header.shown = len(inbox.ids)
        else:
            for action in actions:
                inbox.update_rows(ids, action.changes)
        if status is None:
            self._show_changes(actions, screen)
        if (text := describe(actions, now=host.sfogo.now())) is not None:
            host.undoing.expect(seq, text)
            host.notify(
                _("{text} · {key} undoes").format(text=text, key=host.undoing.key()),
                markup=False,
                timeout=3,
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
            if until is not None:  # what would it take past a deadline? (a worker reads)
                check_snooze(self._host, item_ids, until)

        self._host.app.push_screen(SnoozeScreen(self._host.sfogo.now), callback=chosen)

    def snooze_checked(self, message: SnoozeChecked) -> None:
        """Snooze, after asking when the items are many or the snooze outlasts a window or
        a response target."""
        actions = [ItemAction(Verb.SNOOZE, message.ids, until=message.until)]
        now = self._host.sfogo.now()
        text = snooze_question(len(message.ids), message.until, message.risks, now)
        if text is None:
            self.apply(actions, asked=True)
        else:
            self.ask(text, actions, None)

    def after_item_screen(self, item_id: int, choice: str | None) -> None:
        """The item's own screen closed with ``choice`` ("done", "snooze", "reopen" or None)."""
        if choice == "done":
            self.apply([ItemAction(Verb.DONE, (item_id,))])
        elif choice == "snooze":
            self.snooze([item_id])
        elif choice == "reopen":
            row = self._host.sfogo.store.items.by_ids([item_id]).get(item_id)
            if row is not None and row["status"] not in ("new", "open"):
                self.apply([ItemAction(Verb.REOPEN, (item_id,))])
            else:
                self._host.notify(_("Already open."), markup=False, timeout=2)

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
        host = self._host

        def closed(result: Composed | None) -> None:
            release(host, row["id"])
            if result is None:
                return
            if result.keep is not None:
                keep_draft(host, row["id"], result.keep)
            if result.reply_id is None:
                return
            host.inbox.update_rows([row["id"]], lambda _row: {"reply": "queued", "draft": False})
            host.notify(
                _(
                    "Reply queued: it will be sent when {channel} is reachable (sfogo sync "
                    "sends it)."
                ).format(channel=row["channel"]),
                markup=False,
                timeout=6,
            )
            self._after_change([row["id"]], screen)

        replies = host.sfogo.config.replies

        def renew() -> None:
            write_claim(host, row["id"])

        def go() -> None:
            composer = ReplyScreen(row, canned=replies, renew=renew if host.sfogo.me else None)
            host.app.push_screen(composer, callback=closed)

        claim_then(host, row, go)

    def draft_saved(self, message: DraftSaved) -> None:
        """The draft is in the file (or could not be written): say so, mark the row."""
        host = self._host
        host.sfogo.changes.own_write_ended(committed=message.error is None)
        if message.error is not None:
            host.sfogo.report_error(message.error, where="keeping the draft")
            return
        host.inbox.update_rows([message.item_id], lambda _row: {"draft": message.kept})
        if message.kept:
            reply = key_of(host, "inbox.reply", "r")
            host.notify(
                _("Draft kept: {reply} opens it again.").format(reply=reply),
                markup=False,
                timeout=3,
            )
        else:
            host.notify(_("Draft discarded."), markup=False, timeout=2)

    def like_items(self, item_ids: list[int], *, screen: DetailScreen | None = None) -> None:
        queue_likes(self._host, item_ids, screen)

    def likes_queued(self, message: LikesQueued) -> None:
        if likes_answered(self._host, message):
            self._after_change(list(message.item_ids), message.screen)

    def copy_link(self, row: ItemRow) -> None:
        from ..widgets._format import one_line

        url = one_line(row["url"], 2000)
        if not url:
            self._host.notify(_("This item has no link."), markup=False, timeout=3)
            return
        self._host.app.copy_to_clipboard(url)  # OSC 52: reaches the local clipboard over SSH
        self._host.notify(_("Link copied: {url}").format(url=url), markup=False, timeout=4)
