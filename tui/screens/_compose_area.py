"""The composer's text area, with mention completion: typing ``@`` offers the handles seen in
the item's conversation and account, in a short list under the text.

A list under the text, not a pop-up at the cursor: it fits 40 columns, never covers what is
being written, and needs no positioning. While it shows, tab or enter takes the highlighted
handle, up and down move in it and escape hides it; otherwise those keys do what they do in
any text area. The keys are priority bindings (``reply.mention_*``) that step aside when no
list shows, so ``[keys]`` can rebind them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from textual.actions import SkipAction
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from sfogo.inbox.i18n import N_

from ..widgets._safe import SafeTextArea

SHOWN = 5  # handles offered at once
# The word being typed ends the text before the cursor: @ at the start or after a space.
_TOKEN = re.compile(r"(?:^|(?<=\s))@([\w.\-@]*)$", re.UNICODE)


def mention_of(handle: str) -> str:
    """How a handle is written in a reply: one leading @."""
    return "@" + handle.lstrip("@")


def matches(handles: Sequence[str], typed: str) -> list[str]:
    """The handles that start with what was typed, then those that contain it (each keeps
    its order: the conversation's first, then the account's latest)."""
    typed = typed.casefold()
    bare = [h.lstrip("@") for h in handles if h.strip() and " " not in h]
    first = [h for h in bare if h.casefold().startswith(typed)]
    more = [h for h in bare if typed and typed in h.casefold() and h not in first]
    return (first + more)[:SHOWN]


class ComposerArea(SafeTextArea):
    """A reply's text; offers handles (``handles``) while an @word is being typed."""

    BINDINGS = [
        Binding(
            "tab,enter",
            "take_mention",
            N_("Take mention"),
            id="reply.mention_take",
            show=False,
            priority=True,
        ),
        Binding(
            "down",
            "mention_move(1)",
            N_("Next mention"),
            id="reply.mention_next",
            show=False,
            priority=True,
        ),
        Binding(
            "up",
            "mention_move(-1)",
            N_("Previous mention"),
            id="reply.mention_prev",
            show=False,
            priority=True,
        ),
        Binding(
            "escape",
            "hide_mentions",
            N_("Hide mentions"),
            id="reply.mention_hide",
            show=False,
            priority=True,
        ),
    ]

    class Mentions(Message):
        """The handles to offer changed (empty: hide the list)."""

        def __init__(self, handles: list[str]) -> None:
            super().__init__()
            self.handles = handles

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handles: list[str] = []
        self.offered: list[str] = []
        self.picked = 0
        self._hidden_at: tuple[int, int] | None = None  # escape hid the list for this @word

    def _token(self) -> tuple[tuple[int, int], str] | None:
        """(where the @word starts, what follows the @) before the cursor, or None."""
        row, column = self.cursor_location
        if self.selection.start != self.selection.end:
            return None
        line = self.document.get_line(row)[:column]
        found = _TOKEN.search(line)
        if found is None:
            return None
        return (row, found.start()), found.group(1)

    def on_text_area_changed(self, _event: SafeTextArea.Changed) -> None:
        self.update_mentions()

    def on_text_area_selection_changed(self, _event: SafeTextArea.SelectionChanged) -> None:
        self.update_mentions()

    def update_mentions(self) -> None:
        """Offer the handles for the @word before the cursor (after every edit or move)."""
        token = self._token()
        offered: list[str] = []
        if token is not None and token[0] != self._hidden_at:
            offered = matches(self.handles, token[1])
        if token is None:
            self._hidden_at = None
        if offered != self.offered:
            self.offered = offered
            self.picked = 0
            self.post_message(self.Mentions(offered))

    def action_take_mention(self) -> None:
        token = self._token()
        if not self.offered or token is None:
            raise SkipAction()
        start, _typed = token
        mention = mention_of(self.offered[self.picked]) + " "
        self.replace(mention, start, self.cursor_location)
        self.offered = []
        self.post_message(self.Mentions([]))

    def action_mention_move(self, step: int) -> None:
        if not self.offered:
            raise SkipAction()
        self.picked = (self.picked + step) % len(self.offered)
        self.post_message(self.Mentions(self.offered))

    def action_hide_mentions(self) -> None:
        token = self._token()
        if not self.offered or token is None:
            raise SkipAction()
        self._hidden_at = token[0]
        self.offered = []
        self.post_message(self.Mentions([]))


def show_mentions(listing: OptionList, handles: list[str], picked: int) -> None:
    """Fill the list under the text (hidden when there is nothing to offer)."""
    listing.clear_options()
    listing.add_options([Option(Content(mention_of(h))) for h in handles])
    listing.display = bool(handles)
    if handles:
        listing.highlighted = picked
