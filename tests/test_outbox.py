"""The outbox: replies queued offline go out once; held ones say why; a kill cannot double."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
from sync_world import forget_sessions, world  # noqa: F401 (world: a fixture)

from sfogo.inbox.clock import NOW_ENV
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.outbox import drop_reply, edit_reply, get_reply, queue_reply, retry_reply


def _item_id(world, external_id) -> int:
    return world.store.conn.execute(
        "SELECT id FROM interactions WHERE external_id = ?", (str(external_id),)
    ).fetchone()[0]


def test_a_reply_queued_while_offline_is_sent_once_after_recovery(world, cli, monkeypatch):
    masto = world.mastodon(seed=11)
    acme, acme_id = world.mastodon_account(masto, "acme")
    status = masto.mention(acme_id, text="@acme are you open on Monday?")
    world.sync()
    masto.faults.set("offline")
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)

    queued = cli("reply", _item_id(world, status), "Yes,", "from 9 to 18.")
    assert queued.code == 0 and "queued reply 1" in queued.out
    world.clock.advance(600)
    assert world.sync()[f"mastodon:{acme.handle}"].outcome == "offline"
    world.send()  # an explicit send while offline changes nothing either
    reply = get_reply(world.store, 1)
    assert reply["state"] == "queued" and "cannot reach" in reply["reason"]

    masto.faults.clear()
    world.clock.advance(3600)
    result = world.sync()[f"mastodon:{acme.handle}"]
    assert (result.outcome, result.sent) == ("ok", 1)
    world.sync()
    world.send()
    assert len(masto.posts_by(acme_id, in_reply_to=status)) == 1
    reply = get_reply(world.store, 1)
    assert reply["state"] == "sent" and reply["text"] == "Yes, from 9 to 18."
    ours = world.store.items.thread(world.store.items.get(_item_id(world, status)))[-1]
    assert (ours["outgoing"], ours["status"], ours["external_id"]) == (
        True,
        "done",
        reply["external_id"],
    )
    listing = cli("outbox", "--json").json()
    assert [(r["id"], r["state"]) for r in listing] == [(1, "sent")]


def _send_in_a_process_killed_after_the_server_accepted(world, emu, path: str) -> None:
    """``sfogo send`` in a child process; the emulator accepts the POST, holds its answer,
    and the child is SIGKILLed before it can store anything."""
    received, release = threading.Event(), threading.Event()
    emu.faults.set("stall", paths=path, count=1, received=received, release=release)
    env = {
        **os.environ,
        **world.env,
        "SFOGO_DB": str(world.store.path),
        "SFOGO_CONFIG": world.config_path,
        NOW_ENV: str(world.clock.now()),
    }
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from sfogo.tui.cli import main; sys.exit(main())",
            "send",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert received.wait(30), child.stderr.read() if child.poll() is not None else "no POST"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        release.set()
        child.kill()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("platform", ["mastodon", "bluesky"])
def test_a_reply_is_sent_once_even_if_the_process_is_killed_after_the_server_accepted(
    world, platform
):
    # The child process starts at the world's time (SFOGO_NOW), as the emulators do.
    if platform == "mastodon":
        emu = world.mastodon(seed=12)
        account, owner = world.mastodon_account(emu, "acme")
        parent = str(emu.mention(owner))
        path = r"/api/v1/statuses$"

        def replies():
            return emu.posts_by(owner, in_reply_to=int(parent))
    else:
        emu = world.bluesky(seed=12)
        account, owner = world.bluesky_account(emu, "acme.bsky.social")
        parent = emu.mention(owner)
        path = r"createRecord$"

        def replies():
            return [
                p
                for p in emu.posts_by(owner)
                if p["record"].get("reply", {}).get("parent", {}).get("uri") == parent
            ]

    world.sync()
    reply_id = queue_reply(
        world.store, _item_id(world, parent), "On its way!", now=world.clock.now()
    )

    _send_in_a_process_killed_after_the_server_accepted(world, emu, path)

    assert len(replies()) == 1  # the platform has it ...
    reply = get_reply(world.store, reply_id)
    assert (reply["state"], reply["attempts"]) == ("sending", 1)  # ... sfogo does not know
    forget_sessions()
    result = world.send()[f"{platform}:{account.handle}"]
    assert result.sent == 1
    assert len(replies()) == 1  # found, not posted again
    reply = get_reply(world.store, reply_id)
    assert reply["state"] == "sent" and reply["attempts"] == 1


def test_after_the_idempotency_key_expired_the_reply_is_looked_up_not_repeated(world):
    masto = world.mastodon(seed=13)
    _acme, acme_id = world.mastodon_account(masto, "acme")
    status = masto.mention(acme_id, visibility="unlisted")
    world.sync()
    reply_id = queue_reply(
        world.store, _item_id(world, status), "Thank you!", now=world.clock.now()
    )
    masto.faults.set("reset", paths=r"/api/v1/statuses$", count=1)  # accepted, answer cut

    world.send()
    assert get_reply(world.store, reply_id)["state"] == "sending"
    world.clock.advance(2 * 3600)  # Mastodon forgot the key after an hour
    world.send()

    posts = masto.posts_by(acme_id, in_reply_to=status)
    assert len(posts) == 1 and posts[0]["visibility"] == "unlisted"
    assert get_reply(world.store, reply_id)["external_id"] == str(posts[0]["id"])


def test_a_deleted_parent_holds_the_reply_which_can_be_edited_retried_or_dropped(world, cli):
    masto = world.mastodon(seed=14)
    acme, acme_id = world.mastodon_account(masto, "acme")
    gone = masto.mention(acme_id)
    kept = masto.mention(acme_id)
    world.sync()
    first = queue_reply(
        world.store, _item_id(world, gone), "Sorry to hear that", now=world.clock.now()
    )
    second = queue_reply(world.store, _item_id(world, kept), "Thanks!", now=world.clock.now())
    masto.delete_status(gone)

    result = world.send()[f"mastodon:{acme.handle}"]

    assert (result.sent, result.held) == (1, 1)
    held = get_reply(world.store, first)
    assert (held["state"], held["reason"]) == (
        "held",
        "the post was deleted or is no longer visible",
    )
    listing = cli("outbox")
    assert "held" in listing.out and "deleted" in listing.out
    key = held["idempotency_key"]
    edited = cli("outbox", "edit", first, "Sorry", "about", "that")
    assert edited.code == 0 and "still held" in edited.out
    assert get_reply(world.store, first)["idempotency_key"] != key  # new text, new idempotency key
    assert cli("outbox", "retry", first).code == 0
    assert get_reply(world.store, first)["state"] == "queued"
    world.send()
    assert get_reply(world.store, first)["state"] == "held"
    assert cli("outbox", "drop", first).code == 0
    assert get_reply(world.store, first)["state"] == "dropped"
    again = cli("outbox", "drop", second)
    assert again.code == 1 and "reply 2 is sent" in again.err


def test_replies_of_a_blocked_account_are_held_with_the_reason(world):
    masto = world.mastodon(seed=15)
    acme, acme_id = world.mastodon_account(masto, "acme")
    status = masto.mention(acme_id)
    world.sync()
    reply_id = queue_reply(world.store, _item_id(world, status), "Hello", now=world.clock.now())
    masto.suspended.add(acme_id)
    world.clock.advance(300)
    result = world.sync()[f"mastodon:{acme.handle}"]

    assert (result.outcome, result.held) == ("blocked", 1)
    world.send()
    reply = get_reply(world.store, reply_id)
    assert reply["state"] == "held"
    assert reply["reason"].startswith("the account is blocked:")
    assert masto.posts_by(acme_id) == []


def test_a_reply_the_platform_refuses_fails_with_its_reason(world):
    masto = world.mastodon(seed=16)
    _acme, acme_id = world.mastodon_account(masto, "acme")
    status = masto.mention(acme_id)
    world.sync()
    reply_id = queue_reply(world.store, _item_id(world, status), "x" * 600, now=world.clock.now())
    world.send()
    reply = get_reply(world.store, reply_id)
    assert reply["state"] == "failed"
    assert "character limit of 500" in reply["reason"]


def test_only_unsent_replies_change_and_empty_text_is_refused(world):
    masto = world.mastodon(seed=17)
    _acme, acme_id = world.mastodon_account(masto, "acme")
    status = masto.mention(acme_id)
    world.sync()
    item_id = _item_id(world, status)
    with pytest.raises(SfogoError, match="needs some text"):
        queue_reply(world.store, item_id, "  \n ", now=world.clock.now())
    reply_id = queue_reply(world.store, item_id, "ok", now=world.clock.now())
    with pytest.raises(SfogoError, match="only held, failed, unknown replies can be retried"):
        retry_reply(world.store, reply_id, now=world.clock.now())
    assert edit_reply(world.store, reply_id, "ok!", now=world.clock.now())["text"] == "ok!"
    drop_reply(world.store, reply_id, now=world.clock.now())
    with pytest.raises(SfogoError):
        edit_reply(world.store, reply_id, "again", now=world.clock.now())
