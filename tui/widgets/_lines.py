"""A widget drawn as a few lines of Content that depend on its width (charts, tables)."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget


class LinesWidget(Widget):
    """Subclasses implement :meth:`lines`; the widget is as tall as the lines it draws.

    Every line is cut to the width, never wrapped: a chart that wrapped would lie.
    """

    DEFAULT_CSS = """
    LinesWidget {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def lines(self, width: int) -> list[Content]:
        raise NotImplementedError

    def _lines(self, width: int) -> list[Content]:
        return [line.truncate(width, ellipsis=True) for line in self.lines(width)] or [Content("")]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.size.width))

    def changed(self) -> None:
        """The data changed: redraw, and re-measure (the number of lines may differ)."""
        self.refresh(layout=True)
