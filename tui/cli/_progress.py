"""Progress on long work (a big demo, an import, an export): a bar on a terminal, silence
otherwise.

The bar is click's (``click.progressbar``), drawn on stderr, and only when both stdout and
stderr are a terminal: output piped into a file or another program, or a log that captures
stderr, never gets a bar's redraws. Library code only calls the ``progress`` callback it is
given, with how far it got.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._table import on_terminal


def wanted() -> bool:
    """Whether a person watches: stdout and stderr are a terminal."""
    return on_terminal() and on_terminal(sys.stderr)


@contextmanager
def progress_bar(length: int, label: str) -> Iterator[Callable[[float], None]]:
    """A callback taking how far the work got (0 to ``length``), drawing a bar while the
    block runs; a callback that does nothing when no one watches or there is no length."""
    if length <= 0 or not wanted():
        yield lambda done: None
        return
    import click

    with click.progressbar(length=length, label=label, file=sys.stderr, show_eta=True) as bar:

        def advance(done: float) -> None:
            step = min(length, int(done)) - bar.pos
            if step > 0:
                bar.update(step)

        yield advance
        advance(length)  # the work is done: the bar ends full
