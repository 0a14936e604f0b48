"""Mistakes are forgiven: undo several steps back, asking before a big batch or a late snooze,
reopening, and the view of what was done lately.

Each test runs the real app on a real file and checks the file through a second connection.
"""

from __future__ import annotations

import pytest
from conftest import NOW
from tui_kit import make_app, row_of, screen_text, settle, status_of

from sfogo.inbox.clock import ManualClock
from sfogo.inbox.store import Store
from sfogo.tui.screens import ConfirmScreen, DetailScreen, InboxScreen, SnoozeScreen
from sfogo.tui.widgets import InboxList

pytestmark = pytest.mark.usefixtures("rome_time")


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_u_takes_back_three_changes_newest_first_each_announced_with_its_key(inbox_db):
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        first = inbox.current_id
        await pilot.press("d")
        await settle(pilot)
        assert status_of(db_path, first)[0] == "done"
        assert toasts(app)[-1] == "1 item done · u undoes"
        second = inbox.current_id
        assert second != first
        await pilot.press("p")
        await settle(pilot)
        assert toasts(app)[-1] == "1 item pinned · u undoes"
        await pilot.press("t", *"vip", "enter")
        await settle(pilot)
        assert row_of(db_path, second)["pinned"] and row_of(db_path, second)["tags"] == ["vip"]
        assert toasts(app)[-1] == "Tags +vip on 1 item · u undoes"

        await pilot.press("u")
        await settle(pilot)
        assert row_of(db_path, second)["tags"] == [] and row_of(db_path, second)["pinned"]
        assert toasts(app)[-1] == "Undone: Tags +vip on 1 item"
        await pilot.press("u")
        await settle(pilot)
        assert not row_of(db_path, second)["pinned"]
        await pilot.press("u")
        await settle(pilot)
        assert status_of(db_path, first) == ("new", None)
        assert inbox.current_id == first  # the item it brought back is under the cursor
        assert toasts(app)[-1] == "Undone: 1 item done"
        await pilot.press("u")
        await settle(pilot)
        assert toasts(app)[-1] == "Nothing to undo."
    # Undo is the session's: a new session has nothing to take back.
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert toasts(app)[-1] == "Nothing to undo."


async def test_a_batch_of_more_than_ten_asks_first_and_one_u_takes_it_all_back(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("asterisk", "d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Mark {len(ids)} items done?" in screen_text(app)
        await pilot.press("n")  # no: nothing changes, the selection stays
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert all(status_of(db_path, i)[0] in ("new", "open") for i in ids)
        assert len(inbox.selected) == len(ids)
        await pilot.press("d", "y")
        await settle(pilot)
        assert all(status_of(db_path, i)[0] == "done" for i in ids)
        assert toasts(app)[-1] == f"{len(ids)} items done · u undoes"
        await pilot.press("u")
        await settle(pilot)
        assert all(status_of(db_path, i)[0] in ("new", "open") for i in ids)
        assert sorted(inbox.ids) == sorted(ids)


async def test_ten_items_change_without_a_question(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*["x"] * 10, "p")  # x selects and moves down
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert sum(row_of(db_path, i)["pinned"] for i in ids) == 10


async def test_o_reopens_from_the_done_recently_view_on_key_0(inbox_db):
    db_path, ids = inbox_db
    clock = ManualClock(NOW)
    app = make_app(db_path, clock=clock)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("d")
        await settle(pilot)
        clock.advance(60)
        await pilot.press("d")
        await settle(pilot)
        done = [i for i in ids if status_of(db_path, i)[0] == "done"]
        assert len(done) == 2
        await pilot.press("o")  # nothing done is listed in the inbox
        await settle(pilot)
        assert toasts(app)[-1] == "Nothing here to reopen: 0 lists what was done lately."
        await pilot.press("0")
        await settle(pilot)
        assert "▸0 Done recently" in screen_text(app)
        assert list(inbox.ids) == [ids[1], ids[0]]  # the latest done first
        assert [inbox.render_line(n).text[1] for n in (0, 1)] == ["✓", "✓"]
        await pilot.press("o")
        await settle(pilot)
        assert status_of(db_path, ids[1]) == ("open", None)
        assert list(inbox.ids) == [ids[0]]
        assert toasts(app)[-1] == "1 item reopened · u undoes"
        await pilot.press("1")
        await settle(pilot)
        assert ids[1] in inbox.ids and ids[0] not in inbox.ids


async def test_a_snooze_past_the_reply_window_says_so_and_asks(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # The first item is an Instagram DM: Instagram takes no reply 24 h after it.
        await pilot.press("s", "4")  # Monday 9:00: days away
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one("#confirm-question").content)
        assert question == (
            "This instagram dm's reply window closes in 10 hours, before the snooze ends"
            " (Mon 09:00); after that instagram refuses a reply. Snooze past it?"
        )
        await pilot.press("n")
        await settle(pilot)
        assert status_of(db_path, ids[0]) == ("new", None)
        await pilot.press("s", "4", "y")
        await settle(pilot)
        assert status_of(db_path, ids[0])[0] == "snoozed"


async def test_a_snooze_that_loses_nothing_does_not_ask(inbox_db):
    db_path, ids = inbox_db
    with Store(db_path) as store:
        rows = store.items.by_ids(ids).values()
    # An item of the normal client (a 24 h target) on Mastodon (no reply window), written
    # hours ago: an hour's snooze takes it past nothing.
    target = next(r["id"] for r in rows if r["client"] == "Trattoria da Gino")
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        inbox.move_to(list(inbox.ids).index(target))
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert status_of(db_path, target) == ("snoozed", NOW + 3600)


async def test_on_a_narrow_terminal_the_items_own_screen_reopens_and_u_undoes_it(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("0", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.row["id"] == ids[0]
        await pilot.press("o")
        await settle(pilot)
        assert status_of(db_path, ids[0]) == ("open", None)
        await pilot.press("u")
        await settle(pilot)
        assert status_of(db_path, ids[0])[0] == "done"
        assert toasts(app)[-1] == "Undone: 1 item reopened"


async def test_an_undos_item_gets_the_cursor_even_when_another_process_reloads_the_list(
    inbox_db,
):
    """The three-app campaign on one inbox: ``u`` brought an item back, and a change of
    another process, heard before the undo's read came back, reloaded the list; the cursor
    must still land on the item brought back, not stay where it was."""
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen, inbox = app.screen, app.screen.query_one(InboxList)
        first = inbox.current_id
        await pilot.press("d")
        await settle(pilot)
        assert inbox.current_id != first
        with Store(db_path) as other:  # what the undo's write does
            other.marks.set_status([first], "new", now=NOW)
        assert isinstance(screen, InboxScreen)
        screen.reload(focus=first, counts=True)  # the undo's read
        screen.reload(live=True, counts=True)  # another process's commit, heard meanwhile
        await settle(pilot)
        assert inbox.current_id == first
