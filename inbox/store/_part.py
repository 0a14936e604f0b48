"""The base of the store's collaborators, and what they may ask of a connection.

Collaborators write their SQL once, in the spelling both engines read: ``?`` parameters,
``ON CONFLICT`` instead of ``INSERT OR IGNORE``/``OR REPLACE``, ``CASE`` instead of summing
a comparison. The PostgreSQL connection (:mod:`.pg.connection`) turns ``?`` into its own
placeholders and drops SQLite's ``INDEXED BY`` hints; a query that must differ is written
again in the PostgreSQL collaborator that overrides it (:mod:`.pg.parts`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from .filters import InboxFilter, where

if TYPE_CHECKING:
    from .database import Store


class Connection(Protocol):
    """What collaborators call on ``store.conn``: sqlite3's connection is the model."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid the INSERT just run on ``cur`` made (SQLite).

    sqlite3 types ``lastrowid`` as ``int | None``: it is None only before any statement ran.
    """
    rowid = cur.lastrowid
    assert rowid is not None, "inserted_id() follows an INSERT"
    return rowid


def insert(conn: Connection, sql: str, params: Any = ()) -> int:
    """Run one INSERT into a table with an ``id`` key; return the new row's id (either
    engine: SQLite's ``lastrowid``, PostgreSQL's ``RETURNING id``)."""
    if isinstance(conn, sqlite3.Connection):
        return inserted_id(conn.execute(sql, params))
    return conn.execute(sql + " RETURNING id", params).fetchone()[0]


class Part:
    """One collaborator of a :class:`Store`: it reaches the connection through the store."""

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self) -> Connection:
        return self._store.conn

    def _where(self, flt: InboxFilter | None) -> tuple[str, list]:
        """:func:`~.filters.where` in this store's engine's spelling."""
        return where(flt, self._store.search_sql)
