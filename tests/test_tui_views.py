"""Views on 1–9, the ``f`` filters, search order, and keys rebound from the config file.

The inbox here is the demo (the four stories: a 30-hour outage, a blocked X account, a sick
week, VIP private messages), built once per run (conftest.py). Each view is checked against the
store's own triage order, filtered by the view's definition written out in the test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import NOW
from tui_kit import expected, make_app, screen_text, settings_of, settle, triage_order

from sfogo.backlog.gaps import find_gaps
from sfogo.backlog.measure import cutoffs
from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.screens import FilterScreen, InboxScreen
from sfogo.tui.widgets import InboxList, ViewBar

pytestmark = pytest.mark.usefixtures("rome_time")


def rows(path, ids):
    with Store(path) as other:
        return other.items.by_ids(ids)


async def show_view(pilot, key: str) -> list[int]:
    await pilot.press(key)
    await settle(pilot)
    return list(pilot.app.screen.query_one(InboxList).ids)


# -- the built-in views --------------------------------------------------------------------------


async def test_each_default_view_lists_its_items_in_triage_order(demo_db):
    with Store(demo_db) as other:
        everything = triage_order(other)
        backlog = triage_order(other, before=cutoffs(other, find_gaps(other, now=NOW), NOW))
        settings = settings_of(other)
        detail = other.items.by_ids(everything)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert list(app.screen.query_one(InboxList).ids) == everything
        assert len(everything) > 100  # many screens of a freelancer's open items

        assert await show_view(pilot, "2") == backlog
        assert 0 < len(backlog) < len(everything)
        assert "▸2 Backlog" in screen_text(app)

        due = await show_view(pilot, "3")
        midnight = int(dt.datetime(2026, 11, 28, tzinfo=dt.UTC).timestamp()) - 3600
        due_by_midnight = [
            i
            for i in everything
            if detail[i]["created_at"]
            + settings.target_s(detail[i]["tier"], detail[i]["client_id"])
            <= midnight
        ]
        assert due == due_by_midnight  # due before local midnight (Rome), late ones too
        assert 0 < len(due) < len(everything)

        vip = await show_view(pilot, "4")
        assert vip == [i for i in everything if detail[i]["tier"] == "vip"] and vip

        private = await show_view(pilot, "5")
        assert private == [i for i in everything if detail[i]["kind"] in ("dm", "email")]

        assert await show_view(pilot, "1") == everything
        await pilot.press("9")  # no such view: said, nothing changes
        await settle(pilot)
        assert app.screen.view_index == 0
        assert any("No view 9" in str(n.message) for n in app._notifications)


async def test_a_view_switch_keeps_the_search_and_the_filters_visible(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        bar = screen_text(app).splitlines()[1]
        assert "▸4 VIP" in bar and "1" in bar and "5" in bar  # others shrink to numbers


# -- views from the config -----------------------------------------------------------------------


CONFIG_VIEWS = """
[[views]]
name = "Gino"
client = "Trattoria Da Gino"

[[views]]
name = "Hotel DMs"
client = ["Hotel Aurelia Roma"]
kind = "dm"
status = ["new", "open", "snoozed"]

[[views]]
name = "broken"
channel = "myspace"

