"""What every sfogo screen shares: a failed worker becomes a message, not a dead app."""
from __future__ import annotations

from textual.screen import Screen, ScreenResultType
from textual.worker import Worker, WorkerState


class SfogoScreen(Screen[ScreenResultType]):
    """Workers run with ``exit_on_error=False``; their errors are reported here.

    ``Worker.StateChanged`` does not bubble, so each screen that starts workers handles it.
    Textual calls the handler of every class in the MRO, so a subclass that handles it too
    must not call this one again.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            report = getattr(self.app, "report_error", None)
            if report is not None:
                report(event.worker.error, where=event.worker.group)
