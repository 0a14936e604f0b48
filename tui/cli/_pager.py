"""Long listings through the pager, as ``git`` and ``gh`` do, only on a terminal.

Output longer than the screen goes through ``$PAGER`` (``less`` when it is unset) when both
stdout and stdin are a terminal; shorter output, and output into a pipe or a file, is
printed as it is. ``--no-pager`` (before or after the command's name) or ``SFOGO_PAGER=cat``
turns it off; ``SFOGO_PAGER=CMD`` picks a pager for sfogo alone, over ``$PAGER``. click
runs the pager (``click.echo_via_pager``), so ``less`` gets ``-R`` when ``$LESS`` is unset.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Iterable, Iterator

import click

from ._context import Context
from ._table import on_terminal

# SFOGO_PAGER values that mean "no pager".
NO_PAGER = ("", "cat")


def wanted() -> bool:
    """Whether output may go through a pager: a terminal on both ends, no ``--no-pager``,
    no ``SFOGO_PAGER=cat``."""
    if not (on_terminal() and on_terminal(sys.stdin)):
        return False
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Context) if ctx is not None else None
    if obj is not None and not obj.pager:
        return False
    chosen = os.environ.get("SFOGO_PAGER")
    return chosen is None or chosen.strip() not in NO_PAGER


def emit(lines: Iterable[str]) -> None:
    """Print ``lines``, through the pager when there are more than the screen holds."""
    stream = iter(lines)
    if not wanted():
        for line in stream:
            print(line)
        return
    screen = max(1, shutil.get_terminal_size((80, 24)).lines - 1)  # leave the prompt's line
    head = list(itertools.islice(stream, screen + 1))
    if len(head) <= screen:
        for line in head:
            print(line)
        return
    page(itertools.chain(head, stream))


def page(lines: Iterable[str]) -> None:
    """Show ``lines`` in the pager (``SFOGO_PAGER``, else ``$PAGER``, else ``less``)."""
    from sfogo.inbox.redact import redact_values

    sys.stdout.flush()
    chosen = os.environ.get("SFOGO_PAGER")
    saved = os.environ.get("PAGER")
    if chosen:
        os.environ["PAGER"] = chosen
    try:
        # The pager reads from a pipe of its own, not through stdout's redacting stream:
        # mask the secrets this process knows here.
        click.echo_via_pager(_redacted(lines, redact_values))
    finally:
        if chosen:
            if saved is None:
                os.environ.pop("PAGER", None)
            else:
                os.environ["PAGER"] = saved


def _redacted(lines: Iterable[str], redact) -> Iterator[str]:
    # echo_via_pager ends the text with a line break of its own.
    for n, line in enumerate(lines):
        yield ("\n" if n else "") + redact(line)
