"""Turning untrusted platform text into safe plain text, once, at ingest.

Textual passes escape sequences straight to the terminal even with markup off, so every
string from a platform or a person goes through :func:`sanitize` before it is stored.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

REPLACEMENT = "\ufffd"

# C0 controls except tab and newline, DEL, C1 controls, the bidi overrides/isolates
# (U+202A–U+202E, U+2066–U+2069) that can make text read differently from what it is, and
# the invisible characters that let one name pose as another: zero-width space, non-joiner
# and joiner (U+200B–U+200D), the bidi marks LRM, RLM (U+200E, U+200F) and ALM (U+061C),
# word joiner (U+2060) and zero-width no-break space (U+FEFF).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff\u061c]"
)
# Line and paragraph separators are line breaks that terminals and JSON readers disagree
# about: they become the newline everyone reads the same way.
_NEWLINES = re.compile(r"\r\n?")
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028", "\u2029"
ZWNJ, ZWJ = "\u200c", "\u200d"
# Scripts whose spelling needs the joiners between letters (Persian and Urdu write words
# with ZWNJ; Indic scripts use both): Arabic, Syriac, Thaana, N'Ko …, and Devanagari to
# Sinhala. Between two such letters a joiner changes the letters' shapes: visible, not a spoof.
_JOINING = ((0x0600, 0x08FF), (0x0900, 0x0DFF))
# Emoji a ZWJ glues into one picture (a family, a rainbow flag): the pictographs, plus the
# variation selector and skin tones that may come before the joiner.
_PICTURES = ((0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))


def _within(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    return bool(ch) and any(lo <= ord(ch) <= hi for lo, hi in ranges)


def _replace(match: re.Match) -> str:
    """U+FFFD, except for a joiner that does a joiner's job (see ``_JOINING``, ``_PICTURES``)."""
    ch = match.group()
    if ch in (ZWNJ, ZWJ):
        text, at = match.string, match.start()
        before = text[at - 1] if at else ""
        after = text[at + 1] if at + 1 < len(text) else ""
        if _within(before, _JOINING) and _within(after, _JOINING):
            return ch
        if (
            ch == ZWJ
            and _within(after, _PICTURES)
            and (_within(before, _PICTURES) or before == "\ufe0f")
        ):
            return ch
    return REPLACEMENT


def sanitize(value: object, *, single_line: bool = False) -> str:
    """Return ``value`` as text with every control and invisible character replaced by U+FFFD.

    ``single_line`` also folds newlines and tabs into spaces (names, handles, subjects).
    """
    if value is None:
        return ""
    text = _NEWLINES.sub("\n", str(value))
    if LINE_SEPARATOR in text or PARAGRAPH_SEPARATOR in text:
        text = text.replace(LINE_SEPARATOR, "\n").replace(PARAGRAPH_SEPARATOR, "\n\n")
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(_replace, text)


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment, keeping paragraph and line breaks."""

    # Paragraph-level tags leave a blank line; line-level ones start a new line only.
    _PARAGRAPHS = {"p", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"}
    _LINES = {"br", "div", "li", "tr"}
    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0
        self._pre = 0  # inside <pre>, source newlines are real line breaks
        self._line_start = True  # nothing but whitespace since the last break

    def _break(self, tag: str) -> None:
        if tag in self._PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag == "br" or not self._line_start:
            self.parts.append("\n")
        self._line_start = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._pre += 1
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._PARAGRAPHS or tag in self._LINES:
            self._break(tag)
        elif tag in ("td", "th") and not self._line_start:
            self.parts.append(" ")  # table cells side by side stay apart

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif (tag in self._PARAGRAPHS or tag in self._LINES) and tag != "br":
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            if not self._pre:  # in HTML source a newline is only whitespace
                data = data.replace("\r", " ").replace("\n", " ")
            self.parts.append(data)
            if data.strip():
                self._line_start = False


_BLANK_LINES = re.compile(r"\n[ \t]*\n(\s*\n)+")
_SPACES = re.compile(r"[ \t]+")


def html_to_text(fragment: str | None) -> str:
    """Plain, sanitised text from an HTML fragment (Mastodon statuses, WordPress comments)."""
    if not fragment:
        return ""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
    return sanitize(text)


def excerpt(text: str, width: int) -> str:
    """One line of at most ``width`` characters, ending in an ellipsis when cut."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    return flat[: max(0, width - 1)] + "…"
