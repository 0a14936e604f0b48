"""``f``: narrow the current view by client, channel, kind and status, or to the backlog.

Each toggle applies at once (the list reloads behind the dialog), so there is no "apply"
key to learn: space or enter toggles, tab moves between the groups, ``c`` clears them all,
``q``/escape/``f`` close. A ticked choice reads ``[x]``, so it shows without colour too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.model import CHANNELS, KINDS, STATUSES

from ..views import Filters
from ..widgets._format import one_line
from ._base import DialogScreen


class Choices(OptionList):
    """A list of choices, each ticked or not: ``[x] Hotel Roma`` / ``[ ] Trattoria``."""

    BINDINGS = [
        Binding("j", "cursor_down", N_("Down"), id="filters.down", show=False),
        Binding("k", "cursor_up", N_("Up"), id="filters.up", show=False),
        Binding("space", "select", N_("Toggle"), id="filters.toggle", show=False),
    ]

    class Changed(Message):
        def __init__(self, choices: Choices) -> None:
            super().__init__()
            self.choices = choices

    def __init__(self, items: Sequence[tuple[str, Hashable]], chosen, *, id: str) -> None:
        self._labels = [label for label, _ in items]
        self._values = [value for _, value in items]
        self.chosen = {v for v in self._values if v in chosen}
        super().__init__(*[Option(self._prompt(i)) for i in range(len(items))], id=id)

    def _prompt(self, index: int) -> Content:
        mark = "[x] " if self._values[index] in self.chosen else "[ ] "
        return Content.assemble(mark, self._labels[index])  # labels are text, never markup

    @property
    def selected(self) -> list:
        """The ticked values, in the list's order."""
        return [v for v in self._values if v in self.chosen]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        value = self._values[index]
        self.chosen.symmetric_difference_update({value})
        self.replace_option_prompt_at_index(index, self._prompt(index))
        self.post_message(self.Changed(self))

    def untick_all(self) -> None:
        self.chosen.clear()
        for index in range(len(self._values)):
            self.replace_option_prompt_at_index(index, self._prompt(index))


class FilterScreen(DialogScreen[None]):
    BINDINGS = [
        Binding("escape,q,f", "close", N_("Close"), id="filters.close"),
        Binding("c", "clear", N_("Clear all"), id="filters.clear"),
    ]

    def __init__(
        self,
        filters: Filters,
        clients: list[tuple[int, str]],
        channels: list[str],
        on_change: Callable[[Filters], None],
    ) -> None:
        super().__init__()
        self._filters = filters
        self._clients = clients
        self._channels = [c for c in CHANNELS if c in channels]
        self._on_change = on_change

    def compose(self) -> ComposeResult:
        f = self._filters
        with VerticalScroll() as box:
            box.border_title = _("Filters")
            box.border_subtitle = _("space toggles · c clears · q closes")
            yield Choices(
                [(_("Backlog only"), "backlog")],
                {"backlog"} if f.backlog else set(),
                id="filter-backlog",
            )
            yield Static(Content(_("Client")), classes="filter-title")
            yield Choices(
                [(one_line(name, 60), cid) for cid, name in self._clients],
                set(f.client_ids),
                id="filter-clients",
            )
            yield Static(Content(_("Channel")), classes="filter-title")
            yield Choices(
                [(ch, ch) for ch in self._channels], set(f.channels), id="filter-channels"
            )
            yield Static(Content(_("Kind")), classes="filter-title")
            yield Choices([(k, k) for k in KINDS], set(f.kinds), id="filter-kinds")
            yield Static(Content(_("Status (none ticked: new and open)")), classes="filter-title")
            yield Choices([(s, s) for s in STATUSES], set(f.statuses), id="filter-statuses")

    def on_mount(self) -> None:
        self.query_one("#filter-backlog").focus()

    def current(self) -> Filters:
        lists = {
            name: self.query_one(f"#filter-{name}", Choices).selected
            for name in ("backlog", "clients", "channels", "kinds", "statuses")
        }
        return Filters(
            client_ids=tuple(sorted(lists["clients"])),
            channels=tuple(lists["channels"]),
            kinds=tuple(lists["kinds"]),
            statuses=tuple(lists["statuses"]),
            backlog=bool(lists["backlog"]),
        )

    def on_choices_changed(self, event: Choices.Changed) -> None:
        event.stop()
        self._filters = self.current()
        self._on_change(self._filters)

    def action_clear(self) -> None:
        for choices in self.query(Choices):
            choices.untick_all()
        self._filters = Filters()
        self._on_change(self._filters)

    def action_close(self) -> None:
        self.dismiss(None)
