"""The app syncs by itself: its loop fetches from the platforms (emulators on loopback) while
it is open, ``R`` syncs now, arrivals land in the list without moving the cursor and are
counted in the header, a VIP's arrivals ring the bell (``notify``), and while another
process runs the file's loop the app waits and takes the loop over when that one stops."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from child import Lines
from sync_world import world  # noqa: F401 (a fixture)
from tui_kit import make_app, screen_text, settle

from sfogo.inbox.clock import NOW_ENV
from sfogo.inbox.synclock import SyncLock
from sfogo.tui.widgets import CountsHeader, HealthBar, InboxList

CLI = "import sys; from sfogo.tui.cli import main; sys.exit(main())"
WAIT_S = 20.0  # the longest any of these waits may take on a busy machine


async def until(pilot, what: str, ok: Callable[[], bool], timeout: float = WAIT_S) -> None:
    """Let the app run until ``ok()``; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} after {timeout} s:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)
    await settle(pilot)


def acme(world, monkeypatch, mentions: int):
    """A VIP client's Mastodon account with ``mentions`` waiting on its server; the token in
    this process's environment, where the app reads it."""
    masto = world.mastodon()
    account, owner = world.mastodon_account(masto, "acme")
    masto.add_mentions(owner, mentions, start=world.clock.now() - 3 * 3600, spacing=60)
    for var, value in world.env.items():
        monkeypatch.setenv(var, value)
    return masto, account, owner


def item_count(world) -> int:
    return world.store.conn.execute("SELECT count(*) FROM interactions").fetchone()[0]


def bells(app) -> list[int]:
    """Count the app's bells (Textual's own method, wrapped: the terminal hears nothing)."""
    rung: list[int] = []
    app.bell = lambda: rung.append(1)
    return rung


async def test_the_open_app_fetches_by_itself_and_the_health_bar_says_when_next(world, monkeypatch):
    masto, _account, owner = acme(world, monkeypatch, 7)
    app = make_app(world.store.path, clock=world.clock)
    rung = bells(app)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pilot, "first round", lambda: len(app.query_one(InboxList).ids) == 7)
        assert app.sync_status.where == "here" and len(masto.requests) > 0
        await until(
            pilot, "next round", lambda: "sync in" in str(app.query_one(HealthBar).render())
        )
        assert "sync in 2m" in str(app.query_one(HealthBar).render())  # the default interval
        # The loop holds the file's lock and says who it is.
        holder = SyncLock(world.store.path).holder()
        assert holder is not None and holder.pid == os.getpid() and holder.host == "the app"
        assert rung == [1]  # one bell for the batch: Acme is a VIP client

        # Another app's R reaches the holder as a signal: a round now, not in two minutes.
        masto.add_mentions(owner, 2, start=world.clock.now() - 10, spacing=1)
        os.kill(os.getpid(), signal.SIGUSR1)
        await until(pilot, "the round asked for", lambda: len(app.query_one(InboxList).ids) == 9)
    assert not SyncLock(world.store.path).held_elsewhere()  # given back when the app quits
    assert not app.autosync._thread.is_alive()


async def test_r_syncs_now_and_arrivals_do_not_move_the_cursor(world, monkeypatch):
    masto, _account, owner = acme(world, monkeypatch, 6)
    syncer = world.syncer()
    await syncer.run_once(syncer.accounts())  # what the list holds when the app opens
    world.clock.advance(30)
    app = make_app(world.store.path, clock=world.clock)
    async with app.run_test(size=(100, 24)) as pilot:
        inbox = app.query_one(InboxList)
        await until(pilot, "the list", lambda: len(inbox.ids) == 6)
        await until(pilot, "the loop", lambda: app.sync_status.where == "here")
        await pilot.press("j", "j")
        await settle(pilot)
        reading = inbox.ids[2]
        header = app.query_one(CountsHeader)
        assert header.arrived == 0 and "arrived" not in str(header.render())

        asked = len(masto.requests)
        masto.add_mentions(owner, 3, start=world.clock.now() - 10, spacing=1)
        assert "R" in app.screen.active_bindings  # offered while a loop runs
        await pilot.press("R")  # not due for two minutes: R asks now
        await until(pilot, "the round R asked for", lambda: len(inbox.ids) == 9)
        assert len(masto.requests) > asked
        assert inbox.ids[inbox.cursor] == reading  # the cursor stayed on its item
        await until(pilot, "the count", lambda: header.arrived == 3)
        assert "+3 arrived" in str(header.render())
        assert any("Synced 1 account: 3 new" in n.message for n in app._notifications)

        # Back at the top of the list (where the urgent arrivals land): the count starts again.
        await pilot.press("g")
        await until(pilot, "the count to clear", lambda: header.arrived == 0)
        assert "arrived" not in str(header.render())


