"""The inbox's search line: what is searched for, how long a keystroke waits, and what
enter and escape do.

The first key after a pause searches at once; keys typed in a burst wait ``DEBOUNCE_S``
first, and each newer key supersedes the read the previous one started, so a fast typist
costs one read, not one per letter. ``time.monotonic`` paces the keys (how long since the
last one); it never says what time it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..widgets import SearchBar

if TYPE_CHECKING:
    from ._inbox import InboxScreen

DEBOUNCE_S = 0.12


class Search:
    """The search text and the debounce; it asks ``host`` (the inbox screen) to read."""

    def __init__(self, host: InboxScreen, pace: Callable[[], float] = time.monotonic) -> None:
        self._host = host
        self._pace = pace
        self.text = ""
        self._last_key = float("-inf")

    @property
    def _bar(self) -> SearchBar:
        return self._host.query_one(SearchBar)

    def open(self) -> None:
        self._bar.add_class("-active")
        self._bar.focus()

    def changed(self, value: str) -> None:
        """A key in the field: read again, at once after a pause, else after the debounce."""
        text = value.strip()
        if text == self.text:
            return
        self.text = text
        at = self._pace()
        quiet = at - self._last_key > DEBOUNCE_S
        self._last_key = at
        self._host.reload(debounce=0.0 if quiet else DEBOUNCE_S, keep=False)

    def submitted(self, value: str) -> None:
        """Enter: back to the list, still filtered (the line closes if it is empty)."""
        text = value.strip()
        if text != self.text:
            self.text = text
            self._host.reload(keep=False)
        if not text:
            self._bar.remove_class("-active")
        self._host.inbox.focus()

    def cancelled(self) -> None:
        """Escape: the whole view again, the cursor still on the item found."""
        self._bar.remove_class("-active")
        if self.text:
            self.text = ""
            self._host.reload(keep=True)
        self._host.inbox.focus()
