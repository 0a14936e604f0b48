"""The base of the store's collaborators."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .database import Store


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid the INSERT just run on ``cur`` made.

    sqlite3 types ``lastrowid`` as ``int | None``: it is None only before any statement ran.
    """
    rowid = cur.lastrowid
    assert rowid is not None, "inserted_id() follows an INSERT"
    return rowid


class Part:
    """One collaborator of a :class:`Store`: it reaches the connection through the store."""

    __slots__ = ("_store",)

    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._store.conn
