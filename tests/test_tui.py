"""The full-screen app through Pilot: a manager opens the inbox, reads, clears and searches.

Every test runs the real app on a real SQLite file built with the store API, with the clock
frozen at ``NOW`` and the local time zone fixed, and checks the file through a second
connection (as another process would see it). The list is in triage order: the tests
compare it with the order the store's own triage gives.
"""

from __future__ import annotations

from array import array

import pytest
from conftest import NOW
from tui_kit import (
    HOSTILE_MARKUP,
    HOSTILE_NAME,
    SIZES,
    build_inbox,
    expected,
    make_app,
    row_of,
    screen_text,
    settle,
    status_of,
)

from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.screens import (
    ConfirmScreen,
    DetailScreen,
    EmptyScreen,
    InboxScreen,
    SnoozeScreen,
)
from sfogo.tui.widgets import CountsHeader, DetailPane, InboxList

pytestmark = pytest.mark.usefixtures("rome_time")


# -- opening and moving ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_opens_on_the_most_urgent_item_and_moves_with_j_and_k(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        inbox = app.screen.query_one(InboxList)
        assert list(inbox.ids) == ids
        assert inbox.current_id == ids[0]
        header = app.screen.query_one(CountsHeader)
        assert header.counts == {"new": 24, "open": 6, "snoozed": 0, "done": 0, "ignored": 0}
        assert header.shown == 30
        await pilot.press("j", "j", "down")
        assert inbox.current_id == ids[3]
        await pilot.press("k", "up")
        assert inbox.current_id == ids[1]
        await pilot.press("G")
        assert inbox.current_id == ids[-1]
        await pilot.press("g")
        assert inbox.current_id == ids[0]
        lines = screen_text(app).splitlines()
        assert "Inbox" in lines[1]  # the view bar
        # The first rows: the VIP's Instagram messages whose reply window is closing.
        assert "Hotel" in lines[2] and "Hotel" in lines[3]
        assert ("closes" if size[0] >= 64 else "win") in lines[2]
        assert all(len(line) <= size[0] for line in lines)  # cut, never wrapped
        await pilot.press("q")
    assert app.return_code == 0


