"""The inbox as a virtual list: one line per item, drawn on demand from rows fetched by id.

The widget holds only an ``array('q')`` of ids (8 bytes an item: 1M items = 8 MB) and the
index of the cursor. ``render_line`` maps a screen line to an id, fetches that id's page of
rows by primary key (``PAGE`` ids at a time) into an LRU cache, and keeps rendered strips in
another. Nothing here knows about filters or workers: the screen that owns the list decides
which ids it shows (``set_ids``) and how rows are fetched (``fetch_rows``).
"""
from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox.model import CHANNEL_SHORT

from ._format import age_short, fit, fit_right, one_line

PAGE = 128  # rows fetched per primary-key query
ROW_CACHE = 32 * PAGE  # rows kept (a few screens either way of the cursor)
STRIP_CACHE = 512  # rendered lines kept
COMPACT_BELOW = 64  # list widths under this get the compact row (phones, split panes)

MARKERS = {"new": "●", "open": " ", "snoozed": "z", "done": "✓", "ignored": "-"}


class InboxList(ScrollView, can_focus=True):
    """A cursor over an ordered array of interaction ids."""

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
        & > .inbox-list--new { color: $text-accent; text-style: bold; }
        & > .inbox-list--client { color: $text-primary; }
        & > .inbox-list--muted { color: $text-muted; }
        & > .inbox-list--ours { color: $text-success; }
    }
    """
    COMPONENT_CLASSES = {
        "inbox-list--cursor", "inbox-list--new", "inbox-list--client", "inbox-list--muted",
        "inbox-list--ours",
    }
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="inbox.cursor_down", show=False),
        Binding("k,up", "cursor_up", "Up", id="inbox.cursor_up", show=False),
        Binding("g,home", "first", "First", id="inbox.first", show=False),
        Binding("G,end", "last", "Last", id="inbox.last", show=False),
        Binding("pagedown,space", "page_down", "Page down", id="inbox.page_down", show=False),
        Binding("pageup", "page_up", "Page up", id="inbox.page_up", show=False),
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

    def __init__(
        self,
        fetch_rows: Callable[[Sequence[int]], dict[int, dict]],
        now: Callable[[], int],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._fetch_rows = fetch_rows
        self._now = now
        self.ids: array = array("q")
        self.cursor = 0
        self.loaded = False  # the first ids arrived (until then the list says "loading")
        self.complete = False  # every id arrived (the first screenful may come alone)
        self.empty_text = "Nothing here."
        self._rows: LRUCache[int, dict] = LRUCache(ROW_CACHE)
        self._strips: LRUCache[tuple, Strip] = LRUCache(STRIP_CACHE)
        self._highlighted: int | None = None
        self.painted = False  # a line was drawn after the ids came (the bench's first frame)

    # -- what the list shows --------------------------------------------------------------

    def set_ids(self, ids: array, *, keep_id: int | None = None, complete: bool = True) -> None:
        """Show ``ids``; the cursor stays on ``keep_id`` if it is there, else on its index."""
        self.ids = ids
        self.loaded = True
        self.complete = complete
        if keep_id is not None:
            self.cursor = self._index_of(keep_id, self.cursor)
        self.cursor = max(0, min(self.cursor, len(ids) - 1))
        self._strips.clear()
        self.virtual_size = Size(0, len(ids))
        self._scroll_to_cursor()
        self.refresh()
        self._post_highlighted()

    def remove_ids(self, item_ids: Iterable[int]) -> None:
        """Drop items (done, snoozed): the cursor stays on the same line, now the next item."""
        changed = False
        for item_id in item_ids:
            index = self._index_of(item_id, self.cursor, missing=-1)
            if index < 0:
                continue
            del self.ids[index]
            changed = True
            if index < self.cursor:
                self.cursor -= 1
        if not changed:
            return
        self.cursor = max(0, min(self.cursor, len(self.ids) - 1))
        self._strips.clear()
        self.virtual_size = Size(0, len(self.ids))
        self._scroll_to_cursor()
        self.refresh()
        self._post_highlighted()

    def update_row(self, item_id: int, **changes) -> None:
        """Change a cached row in place (status after 'seen') and redraw its line."""
        row = self._rows.get(item_id)
        if row is not None:
            row.update(changes)
        self._strips.clear()
        index = self._index_of(item_id, self.cursor, missing=-1)
        if index >= 0:
            self.refresh_line(index)

    def invalidate(self) -> None:
        """Forget cached rows and lines (rows changed underneath) and redraw."""
        self._rows.clear()
        self._strips.clear()
        self.refresh()

    @property
    def current_id(self) -> int | None:
        return self.ids[self.cursor] if self.ids else None

    def current_row(self) -> dict | None:
        return self.row_at(self.cursor) if self.ids else None

    def row_at(self, index: int) -> dict | None:
        """The row at ``index``, fetching its page if needed (None: deleted meanwhile)."""
        item_id = self.ids[index]
        row = self._rows.get(item_id)
        if row is None:
            start = index - index % PAGE
            fetched = self._fetch_rows(self.ids[start:start + PAGE])
            for fetched_id, fetched_row in fetched.items():
                self._rows[fetched_id] = fetched_row
            row = fetched.get(item_id)
        return row

    def _index_of(self, item_id: int, hint: int, *, missing: int | None = None) -> int:
        if 0 <= hint < len(self.ids) and self.ids[hint] == item_id:
            return hint
        try:
            return self.ids.index(item_id)
        except ValueError:
            return hint if missing is None else missing

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

    def _on_click(self, event: events.Click) -> None:
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

    def _on_focus(self, event: events.Focus) -> None:
        self._strips.clear()
        if self.ids:
            self.refresh_line(self.cursor)

    def _on_blur(self, event: events.Blur) -> None:
        self._on_focus(event)  # the cursor's colours depend on focus

    def notify_style_update(self) -> None:
        self._strips.clear()
        super().notify_style_update()

    def tick(self) -> None:
        """Ages changed: redraw every line (called once a minute by the screen)."""
        self._strips.clear()
        self.refresh()

    # -- drawing --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        self.painted = self.loaded
        if index >= len(self.ids):
            if y == 0 and not self.ids:
                text = "  loading…" if not self.loaded else f"  {self.empty_text}"
                muted = self.get_component_rich_style("inbox-list--muted")
                return Strip([Segment(fit(text, width), base + muted)], width)
            return Strip.blank(width, base)
        item_id = self.ids[index]
        is_cursor = index == self.cursor
        key = (item_id, width, is_cursor, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            row = self.row_at(index)
            if row is None:  # deleted by another process since the ids were read
                strip = Strip.blank(width, base)
            else:
                strip = self._render_row(row, width, is_cursor, base)
            self._strips[key] = strip
        return strip

    def _render_row(self, row: dict, width: int, is_cursor: bool, base: Style) -> Strip:
        """One item as one line: its columns cut to fit, never wrapped."""
        style = self.get_component_rich_style
        muted = style("inbox-list--muted")
        status = row["status"]
        new = status == "new"
        accent = style("inbox-list--new") if new else muted
        author = "you" if row["outgoing"] else one_line(
            row["author_name"] or row["author_handle"], 80
        )
        author_style = style("inbox-list--ours") if row["outgoing"] else (
            Style(bold=True) if new else Style()
        )
        client = one_line(row["client"], 60)
        channel = CHANNEL_SHORT.get(row["channel"]) or one_line(row["channel"], 20)
        kind = one_line(row["kind"], 20)
        age = age_short(row["created_at"], self._now())
        text = one_line(row["text"])
        marker = "▲" if row["pinned"] and not new else MARKERS.get(status, " ")

        if width < COMPACT_BELOW:
            client_w, author_w, age_w = (7, 8, 3) if width >= 36 else (5, 6, 3)
            columns = [
                (marker, accent, 1), (client, style("inbox-list--client"), client_w),
                (channel, muted, 4), (author, author_style, author_w),
            ]
        else:
            wide = width >= 100
            client_w, author_w, age_w = (16 if wide else 12), (18 if wide else 14), 4
            columns = [
                (marker, accent, 1), (client, style("inbox-list--client"), client_w),
                (channel, muted, 4), (kind, muted, 7), (author, author_style, author_w),
            ]
        # One space between columns (none after the marker when narrow); the excerpt
        # takes what is left.
        gap_after_marker = width >= COMPACT_BELOW
        fixed = sum(w for _, _, w in columns) + (len(columns) - 2) + gap_after_marker + 2 + age_w
        text_w = max(0, width - fixed)
        segments = []
        for i, (value, seg_style, col_w) in enumerate(columns):
            if i > 1 or (i == 1 and gap_after_marker):
                segments.append(Segment(" ", base))
            segments.append(Segment(fit(value, col_w), base + seg_style))
        segments.append(Segment(" ", base))
        segments.append(Segment(fit(text, text_w), base))
        segments.append(Segment(" ", base))
        segments.append(Segment(fit_right(age, age_w), base + muted))
        # Every cell was counted by fit(): skip measuring the line again, except in the rare
        # list too narrow for its fixed columns, which is cut.
        used = fixed + text_w
        if used <= width:
            strip = Strip(segments, used).extend_cell_length(width, base)
        else:
            strip = Strip(segments).crop_extend(0, width, base)
        if is_cursor:
            cursor = style("inbox-list--cursor")
            strip = Strip(Segment.apply_style(strip, post_style=cursor), width)
        return strip