@pytest.mark.parametrize(
    ("notify", "tier", "bells_rung"),
    [
        ("vip", "vip", 1),
        ("vip", "normal", 0),
        ("all", "normal", 1),
        ("off", "vip", 0),
    ],
)
async def test_arrivals_ring_the_bell_as_notify_says(
    world, monkeypatch, tmp_path, notify, tier, bells_rung
):
    world.client("Acme", tier)
    acme(world, monkeypatch, 2)
    config = tmp_path / "config.toml"
    config.write_text(f'notify = "{notify}"\n')
    app = make_app(world.store.path, clock=world.clock, config_path=config)
    rung = bells(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, "first round", lambda: len(app.query_one(InboxList).ids) == 2)
        await until(pilot, "the arrivals counted", lambda: app.arrivals.newest > 0)
        assert len(rung) == bells_rung
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_a_notify_the_app_does_not_know_is_one_line_naming_the_key(db_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('notify = "loud"\n')
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
    assert errors == [
        'config: notify must be "vip", "all" or "off", not \'loud\' (the bell rings for '
        "VIP clients' arrivals)"
    ]
    assert app.arrivals.notify == "vip"  # the default stands in


def test_the_command_line_takes_notify_and_refuses_an_unknown_top_level_key(cli, demo_db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('notify = "off"\n')
    assert cli("--config", config, "list").code == 0
    config.write_text('notfy = "off"\n')
    r = cli("--config", config, "list")
    lines = r.err.splitlines()
    assert r.code == 1 and len(lines) == 1, r
    assert lines[0].startswith(f"sfogo: {config}: unknown setting 'notfy'; the tables are ")
    assert lines[0].endswith(", and the settings outside them notify, theme, language, user")


def _watch(world, tmp_path) -> tuple[subprocess.Popen, Lines]:
    """``sfogo sync --watch`` on the world's file, in a process of its own."""
    env = {
        **os.environ,
        **world.env,
        "SFOGO_DB": str(world.store.path),
        "SFOGO_CONFIG": str(tmp_path / "none.toml"),
        NOW_ENV: str(world.clock.now()),
    }
    err = tmp_path / "watch.err"
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "sync", "--watch", "--interval", "1h"],
        stdout=subprocess.PIPE,
        stderr=err.open("w"),
        text=True,
        env=env,
    )
    return proc, Lines(proc.stdout, context=err.read_text)


async def test_the_app_waits_for_a_watch_and_takes_over_when_it_is_killed(
    world, monkeypatch, tmp_path
):
    masto, _account, owner = acme(world, monkeypatch, 4)
    watch, lines = _watch(world, tmp_path)
    try:
        lines.next("the watch's banner")
        assert ": ok" in lines.next("the watch's first round")
        app = make_app(world.store.path, clock=world.clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, "the wait", lambda: app.sync_status.where == "elsewhere")
            assert app.sync_status.holder is not None
            assert app.sync_status.holder.pid == watch.pid
            assert any(
                n.message == f"sfogo sync --watch (pid {watch.pid}) syncs this file; the app "
                "takes over when it stops."
                for n in app._notifications
            )
            # The health bar follows the holder's schedule (an hour), not the app's own.
            bar = app.query_one(HealthBar)
            await until(pilot, "the holder's schedule", lambda: "sync in" in str(bar.render()))
            assert bar.state is not None and bar.state.next_round is not None
            assert bar.state.next_round - world.clock.now() > 50 * 60
            asked = len(masto.requests)
            # R while the watch holds the loop asks the watch for a round (a signal).
            await pilot.press("R")
            assert ": ok" in await asyncio.to_thread(lines.next, "the round the app asked for")
            assert len(masto.requests) > asked
            assert len(app.query_one(InboxList).ids) == 4

            watch.kill()  # kill -9: no clean-up, the kernel drops the lock
            watch.wait(20)
            await until(pilot, "the takeover", lambda: app.sync_status.where == "here")
            assert any("the app syncs this file now" in n.message for n in app._notifications)
            # The app's loop now fetches: R here is a round of the app's own.
            masto.add_mentions(owner, 2, start=world.clock.now() - 10, spacing=1)
            await pilot.press("R")
            await until(pilot, "the app's round", lambda: len(app.query_one(InboxList).ids) == 6)
    finally:
        watch.kill()
        watch.wait(20)


