"""What background work shares: a failure becomes a message, a newer read supersedes an older.

Workers run with ``exit_on_error=False``; ``Worker.StateChanged`` does not bubble, so the
node that started a worker turns its error into :class:`WorkFailed`, which bubbles up to the
app and is shown there in one line.

A read that a newer one replaces is *superseded*, never cancelled: its thread checks
:meth:`Latest.is_current` between steps, stops early and posts nothing. Textual's
``exclusive=True`` would cancel it instead, and anything awaiting that worker (a test
waiting for the app to settle, ``Worker.wait``) would get ``WorkerCancelled`` whenever the
app happened to reload while it waited.
"""

from __future__ import annotations

from textual.message import Message
from textual.worker import Worker, WorkerState


class WorkFailed(Message):
    """A worker raised; the app says so in one line (``where``: the worker's group)."""

    def __init__(self, error: BaseException, where: str) -> None:
        super().__init__()
        self.error = error
        self.where = where

    @classmethod
    def of(cls, event: Worker.StateChanged) -> WorkFailed | None:
        """The message for a worker that failed, or None (it did not)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            return cls(event.worker.error, event.worker.group)
        return None


class Latest:
    """Numbers reads of one kind; only the newest may post its result.

    Read on worker threads, written on the UI thread: an int read is atomic under the GIL."""

    def __init__(self) -> None:
        self.current = 0

    def next(self) -> int:
        self.current += 1
        return self.current

    def is_current(self, token: int) -> bool:
        return token == self.current
