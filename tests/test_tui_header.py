"""The inbox header: what is waiting, what the list shows, and after a separator of their own
what arrived since you last looked and the posts to decide, long where they fit."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from sfogo.tui.widgets import CountsHeader

COUNTS = {"new": 612, "open": 3, "snoozed": 1}


class HeaderApp(App):
    def compose(self) -> ComposeResult:
        yield CountsHeader()


async def header_line(width: int, *, arrived: int = 0, posts: int = 0, search: str = "") -> str:
    app = HeaderApp()
    async with app.run_test(size=(width, 3)) as pilot:
        header = app.query_one(CountsHeader)
        header.counts, header.shown, header.search = COUNTS, 615, search
        header.arrived, header.posts = arrived, posts
        await pilot.pause()
        return str(header.render())


@pytest.mark.parametrize(
    ("width", "arrived", "posts", "search", "line"),
    [
        (
            100,
            0,
            8,
            "",
            "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown  │ ⚑ 8 posts to decide",
        ),
        (
            100,
            3,
            8,
            "",
            "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown  │ +3 arrived · ⚑ 8 posts to "
            "decide",
        ),
        (80, 3, 8, "", "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown  │ +3 arrived · ⚑8"),
        (80, 3, 0, "", "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown  │ +3 arrived"),
        (80, 0, 0, "", "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown"),
        (
            80,
            3,
            1,
            "roma",
            "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown /roma  │ +3 arrived · ⚑1",
        ),
        (
            80,
            3,
            1,
            "hotel roma",
            "sfogo  ● 612 new · 3 open · 1 snoozed  │ 615 shown /hotel roma  │ +3 · ⚑1",
        ),
        (40, 3, 8, "", "sfogo ● 612 new 3 open │ 615 │ +3 ⚑8"),
        (40, 0, 0, "", "sfogo ● 612 new 3 open 1 snz │ 615"),
    ],
)
async def test_arrivals_and_posts_follow_a_separator_and_shorten_to_fit(
    width, arrived, posts, search, line
):
    shown = await header_line(width, arrived=arrived, posts=posts, search=search)
    assert shown == line
    assert len(shown) <= width - 2  # the header's padding