async def test_arrivals_above_a_scrolled_view_leave_the_lines_under_your_eyes(world, monkeypatch):
    masto, _account, owner = acme(world, monkeypatch, 30)
    syncer = world.syncer()
    await syncer.run_once(syncer.accounts())
    app = make_app(world.store.path, clock=world.clock)
    async with app.run_test(size=(100, 24)) as pilot:
        inbox = app.query_one(InboxList)
        await until(pilot, "the list", lambda: len(inbox.ids) == 30)
        await until(pilot, "the loop", lambda: app.sync_status.where == "here")
        await pilot.press("G", "k", "k")
        await settle(pilot)
        top = round(inbox.scroll_offset.y)
        assert top > 0
        first_line, reading = inbox.ids[top], inbox.ids[inbox.cursor]
        # Older than everything listed: they rank above it, above the view.
        masto.add_mentions(owner, 3, start=world.clock.now() - 6 * 3600, spacing=60)
        await pilot.press("R")
        await until(pilot, "the arrivals", lambda: len(inbox.ids) == 33)
        ids = list(inbox.ids)
        arrived = sorted(ids)[-3:]  # ids only grow
        assert max(ids.index(i) for i in arrived) < ids.index(first_line)  # they landed above
        assert inbox.ids[inbox.cursor] == reading
        assert inbox.ids[round(inbox.scroll_offset.y)] == first_line
        assert app.query_one(CountsHeader).arrived == 3


async def test_the_apps_loop_sends_a_queued_reply(world, monkeypatch, cli):
    masto, _account, owner = acme(world, monkeypatch, 1)
    syncer = world.syncer()
    await syncer.run_once(syncer.accounts())
    (item,) = [r[0] for r in world.store.conn.execute("SELECT id FROM interactions")]
    parent = world.store.items.get(item)["external_id"]
    assert cli("reply", str(item), "Thanks, we are on it!").code == 0
    world.clock.advance(30)
    app = make_app(world.store.path, clock=world.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, "the loop", lambda: app.sync_status.where == "here")
        await pilot.press("R")  # the account is not due yet: its reply goes with R's round
        await until(pilot, "the reply", lambda: bool(masto.posts_by(owner)))
    (sent,) = masto.posts_by(owner)
    assert sent["in_reply_to"] == int(parent) and "Thanks, we are on it!" in sent["text"]


async def test_without_a_secret_nothing_syncs_and_r_is_not_offered(world, tmp_path):
    masto = world.mastodon()
    world.mastodon_account(masto, "acme")  # its token is not in this process's environment
    masto.add_mentions(masto.account_by_name("acme"), 3)
    app = make_app(world.store.path, clock=world.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, "the loop's answer", lambda: bool(app.sync_status.why))
        assert app.sync_status.where == "off"
        assert app.sync_status.why.startswith("Nothing syncs here: no secret of the 1 account")
        assert "R" not in app.screen.active_bindings
        assert "sync in" not in str(app.query_one(HealthBar).render())
    assert masto.requests == [] and item_count(world) == 0


async def test_a_reply_queued_in_the_app_goes_out_now_not_with_the_next_round(world, monkeypatch):
    masto, _account, owner = acme(world, monkeypatch, 1)
    app = make_app(world.store.path, clock=world.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, "the first round", lambda: len(app.query_one(InboxList).ids) == 1)
        await until(pilot, "the loop's wait", lambda: not app.sync_status.syncing)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"On it", "ctrl+s")
        # The next round is two minutes away: the queued reply wakes the loop instead.
        await until(pilot, "the reply", lambda: bool(masto.posts_by(owner)), timeout=15)
    (sent,) = masto.posts_by(owner)
    assert "On it" in sent["text"]


async def test_a_reply_queued_while_a_watch_holds_the_loop_asks_it_for_a_round(
    world, monkeypatch, tmp_path
):
    masto, _account, owner = acme(world, monkeypatch, 1)
    watch, lines = _watch(world, tmp_path)
    try:
        lines.next("the watch's banner")
        assert ": ok" in lines.next("the watch's first round")
        app = make_app(world.store.path, clock=world.clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, "the wait", lambda: app.sync_status.where == "elsewhere")
            await until(pilot, "the item", lambda: len(app.query_one(InboxList).ids) == 1)
            await pilot.press("r")
            await settle(pilot)
            await pilot.press(*"On it", "ctrl+s")
            # The watch's next round is an hour away: the queued reply asks for one now.
            assert ": ok" in await asyncio.to_thread(lines.next, "the round the reply asked for")
            await until(pilot, "the reply", lambda: bool(masto.posts_by(owner)), timeout=15)
    finally:
        watch.kill()
        watch.wait(20)
    (sent,) = masto.posts_by(owner)
    assert "On it" in sent["text"]
