"""The app on a team's inbox: A assigns (and u undoes it), the Mine view, each row's owner,
and "NAME is replying" with the question before a second reply; a one-person inbox is as it
was. The real app on a real file; results read through a second connection."""

from __future__ import annotations

import pytest
from conftest import NOW
from tui_kit import make_app, screen_text, settle

from sfogo.inbox.store import Store
from sfogo.tui.screens import ConfirmScreen, InboxScreen, ReplyScreen
from sfogo.tui.screens._assign import AssignScreen
from sfogo.tui.views import DEFAULT_VIEWS
from sfogo.tui.widgets import InboxList

pytestmark = pytest.mark.usefixtures("rome_time")


def _team(db_path, tmp_path, user: str = "Anna"):
    """Anna and Bruno on the inbox; the app's config says it is ``user``'s."""
    with Store(db_path) as store:
        anna = store.team.add("Anna", now=NOW)
        bruno = store.team.add("Bruno", now=NOW)
    config = tmp_path / "config.toml"
    config.write_text(f'user = "{user}"\n')
    return anna, bruno, config


def _owner(db_path, item_id: int) -> str:
    with Store(db_path) as other:
        found = other.team.assignees([item_id]).get(item_id)
    return "" if found is None else found.name


def _line(app, item_id: int) -> str:
    inbox = app.screen.query_one(InboxList)
    index = list(inbox.ids).index(item_id)
    return inbox.render_line(index - round(inbox.scroll_offset.y)).text


async def test_one_person_inbox_has_no_mine_view_and_a_says_how_to_make_a_team(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.me is None and [v.name for v in app.views[:-1]] == [
            v.name for v in DEFAULT_VIEWS
        ]
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert any("No team yet" in str(n.message) for n in app._notifications)
        assert "›" not in _line(app, ids[0])


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_a_assigns_the_item_the_row_shows_the_owner_and_u_takes_it_back(
    inbox_db, tmp_path, size
):
    db_path, ids = inbox_db
    _anna, _bruno, config = _team(db_path, tmp_path)
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.me is not None and app.me.name == "Anna"
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, AssignScreen)
        assert "Anna (you)" in screen_text(app)  # you first: 1 assigns to yourself
        await pilot.press("2")
        await settle(pilot)
        assert _owner(db_path, ids[0]) == "Bruno"
        assert ("Bruno›" if size[0] >= 64 else "Bru›") in _line(app, ids[0])
        await pilot.press("u")
        await settle(pilot)
        assert _owner(db_path, ids[0]) == ""
        assert "›" not in _line(app, ids[0])


async def test_the_mine_view_lists_what_is_assigned_to_you(inbox_db, tmp_path):
    db_path, ids = inbox_db
    anna, bruno, config = _team(db_path, tmp_path)
    with Store(db_path) as store:
        store.team.assign([ids[3], ids[7]], anna, now=NOW)
        store.team.assign([ids[4]], bruno, now=NOW)
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        mine = len(DEFAULT_VIEWS)
        assert app.views[mine].name == "Mine"
        await pilot.press(str(mine + 1))
        await settle(pilot)
        assert list(app.screen.query_one(InboxList).ids) == [ids[3], ids[7]]
        assert "Mine" in screen_text(app)
        assert "Anna›" not in _line(app, ids[3])  # every row here is yours: not repeated
        await pilot.press("1")
        await settle(pilot)
        assert "Anna›" in _line(app, ids[3])
        await pilot.press(str(mine + 1))
        await settle(pilot)
        await pilot.press("A", "2")  # given to Bruno: it leaves Mine at once
        await settle(pilot)
        assert list(app.screen.query_one(InboxList).ids) == [ids[7]]
        assert _owner(db_path, ids[3]) == "Bruno"


