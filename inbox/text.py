"""Turning untrusted platform text into safe plain text, once, at ingest.

Textual passes escape sequences straight to the terminal even with markup off, so every
string from a platform or a person goes through :func:`sanitize` before it is stored.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

REPLACEMENT = "\ufffd"

# C0 controls except tab and newline, DEL, C1 controls, and the bidi overrides/isolates
# (U+202A–U+202E, U+2066–U+2069) that can make text read differently from what it is.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NEWLINES = re.compile(r"\r\n?")


def sanitize(value: object, *, single_line: bool = False) -> str:
    """Return ``value`` as text with every control character replaced by U+FFFD.

    ``single_line`` also folds newlines and tabs into spaces (names, handles, subjects).
    """
    if value is None:
        return ""
    text = _NEWLINES.sub("\n", str(value))
    if single_line:
        text = text.replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(REPLACEMENT, text)


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
