"""How long a reply each platform takes, and how it counts: one table, read by the composer.

Platforms count differently, and the composer must count as they do or a reply that looked
short is refused at send time:

- **Bluesky** counts graphemes (what a reader sees as one character: ``é`` written as e and
  a combining accent, a flag, a family emoji are one each): 300 for a post, 1,000 for a chat
  message (the lexicons' ``maxGraphemes``).
- **Mastodon** counts graphemes too, 500 by default (an instance may allow more); every link
  counts as 23 whatever its length, and a mention ``@user@server`` as ``@user``.
- **X** weighs: code points in the Latin, Greek, Cyrillic and general-punctuation ranges
  weigh 1, everything else (CJK, emoji) 2; a link counts 23; the limit is 280 (twitter-text's
  v3 rules). A DM takes 10,000 characters.
- **Facebook**: a comment takes 8,000 characters, a Messenger message 2,000.
- **Instagram**: a comment takes 2,200 characters; a DM 1,000 bytes of UTF-8 (the older
  Messenger documentation; the newer says characters: bytes is the safer reading).
- **YouTube**: a comment takes 10,000 characters. **WordPress** stores a comment in 65,525
  bytes. **E-mail** has no limit.

Graphemes are found with the standard library's Unicode data, following the rules of
Unicode's text segmentation that replies meet: combining marks, zero-width joiner sequences,
variation selectors, skin tones, flags (pairs of regional indicators), emoji tag sequences,
Hangul syllables written as jamo, and CR LF.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    """What a platform counts."""

    GRAPHEMES = "graphemes"
    CHARACTERS = "characters"  # code points
    WEIGHTED = "weighted"  # X's weights
    BYTES = "bytes"  # UTF-8


@dataclass(frozen=True, slots=True)
class ReplyLimit:
    """At most ``limit`` ``unit``s; ``links``: each link counts this much (0: as written)."""

    limit: int
    unit: Unit = Unit.CHARACTERS
    links: int = 0
    short_mentions: bool = False  # Mastodon: @user@server counts as @user


# (channel, kind) -> its limit; (channel, None) is the channel's own for every other kind.
# A channel missing here (e-mail, import) has no limit.
LIMITS: dict[tuple[str, str | None], ReplyLimit] = {
    ("mastodon", None): ReplyLimit(500, Unit.GRAPHEMES, links=23, short_mentions=True),
    ("bluesky", None): ReplyLimit(300, Unit.GRAPHEMES),
    ("bluesky", "dm"): ReplyLimit(1000, Unit.GRAPHEMES),
    ("x", None): ReplyLimit(280, Unit.WEIGHTED, links=23),
    ("x", "dm"): ReplyLimit(10_000),
    ("facebook", None): ReplyLimit(8000),
    ("facebook", "dm"): ReplyLimit(2000),
    ("instagram", None): ReplyLimit(2200),
    ("instagram", "dm"): ReplyLimit(1000, Unit.BYTES),
    ("youtube", None): ReplyLimit(10_000),
    ("wordpress", None): ReplyLimit(65_525, Unit.BYTES),
}

_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w", re.UNICODE)
# X: code points that weigh 1 (twitter-text v3); every other weighs 2.
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))


def limit_for(channel: str, kind: str) -> ReplyLimit | None:
    """The limit for a reply to a ``kind`` item on ``channel`` (None: no limit)."""
    return LIMITS.get((channel, kind)) or LIMITS.get((channel, None))


def measure(text: str, limit: ReplyLimit | None) -> int:
    """``text``'s length as the platform counts it (characters when it has no limit)."""
    if limit is None:
        return len(text)
    if limit.short_mentions:
        text = _MENTION.sub(r"\1", text)
    if limit.links:
        text = _LINK.sub("x" * limit.links, text)
    if limit.unit is Unit.GRAPHEMES:
        return graphemes(text)
    if limit.unit is Unit.BYTES:
        return len(text.encode("utf-8", "surrogatepass"))
    if limit.unit is Unit.WEIGHTED:
        return _weighted(unicodedata.normalize("NFC", text))
    return len(text)


def _weighted(text: str) -> int:
    """X's weighted length: an emoji (one grapheme that is a picture) weighs 2 whatever
    code points make it; other code points weigh by their range."""
    total = 0
    for cluster in clusters(text):
        if _is_emoji(cluster):
            total += 2
            continue
        for ch in cluster:
            code = ord(ch)
            total += 1 if any(lo <= code <= hi for lo, hi in _LIGHT) else 2
    return total


def _is_emoji(cluster: str) -> bool:
    return _pictographic(ord(cluster[0])) or (len(cluster) > 1 and cluster[1] in "\ufe0f\u20e3")


def _pictographic(code: int) -> bool:
    """Roughly Unicode's Extended_Pictographic: the emoji blocks and the older symbols."""
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF


# -- graphemes ------------------------------------------------------------------------------

_ZWJ = "\u200d"
_REGIONAL = (0x1F1E6, 0x1F1FF)
_SKIN_TONES = (0x1F3FB, 0x1F3FF)
_TAGS = (0xE0020, 0xE007F)
_PREPEND_NOTHING = frozenset({"Mn", "Me", "Mc"})  # marks extend the character before them


def _extends(ch: str) -> bool:
    """A code point that belongs to the grapheme before it."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in _PREPEND_NOTHING
        or ch == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or _SKIN_TONES[0] <= code <= _SKIN_TONES[1]
        or _TAGS[0] <= code <= _TAGS[1]
    )


def _hangul(ch: str) -> str:
    """'L', 'V', 'T', 'LV', 'LVT' for Hangul jamo and syllables, '' otherwise."""
    code = ord(ch)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97F:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _joins(prev: str, ch: str, cluster: str) -> bool:
    """True if ``ch`` continues the grapheme ``cluster`` that ends with ``prev``."""
    if prev == "\r" and ch == "\n":
        return True
    if prev in "\r\n" or ch in "\r\n":
        return False
    if _extends(ch):
        return True
    code, prev_code = ord(ch), ord(prev)
    if prev == _ZWJ:  # emoji joined by a zero-width joiner make one picture
        return _pictographic(code) and _pictographic(ord(cluster[0]))
    if _REGIONAL[0] <= code <= _REGIONAL[1] and _REGIONAL[0] <= prev_code <= _REGIONAL[1]:
        run = sum(1 for c in cluster if _REGIONAL[0] <= ord(c) <= _REGIONAL[1])
        return run % 2 == 1  # flags are pairs
    before, after = _hangul(prev), _hangul(ch)
    return bool(
        (before == "L" and after in ("L", "V", "LV", "LVT"))
        or (before in ("LV", "V") and after in ("V", "T"))
        or (before in ("LVT", "T") and after == "T")
    )


def clusters(text: str) -> list[str]:
    """``text`` cut into graphemes."""
    found: list[str] = []
    for ch in text:
        if found and _joins(found[-1][-1], ch, found[-1]):
            found[-1] += ch
        else:
            found.append(ch)
    return found


def graphemes(text: str) -> int:
    """How many graphemes ``text`` holds (ASCII without CR LF: its length, at once)."""
    if text.isascii() and "\r" not in text:
        return len(text)
    return len(clusters(text))
