"""Canned replies added with ``sfogo replies add`` (the config's ``[[replies]]`` are read
from the config file; inbox/canned.py puts the two together). Names are unique, whatever
their case."""

from __future__ import annotations

from sfogo.inbox.i18n import _

from ..errors import NotFound, SfogoError
from ..rows import CannedRow
from ._part import Part, insert

_SELECT = "SELECT id, name, text, language, client, created_at FROM canned_replies"


def _canned(r: tuple) -> CannedRow:
    return {
        "id": r[0],
        "name": r[1],
        "text": r[2],
        "language": r[3],
        "client": r[4],
        "created_at": r[5],
    }


class CannedReplies(Part):
    """``store.canned``."""

    __slots__ = ()

    def all(self) -> list[CannedRow]:
        """Every canned reply in the file, by name."""
        return [_canned(r) for r in self._conn.execute(_SELECT + " ORDER BY lower(name), name")]

    def get(self, name: str) -> CannedRow:
        row = self._conn.execute(_SELECT + " WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFound(f"no canned reply {name!r}: 'sfogo replies' lists them")
        return _canned(row)

    def add(self, name: str, text: str, *, language: str = "", client: str = "", now: int) -> int:
        """Store a canned reply (its text checked by the caller); return its id."""
        try:
            with self._store.transaction() as conn:
                new_id = insert(
                    conn,
                    "INSERT INTO canned_replies (name, text, language, client, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name, text, language, client, now),
                )
        except self._store.IntegrityError:
            raise SfogoError(
                _(
                    "a canned reply named {name!r} already exists: 'sfogo replies remove "
                    "{name}' first, or pick another name"
                ).format(name=name)
            ) from None
        return new_id

    def remove(self, name: str) -> CannedRow:
        """Forget a canned reply; returns it as it was."""
        row = self.get(name)
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM canned_replies WHERE id = ?", (row["id"],))
        return row