async def test_detail_pane_follows_the_cursor_with_local_and_relative_times(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        # The item that arrived 40 minutes ago (ext-1, id 2), wherever triage put it.
        inbox.move_to(ids.index(2) - 1)
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        detail = app.screen.query_one(DetailPane)
        assert detail.item_id == 2
        text = screen_text(app)
        # Item 1 arrived 40 minutes before NOW (12:00 UTC) = 12:20 in Rome.
        assert "12:20 · 40 minutes ago" in text
        assert "Anna Bianchi" in text and "@fan1" in text
        assert "Hotel Roma Centrale · email info@hotelroma.it · comment · new" in text


async def test_the_thread_shows_the_conversation(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(120, 40)) as pilot:  # wide: the pane has room
        await settle(pilot)
        app.screen.query_one(InboxList).move_to(ids.index(1))  # ext-0, answering ext-2
        await settle(pilot)
        text = screen_text(app)
        assert "Thread · 2 items" in text
        assert "Jean Dupont Is the terrace open" in text  # the earlier item of the thread


# -- opening an item ---------------------------------------------------------------------


async def test_enter_marks_the_item_seen_and_reads_it_in_the_pane(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert status_of(db_path, ids[0])[0] == "new"
        await pilot.press("enter")
        await settle(pilot)
        assert status_of(db_path, ids[0])[0] == "open"
        screen = app.screen
        assert isinstance(screen, InboxScreen) and screen.has_class("-reading")
        assert screen.query_one(DetailPane).has_focus
        assert screen.query_one(CountsHeader).counts["new"] == 23
        await pilot.press("q")  # back to the list, not out of the app
        assert app.is_running
        assert screen.query_one(InboxList).has_focus
        assert not screen.has_class("-reading")


async def test_narrow_enter_opens_the_item_on_its_own_screen(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert status_of(db_path, ids[1])[0] == "open"
        assert row_of(db_path, ids[1])["text"][:30] in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen) and app.is_running
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("d")  # done from the item's own screen
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert status_of(db_path, ids[1])[0] == "done"
        assert app.screen.query_one(InboxList).current_id == ids[2]


async def test_narrow_item_screen_snoozes(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert status_of(db_path, ids[0]) == ("snoozed", NOW + 3600)


# -- done, snooze ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_d_marks_done_and_the_next_item_takes_its_place(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("j", "j", "d")
        await settle(pilot)
        assert status_of(db_path, ids[2]) == ("done", None)
        assert ids[2] not in inbox.ids and len(inbox.ids) == 29
        assert inbox.current_id == ids[3]
        header = app.screen.query_one(CountsHeader)
        assert header.shown == 29 and header.counts["done"] == 1
        await pilot.press("G", "d")  # the last item: the cursor moves up to the new last
        await settle(pilot)
        assert status_of(db_path, ids[-1])[0] == "done"
        assert inbox.current_id == ids[-2]
        assert expected(db_path) == list(inbox.ids)


async def test_a_failed_change_is_reported_and_the_list_shows_the_file(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        before = status_of(db_path, ids[1])
        with Store(db_path) as other:  # another process deletes the item meanwhile
            other.conn.execute("DELETE FROM interactions WHERE id = ?", (ids[0],))
        await pilot.press("d")
        await settle(pilot)
        assert app.is_running
        assert f"no item with id {ids[0]}" in screen_text(app)
        inbox = app.screen.query_one(InboxList)
        assert list(inbox.ids) == ids[1:]
        assert status_of(db_path, ids[1]) == before  # nothing else was touched


async def test_a_list_read_begun_before_a_change_does_not_bring_the_item_back(inbox_db):
    from sfogo.tui.screens._inbox import IdsLoaded

    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("d")
        # Ids read before the write committed still hold the item: they arrive late.
        screen.on_ids_loaded(
            IdsLoaded(
                screen.loader.generation, array("q", ids), True, ("new", "open"), frozenset(), None
            )
        )
        inbox = screen.query_one(InboxList)
        assert ids[0] not in inbox.ids
        await settle(pilot)
        assert status_of(db_path, ids[0])[0] == "done"


@pytest.mark.parametrize("size", SIZES)
async def test_s_snoozes_with_a_preset(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("2")  # in 3 hours
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert status_of(db_path, ids[0]) == ("snoozed", NOW + 3 * 3600)
        assert app.screen.query_one(InboxList).current_id == ids[1]
        assert app.screen.query_one(CountsHeader).counts["snoozed"] == 1


async def test_snooze_free_text_reports_bad_input_and_accepts_good(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "t", *"[/ x")
        field = app.screen.query_one("#snooze-input")
        assert field.value == "[/ x" and field.has_focus
        field.value = "[/ later"  # typing the rest costs time, not coverage
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)  # still asking
        assert "bad time '[/ later'" in screen_text(app)  # quoted literally, no crash
        assert status_of(db_path, ids[0])[0] == "new"
        field.value = "tomorrow 9:00"
        await pilot.press("enter")
        await settle(pilot)
        # The item's reply window closes before then: the app asks first.
        assert isinstance(app.screen, ConfirmScreen)
        assert "reply window closes in" in " ".join(screen_text(app).split())
        await pilot.press("y")
        await settle(pilot)
        # Tomorrow 9:00 in Rome is 08:00 UTC the next day.
        assert status_of(db_path, ids[0]) == ("snoozed", NOW + 20 * 3600)


async def test_escape_cancels_a_snooze(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s", "escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert status_of(db_path, ids[0]) == ("new", None)


# -- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_search_narrows_the_list_and_escape_brings_it_back(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("slash", *"terra")
        await settle(pilot)
        found = expected(db_path, InboxFilter(search="terra"))  # a few: ranked by urgency
        assert 0 < len(found) < len(ids)
        assert list(inbox.ids) == found
        assert app.screen.query_one(CountsHeader).shown == len(found)
        await pilot.press("enter", "j")  # back to the list, still filtered
        assert inbox.has_focus and inbox.current_id == found[1]
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert list(inbox.ids) == ids
        assert inbox.current_id == found[1]  # still on the item found


async def test_search_with_no_match_says_so(inbox_db):
    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zqx", "enter")
        await settle(pilot)
        assert len(app.screen.query_one(InboxList).ids) == 0
        assert "No match" in screen_text(app)


# -- empty file ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_a_file_without_accounts_says_how_to_start(db_path, size):
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, EmptyScreen)
        text = screen_text(app)
        assert "sfogo demo" in text
        assert "sfogo client add" in text and "sfogo account add" in text
        await pilot.press("q")
    assert app.return_code == 0


def test_an_unusable_file_is_one_line_before_the_screen(tmp_path, cli):
    bad = tmp_path / "notes.txt"
    bad.write_text("not a database, just text\n" * 100)
    r = cli("--db", bad)
    assert r.code == 1
    assert r.err.startswith("sfogo: ") and r.err.count("\n") == 1
    assert "Traceback" not in r.err


# -- untrusted text ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_hostile_markup_shows_literally_and_clicking_it_does_nothing(inbox_db, size):
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        first_line = inbox.render_line(0).text
        assert "[b]Ev" in first_line  # the author, as typed, not bold
        assert first_line.count("[") >= 2
        if size[0] >= 60:
            assert HOSTILE_MARKUP[:20] in first_line  # as much as the excerpt has room for
            assert HOSTILE_MARKUP + " and a lone [/ bracket" in screen_text(app)  # the pane
            assert HOSTILE_NAME in screen_text(app)
        x = min(first_line.index("[@click") + 18, size[0] - 6)  # on "click me" if shown
        await pilot.click(InboxList, offset=(x, 0))
        await pilot.click(InboxList, offset=(x, 0), times=2)
        await settle(pilot)
        assert app.is_running and app.return_code is None
        if size[0] < 60:  # the double click opened the item on its own screen
            assert isinstance(app.screen, DetailScreen)
            assert HOSTILE_MARKUP in screen_text(app)
            assert "lone [/ bracket" in screen_text(app)
            assert HOSTILE_NAME in screen_text(app)
            await pilot.click(DetailPane, offset=(8, 6))
            await pilot.pause()
            assert app.is_running


async def test_escape_sequences_never_reach_the_screen(db_path):
    """A row written by another tool, with raw escapes, is still drawn inert."""
    with Store(db_path) as store:
        build_inbox(store, count=3)
        store.conn.execute(
            "UPDATE interactions SET text = ?, author_name = ? WHERE external_id = 'ext-0'",
            (
                "title \x1b]0;pwned\x07 clip \x1b]52;c;ZWNobyBoaQ==\x07 clear \x1b[2J \u202eevil",
                "Mallory\x1b[31m\x9b",
            ),
        )
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "title" in text and "Mallory" in text
        for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
            assert bad not in text


async def test_notifications_do_not_parse_markup(inbox_db):
    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.report_error(RuntimeError("server said [@click=app.quit]boom[/] [/"), where="inbox-ids")
        await pilot.pause()
        text = screen_text(app)  # the toast wraps: look for its pieces
        assert "server said" in text and "[@click=app.quit]boom[/]" in text
        assert app.is_running


# -- a bigger file ----------------------------------------------------------------------------


async def test_a_large_inbox_pages_rows_and_keeps_memory_bounded(db_path):
    from sfogo.tui.widgets._inbox_list import ROW_CACHE

    with Store(db_path) as store:
        store.clients.add("Big", "normal", now=NOW)
        account = store.accounts.add("Big", "email", "big@example.com", now=NOW)
        with store.items.bulk_load():
            store.items.insert_rows(
                (
                    account.id,
                    f"m{i}",
                    "email",
                    f"Person {i}",
                    "",
                    f"message {i}",
                    "",
                    "",
                    "",
                    0,
                    NOW - i,
                    NOW,
                    "new",
                    None,
                    None,
                    0,
                )
                for i in range(20_000)
            )
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        assert len(inbox.ids) == 20_000
        await pilot.press("G")
        assert inbox.current_id == inbox.ids[-1]
        # Walk the whole list (as paging would), drawing the cursor's line each time: the
        # oldest item is the most urgent (same client, kind and words; older scores more),
        # so line i is "message 19999 - i"; rows come from pages, the cache stays bounded.
        for index in range(len(inbox.ids) - 1, -1, -53):
            inbox.move_to(index)
            line = inbox.render_line(index - round(inbox.scroll_offset.y)).text
            assert f" message {19_999 - index} " in line
        assert len(inbox._rows) <= ROW_CACHE
        await pilot.pause()
        assert f" message {19_999 - inbox.cursor} " in screen_text(app)


async def test_moving_the_cursor_redraws_only_two_lines(inbox_db, monkeypatch):
    db_path, _ = inbox_db
    drawn: list[int] = []
    original = InboxList.render_line

    def counting(self, y):
        drawn.append(y)
        return original(self, y)

    monkeypatch.setattr(InboxList, "render_line", counting)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        drawn.clear()
        await pilot.press("j")
        await settle(pilot)
        assert sorted(set(drawn)) == [0, 1]
