"""Telling the team who is replying: opening the reply box on an item claims it for you
(``store.team.claim``), the composer renews the claim while it is open, and closing it lets
go. When someone else's claim on the item is live, you are asked before a second reply is
started. With no identity (a one-person inbox) nothing is claimed or asked.

Claims are written by thread workers with their own connection; a claim that cannot be
written (a read-only file, a busy server) never keeps you from replying.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sfogo.inbox.i18n import _
from sfogo.inbox.rows import ItemRow, Presence
from sfogo.inbox.store import Store

from ..widgets._format import ago, one_line
from ._confirm import ConfirmScreen

if TYPE_CHECKING:
    from ._inbox import InboxScreen

GROUP = "reply-claim"


def claim_then(host: InboxScreen, row: ItemRow, go: Callable[[], None]) -> None:
    """Claim ``row`` for the person using the app, then ``go`` (open the composer); ask
    first when someone else is replying to it."""
    me = host.sfogo.me
    if me is None:
        go()
        return
    item_id = row["id"]

    def answered(other: Presence | None) -> None:
        if other is None:
            go()
            return
        now = host.sfogo.now()
        question = _(
            "{name} has been replying to this item since {since}. Write a reply too?"
        ).format(name=one_line(other.name, 40), since=ago(other.since, now=now))

        def decided(yes: bool | None) -> None:
            if yes:
                write_claim(host, item_id, force=True)
                go()

        host.app.push_screen(
            ConfirmScreen(_("Someone is replying"), question, yes=_("reply too")),
            callback=decided,
        )

    write_claim(host, item_id, then=answered)


def write_claim(
    host: InboxScreen,
    item_id: int,
    *,
    force: bool = False,
    then: Callable[[Presence | None], None] | None = None,
) -> None:
    """Claim (or renew the claim on) ``item_id`` in a worker; ``then`` gets the other
    person's live claim that stopped it (None: the claim is ours)."""
    me, db_path, now = host.sfogo.me, host.sfogo.db_path, host.sfogo.now()
    if me is None:
        return

    def claim() -> None:
        other = None
        try:
            with Store(db_path) as store:
                other = store.team.claim(item_id, me.id, now=now, force=force)
        except Exception:  # any engine's failure: a claim never stops a reply
            other = None
        if then is not None:
            host.app.call_from_thread(then, other)

    host.run_worker(claim, group=GROUP, thread=True, exit_on_error=False)


def release(host: InboxScreen, item_id: int) -> None:
    """The reply box on ``item_id`` closed: let go of the claim (a worker)."""
    me, db_path = host.sfogo.me, host.sfogo.db_path
    if me is None:
        return

    def let_go() -> None:
        try:
            with Store(db_path) as store:
                store.team.release(item_id, me.id)
        except Exception:  # not written: the claim lapses by itself
            pass

    host.run_worker(let_go, group=GROUP, thread=True, exit_on_error=False)
