"""The inbox as a virtual list: one line per item, drawn on demand from rows fetched by id.

The widget holds an :class:`IdList` (an ``array('q')`` of ids, 8 bytes an item: 1M items =
8 MB, the cursor's index and the selected ids). ``render_line`` maps a screen line to an
id, gets its row from :class:`RowPages` (fetched by primary key a page at a time, kept in
an LRU cache), and keeps rendered strips in another LRU. Nothing here knows about filters
or workers: the screen that owns the list decides which ids it shows (``set_ids``) and how
rows are fetched (``fetch_rows``).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import Unpack

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.rows import ItemRow

from ..actions import ItemChanges
from ._format import fit
from ._id_list import BULK, IdList
from ._row import row_strip
from ._row_pages import PAGE, ROW_CACHE, RowPages  # noqa: F401 (tests read the sizes here)

STRIP_CACHE = 512  # rendered lines kept


class InboxList(ScrollView, can_focus=True):
    """A cursor over an ordered array of interaction ids, with a selection."""

    # Long: a fifth is its CSS, bindings and messages (Textual's shape for a widget), the
    # rest one cursor moving over one list and drawing it; the ids live in IdList, the rows
    # in RowPages, the cells of a line in _row.py.

    DEFAULT_CSS = """
    InboxList {
        overflow-x: hidden;
        /* Always there: the bar appearing when the ids arrive would re-lay out the screen
           just before the first frame with rows. */
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        & > .inbox-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .inbox-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        /* Without colour the cursor still shows. */
        &:nocolor > .inbox-list--cursor { text-style: reverse; }
        &:nocolor:focus > .inbox-list--cursor { text-style: reverse bold; }
        & > .inbox-list--new { color: $text-accent; text-style: bold; }
        & > .inbox-list--client { color: $text-primary; }
        & > .inbox-list--muted { color: $text-muted; }
        & > .inbox-list--ours { color: $text-success; }
        & > .inbox-list--late { color: $text-error; text-style: bold; }
        & > .inbox-list--warn { color: $text-warning; }
        & > .inbox-list--selected { background: $accent 25%; }
        & > .inbox-list--selected-mark { color: $text-accent; text-style: bold; }
    }
    """
    COMPONENT_CLASSES = {
        "inbox-list--cursor",
        "inbox-list--new",
        "inbox-list--client",
        "inbox-list--muted",
        "inbox-list--ours",
        "inbox-list--late",
        "inbox-list--warn",
        "inbox-list--selected",
        "inbox-list--selected-mark",
    }
    BINDINGS = [
        Binding("j,down", "cursor_down", N_("Down"), id="inbox.cursor_down", show=False),
        Binding("k,up", "cursor_up", N_("Up"), id="inbox.cursor_up", show=False),
        Binding("g,home", "first", N_("First"), id="inbox.first", show=False),
        Binding("G,end", "last", N_("Last"), id="inbox.last", show=False),
        # ctrl+d/ctrl+u as in less and vim: phones' keyboards rarely have page keys.
        Binding("pagedown,ctrl+d", "page_down", N_("Page down"), id="inbox.page_down", show=False),
        Binding("pageup,ctrl+u", "page_up", N_("Page up"), id="inbox.page_up", show=False),
        Binding("x,space", "toggle_select", N_("Select"), id="inbox.select", show=False),
        Binding("asterisk", "select_all", N_("Select all"), id="inbox.select_all", show=False),
        Binding(
            "escape", "clear_selection", N_("Clear selection"), id="inbox.select_none", show=False
        ),
    ]

    class Highlighted(Message):
        """The cursor is on a different item (``item_id`` None: the list is empty)."""

        def __init__(self, inbox_list: InboxList, item_id: int | None) -> None:
            super().__init__()
            self.inbox_list = inbox_list
            self.item_id = item_id

        @property
        def control(self) -> InboxList:
            return self.inbox_list

    class Selected(Message):
        """The item under the cursor was chosen (double click)."""

        def __init__(self, inbox_list: InboxList, item_id: int) -> None:
            super().__init__()
            self.inbox_list = inbox_list
            self.item_id = item_id

        @property
        def control(self) -> InboxList:
            return self.inbox_list

    class SelectionChanged(Message):
        """Items were selected or unselected (``count`` now selected)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self,
        fetch_rows: Callable[[Sequence[int]], dict[int, ItemRow]],
        now: Callable[[], int],
        settings=None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        from sfogo.backlog.settings import Settings

        self._now = now
        self.settings = settings or Settings()  # targets and reply windows for deadlines
        self.model = IdList()
        self.loaded = False  # the first ids arrived (until then the list says "loading")
        self.complete = False  # every id arrived (the first screenful may come alone)
        self.empty_text = _("Nothing here.")
        # The owner every row of the view has (the Mine view's): not repeated on each row.
        self.owner_implied = ""
        self._rows = RowPages(fetch_rows)
        self._strips: LRUCache[tuple, Strip] = LRUCache(STRIP_CACHE)
        self._highlighted: int | None = None
        self.painted = False  # a line was drawn after the ids came (the bench's first frame)
        self.ids_version = 0  # counts set_ids calls; painted_version: the last one drawn
        self.painted_version = 0

    # -- what the list holds (the model's, read through the widget) ----------------------

    @property
    def ids(self) -> array:
        return self.model.ids

    @property
    def cursor(self) -> int:
        return self.model.cursor

    @cursor.setter
    def cursor(self, index: int) -> None:
        self.model.cursor = index

    @property
    def selected(self) -> set[int]:
        return self.model.selected

    @property
    def current_id(self) -> int | None:
        return self.model.current_id

    def around_cursor(self, each_side: int) -> tuple[int, ...]:
        return self.model.around_cursor(each_side)

    def chosen_ids(self) -> list[int]:
        """What an action applies to: the selection in list order, else the cursor's item."""
        return self.model.chosen()

    def current_row(self) -> ItemRow | None:
        return self.row_at(self.cursor) if self.ids else None

    def row_at(self, index: int) -> ItemRow | None:
        """The row at ``index``, fetching its page if needed (None: deleted meanwhile)."""
        return self._rows.row(self.ids, index)

    # -- what the list shows --------------------------------------------------------------

    def set_ids(self, ids: array, *, keep_id: int | None = None, complete: bool = True) -> None:
        """Show ``ids``; the cursor stays on ``keep_id`` if it is there, else on its index.

        With ``keep_id``, what you are looking at stays where it is: scrolled down the list,
        the first line's item stays the first line (items that arrive above it push the
        view, not the text under your eyes); at the top, arrivals show at the top. The
        header counts them (tui/arrivals.py)."""
        self.ids_version += 1
        self.loaded = True
        self.complete = complete
        top = round(self.scroll_offset.y)
        anchor = self.ids[top] if keep_id is not None and 0 < top < len(self.ids) else None
        if self.model.replace(ids, keep_id=keep_id, prune=complete):
            self.post_message(self.SelectionChanged(len(self.selected)))
        if anchor is not None:
            self.virtual_size = Size(0, len(self.ids))
            index = self.model.index_of(anchor, top, missing=-1)
            if index >= 0 and index != top:
                self.scroll_to(y=index, animate=False, immediate=True)
        self._redraw_all()

    def remove_ids(self, item_ids: Iterable[int]) -> None:
        """Drop items (done, snoozed): the cursor stays on the same line, now the next item."""
        drop = set(item_ids)
        if not drop:
            return
        changed, selection = self.model.remove(drop)
        if not changed:
            return
        if selection:
            self.post_message(self.SelectionChanged(len(self.selected)))
        self._redraw_all()

    def _redraw_all(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(0, len(self.ids))
        self._scroll_to_cursor()
        self.refresh()
        self._post_highlighted()

    def update_row(self, item_id: int, **changes: Unpack[ItemChanges]) -> None:
        """Change a cached row in place (a status, a pin) and redraw it."""
        self.update_rows([item_id], lambda _row: changes)

    def update_rows(
        self, item_ids: Iterable[int], change: Callable[[ItemRow], ItemChanges]
    ) -> None:
        """Change cached rows in place with ``change(row)`` (what an action does to a row)
        and redraw them; rows not cached are read fresh when drawn."""
        item_ids = list(item_ids)
        self._strips.clear()
        for item_id in item_ids:
            row = self._rows.cached(item_id)
            if row is not None:
                self._rows.update(item_id, change(row))
        if len(item_ids) > BULK:
            self.refresh()  # finding each line would cost more than drawing the screen
            return
        for index in self.model.indexes_of(item_ids):
            self.refresh_line(index)

    def invalidate(self) -> None:
        """Forget cached rows and lines (rows changed underneath) and redraw."""
        self._rows.clear()
        self._strips.clear()
        self.refresh()

    # -- selection ------------------------------------------------------------------------

    def action_toggle_select(self) -> None:
        """Select or unselect the item under the cursor, then move on to the next."""
        item_id = self.current_id
        if item_id is None:
            return
        self.model.toggle(item_id)
        self._strips.clear()
        self.refresh_line(self.cursor)
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.move_to(self.cursor + 1)

    def action_select_all(self) -> None:
        """Select every item in the view (or, when all are selected already, none)."""
        if not self.ids:
            return
        if not self.complete:
            self.notify(_("The list is still loading: try again in a moment."), timeout=3)
            return
        self.model.select_all()
        self._selection_redrawn()

    def action_clear_selection(self) -> None:
        if self.selected:
            self.model.selected = set()
            self._selection_redrawn()

    def _selection_redrawn(self) -> None:
        self._strips.clear()
        self.refresh()
        self.post_message(self.SelectionChanged(len(self.selected)))

    # -- cursor ---------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        """Put the cursor on ``index``: only the two changed lines redraw unless it scrolls."""
        if not self.ids:
            return
        index = max(0, min(index, len(self.ids) - 1))
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        if not self._scroll_to_cursor():
            self.refresh_line(old)
            self.refresh_line(index)
        self._post_highlighted()

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _scroll_to_cursor(self) -> bool:
        """Scroll so the cursor is visible; True if the view moved (it redraws whole)."""
        height = self._page_height()
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            target = self.cursor
        elif self.cursor >= top + height:
            target = self.cursor - height + 1
        else:
            return False
        self.scroll_to(y=target, animate=False, immediate=True)
        return True

    def _post_highlighted(self) -> None:
        current = self.current_id
        if current != self._highlighted:
            self._highlighted = current
            self.post_message(self.Highlighted(self, current))

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.ids) - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self._page_height())

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self._page_height())

    async def _on_click(self, event: events.Click) -> None:  # async, as Widget's is
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_offset.y) + offset.y
        if 0 <= index < len(self.ids):
            self.move_to(index)
            if event.chain == 2:
                self.post_message(self.Selected(self, self.ids[index]))

    def on_resize(self) -> None:
        self._scroll_to_cursor()  # the list got shorter (reading an item): keep the cursor

    def _on_focus(self, event: events.Focus | events.Blur) -> None:
        self._strips.clear()
        if self.ids:
            self.refresh_line(self.cursor)

    def _on_blur(self, event: events.Blur) -> None:
        self._on_focus(event)  # the cursor's colours depend on focus

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()

    def tick(self) -> None:
        """Ages and deadlines changed: redraw every line (the screen calls this each minute).
        A shown "is replying" may have lapsed with no write to say so: those rows are read
        again."""
        if self._rows.any_replying():
            self._rows.clear()
        self._strips.clear()
        self.refresh()

    # -- drawing --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        self.painted = self.loaded
        self.painted_version = self.ids_version
        if index >= len(self.ids):
            if y == 0 and not self.ids:
                text = "  loading…" if not self.loaded else f"  {self.empty_text}"
                muted = self.get_component_rich_style("inbox-list--muted")
                return Strip([Segment(fit(text, width), base + muted)], width)
            return Strip.blank(width, base)
        item_id = self.ids[index]
        is_cursor = index == self.cursor
        selected = item_id in self.selected
        key = (item_id, width, is_cursor, self.has_focus, selected)
        strip = self._strips.get(key)
        if strip is None:
            row = self.row_at(index)
            if row is None:  # deleted by another process since the ids were read
                strip = Strip.blank(width, base)
            else:
                strip = row_strip(
                    row,
                    width,
                    self._now(),
                    self.settings,
                    self.get_component_rich_style,
                    base,
                    selected=selected,
                    cursor=is_cursor,
                    owner_implied=self.owner_implied,
                )
            self._strips[key] = strip
        return strip
