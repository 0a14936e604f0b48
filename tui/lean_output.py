"""What the app writes to the terminal, in fewer bytes for the same screen.

Textual writes every run of text as ``ESC[<the whole style>m text ESC[0m``: a run in 256
colours costs about 24 bytes of escapes however little changed, and a line of the inbox
list has a dozen runs (a line of 80 cells went out as ~470 bytes). :class:`Compactor`
rewrites that stream as a terminal would have drawn it, sending only the change from one
style to the next (``ESC[38;5;74m`` instead of a reset and a full style), no style change
for spaces whose look does not depend on it (a space shows its background, not its
colour), and shorter cursor moves. Where the terminal erases in the current background
(terminfo's ``bce``: xterm, VTE, the Linux console; not screen or tmux), a run of eight or
more spaces goes out as "erase N characters" and a move over them. Measured on a
pseudo-terminal at 80×24 in 256 colours: about 45% fewer bytes for the same frames; the
erases take a tenth off what is left.

It understands exactly what Textual writes in a frame: styles (SGR), cursor positions,
carriage returns, newlines and text. Any other sequence (modes, clearing, hyperlinks) goes
out unchanged after the terminal's style has been brought to what the original stream
would have had, so its effect is the same. A write it cannot read whole (a style with
colon parameters, say) goes out as it came. On Windows, where Textual cuts a frame into
chunks, the driver is left as it is. App and driver meet only through Textual's public
hooks: ``App.get_driver_class`` and ``Driver.write``.
"""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache

from textual.driver import Driver

# A style as the terminal holds it: (attributes on, foreground, background); colours are
# the SGR parameters that set them ("38;5;74", "31"), None for the terminal's default.
Style = tuple[frozenset[int], str | None, str | None]
PLAIN: Style = (frozenset(), None, None)

# Each attribute's "off" parameter (bold and dim share one, as do the underlines).
_OFF = {1: 22, 2: 22, 3: 23, 4: 24, 21: 24, 5: 25, 6: 25, 7: 27, 8: 28, 9: 29}
_OFF.update({51: 54, 52: 54, 53: 55})
_OFF_CODES = frozenset(_OFF.values())
# What a space shows besides its background: lines through or under it, a frame, blinking.
_SEEN_ON_SPACE = frozenset({4, 5, 6, 9, 21, 51, 52, 53})
_REVERSE = 7

_TOKEN = re.compile(
    r"\x1b\[([0-9;]*)m"  # 1: a style
    r"|\x1b\[(\d*)(?:;(\d*))?H"  # 2, 3: a cursor position
    r"|([\r\n])"  # 4: carriage return, newline
    r"|(\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[^\[\]]))"  # 5: other
    r"|([^\x1b\r\n]+)"  # 6: text
    r"|(\x1b)",  # 7: the start of something unreadable
    re.S,
)
_ASCII = re.compile(r"[ -~]*\Z")
ERASE_MIN = 8  # spaces: from here "erase" (ESC[nX) and a move (ESC[nC) cost fewer bytes
ERASE_PAD = " " * ERASE_MIN
_LONG_SPACES = re.compile(f"( {{{ERASE_MIN},}})")
# Attributes an erased cell does not show (it takes only the background).
_NOT_ERASED = _SEEN_ON_SPACE | {_REVERSE}


class Unreadable(ValueError):
    """A write the compactor does not understand: it goes out unchanged."""


@lru_cache(maxsize=4096)
def apply_sgr(style: Style, params: str) -> Style:
    """The style after ``ESC[params m``."""
    attrs, fg, bg = style
    on = set(attrs)
    codes = params.split(";") if params else ["0"]
    i = 0
    while i < len(codes):
        code = int(codes[i] or 0)
        if code == 0:
            on.clear()
            fg = bg = None
        elif code in _OFF:
            on.add(code)
        elif code in _OFF_CODES:
            on -= {a for a, off in _OFF.items() if off == code}
        elif 30 <= code <= 37 or 90 <= code <= 97:
            fg = str(code)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            bg = str(code)
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48):
            kind = codes[i + 1] if i + 1 < len(codes) else ""
            size = {"5": 3, "2": 5}.get(kind)
            if size is None or i + size > len(codes):
                raise Unreadable(params)
            colour = ";".join(codes[i : i + size])
            i += size - 1
            if code == 38:
                fg = colour
            else:
                bg = colour
        else:
            raise Unreadable(params)
        i += 1
    return frozenset(on), fg, bg


def _params(style: Style) -> list[str]:
    attrs, fg, bg = style
    out = [str(a) for a in sorted(attrs)]
    if fg:
        out.append(fg)
    if bg:
        out.append(bg)
    return out


@lru_cache(maxsize=4096)
def transition(have: Style, want: Style) -> str:
    """The shortest SGR sequence that turns style ``have`` into ``want``."""
    if want == have:
        return ""
    if want == PLAIN:
        return "\x1b[0m"
    reset = "\x1b[" + ";".join(["0", *_params(want)]) + "m"
    have_attrs, have_fg, have_bg = have
    want_attrs, want_fg, want_bg = want
    offs = sorted({_OFF[a] for a in have_attrs - want_attrs})
    # An "off" code may clear a sibling that must stay (22 clears bold and dim): set it again.
    again = {a for a in want_attrs & have_attrs if _OFF[a] in offs}
    params = [str(o) for o in offs] + [str(a) for a in sorted((want_attrs - have_attrs) | again)]
    if want_fg != have_fg:
        params.append(want_fg or "39")
    if want_bg != have_bg:
        params.append(want_bg or "49")
    delta = "\x1b[" + ";".join(params) + "m"
    return delta if len(delta) < len(reset) else reset


