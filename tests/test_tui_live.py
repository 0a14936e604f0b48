"""Live: another process changes the file (a background sync, a CLI command) and the app shows
it within seconds, keeping the cursor on its item (or the nearest one left) and the open item.
And remote-friendly: without colour, every marker is still a symbol.
"""

from __future__ import annotations

import asyncio

import pytest
from conftest import NOW
from tui_kit import ROW_1, expected, make_app, screen_text, settle

from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store
from sfogo.tui.screens import DetailScreen
from sfogo.tui.widgets import CountsHeader, DetailPane, InboxList

pytestmark = pytest.mark.usefixtures("rome_time")


def add_urgent_dm(db_path, external_id: str = "new-1") -> int:
    """What a sync would write: a VIP's Instagram message whose reply window is closing."""
    with Store(db_path) as other:
        account = next(a for a in other.accounts.all() if a.channel == "instagram")
        other.items.upsert(
            [
                Interaction(
                    account_id=account.id,
                    external_id=external_id,
                    kind="dm",
                    created_at=NOW - 23 * 3600,
                    text="Urgente: siamo in arrivo, avete posto?",
                    author_name="Giulia Neri",
                )
            ],
            now=NOW,
        )
        return other.conn.execute(
            "SELECT id FROM interactions WHERE external_id = ?", (external_id,)
        ).fetchone()[0]


async def test_a_synced_item_appears_in_place_and_the_cursor_stays_on_its_item(inbox_db):
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("j", "j", "j")
        on = inbox.current_id
        new_id = add_urgent_dm(db_path)
        assert app.poll_changes()  # what the timer does every 1.5 s
        await settle(pilot)
        assert list(inbox.ids) == expected(db_path)
        assert inbox.ids[0] == new_id  # the most urgent now
        assert inbox.current_id == on and inbox.cursor == 4  # same item, one line lower
        assert "Giulia Neri" in screen_text(app)
        assert app.screen.query_one(CountsHeader).counts["new"] == 25


async def test_an_item_done_elsewhere_leaves_and_the_cursor_takes_its_neighbour(inbox_db, cli):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        assert app.screen.query_one(InboxList).current_id == ids[2]
        r = cli("--db", db_path, "done", str(ids[2]))  # the CLI, on the same file
        assert r.code == 0, r.err
        assert app.poll_changes()
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        assert ids[2] not in inbox.ids
        assert inbox.current_id == ids[3]  # the next one took its place
        assert app.screen.query_one(CountsHeader).counts["done"] == 1


async def test_the_item_being_read_stays_open_and_shows_what_changed(inbox_db, cli):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(DetailPane)
        assert pane.has_focus and pane.item_id == ids[0]
        assert cli("--db", db_path, "done", str(ids[0])).code == 0
        assert app.poll_changes()
        await settle(pilot)
        assert pane.has_focus and pane.item_id == ids[0]  # still reading it
        assert pane.row["status"] == "done"
        assert "· done" in screen_text(app)
        assert ids[0] not in app.screen.query_one(InboxList).ids


