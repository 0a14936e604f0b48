"""Asking before something big or late: a bulk change of many items, a snooze past a reply
window, a reply the platform will likely refuse, throwing a draft away.

``y`` or enter says yes; ``n``, ``q`` or escape says no, and nothing happens.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from sfogo.inbox.i18n import N_, _

from ._base import DialogScreen


class ConfirmScreen(DialogScreen[bool]):
    """Returns True for yes. ``question`` is plain text (it may quote untrusted names)."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", N_("Yes"), id="confirm.yes"),
        Binding("n,q,escape", "answer(False)", N_("No"), id="confirm.no"),
    ]

    def __init__(self, title: str, question: str, *, yes: str = "yes") -> None:
        super().__init__()
        self._title = title
        self._question = question
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(Content(self._question), id="confirm-question")
            yield Static(
                Content(_("y/enter {yes} · n/q/esc no").format(yes=self._yes)),
                id="confirm-hint",
            )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
