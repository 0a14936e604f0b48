"""Rows of the virtual list, fetched by primary key a page at a time and kept in an LRU.

The list asks for the row at an index; on a miss the whole page around it (``PAGE`` ids)
is fetched in one query, so scrolling costs one query per page, not one per line.
``ROW_CACHE`` bounds memory whatever the list's length: a few screens either way of the
cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.cache import LRUCache

from sfogo.inbox.rows import ItemRow

from ..actions import ItemChanges

PAGE = 128  # rows fetched per primary-key query
ROW_CACHE = 32 * PAGE  # rows kept


class RowPages:
    """``row(ids, index)``: the row of ``ids[index]``, fetching its page if needed."""

    def __init__(self, fetch_rows: Callable[[Sequence[int]], dict[int, ItemRow]]) -> None:
        self._fetch_rows = fetch_rows
        self._rows: LRUCache[int, ItemRow] = LRUCache(ROW_CACHE)

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, ids: Sequence[int], index: int) -> ItemRow | None:
        """The row at ``index`` (None: deleted since the ids were read)."""
        item_id = ids[index]
        row = self._rows.get(item_id)
        if row is None:
            start = index - index % PAGE
            fetched = self._fetch_rows(ids[start : start + PAGE])
            for fetched_id, fetched_row in fetched.items():
                self._rows[fetched_id] = fetched_row
            row = fetched.get(item_id)
        return row

    def update(self, item_id: int, changes: ItemChanges) -> bool:
        """Change a cached row in place; False if it is not cached (it is read fresh)."""
        row = self._rows.get(item_id)
        if row is None:
            return False
        row.update(changes)
        return True

    def cached(self, item_id: int) -> ItemRow | None:
        return self._rows.get(item_id)

    def clear(self) -> None:
        self._rows.clear()

    def any_replying(self) -> bool:
        """Whether a cached row says someone is replying to it (a claim that may lapse)."""
        keys = self._rows.keys()  # an LRUCache cannot be iterated itself
        return any((row := self._rows.get(k)) is not None and row.get("replying") for k in keys)
