"""One sync loop per PostgreSQL inbox, whichever machine runs it: the advisory lock on the
server, its holder's words in the database, a round asked for by NOTIFY, and two
``sfogo sync --watch`` processes handing the loop over when the holder is killed with
``kill -9``."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from sync_world import world  # noqa: F401 (a fixture)
from test_synclock import _watch
from test_tui_autosync import acme, until
from tui_kit import make_app

from sfogo.inbox.clock import NOW_ENV
from sfogo.inbox.synclock import Holder, ServerSyncLock, SyncLock, acquire, ask_for_round
from sfogo.tui.widgets import InboxList

pytestmark = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

ME = Holder(os.getpid(), "a test", 120, 0, (1, 2))
TAKEOVER_S = 15  # the longest a takeover may take on a busy machine (measured: about 1 s)


def test_one_holder_per_inbox_and_only_a_live_one_is_named(any_location):
    first, second = SyncLock(any_location), SyncLock(any_location)
    assert isinstance(first, ServerSyncLock) and isinstance(second, ServerSyncLock)
    assert first.try_acquire(ME) and first.held
    assert not second.try_acquire(Holder(os.getpid(), "another", 60, 5))
    assert not second.held
    assert second.held_elsewhere() and not first.held_elsewhere()
    assert second.holder() == ME == first.holder()  # its words, read from the database
    first.release()
    assert second.holder() is None and not second.held_elsewhere()
    assert second.try_acquire(Holder(os.getpid(), "another", 60, 5))
    assert first.holder() == Holder(os.getpid(), "another", 60, 5)
    # A session that ends without a word (a crash, kill -9) ends the lock on the server; its
    # words stay in the database and are never read back as a holder's.
    second._server._conn.close()  # type: ignore[union-attr]
    assert first.holder() is None and not first.held_elsewhere()
    assert first.try_acquire(ME)
    first.release()


def test_a_round_is_asked_for_by_notify_and_heard_by_the_holder(any_location):
    holder, asker = SyncLock(any_location), SyncLock(any_location)
    assert ask_for_round(asker) is None  # nobody holds the loop: nobody is asked

    async def main() -> None:
        heard = asyncio.Event()
        await acquire(holder, ME, on_round=heard.set)
        assert ask_for_round(holder) is None  # the holder does not ask itself
        assert await asyncio.to_thread(ask_for_round, asker) == ME
        await asyncio.wait_for(heard.wait(), 10)
        holder.release()

    asyncio.run(main())
    assert ask_for_round(asker) is None


def machine(env: dict, tmp_path, name: str) -> dict:
    """A process's environment as on its own machine: its own home and cache folders."""
    home = tmp_path / f"machine-{name}"
    home.mkdir()
    return {**env, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}


def test_two_watches_run_one_loop_and_kill_9_hands_it_to_the_other(
    world, tmp_path, any_location, cli
):
    masto = world.mastodon()
    _acme, acme_id = world.mastodon_account(masto, "acme")
    masto.add_mentions(acme_id, 5)
    env = {
        **os.environ,
        **world.env,
        "SFOGO_DB": any_location,
        "SFOGO_CONFIG": world.config_path,
        NOW_ENV: str(world.clock.now()),
    }
    asker = SyncLock(any_location)
    # Each watch has its own cache folder, as on two machines: no file can be shared.
    first, first_lines, first_err = _watch(machine(env, tmp_path, "a"), tmp_path, "first")
    second = None
    try:
        assert first_lines.next("the first watch's banner").startswith("sfogo sync: 1 account")
        assert ": ok" in first_lines.next("the first watch's round")
        asked = len(masto.requests)
        second, second_lines, second_err = _watch(machine(env, tmp_path, "b"), tmp_path, "second")
        second_lines.next("the second watch's banner")
        waiting = second_lines.next("the second watch saying it waits")
        assert waiting == (
            f"sfogo sync: sfogo sync --watch (pid {first.pid}) syncs this file; "
            "taking over when it stops\n"
        )
        assert len(masto.requests) == asked  # one loop: the second asks nobody
        health = cli("health")
        assert f"sfogo sync --watch (pid {first.pid}) syncs this file, every 60 min." in health.out

        # The app's R on another machine: a NOTIFY the holder hears, not a signal.
        who = ask_for_round(asker)
        assert who is not None and who.describe() == f"sfogo sync --watch (pid {first.pid})"
        assert ": ok" in first_lines.next("the round asked for")
        assert len(masto.requests) > asked

        first.kill()  # SIGKILL: no clean-up; the server ends its session and the lock
        killed = time.monotonic()
        took = second_lines.next("the second watch taking over", timeout=TAKEOVER_S)
        waited = time.monotonic() - killed
        assert took == "sfogo sync: took over the sync loop\n"
        assert waited < TAKEOVER_S
        health = cli("health")
        assert f"sfogo sync --watch (pid {second.pid}) syncs this file" in health.out

        asked = len(masto.requests)
        assert ask_for_round(asker) is not None
        assert ": ok" in second_lines.next("the round asked of the new holder")
        assert len(masto.requests) > asked
        second.send_signal(signal.SIGINT)
        second.wait(20)
        assert "stopped" in second_lines.rest()
        assert second.returncode == 0
    finally:
        first.kill()
        first.wait(20)
        first_err.close()
        if second is not None:
            second.kill()
            second.wait(20)
            second_err.close()
    assert "Traceback" not in (tmp_path / "second.err").read_text()
    assert not asker.held_elsewhere() and asker.holder() is None  # given back on SIGINT
    assert "Nothing syncs this file now" in cli("health").out
    print(f"takeover after kill -9 on PostgreSQL: {waited:.2f} s")  # after cli: it reads stdout


async def test_the_app_holds_a_shared_inbox_loop_and_hears_r_from_another_machine(
    world, monkeypatch, any_location
):
    masto, _account, owner = acme(world, monkeypatch, 3)
    app = make_app(any_location, clock=world.clock)
    async with app.run_test(size=(100, 24)) as pilot:
        inbox = app.query_one(InboxList)
        await until(pilot, "the first round", lambda: len(inbox.ids) == 3)
        assert app.sync_status.where == "here"
        elsewhere = SyncLock(any_location)
        holder = elsewhere.holder()
        assert holder is not None and holder.pid == os.getpid() and holder.host == "the app"
        assert elsewhere.held_elsewhere()

        masto.add_mentions(owner, 2, start=world.clock.now() - 10, spacing=1)
        assert ask_for_round(elsewhere) == holder  # another app's R: a NOTIFY, no signal
        await until(pilot, "the round asked for", lambda: len(inbox.ids) == 5)
    assert not SyncLock(any_location).held_elsewhere()  # given back when the app quits


def test_a_holder_whose_session_is_lost_takes_the_lock_again(any_location):
    import psycopg

    lock = SyncLock(any_location)
    assert isinstance(lock, ServerSyncLock)

    async def main() -> None:
        back = asyncio.Event()  # a round, for the asks it could not hear while it was gone
        await acquire(lock, ME, on_round=back.set)
        lost = lock._server._conn.info.backend_pid  # type: ignore[union-attr]
        with psycopg.connect(any_location, autocommit=True) as admin:  # a server's restart
            admin.execute("SELECT pg_terminate_backend(%s)", (lost,))
        await asyncio.wait_for(back.wait(), 10)
        assert lock.held and lock._server._conn.info.backend_pid != lost  # type: ignore[union-attr]
        assert SyncLock(any_location).holder() == ME  # its words again, for its new session
        lock.release()

    asyncio.run(main())
    assert not SyncLock(any_location).held_elsewhere()
