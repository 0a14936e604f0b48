"""The compacted output draws the same screen as Textual's own, in fewer bytes.

The reference terminal here reads styles with Rich's ANSI decoder (not the compactor's own
parser) and places text at the cursor positions, so a wrong style change, a skipped move or
a wrong erase shows as a differing cell.
"""

from __future__ import annotations

import random
import re

import pytest
from rich.ansi import AnsiDecoder
from rich.color import Color
from rich.console import Console
from rich.style import Style

from sfogo.tui.lean_output import Compactor, apply_sgr, transition

COLS, ROWS = 40, 6
_CONSOLE = Console(width=COLS, color_system="256", force_terminal=True)
_CONTROL = re.compile(r"\x1b\[(\d*)(?:;(\d*))?H|\x1b\[(\d+)X|\x1b\[(\d+)C|(\r)|(\n)")


class Screen:
    """Cells of (character, style) as a bce terminal draws them."""

    def __init__(self) -> None:
        self.cells = [[(" ", Style())] * COLS for _ in range(ROWS)]
        self.row = self.col = 0
        self.decoder = AnsiDecoder()

    def feed(self, data: str) -> None:
        pos = 0
        for m in _CONTROL.finditer(data):
            self._text(data[pos : m.start()])
            pos = m.end()
            y, x, erase, forward, cr, lf = m.groups()
            if erase is not None:
                for c in range(self.col, min(COLS, self.col + int(erase))):
                    self.cells[self.row][c] = (" ", Style(bgcolor=self._style().bgcolor))
            elif forward is not None:
                self.col = min(COLS - 1, self.col + int(forward))
            elif cr:
                self.col = 0
            elif lf:
                self.row += 1
            else:
                self.row, self.col = int(y or 1) - 1, int(x or 1) - 1
        self._text(data[pos:])

    def _style(self) -> Style:
        return self.decoder.style or Style()

    def _text(self, chunk: str) -> None:
        for text, style, _ in self.decoder.decode_line(chunk).render(_CONSOLE):
            for ch in text:
                self.cells[self.row][self.col] = (ch, style or Style())
                self.col += 1

    @staticmethod
    def _colour(colour: Color | None) -> Color | None:
        return None if colour is None or colour.is_default else colour  # 39/49: no colour

    def looks(self) -> list[list[tuple]]:
        """What shows: a space shows its background (and lines through or under it)."""
        out = []
        for line in self.cells:
            row = []
            for ch, style in line:
                bg = self._colour(style.color if style.reverse else style.bgcolor)
                if ch == " ":
                    row.append((" ", bg, bool(style.underline), bool(style.strike)))
                else:
                    row.append(
                        (
                            ch,
                            self._colour(style.color),
                            self._colour(style.bgcolor),
                            bool(style.bold),
                            bool(style.dim),
                            bool(style.italic),
                            bool(style.reverse),
                            bool(style.underline),
                            bool(style.strike),
                        )
                    )
            out.append(row)
        return out


def textual_frame(rng: random.Random) -> str:
    """A frame as Textual writes it: a position per line, each run in its whole style
    followed by a reset (Rich's own rendering of segments)."""
    palette = [Color.from_ansi(n) for n in (16, 74, 174, 233, 247, 253)] + [None]
    out = []
    for row in rng.sample(range(1, ROWS + 1), rng.randint(1, ROWS)):
        out.append(f"\x1b[{row};{rng.randint(1, 4)}H")
        width = 0
        while width < COLS - 20:
            n = rng.randint(1, 12)
            text = rng.choice(["ab", "x", "é", "●", "…"]) * rng.randint(0, 2) + " " * n
            style = Style(
                color=rng.choice(palette),
                bgcolor=rng.choice(palette),
                bold=rng.random() < 0.3,
                dim=rng.random() < 0.2,
                italic=rng.random() < 0.1,
                underline=rng.random() < 0.1,
                reverse=rng.random() < 0.1,
            )
            out.append(style.render(text, color_system=_CONSOLE._color_system))
            width += len(text)
    return "".join(out)


@pytest.mark.parametrize("erase", [False, True])
def test_frames_look_the_same(erase):
    rng = random.Random(7)
    plain, lean = Screen(), Screen()
    compactor = Compactor(erase=erase)
    sent = kept = 0
    for _ in range(200):
        frame = textual_frame(rng)
        small = compactor.compact(frame)
        plain.feed(frame)
        lean.feed(small)
        assert lean.looks() == plain.looks(), repr(frame)
        sent += len(frame)
        kept += len(small)
    assert kept < sent * 0.9  # the point of it (random styles change often: real frames save more)


def test_a_style_it_cannot_follow_goes_out_as_it_came():
    compactor = Compactor()
    curly = "\x1b[4:3mx\x1b[0m"
    assert compactor.compact(curly) == curly + "\x1b[0m"
    # and it goes on compacting after
    assert compactor.compact("\x1b[1;2H\x1b[1mab\x1b[0m") == "\x1b[1;2H\x1b[1mab\x1b[0m"


def test_transitions_are_the_shortest_of_delta_and_reset():
    bold_dim = apply_sgr((frozenset(), None, None), "1;2;38;5;74")
    only_dim = apply_sgr(bold_dim, "22;2")
    # 22 turns off bold and dim together: dim is set again, the colour stays
    assert transition(bold_dim, only_dim) == "\x1b[22;2m"
    assert transition(only_dim, (frozenset(), None, None)) == "\x1b[0m"
    blue = apply_sgr((frozenset(), None, None), "38;5;74")
    assert transition(blue, apply_sgr(blue, "38;5;174")) == "\x1b[38;5;174m"
