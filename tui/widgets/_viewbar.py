"""The line under the counts: which view (1–9, 0) is on, what the filters keep, the order, and
how many items are selected. Always visible, so the list never hides what it leaves out.

``▸2 Backlog  1 Inbox  3 Due today … │ f: Hotel Roma · ig · dm │ 3 selected``, with the
other views shortened to their numbers, then dropped, when the line gets too narrow.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from sfogo.inbox.i18n import _

from ._format import count_short


class ViewBar(Widget):
    DEFAULT_CSS = """
    ViewBar {
        height: 1;
        background: $boost;
        padding: 0 1;
        color: $text-muted;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    views: reactive[tuple[str, ...]] = reactive(tuple)
    keys: reactive[tuple[str, ...]] = reactive(tuple)  # each view's key (default: 1, 2, …)
    current: reactive[int] = reactive(0)
    filters: reactive[tuple[str, ...]] = reactive(tuple)  # what ``f`` keeps, as words
    newest_first: reactive[bool] = reactive(False)
    selected: reactive[int] = reactive(0)

    def render(self) -> Content:
        width = self.size.width
        tail: list[Content] = []
        if self.filters:
            tail.append(
                Content.from_markup("[$text-accent]f:[/] [b]$f[/b]", f=" · ".join(self.filters))
            )
        if self.newest_first:
            tail.append(Content(_("newest first")))
        if self.selected:
            tail.append(
                Content.from_markup(
                    _("[b $text-accent]$n selected[/]"), n=count_short(self.selected)
                )
            )
        tail_content = Content(" │ ").join(tail) if tail else Content("")
        for style in ("full", "numbers", "current"):
            head = self._views(style)
            line = head + (Content(" │ ") + tail_content if tail else Content(""))
            if line.cell_length <= width:
                return line
        return line  # cut with an ellipsis by the CSS

    def _views(self, style: str) -> Content:
        parts: list[Content] = []
        for index, name in enumerate(self.views):
            number = self.keys[index] if index < len(self.keys) else str(index + 1)
            if index == self.current:
                parts.append(Content.from_markup("[reverse b]▸$n $name[/]", n=number, name=name))
            elif style == "full":
                parts.append(Content.from_markup("$n $name", n=number, name=name))
            elif style == "numbers":
                parts.append(Content(number))
        if style == "current" or not parts:
            return Content("").join(parts)
        return Content(" ").join(parts) if style == "numbers" else Content("  ").join(parts)
