"""The line under the counts: which view (1–9, 0) is on, what the filters keep, the order, and
how many items are selected. Always visible, so the list never hides what it leaves out.

``▸2 Backlog  1 Inbox  3 Due today … │ f: Hotel Roma · ig · dm │ 3 selected``, with the
other views shortened to their numbers from the far end, then dropped, when the line gets too
narrow.
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
        others = [i for i in range(len(self.views)) if i != self.current]
        # Names go from the far end first (the current view always keeps its own), then the
        # numbers too: a sixth view must not cost the first five their names.
        for named in range(len(others), -2, -1):
            head = self._views(set(others[: max(named, 0)]), numbers=named >= 0)
            line = head + (Content(" │ ") + tail_content if tail else Content(""))
            if line.cell_length <= width:
                return line
        return line  # cut with an ellipsis by the CSS

    def _views(self, named: set[int], *, numbers: bool) -> Content:
        """The views as ``▸N name`` for the current one, ``N name`` for those in ``named``
        and ``N`` for the others (left out when not ``numbers``)."""
        line = Content("")
        after_name = False
        for index, name in enumerate(self.views):
            number = self.keys[index] if index < len(self.keys) else str(index + 1)
            if index == self.current:
                part = Content.from_markup("[reverse b]▸$n $name[/]", n=number, name=name)
            elif index in named:
                part = Content.from_markup("$n $name", n=number, name=name)
            elif numbers:
                part = Content(number)
            else:
                continue
            has_name = index == self.current or index in named
            if line.cell_length:
                line += Content("  " if has_name or after_name else " ")
            line += part
            after_name = has_name
        return line
