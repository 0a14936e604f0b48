"""The Posts screen's list: day headings and posts, a cursor over the posts, line by line.

Drawn with the line API from a list the screen hands over (a few hundred lines in a busy
week; each line is drawn only when it is on screen and kept in a small LRU cache). Every
state has a mark as well as a colour, so it reads with NO_COLOR: ``✓`` published, ``≈``
late, ``✗`` missed, ``∅`` vanished, ``?`` at risk, ``!`` failed, ``‖`` held, ``·`` expected,
``↻`` moved, ``–`` cancelled.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sfogo.backlog.posts import ShownPost
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.model import CHANNEL_SHORT
from sfogo.inbox.timefmt import strftime

from ._format import fit, one_line

MARKS = {
    "scheduled": "·",
    "rescheduled": "↻",
    "published": "✓",
    "late": "≈",
    "missed": "✗",
    "vanished": "∅",
    "failed": "!",
    "held": "‖",
    "cancelled": "–",
    "at_risk": "?",
}
WORDS = {"rescheduled": N_("moved"), "at_risk": N_("at risk")}
# The other states as the title says them (translated where shown).
STATE_WORDS = (
    N_("missed"),
    N_("vanished"),
    N_("failed"),
    N_("held"),
    N_("late"),
    N_("published"),
    N_("cancelled"),
    N_("queued"),
    N_("scheduled"),
)
LEVEL = {
    "published": "good",
    "late": "warn",
    "missed": "bad",
    "vanished": "bad",
    "failed": "bad",
    "held": "warn",
    "at_risk": "warn",
    "cancelled": "muted",
}
NARROW = 60


def initials(name: str) -> str:
    words = one_line(name, 80).split()
    if not words:
        return "?"
    return words[0][:3] if len(words) == 1 else "".join(w[0] for w in words)[:3]


class PostList(ScrollView, can_focus=True):
    """A cursor over the post lines of ``lines`` (headings are skipped)."""

    DEFAULT_CSS = """
    PostList {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .post-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .post-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        &:nocolor > .post-list--cursor { text-style: reverse; }
        & > .post-list--head { color: $text-primary; text-style: bold; }
        & > .post-list--muted { color: $text-muted; }
        & > .post-list--good { color: $text-success; }
        & > .post-list--warn { color: $text-warning; text-style: bold; }
        & > .post-list--bad { color: $text-error; text-style: bold; }
    }
    """
    COMPONENT_CLASSES = {
        "post-list--cursor",
        "post-list--head",
        "post-list--muted",
        "post-list--good",
        "post-list--warn",
        "post-list--bad",
    }
    BINDINGS = [
        Binding("j,down", "move(1)", N_("Down"), id="posts.cursor_down", show=False),
        Binding("k,up", "move(-1)", N_("Up"), id="posts.cursor_up", show=False),
        Binding("g,home", "edge(0)", N_("First"), id="posts.first", show=False),
        Binding("G,end", "edge(1)", N_("Last"), id="posts.last", show=False),
        Binding("pagedown", "page(1)", N_("Page down"), id="posts.page_down", show=False),
        Binding("pageup", "page(-1)", N_("Page up"), id="posts.page_up", show=False),
    ]

    class Highlighted(Message):
        def __init__(self, post) -> None:
            super().__init__()
            self.post = post  # a ShownPost, or None

    class Selected(Message):
        def __init__(self, post) -> None:
            super().__init__()
            self.post = post

    def __init__(self, now, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now
        self.lines: list[tuple[str, object]] = []
        self.cursor = 0
        self.loaded = False
        self.empty_text = _("No posts. Plan some with 'sfogo posts import FILE' or 'sfogo post'.")
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)

    # -- data ---------------------------------------------------------------------------

    def show(
        self,
        lines: list[tuple[str, object]],
        *,
        keep_id: int | None = None,
        keep_line: bool = False,
    ) -> None:
        """Hold new lines; the cursor stays on ``keep_id`` if it is still listed, or with
        ``keep_line`` on the same line (after an action moved its post elsewhere: the next
        problem comes up under the cursor)."""
        old_cursor = self.cursor
        self.lines = lines
        self.loaded = True
        self._strips.clear()
        posts = self._post_indexes()
        target = None
        if keep_line and posts:
            target = next((i for i in posts if i >= old_cursor), posts[-1])
        elif keep_id is not None:
            target = next((i for i in posts if _post_id(lines[i][1]) == keep_id), None)
        if target is None:
            target = posts[0] if posts else 0
        self.cursor = target
        self.virtual_size = Size(0, len(lines))
        self.refresh()
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self.current))

    def _post_indexes(self) -> list[int]:
        return [i for i, (kind, _) in enumerate(self.lines) if kind == "post"]

    @property
    def current(self):
        if 0 <= self.cursor < len(self.lines) and self.lines[self.cursor][0] == "post":
            return self.lines[self.cursor][1]
        return None

    # -- moving ---------------------------------------------------------------------------

    def _move_to(self, index: int, step: int) -> None:
        posts = self._post_indexes()
        if not posts:
            return
        index = max(posts[0], min(index, posts[-1]))
        while self.lines[index][0] != "post":
            index += step if 0 <= index + step < len(self.lines) else -step
        if index == self.cursor:
            return
        old, self.cursor = self.cursor, index
        if not self._scroll_to_cursor():
            self.refresh_line(old)
            self.refresh_line(index)
        self.post_message(self.Highlighted(self.current))

    def _scroll_to_cursor(self) -> bool:
        height = max(1, self.scrollable_content_region.height)
        top = round(self.scroll_offset.y)
        # A heading just above the cursor comes into view with it.
        heading = self.cursor and self.lines[self.cursor - 1][0] == "head"
        want_top = self.cursor - 1 if heading else self.cursor
        if want_top < top:
            target = want_top
        elif self.cursor >= top + height:
            target = self.cursor - height + 1
        else:
            return False
        self.scroll_to(y=target, animate=False, immediate=True)
        return True

    def action_move(self, step: int) -> None:
        self._move_to(self.cursor + step, step)

    def action_edge(self, last: int) -> None:
        posts = self._post_indexes()
        if posts:
            self._move_to(posts[-1] if last else posts[0], -1 if last else 1)

    def action_page(self, step: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        self._move_to(self.cursor + step * height, step)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_offset.y) + offset.y
        if 0 <= index < len(self.lines) and self.lines[index][0] == "post":
            self._move_to(index, 1)
            if event.chain == 2:
                self.post_message(self.Selected(self.current))

    def key_enter(self) -> None:
        if self.current is not None:
            self.post_message(self.Selected(self.current))

    # -- drawing --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.lines):
            if y == 0 and not self.lines:
                text = _("  loading…") if not self.loaded else f"  {self.empty_text}"
                muted = self.get_component_rich_style("post-list--muted")
                return Strip([Segment(fit(text, width), base + muted)], width)
            return Strip.blank(width, base)
        cursor = index == self.cursor
        key = (index, width, cursor, self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            kind, value = self.lines[index]
            if kind == "head":
                style = base + self.get_component_rich_style("post-list--head")
                strip = Strip([Segment(fit(f" {value}", width), style)], width)
            else:
                strip = self._post_strip(value, width, cursor, base)
            self._strips[key] = strip
        return strip

    def _post_strip(self, post, width: int, cursor: bool, base) -> Strip:
        style = self.get_component_rich_style
        row = post.row
        narrow = width < NARROW
        local = datetime.fromtimestamp(row["at"]).astimezone()
        if post.needs_decision:
            when = f"{local:%d %H:%M}" if narrow else strftime(local, "%a %d %H:%M")
        else:
            when = f"{local:%H:%M}"
        mark = MARKS.get(post.state, "·")
        level = LEVEL.get(post.state)
        tone = style(f"post-list--{level}") if level else style("post-list--muted")
        channel = CHANNEL_SHORT.get(row["channel"], str(row["channel"]))
        if narrow:
            cells = [
                (f" {when} ", None),
                (fit(channel, 4) + " ", "post-list--muted"),
                (f"{mark} ", tone),
            ]
        else:
            cells = [
                (f" {when}  ", None),
                (fit(initials(row["client"]), 3) + " ", "post-list--muted"),
                (fit(channel, 4) + " ", "post-list--muted"),
                (fit(f"{mark} {_(WORDS.get(post.state, post.state))}", 11) + " ", tone),
            ]
        used = sum(cell_len(text) for text, _ in cells)
        cells.append((fit(one_line(row["text"]), max(1, width - used)), None))
        segments = []
        row_style = base + style("post-list--cursor") if cursor else base
        for text, part in cells:
            part_style = part if not isinstance(part, str) else style(part)
            plain = cursor or part_style is None
            segments.append(Segment(text, row_style if plain else base + part_style))
        return Strip(segments, width).crop_extend(0, width, base)


def _post_id(value: object) -> int | None:
    """The id of a line's post (None for a line that is not one)."""
    return value.row["id"] if isinstance(value, ShownPost) else None
