"""Assigning items from the inbox (``A``): pick a team member, then the typed action goes
through the Writer like every other change, so ``u`` undoes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfogo.inbox.i18n import _

from ..actions import ItemAction, Verb
from ..widgets import CountsHeader
from ._assign import AssignScreen, Choice

if TYPE_CHECKING:
    from ._detail import DetailScreen
    from ._inbox import InboxScreen
    from ._inbox_act import ItemActions


def ask_assignee(
    host: InboxScreen,
    acts: ItemActions,
    item_ids: list[int],
    screen: DetailScreen | None = None,
) -> None:
    """Ask who gets ``item_ids``, then assign them (a team's members: a small table, read on
    the UI thread; with no team, say how to make one)."""
    store = host.sfogo.store
    members = store.team.members()
    if not members:
        host.notify(
            _("No team yet: 'sfogo team add NAME' adds a member, then A assigns."),
            markup=False,
            timeout=5,
        )
        return
    owner = ""
    if len(item_ids) == 1:
        held = store.team.assignees(item_ids).get(item_ids[0])
        owner = "" if held is None else held.name
    me = host.sfogo.me

    def chosen(choice: Choice | None) -> None:
        if choice is None:
            return
        member, name = choice
        action = ItemAction(Verb.ASSIGN, tuple(item_ids), member=member, owner=name)
        acts.apply([action], screen=screen)
        view = host.view.assignee
        if view and view.casefold() != name.casefold():  # given away from "Mine": they leave
            host.inbox.remove_ids(item_ids)
            header = host.query_one(CountsHeader)
            if header.shown is not None:
                header.shown = len(host.inbox.ids)

    host.app.push_screen(
        AssignScreen(members, me=None if me is None else me.id, count=len(item_ids), owner=owner),
        callback=chosen,
    )
