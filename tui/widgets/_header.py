"""The top line: how much is waiting (new, open, snoozed), how many the list shows, and
whether posts need a decision (``o`` opens them)."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ._format import count_short


class CountsHeader(Widget):
    """``sfogo  ● 12 new · 8 open · 3 snoozed   20 shown  /word``, shorter when narrow."""

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

    def render(self) -> Content:
        narrow = self.size.width < 60
        title = Content.from_markup("[b]sfogo[/b]")
        if self.counts is None:
            return title + Content.from_markup(" [$text-muted]counting…[/]")
        new = count_short(self.counts.get("new", 0))
        opened = count_short(self.counts.get("open", 0))
        snoozed = count_short(self.counts.get("snoozed", 0))
        shown = "…" if self.shown is None else count_short(self.shown)
        if narrow:
            # Posts that need a decision take the place of the snoozed count (40 columns).
            snz = "" if self.posts else f" {snoozed} snz"
            line = Content.from_markup(
                " [$text-accent]●[/] [b]$new[/b] new $open open$snz [$text-muted]│[/] $shown",
                new=new,
                open=opened,
                snz=snz,
                shown=shown,
            )
        else:
            line = Content.from_markup(
                "  [$text-accent]●[/] [b]$new[/b] new · $open open · $snoozed snoozed"
                "  [$text-muted]│[/] $shown shown",
                new=new,
                open=opened,
                snoozed=snoozed,
                shown=shown,
            )
        if self.search:
            line += Content.from_markup(" [$text-muted]/[/]$search", search=self.search)
        if self.posts:
            plural = "s" if self.posts > 1 else ""
            text = f"⚑{self.posts}" if narrow else f"⚑ {self.posts} post{plural} to decide"
            line += Content.from_markup(" [$text-error b]$text[/]", text=text)
        return title + line
