"""``t``: add or remove tags. ``invoice late`` adds two tags, ``-late`` removes one."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Static

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.text import sanitize

from ..widgets._format import one_line
from ..widgets._safe import SafeInput
from ._base import DialogScreen

TAG_MAX = 40


def parse_tags(text: str) -> tuple[list[str], list[str]]:
    """(tags to add, tags to remove) from what was typed; '#' and commas are allowed."""
    add: list[str] = []
    remove: list[str] = []
    for word in sanitize(text, single_line=True).replace(",", " ").split():
        target = remove if word.startswith("-") else add
        tag = word.lstrip("-+#")[:TAG_MAX]
        if tag and tag not in target:
            target.append(tag)
    return add, remove


class TagScreen(DialogScreen[tuple[list[str], list[str]] | None]):
    """Returns (add, remove), or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="tag.cancel"),
        # Typed into the field, q is a letter; it closes only when the field lost focus.
        Binding("q", "cancel", N_("Cancel"), id="tag.cancel_q", show=False),
    ]

    def __init__(self, tags: list[str], count: int) -> None:
        super().__init__()
        self._tags = tags
        self._count = count

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = (
                _("Tag this item")
                if self._count == 1
                else _("Tag {count} items").format(count=self._count)
            )
            current = " ".join(f"#{one_line(t, TAG_MAX)}" for t in self._tags) or _("no tags yet")
            yield Static(Content(current), id="tag-current")
            yield SafeInput(
                placeholder=_("invoice late  (-late removes)"), compact=True, id="tag-input"
            )
            yield Static(Content(_("enter saves · esc cancels")), id="tag-hint")

    def on_mount(self) -> None:
        self.query_one("#tag-input").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        add, remove = parse_tags(event.value)
        self.dismiss((add, remove) if add or remove else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
