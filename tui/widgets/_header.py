"""The top line: how much is waiting (new, open, snoozed), how many the list shows, how many
arrived since you last looked (tui/arrivals.py), and whether posts need a decision (``o``
opens them)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from sfogo.inbox.i18n import _, ngettext

from ._format import count_short


class CountsHeader(Widget):
    """``sfogo  ● 12 new · 8 open · 3 snoozed  │ 20 shown /word  │ +3 arrived · ⚑ 2 posts to
    decide``, shorter when narrow; the arrivals and the posts take their short forms where the
    line would not fit."""

    DEFAULT_CSS = """
    CountsHeader {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    counts: reactive[dict[str, int] | None] = reactive(None)
    shown: reactive[int | None] = reactive(None)  # None: still loading
    search: reactive[str] = reactive("")
    posts: reactive[int] = reactive(0)  # posts that need a decision
    arrived: reactive[int] = reactive(0)  # new items since you last looked

    def render(self) -> Content:
        narrow = self.size.width < 60
        title = Content.from_markup("[b]sfogo[/b]")
        if self.counts is None:
            return title + Content.from_markup(_(" [$text-muted]counting…[/]"))
        new = count_short(self.counts.get("new", 0))
        opened = count_short(self.counts.get("open", 0))
        snoozed = count_short(self.counts.get("snoozed", 0))
        shown = "…" if self.shown is None else count_short(self.shown)
        if narrow:
            # Arrivals and posts that need a decision take the place of the snoozed count.
            snz = "" if self.posts or self.arrived else _(" {snoozed} snz").format(snoozed=snoozed)
            line = Content.from_markup(
                _(" [$text-accent]●[/] [b]$new[/b] new $open open$snz [$text-muted]│[/] $shown"),
                new=new,
                open=opened,
                snz=snz,
                shown=shown,
            )
        else:
            line = Content.from_markup(
                _(
                    "  [$text-accent]●[/] [b]$new[/b] new · $open open · $snoozed snoozed"
                    "  [$text-muted]│[/] $shown shown"
                ),
                new=new,
                open=opened,
                snoozed=snoozed,
                shown=shown,
            )
        if self.search:
            line += Content.from_markup(" [$text-muted]/[/]$search", search=self.search)
        return title + line + self._news(self.size.width - cell_len((title + line).plain), narrow)

    def _news(self, room: int, narrow: bool) -> Content:
        """What arrived and the posts to decide, after a separator of their own, each in its
        long form where the line has room for it (the posts' first, then the arrivals')."""
        arrived = f"+{count_short(self.arrived)}" if self.arrived else ""
        posts = f"⚑{self.posts}" if self.posts else ""
        if not (arrived or posts):
            return Content("")
        wide_arrived = (
            _("{arrived} arrived").format(arrived=arrived) if arrived and not narrow else arrived
        )
        wide_posts = (
            ngettext("⚑ {posts} post to decide", "⚑ {posts} posts to decide", self.posts).format(
                posts=self.posts
            )
            if posts and not narrow
            else posts
        )
        lead, join = (" │ ", " ") if narrow else ("  │ ", " · ")
        for a, p in ((wide_arrived, wide_posts), (wide_arrived, posts), (arrived, posts)):
            if cell_len(lead + join.join(x for x in (a, p) if x)) <= room:
                arrived, posts = a, p
                break
        parts = []
        if arrived:
            parts.append(Content.from_markup("[$text-accent b]$text[/]", text=arrived))
        if posts:
            parts.append(Content.from_markup("[$text-error b]$text[/]", text=posts))
        sep = Content.from_markup("[$text-muted]$join[/]", join=join)
        return Content.from_markup("[$text-muted]$lead[/]", lead=lead) + sep.join(parts)