def _spaces_look_alike(have: Style, want: Style) -> bool:
    """Whether spaces drawn in ``have`` look as they would in ``want``."""
    if _REVERSE in have[0] or _REVERSE in want[0]:
        return have == want  # reversed, a space shows the foreground colour
    return have[2] == want[2] and have[0] & _SEEN_ON_SPACE == want[0] & _SEEN_ON_SPACE


class Compactor:
    """Rewrites Textual's output stream; one per terminal (it tracks the terminal's style).

    The style is carried from one write to the next, and each write ends with the terminal
    in the style the original stream would have left it in. With ``erase`` (the terminal
    erases in the current background: terminfo's ``bce``), a run of at least
    :data:`ERASE_MIN` spaces goes out as "erase N characters" and a cursor move."""

    def __init__(self, *, erase: bool = False) -> None:
        self._have: Style = PLAIN  # the terminal's style
        self._want: Style = PLAIN  # the style the original stream has set
        self._erase = erase

    def compact(self, data: str) -> str:
        try:
            out, self._have, self._want = self._rewrite(data, self._have, self._want)
        except Unreadable:
            # As it came (the terminal has the style it expects), then a reset: Textual
            # ends every run with one, so that is the style the stream leaves too.
            self._have = self._want = PLAIN
            return data + "\x1b[0m"
        return out

    def _rewrite(self, data: str, have: Style, want: Style) -> tuple[str, Style, Style]:
        # Long: one loop over the tokens of a frame; splitting it would cost a call per token.
        out: list[str] = []
        put = out.append
        row = col = None  # where the cursor is, while that is certain
        ahead = 0  # columns erased but not yet moved over (a position may make it moot)
        for m in _TOKEN.finditer(data):
            sgr, y, x, ret, other, text, bad = m.groups()
            if sgr is not None:
                want = apply_sgr(want, sgr)
                continue
            if bad is not None or (other is not None and other.endswith("m")):
                raise Unreadable(data)  # a style this class cannot follow (e.g. "4:3")
            if ahead and y is None and ret != "\r":
                put(f"\x1b[{ahead}C")
            if y is not None or ret == "\r":
                ahead = 0
            if y is not None:
                to_row, to_col = int(y or 1), int(x or 1)
                if (row, col) != (to_row, to_col):
                    if out and out[-1] == "\n":
                        out.pop()  # the position that follows makes the newline moot
                    put(f"\x1b[{to_row}H" if to_col == 1 else f"\x1b[{to_row};{to_col}H")
                    row, col = to_row, to_col
            elif ret is not None:
                ahead = 0
                put(ret)
                if ret == "\r":
                    col = 1
                else:
                    row = col = None
            elif text is not None:
                have, ahead = self._text(text, have, want, put)
                if col is not None and _ASCII.match(text):
                    col += len(text)
                else:
                    row = col = None
            elif other is not None:
                put(transition(have, want))
                have = want
                put(other)
                row = col = None
        if ahead:
            put(f"\x1b[{ahead}C")
        put(transition(have, want))
        return "".join(out), want, want

    def _text(self, text: str, have: Style, want: Style, put) -> tuple[Style, int]:
        """Put ``text`` in style ``want``; return the terminal's style and how many erased
        columns the cursor has yet to move over (the last piece's)."""
        erasable = self._erase and not want[0] & _NOT_ERASED
        pieces = _LONG_SPACES.split(text) if erasable and ERASE_PAD in text else [text]
        ahead = 0
        for n, piece in enumerate(pieces):
            if not piece:
                continue
            if ahead:
                put(f"\x1b[{ahead}C")
                ahead = 0
            blank = piece.strip(" ") == ""
            if want != have and not (blank and _spaces_look_alike(have, want)):
                put(transition(have, want))
                have = want
            if n % 2 and _REVERSE not in have[0]:  # a long run of spaces
                put(f"\x1b[{len(piece)}X")
                ahead = len(piece)
            else:
                put(piece)
        return have, ahead


def erases_in_background(term: str | None) -> bool:
    """Whether terminal ``term`` erases in the current background colour (terminfo's
    ``bce``), which :class:`Compactor` needs to send runs of spaces as erases."""
    if not term:
        return False
    try:
        import curses

        curses.setupterm(term, sys.__stdout__.fileno() if sys.__stdout__ else -1)
        return curses.tigetflag("bce") == 1
    except Exception:  # no terminfo entry, no curses: plain spaces are always right
        return False


def lean_driver(base: type[Driver]) -> type[Driver]:
    """``base`` with every write compacted (``base`` itself on Windows, see above)."""
    if sys.platform == "win32":
        return base

    class LeanDriver(base):  # type: ignore[valid-type,misc]
        _compactor: Compactor | None = None

        def write(self, data: str) -> None:
            if self._compactor is None:
                self._compactor = Compactor(erase=erases_in_background(os.environ.get("TERM")))
            super().write(self._compactor.compact(data))

    LeanDriver.__name__ = f"Lean{base.__name__}"
    LeanDriver.__qualname__ = LeanDriver.__name__
    return LeanDriver
