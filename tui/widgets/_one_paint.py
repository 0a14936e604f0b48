"""Widgets that are painted once when a layout changes their size, not twice.

Textual 8 (measured on 8.2.8) hands a widget its new size after a layout through
``Widget._size_updated``, which sets the new virtual size through a reactive that asks for
another layout and a full repaint: every widget whose size changed went out to the terminal
a second time in the next frame, with nothing changed (the detail pane showing another item
cost twice its bytes). Textual itself passes ``layout=False`` when it scrolls; these widgets
do the same always. Their scrollbars still follow (their own reactives lay them out).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Static


class OnePaint:
    """Mixin (before the Textual widget class): no second layout after a size change."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)  # type: ignore[misc]


class PaneText(OnePaint, Static):
    """A :class:`Static` painted once per change of size."""
