"""psycopg's connection with sqlite3's calling conventions, so collaborators write SQL once.

:class:`PgConnection` answers ``execute``, ``executemany`` and ``in_transaction`` as
sqlite3's connection does. :func:`translate` turns the shared spelling into psycopg's,
once per statement (cached):

- ``?`` becomes ``%s``; ``?1`` … and ``:name`` become named placeholders; a literal ``%``
  is doubled (psycopg reads ``%`` as the start of a placeholder);
- SQLite's planner hint ``INDEXED BY name`` is dropped (PostgreSQL picks its own plan).

Nothing else is rewritten: a statement PostgreSQL spells differently is written again in
the collaborator that overrides it (:mod:`.parts`), never patched here by pattern.

Values come back as sqlite3 gives them: ``numeric`` (what ``sum`` of a ``bigint`` is) as an
``int`` when whole, else a ``float``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from typing import Any

from .driver import NumericBinaryLoader, NumericLoader, TransactionStatus, psycopg

# A quoted string or identifier, a placeholder, a literal %, or a planner hint.
_TOKENS = re.compile(
    r"""('(?:[^']|'')*'|"(?:[^"]|"")*")"""  # 1: quoted text, kept as it is
    r"|\?(\d+)"  # 2: ?NNN
    r"|(\?)"  # 3: ?
    r"|(?<!:):([A-Za-z_]\w*)"  # 4: :name (not a ::cast)
    r"|(%)"  # 5: a literal percent sign
    r"|(\s+INDEXED\s+BY\s+\w+)",  # 6: SQLite's hint
    re.IGNORECASE,
)


@lru_cache(maxsize=2048)
def translate(sql: str, named: bool) -> tuple[str, bool]:
    """(psycopg's spelling of ``sql``, whether its parameters are numbered: ``?1`` …).

    ``named``: the parameters come as a mapping, so ``:name`` is a placeholder."""
    numbered = False

    def one(m: re.Match) -> str:
        nonlocal numbered
        quoted, number, plain, name, percent, _hint = m.groups()
        if quoted is not None:
            return quoted.replace("%", "%%")
        if number is not None:
            numbered = True
            return f"%(p{number})s"
        if plain is not None:
            return "%s"
        if name is not None:
            return f"%({name})s" if named else m.group(0)
        if percent is not None:
            return "%%"
        return ""  # the hint

    return _TOKENS.sub(one, sql), numbered


def _params(params: Any, numbered: bool) -> Any:
    if numbered and not isinstance(params, Mapping):
        return {f"p{i}": value for i, value in enumerate(params, 1)}
    return params


class PgConnection:
    """One psycopg connection in autocommit mode, called as sqlite3's is.

    :meth:`ahead` sends statements whose answers the very next calls will ask for (inside a
    pipeline: no round trip of their own); :meth:`execute` hands such an answer out only to
    the next statement, and only if it is exactly that one: any other statement drops
    every answer sent ahead, so none is ever served late.
    """

    __slots__ = ("_ahead", "_inside", "_pending", "raw")

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw
        self._ahead: list[tuple[str, tuple, Any]] = []
        self._inside = False  # in together()
        self._pending: ExitStack | None = None  # together()'s, until its first statement

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        if self._ahead:
            first_sql, first_params, cursor = self._ahead.pop(0)
            if (
                first_sql == sql
                and not isinstance(params, Mapping)
                and first_params == tuple(params)
            ):
                return cursor
            self._ahead.clear()
        return self._send(sql, params)

    @contextmanager
    def together(self) -> Iterator[None]:
        """Statements sent inside go in one pipeline (one round trip), where the client
        library has pipeline mode; otherwise one after the other, with the same answers.
        The pipeline starts with the first statement sent: inside, statements all served
        by answers sent ahead cost no round trip. Nested, the outermost one counts."""
        if self._inside or not _pipelines():
            yield
            return
        self._inside = True
        with ExitStack() as stack:
            self._pending = stack
            try:
                yield
            finally:
                self._pending = None
                self._inside = False

    def ahead(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Send ``sql`` now; its answer goes to the next :meth:`execute` of the same."""
        self._ahead.append((sql, tuple(params), self._send(sql, params)))

    def _send(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> Any:
        if self._pending is not None:  # the first statement sent in together()
            stack, self._pending = self._pending, None
            stack.enter_context(self.raw.pipeline())
        query, numbered = translate(sql, isinstance(params, Mapping))
        return self.raw.execute(query, _params(params, numbered))

    def executemany(self, sql: str, rows: Iterable[Any]) -> Any:
        self._ahead.clear()
        rows = list(rows)
        cur = self.raw.cursor()
        if rows:
            query, numbered = translate(sql, isinstance(rows[0], Mapping))
            cur.executemany(query, [_params(r, numbered) for r in rows])
        return cur

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


@lru_cache(maxsize=1)
def _pipelines() -> bool:
    """Whether libpq has pipeline mode (asked once: psycopg checks again on every call)."""
    return psycopg.Pipeline.is_supported()


def load_numeric_as_number(raw: psycopg.Connection) -> None:
    """``numeric`` results as sqlite3 gives numbers: an int when whole, else a float."""
    text, binary = _numeric_loaders()
    raw.adapters.register_loader("numeric", text)
    raw.adapters.register_loader("numeric", binary)


@lru_cache(maxsize=1)
def _numeric_loaders() -> tuple[type, type]:
    def number(value: Any) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    class Text(NumericLoader):
        def load(self, data: Any) -> Any:
            return number(super().load(data))

    class Binary(NumericBinaryLoader):
        def load(self, data: Any) -> Any:
            return number(super().load(data))

    return Text, Binary
