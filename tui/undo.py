"""The session's undo: every change the app writes to items can be taken back with ``u``,
several steps back, newest first.

The Writer returns each write's inverse (tui/actions.py reads what it overwrites in the same
transaction), so a step is the announcement and the actions that put the items back. A step
is known when its write is sent and complete when the write commits; ``u`` pressed in
between undoes it the moment it commits. Nothing is kept across sessions: an undo weeks later
would overwrite what happened since.
"""

from __future__ import annotations

from dataclasses import dataclass

from .actions import ItemAction

DEPTH = 100  # steps kept; the oldest is forgotten first


@dataclass(slots=True)
class Step:
    """One undoable write: ``label`` says what it did ("3 items done")."""

    seq: int
    label: str
    inverse: tuple[ItemAction, ...] | None = None  # None: not committed yet


class UndoStack:
    """Steps in the order they were made (writes may commit in another order)."""

    def __init__(self, depth: int = DEPTH) -> None:
        self._depth = depth
        self._steps: list[Step] = []
        self._waiting: dict[int, Step] = {}  # taken before their write committed

    def __len__(self) -> int:
        return len(self._steps)

    def expect(self, seq: int, label: str) -> None:
        """Write ``seq`` was sent; it can be undone once it commits."""
        self._steps.append(Step(seq, label))
        del self._steps[: -self._depth]

    def landed(self, seq: int, inverse: tuple[ItemAction, ...]) -> Step | None:
        """Write ``seq`` committed with ``inverse``; returns its step if ``u`` asked for it
        meanwhile (undo it now). A write that changed nothing leaves the stack."""
        waiting = self._waiting.pop(seq, None)
        if waiting is not None:
            waiting.inverse = inverse
            return waiting if inverse else None
        for step in self._steps:
            if step.seq == seq:
                step.inverse = inverse
                if not inverse:
                    self._steps.remove(step)
                break
        return None

    def failed(self, seq: int) -> None:
        """Write ``seq`` failed: nothing to undo."""
        self._waiting.pop(seq, None)
        self._steps = [s for s in self._steps if s.seq != seq]

    def take(self) -> Step | None:
        """The newest step, off the stack (None: nothing to undo). A step whose write has not
        committed yet has ``inverse`` None: it is kept aside and returned by :meth:`landed`."""
        if not self._steps:
            return None
        step = self._steps.pop()
        if step.inverse is None:
            self._waiting[step.seq] = step
        return step
