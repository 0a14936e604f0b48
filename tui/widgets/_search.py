"""The search line: an Input that says when it is cancelled (escape)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from sfogo.inbox.i18n import N_, _

from ._safe import SafeInput


class SearchBar(SafeInput):
    """Typing filters the list (the screen debounces it); escape clears and closes."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Clear search"), id="search.cancel"),
    ]

    class Cancelled(Message):
        """The search was cleared with escape."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=_("search: words, @handle, name…"), compact=True, id=id)

    def action_cancel(self) -> None:
        with self.prevent(Input.Changed):  # one reload, from Cancelled, not two
            self.value = ""
        self.post_message(self.Cancelled())
