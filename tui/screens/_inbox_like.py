"""Likes from the inbox (``l``): queued in the outbox by a worker of its own, exactly once
(:func:`sfogo.inbox.outbox.queue_likes`), which answers with :class:`LikesQueued`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from sfogo.inbox.i18n import _
from sfogo.inbox.store import Store

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


def queue_likes(host: InboxScreen, item_ids: list[int], screen: DetailScreen | None) -> None:
    """Queue a like of each item in a worker (all or nothing: an item its platform cannot
    like refuses the batch with the reason)."""
    app = host.sfogo
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
            error = _("Could not queue the like: {name}").format(name=type(exc).__name__)
            host.post_message(LikesQueued(ids, (), (), error, screen))
        else:
            host.post_message(LikesQueued(ids, tuple(liked.queued), liked.already, "", screen))

    app.changes.own_write_started()  # the app does not reload for it
    host.run_worker(work, name="like-queue", group="like-queue", thread=True, exit_on_error=False)


def likes_answered(host: InboxScreen, message: LikesQueued) -> bool:
    """The worker queued the likes (or was refused): show it. True when rows changed."""
    # Refused, or every item liked already: nothing was written.
    host.sfogo.changes.own_write_ended(committed=bool(message.queued) and not message.error)
    if message.error:  # e.g. "instagram has no like for comments in its API"
        host.notify(message.error, markup=False, severity="warning", timeout=6)
        return False
    if message.queued:
        host.sfogo.autosync.reply_queued()  # it goes out now, as a queued reply does
        host.inbox.update_rows(list(message.queued), lambda _row: {"liked": "queued"})
        n = len(message.queued)
        host.notify(
            ("Liked" if n == 1 else _("Liked {n} items").format(n=n))
            + _(": sent when the channel is reachable (sfogo sync sends it)."),
            markup=False,
            timeout=4,
        )
    elif message.already:
        host.notify(_("Already liked."), markup=False, timeout=3)
    return True
