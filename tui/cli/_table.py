"""One formatter for every table the command line prints, for people and for scripts.

On a terminal a table fits the terminal's real width. Text is measured in terminal cells,
not code points (a CJK character or most emoji take two cells), so columns line up whatever
the names hold; the flexible column is cut with an ellipsis. A listing longer than the
screen goes through the pager (:mod:`._pager`).

Piped or redirected, nothing is ever cut: a header line, then one line per row with the full
values separated by tabs (a tab or line break inside a value becomes a space), ready for
``cut -f``, ``awk -F'\\t'`` or a spreadsheet. ``--json`` is the stable form for scripts.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence

from sfogo.inbox.text import sanitize

GAP = "  "  # between columns
MIN_FLEX = 8  # the flexible column keeps at least this many cells
# Piped output is never cut: a width no line reaches.
UNCUT = 1 << 30


def on_terminal(stream=None) -> bool:
    """Whether ``stream`` (default stdout) is a terminal a person reads."""
    stream = sys.stdout if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed, or not a file at all
        return False


def line_width() -> int:
    """How many cells a line may take: the terminal's width, or :data:`UNCUT` when piped."""
    if not on_terminal():
        return UNCUT
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def wrap_width() -> int:
    """Where prose wraps (wrapping cuts nothing): the terminal's width, or 80 columns when
    piped, so a report pastes into an e-mail."""
    return 80 if not on_terminal() else line_width()


def cells(text: str) -> int:
    """How many terminal cells ``text`` takes."""
    if text.isascii():  # printable ASCII after sanitising: one cell each, at C speed
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def cut(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` cells, ending in an ellipsis when cut.

    Sanitised on the way out: a value written by anything that skipped the ingest rules
    still cannot send escape sequences to the terminal.
    """
    flat = " ".join(sanitize(text).split())
    if width >= UNCUT or cells(flat) <= width:
        return flat
    if flat.isascii():
        return flat[: max(0, width - 1)] + "…"
    from rich.cells import set_cell_size

    # set_cell_size pads a wide character that does not fit with a space: strip it so the
    # ellipsis follows the text.
    return set_cell_size(flat, max(0, width - 1)).rstrip(" ") + "…"


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` cells."""
    return text + " " * max(0, width - cells(text))


def tsv_cell(value: object) -> str:
    """A value as one tab-separated field: whole, sanitised, no tab or line break inside."""
    return " ".join(sanitize(str(value)).split())


def table_lines(
    rows: Iterable[Sequence[object]],
    headers: Sequence[str],
    *,
    flex: int = -1,
    caps: Mapping[int, int] | None = None,
    width: int | None = None,
    sample: int = 1000,
) -> Iterator[str]:
    """The lines of a table ``width`` cells wide (default: the terminal's), or tab-separated
    full values when ``width`` is :data:`UNCUT` (piped output).

    ``rows`` may be a stream (``list --limit 0`` over a big inbox): column widths come from
    the first ``sample`` rows and later cells are cut to fit, so memory stays flat.
    ``caps`` bounds some columns on a terminal (column index -> cells), so a long client
    name leaves room for the text.
    """
    total = line_width() if width is None else width
    stream = iter(rows)
    if total >= UNCUT:
        yield "\t".join(tsv_cell(h) for h in headers)
        for row in stream:
            yield "\t".join(tsv_cell(c) for c in row)
        return
    cols = len(headers)
    first = [[cut(str(c), UNCUT) for c in r] for r in itertools.islice(stream, sample)]
    widths = [max([cells(h)] + [cells(r[i]) for r in first]) for i, h in enumerate(headers)]
    for i, cap in (caps or {}).items():
        widths[i] = min(widths[i], max(cap, cells(headers[i])))
    flex = flex % cols
    _fit(widths, flex, total - len(GAP) * (cols - 1))

    def line(row: Sequence[object]) -> str:
        out = []
        for i, cell in enumerate(row):
            text = cut(str(cell), widths[i])
            out.append(text if i == cols - 1 else pad(text, widths[i]))
        return GAP.join(out).rstrip()

    yield line(headers)
    for r in itertools.chain(first, stream):
        yield line(r)


def _fit(widths: list[int], flex: int, room: int) -> None:
    """Shrink ``widths`` to ``room`` cells: the flexible column first (down to
    :data:`MIN_FLEX`), then the widest of the others, a cell at a time (a narrow terminal)."""
    others = sum(w for i, w in enumerate(widths) if i != flex)
    widths[flex] = max(MIN_FLEX, min(widths[flex], room - others))
    over = sum(widths) - room
    while over > 0:
        widest = max((i for i in range(len(widths)) if i != flex), key=lambda i: widths[i])
        if widths[widest] <= 2:
            break  # narrower than any table: let the terminal wrap
        widths[widest] -= 1
        over -= 1


def print_table(
    rows: Iterable[Sequence[object]],
    headers: Sequence[str],
    *,
    flex: int = -1,
    caps: Mapping[int, int] | None = None,
    footer: Sequence[str] = (),
    page: bool = True,
    sample: int = 1000,
) -> None:
    """Print a table: fitted to the terminal, or tab-separated full values when piped.

    Column ``flex`` takes what is left. ``footer`` lines (``3 of 40 items …``) follow the
    table on a terminal and go to stderr when piped, so stdout holds only the table's rows.
    A table longer than the screen goes through the pager, unless ``page`` is False (a
    table inside a longer text).
    """
    from . import _pager

    lines = table_lines(rows, headers, flex=flex, caps=caps, sample=sample)
    if not on_terminal():
        for line in lines:
            print(line)
        for line in footer:
            print(line, file=sys.stderr)
        return
    lines = itertools.chain(lines, footer)
    if page:
        _pager.emit(lines)
    else:
        for line in lines:
            print(line)
