"""Printing for people and for scripts: humanized times, 80-column tables, stable JSON."""

from __future__ import annotations

import itertools
import json
import math
import shutil
import sys
from collections.abc import Iterable, Sequence

from sfogo.inbox import when
from sfogo.inbox.text import excerpt, sanitize

# Rows printed as JSON use these names; they are documented in the README and stable.
JSON_TIME_FIELDS = (
    "created_at",
    "fetched_at",
    "snoozed_until",
    "handled_at",
    "started_at",
    "ended_at",
    "retry_at",
    "sent_at",
    "updated_at",
    "until",
    "since",
    "deadline_at",
    "window_closes_at",
    "oldest_at",
)


def to_json(value: object) -> object:
    """Convert epoch-second fields to ISO 8601 UTC, recursively, and every number that is
    not finite to null: strict JSON has no NaN or Infinity, and a script's parser (or
    ``jq``) would stop at them."""
    if isinstance(value, dict):
        return {
            k: (_time(v) if k in JSON_TIME_FIELDS and isinstance(v, (int, float)) else to_json(v))
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _time(ts: float) -> str | None:
    try:
        return when.iso(ts)
    except (ValueError, OverflowError, OSError):  # not finite, or past year 9999
        return None


def dumps(value: object, **kwargs) -> str:
    """Strict JSON (``allow_nan=False``) of a value already passed through :func:`to_json`."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, **kwargs)


def print_json(value: object) -> None:
    sys.stdout.write(dumps(to_json(value), indent=2))
    sys.stdout.write("\n")


def print_json_array(items: Iterable[object]) -> None:
    """Print a JSON array one element at a time, laid out like :func:`print_json`.

    Big listings (``list --limit 0 --json``) never build the whole array in memory.
    """
    out = sys.stdout
    first = True
    for item in items:
        out.write("[\n  " if first else ",\n  ")
        out.write(dumps(to_json(item), indent=2).replace("\n", "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")


def ago(ts: int | None, *, ref: int) -> str:
    """'3 hours ago' / 'in 2 hours', or '' for no time (as the app says it: timefmt)."""
    from sfogo.inbox.timefmt import ago as say_ago

    return say_ago(ts, now=ref)


def duration(seconds: float) -> str:
    """'30 hours', '5 days' (as the app says it: timefmt)."""
    from sfogo.inbox.timefmt import span_words

    return span_words(seconds)


def width() -> int:
    """The terminal's width, at most 80 so output pastes into e-mails and tickets."""
    return min(80, shutil.get_terminal_size((80, 24)).columns)


def table(
    rows: Iterable[Sequence[str]], headers: Sequence[str], *, flex: int = -1, sample: int = 1000
) -> None:
    """Print columns sized to content; column ``flex`` takes what is left and is cut.

    ``rows`` may be a stream (``list --limit 0`` over a big inbox): widths come from the
    first ``sample`` rows and later cells are cut to fit, so memory stays flat.
    """
    total = width()
    cols = len(headers)
    stream = iter(rows)
    first = list(itertools.islice(stream, sample))
    widths = [max([len(h)] + [len(str(r[i])) for r in first]) for i, h in enumerate(headers)]
    flex = flex % cols
    fixed = sum(w for i, w in enumerate(widths) if i != flex) + 2 * (cols - 1)
    widths[flex] = max(8, min(widths[flex], total - fixed))

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            # Sanitised again on the way out: a row written by anything that skipped the
            # ingest rules still cannot send escape sequences to the terminal.
            text = excerpt(sanitize(str(cell)), widths[i])
            out.append(text if i == cols - 1 else text.ljust(widths[i]))
        return "  ".join(out).rstrip()

    print(line(headers))
    for r in itertools.chain(first, stream):
        print(line(r))
