"""Posts that must go out, told as the manager lives them, through real sockets: the
platforms' queues lose posts, outages hide what went out, our own posts cross crashes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading

import pytest
from posts_world import facebook, states, wordpress, x, youtube
from sync_world import forget_sessions, world  # noqa: F401 (world: a fixture)

from sfogo.inbox.clock import NOW_ENV
from sfogo.inbox.posts.actions import queue_post, restore_post
from sfogo.inbox.posts.plan import import_plan
from sfogo.inbox.when import iso

HOUR = 3600
DAY = 86400


def _env(world, monkeypatch) -> None:
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)


def test_six_thursday_posts_the_platform_lost_vanish_and_restore_brings_each_back_once(
    world, cli, monkeypatch
):
    account, fb = facebook(world)
    thursday = world.clock.now() + 6 * DAY
    for hour in range(9, 21, 2):
        fb.schedule_post(
            f"Thursday at {hour}:00: carbonara night, book a table", thursday + hour * 60
        )
    world.sync()
    assert list(states(world).values()) == ["scheduled"] * 6

    # The Page's queue silently loses them.
    fb.faults.set("drop_scheduled", match="Thursday", count=6)
    world.clock.advance(15 * 60)
    world.sync()
    assert list(states(world).values()) == ["vanished"] * 6
    vanished = world.store.posts.get(1)
    assert "sfogo did not remove it" in vanished["reason"] and fb.queue.entries == {}

    _env(world, monkeypatch)
    restored = cli("posts", "restore", "1", "2", "3", "4", "5", "6")
    assert restored.code == 0
    assert restored.out.count("back on Facebook's queue at the next sync") == 6
    again = cli("posts", "restore", "1")
    assert again.code == 1 and "post 1 is scheduled" in again.err

    assert world.send()[f"facebook:{account.handle}"].sent == 6
    world.send()
    world.sync()
    assert len(fb.queue.entries) == 6  # once each, however often sfogo sends
    assert sorted(e["text"] for e in fb.queue.entries.values()) == sorted(
        p["text"] for p in world.store.posts.listing()
    )

    world.clock.advance(7 * DAY)
    world.sync()
    assert list(states(world).values()) == ["published"] * 6
    history = world.store.posts.history([1])[1]
    assert [e.state for e in history] == [
        "scheduled",
        "vanished",
        "scheduled",
        "scheduled",
        "published",
    ]
    assert history[3].detail.startswith("platform id ")  # the lost id is kept


def test_posts_due_during_an_outage_are_at_risk_then_published_late_or_missed(world, cli):
    _account, fb = facebook(world)
    start = world.clock.now()
    for hours, name in ((2, "breakfast"), (5, "lunch"), (8, "dinner")):
        fb.schedule_post(f"Today's {name} menu is out", start + hours * HOUR)
    world.sync()
    fb.faults.set("offline")
    for _ in range(30):  # 30 hours without a connection, a sync every hour
        world.clock.advance(HOUR)
        world.sync()

    during = cli("posts", "--json", "--from", "2d").json()
    assert [p["state"] for p in during] == ["at_risk"] * 3
    assert during[0]["gap"]["kind"] == "offline" and during[0]["stored_state"] == "scheduled"

    fb.faults.clear("offline")
    fb.faults.set("publish_late", match="lunch", seconds=2 * HOUR)
    fb.faults.set("drop_scheduled", match="dinner", count=1)
    world.clock.advance(60)
    world.sync()

    after = {p["text"]: p for p in cli("posts", "--json", "--from", "2d").json()}
    assert after["Today's breakfast menu is out"]["state"] == "published"
    lunch = after["Today's lunch menu is out"]
    assert (lunch["state"], lunch["delay_s"]) == ("late", 2 * HOUR)
    dinner = after["Today's dinner menu is out"]
    assert dinner["state"] == "missed" and "not on the timeline" in dinner["reason"]
    assert [h["state"] for h in dinner["history"]] == ["scheduled", "missed"]

    # The client's report says what happened to each, and in which incident.
    md = cli("report", "Trattoria", "--since", "3d", "--format", "md").out
    section = md[md.index("## Scheduled posts") :]
    assert "3 scheduled posts were due: 1 published on time, 1 late, 1 missed, 0 vanished" in (
        section
    )
    lunch_row = next(line for line in section.splitlines() if "lunch" in line)
    assert "published 2 hours late" in lunch_row and "No internet connection" in lunch_row
    it = cli("report", "Trattoria", "--since", "3d", "--format", "md", "--lang", "it").out
    assert "## Post programmati" in it and "mai uscito" in it
    assert "Connessione internet assente" in it
    page = cli("report", "Trattoria", "--since", "3d", "--format", "html").out
    assert "<h2>Scheduled posts</h2>" in page and "never appeared" in page
    rows = cli("report", "Trattoria", "--since", "3d", "--format", "csv").out.splitlines()
    posts = [r for r in rows if ",scheduled_post," in r]
    assert len(posts) == 3 and any(",late,," in r or ",late," in r for r in posts)
    assert all(r.startswith("post-") for r in posts)


def _said(errors) -> str:
    """What a child wrote to its error file."""
    errors.seek(0)
    return errors.read().decode(errors="replace") or "no POST arrived in 30 s"


def _kill_after_the_server_accepted(world, emu, path: str, *args: str) -> None:
    """``sfogo ARGS`` in a child process, SIGKILLed once the emulator accepted its POST."""
    received, release = threading.Event(), threading.Event()
    emu.faults.set("stall", paths=path, count=1, received=received, release=release)
    env = {
        **os.environ,
        **world.env,
        "SFOGO_DB": str(world.store.path),
        "SFOGO_CONFIG": world.config_path,
        NOW_ENV: str(world.clock.now()),
    }
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (a file: an unread pipe can fill up)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from sfogo.tui.cli import main; sys.exit(main())",
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    try:
        assert received.wait(30), _said(errors)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        release.set()
        child.kill()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("platform", ["mastodon", "bluesky"])
def test_our_own_post_crosses_a_kill_after_the_server_accepted_and_goes_out_once(world, platform):
    if platform == "mastodon":
        emu = world.mastodon(seed=21)
        account, owner = world.mastodon_account(emu, "gino", client="Trattoria")
        path = r"/api/v1/statuses$"

        def ours():
            return [s for s in emu.posts_by(owner) if "Live from the kitchen" in s["text"]]
    else:
        emu = world.bluesky(seed=21)
        account, owner = world.bluesky_account(emu, "gino.bsky.social", client="Trattoria")
        path = r"createRecord$"

        def ours():
            return [
                p for p in emu.posts_by(owner) if "Live from the kitchen" in p["record"]["text"]
            ]

    post_id = queue_post(
        world.store,
        account.id,
        "Live from the kitchen: the sauce is on",
        at=world.clock.now() + 600,
        now=world.clock.now(),
    )
    world.send()
    assert ours() == []  # not before its time
    world.clock.advance(600)

    _kill_after_the_server_accepted(world, emu, path, "send")

    assert len(ours()) == 1  # the platform has it ...
    post = world.store.posts.get(post_id)
    assert (post["state"], post["send_state"], post["attempts"]) == ("scheduled", "sending", 1)
    forget_sessions()
    world.clock.advance(120)
    assert world.send()[f"{platform}:{account.handle}"].sent == 1
    assert len(ours()) == 1  # found, not posted again
    post = world.store.posts.get(post_id)
    assert (post["state"], post["attempts"]) == ("published", 1)
    assert post["published_id"] in (str(ours()[0].get("id")), ours()[0].get("uri"))


def test_our_post_whose_fate_the_timeline_cannot_tell_is_held_for_a_decision_not_posted_twice(
    world, cli
):
    emu = world.mastodon(seed=23)
    account, owner = world.mastodon_account(emu, "gino", client="Trattoria")
    now = world.clock.now()
    post_id = queue_post(world.store, account.id, "Live from the kitchen", at=now, now=now)
    # An attempt was cut off after Mastodon took it; the account has posted 900 times since.
    assert world.store.posts.take(
        post_id, expect="queued", attempts=0, reason="cut off", now=world.clock.now()
    )
    emu.post(owner, "Live from the kitchen", at=now + 1)
    for n in range(900):
        emu.post(owner, f"Today's special number {n}", at=now + 2 + n)
    world.clock.advance(HOUR)

    def ours():
        return [s for s in emu.posts_by(owner) if "Live from the kitchen" in s["text"]]

    result = world.send()[f"mastodon:{account.handle}"]
    assert (result.sent, result.unknown) == (0, 1) and len(ours()) == 1  # not posted again
    post = world.store.posts.get(post_id)
    assert (post["state"], post["send_state"]) == ("held", "unknown")
    assert "cannot tell whether it went out" in post["reason"]
    assert "publish it now or cancel it" in cli("posts").err  # piped: notes on stderr
    world.send()  # an unknown post waits for the manager: no look-up, no history line
    assert len(world.store.posts.history([post_id])[post_id]) == 2

    assert cli("posts", "cancel", str(post_id)).code == 0  # the manager saw it there
    post = world.store.posts.get(post_id)
    assert (post["state"], post["send_state"]) == ("cancelled", "dropped")
    world.send()
    assert len(ours()) == 1


def test_an_expired_live_post_is_held_for_a_decision_not_sent_late(world, cli, monkeypatch):
    masto = world.mastodon(seed=22)
    account, owner = world.mastodon_account(masto, "gino", client="Trattoria")
    _env(world, monkeypatch)
    live = cli(
        "post",
        "Trattoria",
        account.handle,
        "Kick-off!",
        "Follow",
        "the",
        "match",
        "here",
        "--at",
        "1h",
        "--expires",
        "2h",
    )
    assert live.code == 0 and "stale after 2 hours" in live.out
    later = cli("post", "Trattoria", account.handle, "Tonight's menu is up", "--at", "2h")
    assert later.code == 0
    masto.faults.set("offline")
    for _ in range(5):
        world.clock.advance(HOUR)
        world.sync()
    masto.faults.clear("offline")
    world.clock.advance(60)
    world.sync()

    assert masto.posts_by(owner) and all("Kick-off" not in s["text"] for s in masto.posts_by(owner))
    held, menu = world.store.posts.get(1), world.store.posts.get(2)
    assert held["state"] == "held" and "stale" in held["reason"]
    assert menu["state"] == "late"  # no expiry: it waited for the channel and went out
    listing = cli("posts")
    assert "held" in listing.out and "publish it now or cancel it" in listing.err

    assert cli("posts", "publish", "1").code == 0  # the manager decides: post it anyway
    world.send()
    assert [s for s in masto.posts_by(owner) if "Kick-off" in s["text"]]
    assert world.store.posts.get(1)["state"] == "late"


def test_wordpress_missed_schedule_is_missed_while_stuck_then_late(world):
    _account, wp = wordpress(world)
    wp.add_post("Autumn clean-up of the river banks", world.clock.now() + HOUR, status="future")
    world.sync()
    wp.faults.set("stall_publish")  # WP-Cron did not run: the post stays "future"
    world.clock.advance(2 * HOUR)
    world.sync()
    post = world.store.posts.get(1)
    assert post["state"] == "missed" and "still in WordPress's queue" in post["reason"]

    wp.faults.clear("stall_publish")
    world.clock.advance(HOUR)
    world.sync()
    post = world.store.posts.get(1)
    assert post["state"] == "late" and post["published_at"] - post["at"] == 2 * HOUR


def test_a_youtube_premiere_whose_schedule_vanished_is_armed_again_by_restore(world):
    _account, yt = youtube(world)
    video = yt.add_video(
        "Launch day: Nuvola 2.0", at=world.clock.now() - DAY, publish_at=world.clock.now() + 2 * DAY
    )
    world.sync()
    yt.faults.set("drop_scheduled", count=1)
    world.clock.advance(HOUR)
    world.sync()
    assert states(world) == {1: "vanished"}
    restore_post(world.store, 1, now=world.clock.now())
    world.send()
    assert yt.videos[video]["publish_at"] == world.store.posts.get(1)["at"]
    world.clock.advance(2 * DAY)
    world.sync()
    assert states(world) == {1: "published"}


def test_plan_posts_on_x_are_confirmed_on_the_own_timeline_or_missed(world, tmp_path):
    account, emu = x(world)
    at = world.clock.now() + HOUR
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "client,account,at,text\n"
        f"Nuvola,{account.handle},{iso(at)},Nuvola 2.0 is live: https://nuvola.example/launch\n"
        f"Nuvola,{account.handle},{iso(at + HOUR)},Thank you for the launch day!\n"
    )
    from zoneinfo import ZoneInfo

    assert import_plan(world.store, plan, zone=ZoneInfo("UTC"), now=world.clock.now()).added == 2
    emu._post(emu.me["id"], "Nuvola 2.0 is live: https://t.co/abc123", at + 120)  # by another tool
    world.clock.advance(3 * HOUR)
    world.sync()
    assert states(world) == {1: "published", 2: "missed"}

    restore_post(world.store, 2, now=world.clock.now())  # X has no queue: sfogo's own
    world.send()
    world.send()
    mine = [t for t in emu.tweets.values() if t["text"] == "Thank you for the launch day!"]
    assert len(mine) == 1 and states(world)[2] == "late"


def test_a_restore_killed_after_facebook_took_it_is_found_in_the_queue_not_repeated(world):
    account, fb = facebook(world)
    fb.schedule_post("Sabato: pizza in teglia per tutti", world.clock.now() + 3 * DAY)
    world.sync()
    fb.faults.set("drop_scheduled", count=1)
    world.clock.advance(600)
    world.sync()
    assert states(world) == {1: "vanished"}
    restore_post(world.store, 1, now=world.clock.now())

    _kill_after_the_server_accepted(world, fb, r"/feed$", "send")

    assert len(fb.queue.entries) == 1  # Facebook has it again ...
    assert world.store.posts.get(1)["send_state"] == "sending"  # ... sfogo does not know
    assert world.send()[f"facebook:{account.handle}"].sent == 1
    world.sync()
    post = world.store.posts.get(1)
    assert len(fb.queue.entries) == 1 and post["platform_id"] in fb.queue.entries
    assert (post["state"], post["attempts"]) == ("scheduled", 1)
