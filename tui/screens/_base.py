"""What sfogo screens share: a failed worker becomes a message, not a dead app; dialogs
are framed alike."""
from __future__ import annotations

from textual.screen import ModalScreen, Screen, ScreenResultType
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


class DialogScreen(ModalScreen[ScreenResultType]):
    """A dialog: one framed box (a Vertical or VerticalScroll) in the middle of the screen.

    Each dialog sets its box's width and styles what is inside."""

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
        & > Vertical, & > VerticalScroll {
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: round $primary;
            border-title-align: left;
            border-subtitle-align: left;
            background: $surface;
            padding: 0 1;
        }
    }
    """