[[views]]
name = "VIP"
tier = "vip"
kind = "email"
"""


async def test_views_declared_in_the_config_take_the_next_numbers(demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG_VIEWS)
    with Store(demo_db) as other:
        everything = triage_order(other, InboxFilter(statuses=("new", "open", "snoozed")))
        open_only = triage_order(other)
        detail = other.items.by_ids(everything)
    app = make_app(demo_db, config_path=config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        errors = [str(n.message) for n in app._notifications]
        assert errors == [
            "config: view 'broken': unknown channel 'myspace': use mastodon, "
            "bluesky, facebook, instagram, x, youtube, wordpress, email, import"
        ]
        assert [v.name for v in app.screen.views] == [
            "Inbox",
            "Backlog",
            "Due today",
            "VIP",
            "Private messages",
            "Gino",
            "Hotel DMs",
            "Done recently",  # on key 0, whatever the config adds
        ]
        gino = await show_view(pilot, "6")
        assert gino == [i for i in open_only if detail[i]["client"] == "Trattoria Da Gino"]
        hotel_dms = await show_view(pilot, "7")
        assert hotel_dms == [
            i
            for i in everything
            if detail[i]["client"] == "Hotel Aurelia Roma" and detail[i]["kind"] == "dm"
        ]
        assert any(detail[i]["status"] == "snoozed" for i in hotel_dms) or hotel_dms
        vip_mail = await show_view(pilot, "4")  # the config's VIP replaced the built-in one
        assert vip_mail == [
            i for i in open_only if detail[i]["tier"] == "vip" and detail[i]["kind"] == "email"
        ]
        assert "▸6 Gino" not in screen_text(app) and "▸4 VIP" in screen_text(app)


def test_view_mistakes_are_one_line_each():
    from sfogo.tui.views import parse_views

    views, errors = parse_views(
        {
            "views": [
                {"name": "ok", "due": "4h"},
                {"client": "x"},
                {"name": "d", "due": "soon"},
                {"name": "t", "tier": ["gold"]},
                {"name": "u", "colour": "red"},
                {"name": "b", "backlog": "yes"},
            ]
            + [{"name": f"v{n}"} for n in range(5)]
        }
    )
    assert [v.name for v in views][5:] == ["ok", "v0", "v1", "v2", "Done recently"]
    assert errors == [
        "config: [[views]] #2 needs a name",
        "config: view 'd': due must be \"today\" or a duration like \"4h\", not 'soon'",
        "config: view 't': unknown tier 'gold': use vip, high, normal, low",
        "config: view 'u' has no field 'colour': use name, client, channel, kind, status, "
        "tier, backlog, due, search, tag, pinned, done_within, assignee",
        "config: view 'b': backlog must be true or false",
        "config: view 'v3' left out: keys 1-9 hold 9 views",
        "config: view 'v4' left out: keys 1-9 hold 9 views",
    ]
    assert all("\n" not in e for e in errors)


# -- filters --------------------------------------------------------------------------------------


async def test_f_filters_by_client_and_kind_and_the_state_stays_visible(demo_db):
    with Store(demo_db) as other:
        everything = triage_order(other)
        detail = other.items.by_ids(everything)
        clients = sorted(c.name for c in other.clients.all())
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "[ ] Nuvola Labs" in screen_text(app)
        nuvola = clients.index("Nuvola Labs")
        await pilot.press("tab", *["j"] * nuvola, "space")
        await settle(pilot)
        assert "[x] Nuvola Labs" in screen_text(app)
        await pilot.press("tab", "tab", "j", "enter")  # kind: the second, comment
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        shown = list(app.screen.query_one(InboxList).ids)
        assert shown == [
            i
            for i in everything
            if detail[i]["client"] == "Nuvola Labs" and detail[i]["kind"] == "comment"
        ]
        assert shown
        bar = app.screen.query_one(ViewBar)
        assert bar.filters == ("Nuvola Labs", "comment")
        assert "f: Nuvola Labs · comment" in screen_text(app)
        # The filters stay over other views: VIP with Nuvola Labs (not VIP) is empty.
        await pilot.press("4")
        await settle(pilot)
        assert list(app.screen.query_one(InboxList).ids) == []
        assert "Nothing matches these filters" in screen_text(app)
        await pilot.press("f", "c", "escape")
        await settle(pilot)
        assert app.screen.query_one(ViewBar).filters == ()
        assert list(app.screen.query_one(InboxList).ids) == [
            i for i in everything if detail[i]["tier"] == "vip"
        ]


async def test_status_and_backlog_filters_and_done_items_newest_first(demo_db):
    with Store(demo_db) as other:
        backlog_ids = triage_order(other, before=cutoffs(other, find_gaps(other, now=NOW), NOW))
        done_newest = other.items.ids(InboxFilter(statuses=("done",)))
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("f", "enter")  # the first choice: backlog only
        await settle(pilot)
        assert list(screen.query_one(InboxList).ids) == backlog_ids
        await pilot.press("c", *["tab"] * 4, "j", "j", "j", "space", "q")  # status: done
        await settle(pilot)
        assert list(screen.query_one(InboxList).ids) == done_newest
        assert "newest first" in screen_text(app)


# -- search order ---------------------------------------------------------------------------------


async def test_a_search_matching_many_items_lists_them_newest_first(demo_db, monkeypatch):
    import sfogo.tui.views

    monkeypatch.setattr(sfogo.tui.views, "SEARCH_RANK_LIMIT", 3)  # "many" = more than 3 here
    with Store(demo_db) as other:
        newest = other.items.ids(InboxFilter(search="grazie"))
        ranked = triage_order(other, InboxFilter(search="grazie"))
    assert len(newest) > 3 and newest != ranked
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"grazie", "enter")
        await settle(pilot)
        assert list(app.screen.query_one(InboxList).ids) == newest
        assert "newest first" in screen_text(app)
    monkeypatch.setattr(sfogo.tui.views, "SEARCH_RANK_LIMIT", 10_000)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"grazie", "enter")
        await settle(pilot)
        assert list(app.screen.query_one(InboxList).ids) == ranked
        assert "newest first" not in screen_text(app)


# -- keys from the config -------------------------------------------------------------------------


async def test_keys_rebound_in_the_config_work_and_mistakes_are_one_line(demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        '[keys]\n"inbox.done" = "e"\n"inbox.snooze" = ["z", "ctrl+enter"]\n'
        '"inbox.dun" = "x"\n"inbox.pin" = ["I", "F7"]\n'
    )
    app = make_app(demo_db, config_path=config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        errors = [str(n.message) for n in app._notifications]
        assert errors == [
            "config: [keys] inbox.snooze = 'ctrl+enter': ctrl+enter does not reach programs "
            "over SSH or tmux",
            "config: [keys] has no binding 'inbox.dun' (? lists the ids)",
        ]
        inbox = app.screen.query_one(InboxList)
        first = inbox.current_id
        await pilot.press("d")  # no longer "done"
        await settle(pilot)
        assert expected(demo_db)[0] == first and inbox.current_id == first
        await pilot.press("e")
        await settle(pilot)
        assert first not in inbox.ids
        with Store(demo_db) as other:
            assert other.items.get(first)["status"] == "done"
        await pilot.press("F7")
        await settle(pilot)
        with Store(demo_db) as other:
            assert other.items.get(inbox.current_id)["pinned"]
        assert "e Done" in screen_text(app)  # the footer shows the new key
        await pilot.press("question_mark")
        await pilot.pause()
        assert "e       Done" in str(app.screen.query_one("#help-keys").content)


def test_key_checks():
    from sfogo.tui.keymap import check_key, parse_keys

    for good in ("e", "E", "?", "f5", "ctrl+r", "pagedown", "question_mark", "shift+tab"):
        assert check_key(good) is None, good
    for bad in ("shift+enter", "ctrl+h", "ctrl+1", "alt+x", "hyperkey", ""):
        assert check_key(bad), bad
    keymap, errors = parse_keys(
        {"keys": {"inbox.search": ",", "inbox.tag": 3}},
        known={"inbox.search": ("slash", ""), "inbox.tag": ("t", "")},
    )
    assert keymap == {"inbox.search": "comma"}
    assert errors == ["config: [keys] inbox.tag must be a key or a list of keys"]


# -- the view bar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "current", "shown"),
    [
        # A team's seven views at 80 columns: only the last one loses its name.
        (80, 0, "▸1 Inbox  2 Backlog  3 Due today  4 VIP  5 Private messages  6 Mine  0"),
        (80, 6, "1 Inbox  2 Backlog  3 Due today  4 VIP  5 6  ▸0 Done recently"),
        # 40 columns: names from the far end first, then the numbers go.
        (40, 0, "▸1 Inbox  2 Backlog  3 4 5 6 0"),
        (40, 4, "1 2 3 4  ▸5 Private messages  6 0"),
        (22, 4, "▸5 Private messages"),
    ],
)
async def test_the_view_bar_drops_names_from_the_far_end_first(width, current, shown):
    from textual.app import App

    class Bar(App):
        def compose(self):
            yield ViewBar()

    app = Bar()
    async with app.run_test(size=(width, 3)) as pilot:
        bar = app.query_one(ViewBar)
        bar.keys = tuple("1234560")
        bar.views = tuple(
            ["Inbox", "Backlog", "Due today", "VIP", "Private messages", "Mine", "Done recently"]
        )
        bar.current = current
        await pilot.pause()
        assert screen_text(app).splitlines()[0].strip() == shown
