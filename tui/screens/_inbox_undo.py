"""``u`` on the inbox: take back the last change to items, then the one before, as far back
as the session goes (tui/undo.py keeps the steps).

An undo is written like any change (the Writer, one transaction) and is not itself a step.
Once it commits, the list is read again with the cursor on the first item it put back, so a
done item comes back under the cursor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfogo.inbox.i18n import _

from ..undo import Step, UndoStack
from ._inbox_write import WriteDone

if TYPE_CHECKING:
    from ._detail import DetailScreen
    from ._inbox import InboxScreen

UNDO_ID = "inbox.undo"


def key_of(screen, binding_id: str, default: str) -> str:
    """The key ``binding_id`` is bound to now (after ``[keys]``), as the footer shows it."""
    for active in screen.active_bindings.values():
        if active.binding.id == binding_id:
            return screen.app.get_key_display(active.binding)
    return default


class Undoing:
    """The undo of ``host`` (the inbox screen)."""

    def __init__(self, host: InboxScreen) -> None:
        self._host = host
        self.stack = UndoStack()

    def key(self) -> str:
        return key_of(self._host, UNDO_ID, "u")

    def expect(self, seq: int, label: str) -> None:
        self.stack.expect(seq, label)

    def landed(self, message: WriteDone) -> None:
        step = self.stack.landed(message.seq, message.inverse)
        if step is not None:  # u was pressed before this write committed
            self._undo(step, None)

    def failed(self, seq: int) -> None:
        self.stack.failed(seq)

    def undo(self, screen: DetailScreen | None = None) -> None:
        step = self.stack.take()
        if step is None:
            self._host.notify(_("Nothing to undo."), markup=False, timeout=2)
        elif step.inverse is not None:
            self._undo(step, screen)
        # else: its write has not committed yet; landed() undoes it when it does

    def _undo(self, step: Step, screen: DetailScreen | None) -> None:
        host = self._host
        inverse = step.inverse or ()
        ids = [i for action in inverse for i in action.ids]

        def undone() -> None:
            host.inbox.invalidate()
            host.reload(focus=ids[0] if ids else None, counts=True)
            host.reading.refresh(ids)
            if screen is not None and screen.is_attached:
                screen.refresh_row()
            host.notify(_("Undone: {label}").format(label=step.label), markup=False, timeout=3)

        host.writer.apply(inverse, then=undone)
