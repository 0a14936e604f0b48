"""Who gets the item (``A``): the team's members, you first, and "Nobody" to unassign.

Returns the chosen member as ``(member_id, name)``, ``(None, "")`` for nobody, or None when
cancelled. Digits pick the first nine entries; Enter picks the highlighted one.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.rows import MemberRow

from ..widgets._format import one_line
from ._base import DialogScreen

Choice = tuple[int | None, str]


class AssignScreen(DialogScreen[Choice | None]):
    """Pick a member for ``count`` items (``owner``: who has the one item now, '' none)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="assign.cancel"),
        Binding("q", "cancel", N_("Cancel"), id="assign.cancel_q", show=False),
        *(
            Binding(str(n), f"pick({n - 1})", str(n), id=f"assign.pick{n}", show=False)
            for n in range(1, 10)
        ),
    ]

    def __init__(
        self, members: Sequence[MemberRow], *, me: int | None, count: int, owner: str = ""
    ) -> None:
        super().__init__()
        ordered = sorted(members, key=lambda m: (m.id != me, m.name.casefold()))
        self._choices: list[Choice] = [(m.id, m.name) for m in ordered]
        self._choices.append((None, ""))
        self._me = me
        self._count = count
        self._owner = owner

    def compose(self) -> ComposeResult:
        options = []
        for number, (member_id, name) in enumerate(self._choices, start=1):
            label = one_line(name, 30) if member_id is not None else _("Nobody (unassign)")
            if member_id is not None and member_id == self._me:
                label = _("{name} (you)").format(name=label)
            key = str(number) if number <= 9 else " "
            options.append(Option(Content.from_markup("[b]$n[/b]  $label", n=key, label=label)))
        with Vertical() as box:
            if self._count == 1:
                box.border_title = _("Assign to")
            else:
                box.border_title = _("Assign {n} items to").format(n=self._count)
            if self._owner:
                yield Static(
                    Content(_("Now: {name}").format(name=one_line(self._owner, 30))),
                    id="assign-now",
                )
            yield OptionList(*options, id="assign-members")
            yield Static(Content(_("1-9 pick · enter · esc cancel")), id="assign-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._choices[event.option_index])

    def action_pick(self, index: int) -> None:
        if index < len(self._choices):
            self.dismiss(self._choices[index])

    def action_cancel(self) -> None:
        self.dismiss(None)
