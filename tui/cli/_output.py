"""Printing for people and for scripts: humanized times, tables (:mod:`._table`), stable JSON."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence

from sfogo.inbox import when

from . import _table
from ._table import line_width, print_table

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
    "removed_at",
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
    """How many cells a line may take: the terminal's real width, or no limit when piped
    (piped output is never cut)."""
    return line_width()


def wrap_width() -> int:
    """Where prose wraps: the terminal's width, or 80 columns when piped."""
    return _table.wrap_width()


def table(
    rows: Iterable[Sequence[object]],
    headers: Sequence[str],
    *,
    flex: int = -1,
    caps: Mapping[int, int] | None = None,
    footer: Sequence[str] = (),
    page: bool = True,
    sample: int = 1000,
) -> None:
    """Print a table through the one formatter (:func:`._table.print_table`): fitted to the
    terminal, or tab-separated full values when piped; column ``flex`` takes what is left,
    ``caps`` bound some columns on a terminal, ``footer`` follows it (see there)."""
    print_table(rows, headers, flex=flex, caps=caps, footer=footer, page=page, sample=sample)
