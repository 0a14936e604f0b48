"""What sfogo screens share: one typed way to the app, failed workers reported as a message
instead of a dead app, and dialogs framed alike (app.tcss styles ``DialogScreen``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.worker import Worker

from ..widgets import WorkFailed

if TYPE_CHECKING:
    from ..app import SfogoApp


class _Sfogo:
    """The ``sfogo`` accessor: the app, typed, for what screens share (store, clock, config,
    the file's change signal). A rename there fails the type check, not a user."""

    @property
    def sfogo(self) -> SfogoApp:
        return cast("SfogoApp", self.app)  # type: ignore[attr-defined]  # the Screen mixed in has it


class SfogoScreen(_Sfogo, Screen[ScreenResultType]):
    """Workers run with ``exit_on_error=False``; their errors are reported here.

    ``Worker.StateChanged`` does not bubble, so each screen that starts workers handles it.
    Textual calls the handler of every class in the MRO, so a subclass that handles it too
    must not call this one again.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        failed = WorkFailed.of(event)
        if failed is not None:
            self.post_message(failed)  # bubbles to the app, which says it in one line


class DialogScreen(_Sfogo, ModalScreen[ScreenResultType]):
    """A dialog: one framed box (a Vertical or VerticalScroll) in the middle of the screen."""
