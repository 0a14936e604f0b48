"""Changing items from the inbox: each batch of actions is written in a worker, in one
transaction, and reports back with :class:`WriteDone`.

The screen shows a change at once and the file follows. Until the write commits, a list
read that began earlier could bring a removed item back, so removals are remembered
(``pending``) and dropped from ids that arrive, until a read that saw the write lands.
Every write is declared to the app's change watcher, so the app does not reload for it.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

from textual.message import Message
from textual.worker import Worker, WorkerState

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.store import Store

from ..actions import ItemAction, apply_actions
from ..changes import ChangeWatcher


class WriteDone(Message):
    """A write committed: the status counts after it, and the actions that would undo it."""

    def __init__(
        self, seq: int, counts: dict[str, int], inverse: tuple[ItemAction, ...] = ()
    ) -> None:
        super().__init__()
        self.seq = seq
        self.counts = counts
        self.inverse = inverse


class Writer:
    """Applies item actions for ``host`` (the inbox screen), which gets :class:`WriteDone`."""

    GROUP = "inbox-write"

    def __init__(
        self, host, db_path: str | Path, now: Callable[[], int], changes: ChangeWatcher
    ) -> None:
        self._host = host
        self._db_path = db_path
        self._now = now
        self._changes = changes
        self.seq = 0
        self.committed: set[int] = set()  # writes that committed (or failed: nothing pends)
        self.pending: dict[int, tuple[int, str]] = {}  # item id -> (write seq, new status)
        self._writes: dict[str, int] = {}  # worker name -> write seq
        self._then: dict[int, Callable[[], None]] = {}  # seq -> run once it committed

    def apply(
        self, actions: Sequence[ItemAction], *, then: Callable[[], None] | None = None
    ) -> int:
        """Write ``actions`` in a worker; ``then`` runs on the UI thread once they committed.
        Returns the write's number."""
        self.seq += 1
        seq = self.seq
        if then is not None:
            self._then[seq] = then
        name = f"write-{seq}"
        self._writes[name] = seq
        now = self._now()
        batch = tuple(actions)

        def write() -> None:
            with Store(self._db_path) as store:  # this thread's own connection
                inverse = apply_actions(store, batch, now=now)
                counts = store.items.status_counts()
            self._host.post_message(WriteDone(seq, counts, inverse))

        self._changes.own_write_started()
        # Not exclusive: every change must land, in whatever order the lock allows.
        self._host.run_worker(write, name=name, group=self.GROUP, thread=True, exit_on_error=False)
        return seq

    def wake(self) -> None:
        """Reopen snoozed items whose time came. Not declared as ours: the write reaches the
        list as a change to the file, like any other."""
        db_path, now = self._db_path, self._now()

        def wake() -> None:
            with Store(db_path) as store:
                try:
                    store.marks.wake_snoozed(now=now)  # a read unless something is due
                except (sqlite3.Error, SfogoError):
                    pass  # read-only or busy: the next minute tries again

        self._host.run_worker(
            wake, name="inbox-wake", group="inbox-wake", thread=True, exit_on_error=False
        )

    def hide(self, seq: int, item_ids: Sequence[int], status: str) -> None:
        """``item_ids`` left the list with write ``seq``: keep them out of reads until a
        read that began after it commits arrives."""
        for item_id in item_ids:
            self.pending[item_id] = (seq, status)

    def filter_ids(
        self, ids: array, statuses: Sequence[str], committed: frozenset[int], complete: bool
    ) -> array:
        """``ids`` from a read, without the items a write still pending removed."""
        drop = set()
        for item_id, (seq, status) in list(self.pending.items()):
            if seq not in committed and status not in statuses:
                drop.add(item_id)
            elif complete and seq in committed:
                del self.pending[item_id]  # this read saw the write: nothing to patch
        return array("q", (i for i in ids if i not in drop)) if drop else ids

    def done(self, message: WriteDone) -> Callable[[], None] | None:
        """The write committed; returns what was to run then."""
        self.committed.add(message.seq)
        self._changes.own_write_ended()
        return self._then.pop(message.seq, None)

    def finished(self, event: Worker.StateChanged) -> int | None:
        """A write's worker ended; its number if it failed (the screen shows the file
        again), else None."""
        seq = self._writes.get(event.worker.name)
        if seq is None or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return None
        del self._writes[event.worker.name]
        if event.state != WorkerState.ERROR:
            return None
        self._changes.own_write_ended(committed=False)
        self.committed.add(seq)
        self._then.pop(seq, None)
        for item_id, (pending_seq, _) in list(self.pending.items()):
            if pending_seq == seq:
                del self.pending[item_id]
        return seq
