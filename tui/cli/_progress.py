"""Progress on long work (a big demo, an import, an export, a sync): a bar on a terminal,
silence otherwise.

The bar is click's (``click.progressbar``), drawn on stderr, and only when both stdout and
stderr are a terminal: output piped into a file or another program, or a log that captures
stderr, never gets a bar's redraws. Library code only calls the ``progress`` callback it is
given, with how far it got.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ._table import on_terminal

CLEAR_LINE = "\r\x1b[K"


def wanted() -> bool:
    """Whether a person watches: stdout and stderr are a terminal."""
    return on_terminal() and on_terminal(sys.stderr)


class Progress:
    """How far the work got, told to the bar (if there is one)."""

    def __init__(self, bar=None, length: int = 0) -> None:
        self._bar = bar
        self._length = length

    def __call__(self, done: float) -> None:
        """The work got to ``done`` of the bar's length."""
        if self._bar is None:
            return
        step = min(self._length, int(done)) - self._bar.pos
        if step > 0:
            self._bar.update(step)

    def say(self, line: str) -> None:
        """Print ``line`` on stdout above the bar (the bar is drawn again below it)."""
        if self._bar is not None:
            sys.stderr.write(CLEAR_LINE)
            sys.stderr.flush()
        print(line, flush=True)
        if self._bar is not None:
            self._bar.render_progress()


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Progress]:
    """A :class:`Progress` (0 to ``length``) drawing a bar while the block runs; one that
    draws nothing when no one watches or there is no length."""
    if length <= 0 or not wanted():
        yield Progress()
        return
    import click

    with click.progressbar(length=length, label=label, file=sys.stderr, show_eta=True) as bar:
        progress = Progress(bar, length)
        yield progress
        progress(length)  # the work is done: the bar ends full
