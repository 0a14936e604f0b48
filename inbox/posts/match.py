"""Telling that a post on a timeline is the one we expected, without an id to go by.

Platforms hand text back changed: X shortens links and escapes ``&``, Mastodon wraps the
text in HTML paragraphs, Instagram and WordPress trim or add whitespace, a person may add an
emoji before posting by hand. So texts are compared in a normal form (links as one token,
whitespace collapsed, case folded, HTML entities read), and a published post matches an
expected one when the normal forms are equal, or when one starts with the other and the
shorter has at least :data:`PREFIX_MIN` characters (a caption the platform cut, a signature
it added). Among the candidates the one nearest in time wins, and only inside
[at - MATCH_BEFORE_S, at + MATCH_AFTER_S].
"""

from __future__ import annotations

import html
import re
from typing import Generic, TypeVar

from .states import MATCH_AFTER_S, MATCH_BEFORE_S

PREFIX_MIN = 40
KEY_CHARS = 24  # posts are looked up by the first characters of their normal form

_URL = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:@[\w.@-]+\s+)+")


def normal(text: str) -> str:
    """The form texts are compared in (each step only where it can change something: the
    watchdog normalises every expected and published text of an account at each sync)."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    if "://" in text:
        text = _URL.sub("<link>", text)
    text = " ".join(text.split()).casefold()
    return _LEADING_MENTIONS.sub("", text) if text.startswith("@") else text


def same_text(expected: str, published: str) -> bool:
    """Normal forms equal, or one a long enough start of the other."""
    if expected == published:
        return True
    short, long = sorted((expected, published), key=len)
    return len(short) >= PREFIX_MIN and long.startswith(short)


def in_window(at: int, published_at: int) -> bool:
    return at - MATCH_BEFORE_S <= published_at <= at + MATCH_AFTER_S


_V = TypeVar("_V")


class TextIndex(Generic[_V]):
    """Expected posts by the first characters of their normal form, for matching many
    published posts in one pass (dictionary lookups, not a comparison per pair)."""

    def __init__(self) -> None:
        self._by_key: dict[str, list[tuple[str, int, _V]]] = {}

    def add(self, text: str, at: int, value: _V) -> None:
        norm = normal(text)
        self._by_key.setdefault(norm[:KEY_CHARS], []).append((norm, at, value))

    def take(self, text: str, published_at: int) -> _V | None:
        """The expected post this published text matches (nearest in time), removed from
        the index so it matches once; None if none does."""
        norm = normal(text)
        bucket = self._by_key.get(norm[:KEY_CHARS])
        if not bucket:
            return None
        best: int | None = None
        for index, (candidate, at, _value) in enumerate(bucket):
            if not in_window(at, published_at) or not same_text(candidate, norm):
                continue
            if best is None or abs(published_at - at) < abs(published_at - bucket[best][1]):
                best = index
        if best is None:
            return None
        return bucket.pop(best)[2]
