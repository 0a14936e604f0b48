"""What the virtual list holds, without drawing it: an ordered array of item ids, the cursor's
index in it and the selected ids.

An ``array('q')`` costs 8 bytes an item (1M items = 8 MB). Its operations keep the cursor
where a reader expects it: on the same item when the ids are replaced, on the same line
(now the next item) when items are removed.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

BULK = 64  # removing more ids than this rebuilds the array once instead of deleting each


class IdList:
    """Ids in list order, the cursor and the selection; methods say what changed."""

    def __init__(self) -> None:
        self.ids: array = array("q")
        self.cursor = 0
        self.selected: set[int] = set()

    @property
    def current_id(self) -> int | None:
        return self.ids[self.cursor] if self.ids else None

    def index_of(self, item_id: int, hint: int, *, missing: int | None = None) -> int:
        """Where ``item_id`` is (``hint`` is tried first); ``missing`` (default: the hint)
        when it is not there."""
        if 0 <= hint < len(self.ids) and self.ids[hint] == item_id:
            return hint
        try:
            return self.ids.index(item_id)
        except ValueError:
            return hint if missing is None else missing

    def clamp(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.ids) - 1))

    def replace(self, ids: array, *, keep_id: int | None, prune: bool) -> bool:
        """Hold ``ids``; the cursor stays on ``keep_id`` if it is there, else on its index.
        ``prune``: unselect what left. True if the selection changed."""
        self.ids = ids
        if keep_id is not None:
            self.cursor = self.index_of(keep_id, self.cursor)
        self.clamp()
        if self.selected and prune:
            kept = self.selected.intersection(ids)
            if kept != self.selected:
                self.selected = kept
                return True
        return False

    def remove(self, drop: set[int]) -> tuple[bool, bool]:
        """Drop items: the cursor stays on its line. (any removed, selection changed)."""
        if len(drop) > BULK:
            before_cursor = sum(1 for i in self.ids[: self.cursor] if i in drop)
            kept = array("q", (i for i in self.ids if i not in drop))
            if len(kept) == len(self.ids):
                return False, False
            self.ids = kept
            self.cursor -= before_cursor
        else:
            changed = False
            for item_id in drop:
                index = self.index_of(item_id, self.cursor, missing=-1)
                if index < 0:
                    continue
                del self.ids[index]
                changed = True
                if index < self.cursor:
                    self.cursor -= 1
            if not changed:
                return False, False
        self.clamp()
        if self.selected & drop:
            self.selected -= drop
            return True, True
        return True, False

    def around_cursor(self, each_side: int) -> tuple[int, ...]:
        """The cursor's id, then up to ``each_side`` ids either side of it, nearest first
        (where the cursor goes if its item leaves the list)."""
        if not self.ids:
            return ()
        around = [self.ids[self.cursor]]
        for step in range(1, each_side + 1):
            for index in (self.cursor + step, self.cursor - step):
                if 0 <= index < len(self.ids):
                    around.append(self.ids[index])
        return tuple(around)

    def chosen(self) -> list[int]:
        """What an action applies to: the selection in list order, else the cursor's item."""
        if self.selected:
            return [i for i in self.ids if i in self.selected]
        current = self.current_id
        return [] if current is None else [current]

    def toggle(self, item_id: int) -> None:
        self.selected.symmetric_difference_update((item_id,))

    def select_all(self) -> None:
        """Every item, or none when all are selected already."""
        everything = set(self.ids)
        self.selected = set() if self.selected == everything else everything

    def indexes_of(self, item_ids: Iterable[int]) -> list[int]:
        """The indexes of those of ``item_ids`` that are listed (the cursor's found first)."""
        found = (self.index_of(i, self.cursor, missing=-1) for i in item_ids)
        return [index for index in found if index >= 0]
