"""The Posts screen on the demo inbox, clock frozen: a manager back from the 30-hour outage
presses ``o`` and sees what went wrong first (Trattoria's six Thursday posts vanished, the
live music night never appeared, Nuvola's X post cannot be confirmed), reads a post's
history, and restores, publishes, edits or cancels it. Checked through a second
connection, as another process would see it."""

from __future__ import annotations

import pytest
from conftest import NOW
from tui_kit import make_app, screen_text, settle

from sfogo.inbox.store import Store
from sfogo.inbox.store.posts import NewPost
from sfogo.tui.screens import PostHistoryScreen, PostsScreen
from sfogo.tui.widgets import HealthBar, PostList

pytestmark = pytest.mark.usefixtures("rome_time")
SIZES = [(80, 24), (40, 24)]


async def open_posts(pilot) -> PostsScreen:
    await settle(pilot)
    await pilot.press("P")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PostsScreen)
    return screen


def post_of(db_path, post_id: int) -> dict:
    with Store(db_path) as other:
        return other.posts.get(post_id)


def current(screen: PostsScreen):
    return screen.query_one(PostList).current


async def test_problems_come_first_and_the_health_bar_and_header_count_them(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "⚑ 8 posts to decide" in text.splitlines()[0]
        assert "✗ x blocked 5d · 1 missed · 6 vanished · 1 at risk" in text
        screen = await open_posts(pilot)
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" Posts · 1 missed · 6 vanished · 1 at risk")
        assert lines[1].strip() == "Needs a decision · 8"
        assert "✗ missed" in lines[2] and "musica dal vivo" in lines[2]
        assert "? at risk" in lines[3] and "∅ vanished" in lines[4]
        assert current(screen).state == "missed"
        assert "not on the timeline" in screen.query_one("#posts-why").render().plain
        await pilot.press("P")  # P again: back to the inbox
        await settle(pilot)
        assert not isinstance(app.screen, PostsScreen)


async def test_enter_shows_the_history_and_r_there_restores_the_vanished_post_once(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_posts(pilot)
        await pilot.press("j", "j")
        post = current(screen)
        assert post.state == "vanished"
        post_id = post.row["id"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PostHistoryScreen)
        text = screen_text(app)
        assert "read from Facebook's queue" in text and "sfogo did not remove it" in text
        await pilot.press("r")
        await settle(pilot)
        row = post_of(demo_db, post_id)
        assert (row["state"], row["send_action"], row["send_state"]) == (
            "scheduled",
            "schedule",
            "queued",
        )
        assert screen.view.counts.get("vanished") == 5
        assert current(screen).state == "vanished"  # the cursor stays on its line: the next
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert current(screen).row["id"] != post_id  # restored posts left the problems


async def test_n_publishes_a_missed_post_c_cancels_and_e_edits(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_posts(pilot)
        missed = current(screen)
        await pilot.press("n")  # Instagram: sfogo cannot publish media
        await settle(pilot)
        assert post_of(demo_db, missed.row["id"])["state"] == "missed"
        assert "Instagram publishes only" in " ".join(screen_text(app).split())

        await pilot.press("j")  # the X post that cannot be confirmed: edit its text
        risky = current(screen)
        assert risky.state == "at_risk"
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("end", *" (apply now)", "ctrl+s")
        await settle(pilot)
        assert post_of(demo_db, risky.row["id"])["text"].endswith("(apply now)")

        await pilot.press("g", "c")
        await settle(pilot)
        assert post_of(demo_db, missed.row["id"])["state"] == "cancelled"
        assert screen.view.problems == 7


async def test_hostile_post_text_stays_text(demo_db):
    with Store(demo_db) as store:
        account = store.accounts.get("trattoriadagino")
        store.posts.add(
            [
                NewPost(
                    account.id,
                    NOW - 3600,
                    "[@click=app.quit]x[/] \x1b]52;c;cGF5\x07 [/",
                    "plan",
                )
            ],
            now=NOW - 7200,
        )
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_posts(pilot)
        posts = screen.query_one(PostList)
        index = next(
            i for i, (kind, p) in enumerate(posts.lines) if kind == "post" and "[/" in p.row["text"]
        )
        posts._move_to(index, 1)
        await settle(pilot)
        assert "[@click=app.quit]x[/]" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.is_running and "[@click=app.quit]x[/] \ufffd]52;c;cGF5\ufffd [/" in screen_text(
            app
        )
        await pilot.press("q")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, PostsScreen)


def test_the_health_bar_counts_posts_in_short_under_60_columns(demo_db):
    from sfogo.tui.widgets._health import health_line, load_health

    with Store(demo_db) as store:
        state = load_health(store, NOW)
    assert state.posts == (("missed", 1), ("vanished", 6), ("at_risk", 1))
    assert health_line(state, NOW, 80).plain.startswith(
        "✗ x blocked 5d · 1 missed · 6 vanished · 1 at risk · "
    )
    assert health_line(state, NOW, 40).plain.startswith("✗ x blocked 5d · 8 posts")
    assert HealthBar  # the widget that draws it


# -- snapshots ---------------------------------------------------------------------------------


def _keys(*pressed: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_posts(demo_db, snap_compare, size):
    assert snap_compare(make_app(demo_db), terminal_size=size, run_before=_keys("P"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_post_history(demo_db, snap_compare, size):
    assert snap_compare(
        make_app(demo_db), terminal_size=size, run_before=_keys("P", "j", "j", "enter")
    )
