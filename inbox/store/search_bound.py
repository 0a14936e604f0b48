"""What earlier searches said about "more than N matches", kept while someone types.

``store.items.search_exceeds(text, limit)`` decides whether a search is ranked (a few
thousand matches) or listed newest first (more than ``limit``). Counting up to the limit
costs FTS5 a couple of milliseconds, but PostgreSQL must visit every matching row's table
page to count it (GIN indexes hold no visibility): 30 to 150 ms for a common word at a
million items, on every keystroke.

A search matches the items holding every word of the text, the last word as a prefix. So
typing on can only narrow it: a text that extends an earlier one (``roo`` → ``room`` →
``room s``) matches a subset of what the earlier one matched, as long as the earlier one's
last word holds a letter or digit (a word of punctuation alone is dropped, and the same
characters with a letter after them would become a word that narrows nothing). Hence:
once a text matched at most ``limit`` items, every extension of it does too; once a text
matched more, every text it extends (backspacing) does too.

Answers are kept per inbox (its location: the URL names the role, and row-level security
makes counts per role) while its newest item id stays the same: a new item may match. Items
are never deleted; an edit of an existing item's text in between is not seen, which can move
a count by the few items edited: the limit only chooses between two orders of a huge
result, and the next new item (any sync) ends the answers kept.
"""

from __future__ import annotations

import re
import threading
from collections import deque

KEPT = 16  # answers kept per inbox: the texts of one typing burst, and some backspacing
_WORD = re.compile(r"[^\W_]")

_lock = threading.Lock()
# (location, limit) -> (newest id the answers hold for, [(text, exceeds), ...] newest last)
_answers: dict[tuple[str, int], tuple[int, deque[tuple[str, bool]]]] = {}


def narrows(longer: str, shorter: str) -> bool:
    """Whether every item matching ``longer`` matches ``shorter``, from the texts alone:
    ``longer`` is ``shorter`` typed on, and ``shorter``'s last word holds a letter or digit."""
    if not longer.startswith(shorter):
        return False
    words = shorter.split()
    return bool(words) and _WORD.search(words[-1]) is not None


def known(location: str, limit: int, newest: int, text: str) -> bool | None:
    """Whether ``text`` matches more than ``limit`` items, if a kept answer says (None:
    count)."""
    with _lock:
        kept = _answers.get((location, limit))
        if kept is None or kept[0] != newest:
            return None
        for earlier, exceeds in reversed(kept[1]):
            if exceeds and narrows(earlier, text):
                return True
            if not exceeds and narrows(text, earlier):
                return False
    return None


def remember(location: str, limit: int, newest: int, text: str, exceeds: bool) -> None:
    """Keep a counted answer (it replaces those of an older newest id)."""
    with _lock:
        kept = _answers.get((location, limit))
        if kept is None or kept[0] != newest:
            kept = (newest, deque(maxlen=KEPT))
            _answers[(location, limit)] = kept
        kept[1].append((text, exceeds))