async def test_the_item_screen_follows_changes_made_elsewhere(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        with Store(db_path) as other:
            other.marks.set_pinned([ids[0]], True)
            other.marks.add_tags([ids[0]], ["callback"])
        assert app.poll_changes()
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        text = screen_text(app)
        assert "▲ pinned" in text and "#callback" in text


async def test_the_timer_notices_within_a_few_seconds(inbox_db):
    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        heard = asyncio.Event()
        app.data_changed.subscribe(app.screen, lambda _change: heard.set())
        new_id = add_urgent_dm(db_path)
        # The behaviour under test is the app's own timer: nothing here polls for it.
        await asyncio.wait_for(heard.wait(), timeout=5)
        await settle(pilot)
        assert new_id in app.screen.query_one(InboxList).ids


async def test_a_change_while_a_read_runs_supersedes_the_read_without_cancelling_it(inbox_db):
    """The app reloads when the file changes; a read already running finishes quietly, so
    nothing waiting for it (a test settling, Worker.wait) is told it was cancelled."""
    from textual.worker import WorkerState

    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.reload(debounce=0.3)  # a read that waits first, as typing a search does
        running = [w for w in app.workers if w.group == "inbox-ids" and w.is_running]
        assert running
        new_id = add_urgent_dm(db_path)
        assert app.poll_changes()
        await pilot.pause()  # the screen hears it and starts a newer read
        # Raised WorkerCancelled when the reads were exclusive.
        await asyncio.wait_for(app.workers.wait_for_complete(running), 60)
        assert [w.state for w in running] == [WorkerState.SUCCESS]
        await settle(pilot)
        inbox = screen.query_one(InboxList)
        assert list(inbox.ids) == expected(db_path) and inbox.ids[0] == new_id


async def test_our_own_writes_do_not_reload_the_list_again(inbox_db):
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d", "p")
        await settle(pilot)
        assert not app.poll_changes()


# -- without colour -------------------------------------------------------------------------------


async def test_without_colour_the_markers_and_the_cursor_still_show(inbox_db, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.no_color
        await pilot.press("x")  # one selected: "+"
        lines = screen_text(app).splitlines()
        marks = {line[:2] for line in lines[ROW_1 : ROW_1 + 10]}
        assert "+●" in marks and "!●" in marks  # selected; late or closing, new
        assert any("late" in line for line in lines) and "closes" in lines[ROW_1 + 1]
        inbox = app.screen.query_one(InboxList)
        strip = inbox.render_line(inbox.cursor - round(inbox.scroll_offset.y))
        assert all(seg.style and seg.style.reverse for seg in strip if seg.text.strip())


async def test_a_snooze_that_ran_out_wakes_when_the_app_opens(inbox_db):
    db_path, ids = inbox_db
    with Store(db_path) as other:
        other.marks.set_status([ids[1]], "snoozed", until=NOW + 60, now=NOW)
        other.conn.execute(
            "UPDATE interactions SET snoozed_until = ? WHERE id = ?", (NOW - 60, ids[1])
        )  # its time came while the app was closed
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # The wake is a write seen like any other change: only a reload after the change
        # brings the item into the list. The app's own timer may have seen it first (it
        # looks every 1.5 s, and settling can take longer on a busy machine).
        app.poll_changes()
        await settle(pilot)
        assert ids[1] in app.screen.query_one(InboxList).ids
        with Store(db_path) as other:
            assert other.items.get(ids[1])["status"] == "open"


def test_a_commit_of_another_process_during_our_writes_is_published_when_they_end():
    """An app that writes all the time (``d`` down the list) still hears the others: what
    moved the counter beyond one step per write of ours is published when they are back."""
    from sfogo.tui.changes import ChangeWatcher

    version, heard = [0], []
    watcher = ChangeWatcher(lambda: version[0], heard.append)
    watcher.own_write_started()
    version[0] += 1  # our write commits
    watcher.own_write_ended()
    assert heard == [] and not watcher.poll()  # ours alone: no reload
    version[0] += 1  # another process commits before our next write, unseen yet
    watcher.own_write_started()
    watcher.own_write_started()
    version[0] += 2  # both of ours
    assert not watcher.poll()  # ours are in flight: not now
    watcher.own_write_ended()
    assert heard == []
    watcher.own_write_ended()
    assert len(heard) == 1  # the other process's commit, not taken for one of ours
    assert not watcher.poll()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_a_colleagues_change_just_before_ours_shows_in_a_quiet_shared_inbox(
    store, any_location
):
    """A colleague marks an item done, the manager presses ``d`` on another a moment later,
    and nobody writes after that: the colleague's change must show all the same, not wait
    for some later commit of another process (on a shared inbox there may be none for
    hours)."""
    store.clients.add("Acme", "normal", now=NOW)
    account = store.accounts.add("Acme", "import", "acme", now=NOW)
    store.items.upsert(
        [Interaction(account.id, f"i{n}", "comment", NOW - 60 * (n + 1)) for n in range(5)],
        now=NOW,
    )
    app = make_app(any_location)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        theirs = inbox.ids[-1]
        with Store(any_location) as colleague:
            colleague.marks.set_status([theirs], "done", now=NOW)
        await pilot.press("d")  # ours, before the app's next look for changes
        deadline = asyncio.get_running_loop().time() + 10
        while theirs in inbox.ids and asyncio.get_running_loop().time() < deadline:
            await pilot.pause(0.1)
        assert theirs not in inbox.ids, "the colleague's change never showed"
        assert len(inbox.ids) == 3


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_the_pane_follows_the_cursor_on_a_shared_inbox_in_two_round_trips_a_move(
    store, any_location
):
    """On a server every round trip is a latency: the pane's reads for the cursor's item go
    in two (they were ten), and the gap it arrived in is one of the gaps the list was read
    with, not every account's runs grouped again at each move."""
    import traceback

    from sfogo.inbox.store.pg.connection import PgConnection

    store.clients.add("Acme", "normal", now=NOW)
    account = store.accounts.add("Acme", "mastodon", "@acme", now=NOW).id
    store.runs.add(account, NOW - 7200, NOW - 7200 + 5, "down", "503")
    store.runs.add(account, NOW - 600, NOW - 600 + 5, "ok")
    store.items.upsert(
        [Interaction(account, f"i{n}", "mention", NOW - 60 * (n + 1)) for n in range(4)]
        + [Interaction(account, "late", "mention", NOW - 3600, text="during the outage")],
        now=NOW,
    )
    sent: list[tuple[str, bool]] = []  # the pane's statements, and whether each waited
    original = PgConnection._send

    def send(self, sql, params):
        if any(f.name == "load_extras" for f in traceback.extract_stack()):
            sent.append((sql, self._pending is not None or not self._inside))
        return original(self, sql, params)

    app = make_app(any_location)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        late = next(i for i in inbox.ids if store.items.get(i)["external_id"] == "late")
        PgConnection._send = send  # type: ignore[method-assign]
        assert inbox.current_id == late  # first: it arrived in a gap
        try:
            for key in ("j", "k"):  # away from it, and back
                await pilot.press(key)
                await settle(pilot)
        finally:
            PgConnection._send = original  # type: ignore[method-assign]
        assert inbox.current_id == late
        assert "Arrived in a gap" in str(app.screen.query_one("#detail-gap").content)
        assert sum(trip for _sql, trip in sent) == 2 * 2, sent
        assert not [sql for sql, _trip in sent if "sync_runs" in sql]
