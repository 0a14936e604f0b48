"""What the manager does to items: status (done, snoozed …), seen, pins and tags.

A write that can change an item's triage key (a pin, reopening) recomputes it in the same
transaction, so the key is right whenever anyone reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sfogo.inbox.i18n import _

from ..errors import SfogoError
from ..model import STATUSES
from ._part import Part


class Marks(Part):
    """``store.marks``."""

    __slots__ = ()

    def set_status(
        self, ids: Sequence[int], status: str, *, until: int | None = None, now: int
    ) -> int:
        """Mark items done, ignored, open, new or snoozed (with ``until``); return the count."""
        if status not in STATUSES:
            raise SfogoError(
                _("unknown status {status!r}: use one of {names}").format(
                    status=status, names=", ".join(STATUSES)
                )
            )
        if status == "snoozed":
            if until is None:
                raise SfogoError(
                    _("snoozing needs a time: --until 2h, 'tomorrow 9:00' or ISO 8601")
                )
            if until <= now:
                raise SfogoError(_("the snooze time is in the past: pick a later time"))
        self._store.items.require(ids)
        handled = now if status in ("done", "ignored") else None
        # Handled again: the first handling's time stays; reopened or snoozed: cleared.
        handled_sql = (
            "NULL"
            if handled is None
            else "coalesce(CASE WHEN status IN ('done', 'ignored') THEN handled_at END, ?)"
        )
        with self._store.transaction() as conn:
            conn.executemany(
                "UPDATE interactions SET status = ?, snoozed_until = ?,"
                f" handled_at = {handled_sql} WHERE id = ?",
                [
                    (status, until if status == "snoozed" else None)
                    + (() if handled is None else (handled,))
                    + (i,)
                    for i in ids
                ],
            )
            self._store.triage.fill_missing()  # reopened items get a fresh key
        return len(ids)

    def mark_seen(self, item_id: int) -> None:
        """An item the manager opened is no longer new."""
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE interactions SET status = 'open' WHERE id = ? AND status = 'new'",
                (item_id,),
            )

    def set_pinned(self, ids: Sequence[int], pinned: bool) -> None:
        self._store.items.require(ids)
        with self._store.transaction() as conn:
            conn.executemany(
                "UPDATE interactions SET pinned = ? WHERE id = ?", [(int(pinned), i) for i in ids]
            )
            self._store.triage.fill_missing()

    def add_tags(self, ids: Sequence[int], tags: Sequence[str]) -> None:
        self._store.items.require(ids)
        clean = [t.strip() for t in tags if t.strip()]
        with self._store.transaction() as conn:
            conn.executemany(
                "INSERT INTO interaction_tags (interaction_id, tag) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                [(i, t) for i in ids for t in clean],
            )

    def remove_tags(self, ids: Sequence[int], tags: Sequence[str]) -> None:
        with self._store.transaction() as conn:
            conn.executemany(
                "DELETE FROM interaction_tags WHERE interaction_id = ? AND tag = ?",
                [(i, t) for i in ids for t in tags],
            )

    def wake_snoozed(self, *, now: int) -> int:
        """Reopen snoozed items whose time has come; return how many woke."""
        due = self._conn.execute(
            "SELECT 1 FROM interactions WHERE status = 'snoozed' AND snoozed_until <= ? LIMIT 1",
            (now,),
        ).fetchone()
        if not due:  # the common case stays a read: no write lock for nothing
            return 0
        with self._store.transaction() as conn:
            cur = conn.execute(
                "UPDATE interactions SET status = 'open', snoozed_until = NULL"
                " WHERE status = 'snoozed' AND snoozed_until <= ?",
                (now,),
            )
            self._store.triage.fill_missing()
        return cur.rowcount