async def test_a_team_app_that_does_not_know_you_says_how_to_get_the_mine_view(inbox_db, tmp_path):
    db_path, _ids = inbox_db
    _team(db_path, tmp_path)
    config = tmp_path / "anyone.toml"
    config.write_text("")  # no user = "…"
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.me is None and "Mine" not in [v.name for v in app.views]
        await pilot.press(str(len(DEFAULT_VIEWS) + 1))
        await settle(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any('user = "NAME"' in m and "sfogo team" in m for m in said), said


async def test_someone_elses_reply_shows_on_the_row_and_a_second_reply_asks_first(
    inbox_db, tmp_path
):
    db_path, ids = inbox_db
    anna, bruno, config = _team(db_path, tmp_path)
    with Store(db_path) as store:
        assert store.team.claim(ids[0], bruno, now=NOW - 60) is None
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Bruno is replying" in _line(app, ids[0])
        assert _line(app, ids[0])[1] == "✍"
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        asked = app.screen._question  # plain text, shown as Content
        assert (
            asked == "Bruno has been replying to this item since a minute ago. Write a reply too?"
        )
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        with Store(db_path) as other:  # nothing taken from Bruno
            assert other.team.replying([ids[0]], now=NOW)[ids[0]].member_id == bruno
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        with Store(db_path) as other:  # Anna's now: Bruno's app shows "Anna is replying"
            assert other.team.replying([ids[0]], now=NOW)[ids[0]].member_id == anna
        await pilot.press("escape")
        await settle(pilot)
        with Store(db_path) as other:  # the box closed: nobody is replying
            assert other.team.replying([ids[0]], now=NOW) == {}


async def test_opening_the_reply_box_tells_the_others_without_asking_when_nobody_replies(
    inbox_db, tmp_path
):
    db_path, ids = inbox_db
    anna, _bruno, config = _team(db_path, tmp_path)
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        with Store(db_path) as other:
            claim = other.team.replying([ids[0]], now=NOW)[ids[0]]
        assert claim.member_id == anna and claim.since == NOW
        # Your own claim is not announced to you; others' apps read it as "Anna".
        assert app.rows_by_ids([ids[0]])[ids[0]]["replying"] == ""


async def test_a_on_a_team_records_your_own_sick_day_not_a_gap_of_the_inbox(inbox_db, tmp_path):
    db_path, _ids = inbox_db
    anna, _bruno, config = _team(db_path, tmp_path)
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("s")  # sick
        await settle(pilot)
        with Store(db_path) as other:
            assert other.away.current() is None  # the others still watch the inbox
            assert other.away.current(anna).reason == "sick"
        await pilot.press("a")  # back
        await settle(pilot)
        with Store(db_path) as other:
            assert other.away.current(anna) is None
            assert [p.member_id for p in other.away.all()] == [anna]


async def test_a_colleague_opening_the_reply_box_shows_in_a_running_app(inbox_db, tmp_path):
    db_path, ids = inbox_db
    _anna, bruno, config = _team(db_path, tmp_path)
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "is replying" not in _line(app, ids[1])
        with Store(db_path) as other:  # Bruno's app, another connection
            other.team.claim(ids[1], bruno, now=NOW)
        app.poll_changes()  # what the app's timer does every 1.5 s
        await settle(pilot)
        assert "Bruno is replying" in _line(app, ids[1])
        with Store(db_path) as other:  # Bruno closed the box
            other.team.release(ids[1], bruno)
        app.poll_changes()
        await settle(pilot)
        assert "is replying" not in _line(app, ids[1])


async def test_a_claim_that_lapsed_leaves_the_row_within_a_minute(inbox_db, tmp_path):
    from sfogo.inbox.clock import ManualClock
    from sfogo.inbox.store.team import REPLYING_EXPIRES_S

    db_path, ids = inbox_db
    _anna, bruno, config = _team(db_path, tmp_path)
    with Store(db_path) as other:  # Bruno's app claimed it, then crashed: no release
        other.team.claim(ids[0], bruno, now=NOW)
    clock = ManualClock(NOW)
    app = make_app(db_path, clock=clock, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Bruno is replying" in _line(app, ids[0])
        clock.advance(REPLYING_EXPIRES_S)
        app.screen._minute()  # what the screen's timer does every minute
        await settle(pilot)
        assert "is replying" not in _line(app, ids[0])
