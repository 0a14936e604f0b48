"""The app on the demo's team, as ``sfogo demo`` opens it (as Giulia): owners on rows, the
Mine view on key 6, each member's share in the plan, and who is away in the health bar, at
80 and 40 columns. The real app on a real file."""

from __future__ import annotations

import shutil

import pytest
from conftest import NOW
from tui_kit import make_app, screen_text, settle

from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.demo.build import build_demo
from sfogo.tui.demo.team import DEMO_USER
from sfogo.tui.screens import BacklogScreen
from sfogo.tui.widgets import InboxList

pytestmark = pytest.mark.usefixtures("rome_time")


@pytest.fixture(scope="module")
def team_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("team-demo") / "demo.db"
    with Store(path) as store:
        build_demo(store, seed=0, now=NOW, team=True)
    return path


@pytest.fixture
def team_db(team_template, tmp_path):
    path = tmp_path / "demo.db"
    shutil.copyfile(team_template, path)
    return path


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_demo_opens_as_giulia_with_owners_mine_and_who_is_away(team_db, size):
    with Store(team_db) as store:
        giulia = store.team.get(DEMO_USER).id
        hers = set(store.items.ids(InboxFilter(assignee=giulia)))
    app = make_app(team_db, user=DEMO_USER)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.me is not None and app.me.name == "Giulia"
        text = screen_text(app)
        owner = "Giulia›" if size[0] == 80 else "Giu›"
        assert owner in text
        assert "Tom away" in text.splitlines()[-2]  # the health bar
        await pilot.press("6")
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        assert set(inbox.ids) == hers and hers
        assert "Mine" in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_the_plan_view_shows_each_members_share(team_db, size):
    app = make_app(team_db, user=DEMO_USER)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BacklogScreen)
        lines = screen_text(app).splitlines()
        shares: dict[str, str] = {}  # the first line that starts with each name
        for line in lines:
            for name in ("Giulia", "Marco", "Sofia", "Tom"):
                if line.strip().startswith(name + " "):
                    shares.setdefault(name, line)
        assert set(shares) == {"Giulia", "Marco", "Sofia", "Tom"}
        plan = app.screen.plan
        assert plan is not None
        for part in plan.shares:
            assert f" {part.items} " in shares[part.name]
        if size[0] == 80:
            assert "items" in shares["Giulia"] and "done" in shares["Giulia"]
            assert "away until Tue 09:00" in shares["Tom"] and "New York" in shares["Tom"]
        assert "each of you" in " ".join(lines) or size[0] < 60


async def test_your_own_sick_day_shows_in_the_health_bar_with_who_else_is_away(team_db):
    app = make_app(team_db, user=DEMO_USER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("s")  # sick
        await settle(pilot)
        bar = screen_text(app).splitlines()[-2]
        assert bar.strip().startswith("sick since") and "Tom away" in bar
        with Store(team_db) as other:
            assert other.away.current() is None  # Giulia's own, not the inbox's
