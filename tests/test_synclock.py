"""One sync loop per data file: the lock beside it, and two ``sfogo sync --watch`` processes
handing the loop over when the holder is killed with ``kill -9``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

from child import Lines
from sync_world import world  # noqa: F401 (a fixture)

from sfogo.inbox.clock import NOW_ENV
from sfogo.inbox.synclock import Holder, SyncLock, acquire, ask_for_round, lock_path

ME = Holder(os.getpid(), "a test", 120, 0)


def test_one_holder_at_a_time_even_inside_one_process(db_path):
    first, second = SyncLock(db_path), SyncLock(db_path)
    assert first.try_acquire(ME)
    assert not second.try_acquire(Holder(os.getpid(), "another", 60, 5))
    assert second.held_elsewhere() and not first.held_elsewhere()
    assert second.holder() == ME  # who holds it, in the file beside the data file
    assert first.path == db_path.parent / "sfogo.db-sync.lock"
    first.release()
    assert second.holder() is None and not second.held_elsewhere()
    assert second.try_acquire(Holder(os.getpid(), "another", 60, 5))
    assert second.holder() == Holder(os.getpid(), "another", 60, 5)
    second.release()
    assert first.path.exists()  # never deleted: a waiter on the old file would slip in


def test_every_name_of_the_file_is_one_lock(db_path, tmp_path, monkeypatch):
    db_path.touch()
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    monkeypatch.chdir(tmp_path)
    assert lock_path("sfogo.db") == lock_path(link) == lock_path(db_path)


def test_a_waiting_host_says_who_it_waits_for_and_gets_the_loop_when_it_is_given_up(db_path):
    holder, waiter = SyncLock(db_path), SyncLock(db_path)
    assert holder.try_acquire(ME)
    heard: list[Holder | None] = []

    async def main() -> None:
        told = asyncio.Event()

        def waiting_for(who: Holder | None) -> None:
            heard.append(who)
            told.set()

        waiting = asyncio.create_task(
            acquire(waiter, Holder(os.getpid(), "waiter", 60, 1), waiting=waiting_for, poll_s=0)
        )
        await asyncio.wait_for(told.wait(), 10)  # it tried once and said so
        assert not waiting.done()
        holder.release()
        await asyncio.wait_for(waiting, 10)

    asyncio.run(main())
    assert heard == [ME] and waiter.held
    assert waiter.holder() is not None and waiter.holder().host == "waiter"
    waiter.release()


def test_nobody_is_asked_for_a_round_when_nobody_holds_the_loop(db_path):
    lock = SyncLock(db_path)
    assert ask_for_round(lock) is None  # no file yet
    lock.try_acquire(Holder(4_000_000, "gone", 60, 0))  # a pid no process has
    lock.release()
    # The file is empty once released; a holder killed with kill -9 leaves its words behind,
    # and then the lock itself says nobody holds it: its pid is never signalled.
    lock.path.write_bytes(Holder(os.getpid() + 1, "dead", 60, 0).to_json())
    assert ask_for_round(SyncLock(db_path)) is None


def _watch(env: dict, tmp_path, name: str) -> tuple[subprocess.Popen, Lines, object]:
    errors = (tmp_path / f"{name}.err").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from sfogo.tui.cli import main; sys.exit(main())",
            "sync",
            "--watch",
            "--interval",
            "1h",
        ],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env=env,
    )
    return proc, Lines(proc.stdout, context=(tmp_path / f"{name}.err").read_text), errors


def watch_env(world, db_path) -> dict:
    return {
        **os.environ,
        **world.env,
        "SFOGO_DB": str(db_path),
        "SFOGO_CONFIG": world.config_path,
        NOW_ENV: str(world.clock.now()),
    }


def test_two_watches_run_one_loop_and_kill_9_hands_it_to_the_other(world, tmp_path, db_path):
    masto = world.mastodon()
    _acme, acme_id = world.mastodon_account(masto, "acme")
    masto.add_mentions(acme_id, 5)
    env = watch_env(world, db_path)
    first, first_lines, first_err = _watch(env, tmp_path, "first")
    second = None
    try:
        assert first_lines.next("the first watch's banner").startswith("sfogo sync: 1 account")
        assert ": ok" in first_lines.next("the first watch's round")
        asked = len(masto.requests)
        second, second_lines, second_err = _watch(env, tmp_path, "second")
        second_lines.next("the second watch's banner")
        waiting = second_lines.next("the second watch saying it waits")
        assert waiting == (
            f"sfogo sync: sfogo sync --watch (pid {first.pid}) syncs this file; "
            "taking over when it stops\n"
        )
        assert len(masto.requests) == asked  # one loop: the second asks nobody

        # SIGUSR1 (what the app's R sends) asks the holder for a round now, not in an hour.
        os.kill(first.pid, signal.SIGUSR1)
        assert ": ok" in first_lines.next("the round asked for")
        assert len(masto.requests) > asked

        first.kill()  # SIGKILL: no clean-up, the kernel drops the lock
        killed = time.monotonic()
        took = second_lines.next("the second watch taking over", timeout=15)
        waited = time.monotonic() - killed
        assert took == "sfogo sync: took over the sync loop\n"
        print(f"takeover after kill -9: {waited:.2f} s")
        # The account was synced a moment ago: the new holder keeps the schedule (next in an
        # hour) and syncs at once only when asked.
        asked = len(masto.requests)
        os.kill(second.pid, signal.SIGUSR1)
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


def test_health_says_whether_anything_syncs_the_file(world, cli, db_path):
    masto = world.mastodon()
    world.mastodon_account(masto, "acme")
    nobody = cli("health")
    assert nobody.code == 0
    assert (
        "Nothing syncs this file now: the next tries come when the app or 'sfogo sync --watch'"
        " runs." in nobody.out
    )
    lock = SyncLock(db_path)
    assert lock.try_acquire(Holder(4242, "sfogo sync --watch", 3600, 0))
    try:
        held = cli("health")
    finally:
        lock.release()
    assert "sfogo sync --watch (pid 4242) syncs this file, every 60 min." in held.out
    assert "Nothing syncs" not in held.out


def test_a_holder_is_read_as_plain_text_whatever_the_file_says(db_path):
    lock = SyncLock(db_path)
    lock.path.write_bytes(
        b'{"pid": 7, "host": "evil \\u001b]0;pwned\\u0007 [b]x[/b]", "interval": 60, "since": 0}'
    )
    who = lock.holder()
    assert who is not None and "\x1b" not in who.host and "\x07" not in who.host
    assert who.describe().startswith("evil ") and who.describe().endswith("(pid 7)")
    lock.path.write_bytes(b'{"pid": "seven"}')
    assert lock.holder() is None  # torn or foreign: nobody is named
