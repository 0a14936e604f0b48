"""Drafts: the reply being written to an item, kept until it is queued or discarded.

One draft per item (the item's id is the key, a foreign key that ``sfogo db check``
verifies; items are never deleted). The list asks which items of a page have one
(:meth:`Drafts.marked`), a primary-key look-up like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..rows import DraftRow
from ._part import Part
from .filters import chunked, marks

_CHUNK = 500  # ids per IN (...) list


class Drafts(Part):
    """``store.drafts``."""

    __slots__ = ()

    def get(self, item_id: int) -> DraftRow | None:
        row = self._conn.execute(
            "SELECT interaction_id, text, updated_at FROM drafts WHERE interaction_id = ?",
            (item_id,),
        ).fetchone()
        return None if row is None else {"item_id": row[0], "text": row[1], "updated_at": row[2]}

    def save(self, item_id: int, text: str, *, now: int) -> None:
        """Keep ``text`` as the item's draft (an empty text discards it)."""
        if not text.strip():
            self.discard(item_id)
            return
        self._store.items.require([item_id])
        with self._store.transaction() as conn:
            # != rather than SQLite's IS NOT, which PostgreSQL cannot read (text is NOT NULL).
            conn.execute(
                "INSERT INTO drafts (interaction_id, text, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(interaction_id) DO UPDATE SET text = excluded.text,"
                " updated_at = excluded.updated_at WHERE drafts.text != excluded.text",
                (item_id, text, now),
            )

    def discard(self, item_id: int) -> bool:
        """Forget the item's draft; True if there was one. No draft: nothing is written."""
        if self.get(item_id) is None:
            return False
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE interaction_id = ?", (item_id,))
        return True

    def marked(self, item_ids: Sequence[int]) -> set[int]:
        """Which of ``item_ids`` have a draft (primary-key look-ups)."""
        found: set[int] = set()
        for sql, params in self.marked_statements(item_ids):
            found.update(r[0] for r in self._conn.execute(sql, params))
        return found

    @staticmethod
    def marked_statements(item_ids: Sequence[int]) -> list[tuple[str, list]]:
        """:meth:`marked`'s statements (a server engine sends them ahead)."""
        return [
            (f"SELECT interaction_id FROM drafts WHERE interaction_id IN ({marks(len(c))})", c)
            for c in chunked(item_ids, _CHUNK)
        ]

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM drafts").fetchone()[0]
