"""The outbox: replies queued offline go out once; held ones say why; a kill cannot double."""

from __future__ import annotations

import re
import subprocess

import pytest
import reply_world
from mailserver import mail_server  # noqa: F401 (a fixture: the e-mail target asks for it)
from sync_world import forget_sessions, world  # noqa: F401 (world: a fixture)

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.outbox import (
    MAX_LOOKUPS,
    STALE_S,
    drop_reply,
    edit_reply,
    get_reply,
    outbox_settings,
    queue_reply,
    retry_reply,
)

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines


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
    target = reply_world.Target("", None, emu, path, re.compile(""), list, str)
    reply_world.send_killed_after_accept(world, target)


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
    assert "held" in listing.out and "deleted" in listing.err  # piped: notes on stderr
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


# -- exactly once, however far back the reply is -------------------------------------------------


def test_a_bluesky_reply_accepted_before_a_kill_is_found_after_101_newer_posts(world):
    target = reply_world.bluesky(world)
    reply_id = reply_world.answer(world, target, "On its way!")
    reply_world.send_killed_after_accept(world, target)
    for n in range(101):  # the account keeps posting: the reply is no longer among the 100 newest
        world.clock.advance(30)
        target.emulator.post(target.owner, f"Today's special #{n}")
    forget_sessions()

    result = world.send()[target.label]

    assert (result.sent, result.unknown) == (1, 0)
    assert len(target.replies()) == 1  # asked for by its record key, not posted again
    reply = get_reply(world.store, reply_id)
    assert reply["external_id"] == target.replies()[0]["uri"]
    assert reply["external_id"].endswith(reply["link"].rsplit("/", 1)[-1])


def test_the_bluesky_record_key_is_the_replys_and_the_pds_refuses_it_twice(world):
    import httpx

    from sfogo.inbox.channels.bluesky_reply import reply_rkey

    target = reply_world.bluesky(world)
    reply_world.answer(world, target, "Ciao!")
    world.send()
    (record,) = target.replies()
    reply = get_reply(world.store, 1)
    assert record["uri"].rsplit("/", 1)[-1] == reply_rkey(
        reply["idempotency_key"], reply["created_at"]
    )
    # What the PDS does with that key a second time, with a key that is not a TID, and a
    # record that does not exist: as the reference PDS answers.
    session = httpx.post(
        f"{target.emulator.base_url}/xrpc/com.atproto.server.createSession",
        json={"identifier": "acme.bsky.social", "password": world.env["PW_ACME"]},
    ).json()
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}
    did, rkey = target.owner, record["uri"].rsplit("/", 1)[-1]
    body = {"repo": did, "collection": "app.bsky.feed.post", "record": record["record"]}
    create = f"{target.emulator.base_url}/xrpc/com.atproto.repo.createRecord"
    again = httpx.post(create, json={**body, "rkey": rkey}, headers=auth)
    assert again.status_code == 500 and len(target.replies()) == 1
    assert httpx.post(create, json={**body, "rkey": "not-a-tid"}, headers=auth).status_code == 400
    get = f"{target.emulator.base_url}/xrpc/com.atproto.repo.getRecord"
    params = {"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey}
    assert httpx.get(get, params=params, headers=auth).json()["uri"] == record["uri"]
    missing = httpx.get(get, params={**params, "rkey": "3n3c5afkrpebk"}, headers=auth)
    assert (missing.status_code, missing.json()["error"]) == (400, "RecordNotFound")


def test_an_x_reply_is_unknown_when_x_cannot_list_back_to_it_and_found_when_it_can(world):
    target = reply_world.x(world)
    first = reply_world.answer(world, target, "See you at 8!")
    reply_world.send_killed_after_accept(world, target)
    for n in range(100):
        world.clock.advance(10)
        target.emulator._post(target.emulator.me["id"], f"Special #{n}", world.clock.now())
    assert world.send()[target.label].sent == 1  # 100 posts later: still within reach
    assert get_reply(world.store, first)["state"] == "sent"

    second = reply_world.answer(world, target, "We open at noon.")
    reply_world.send_killed_after_accept(world, target)
    for n in range(3201):  # X's user timeline serves only the newest 3,200 posts
        target.emulator._post(target.emulator.me["id"], f"Post {n}", world.clock.now() + 1)
    world.clock.advance(60)
    result = world.send()[target.label]

    assert (result.sent, result.unknown) == (0, 1)
    reply = get_reply(world.store, second)
    assert reply["state"] == "unknown" and "3200 newest posts" in reply["reason"]
    assert len(target.replies()) == 1  # held as unknown, never posted twice


# -- replies that finish ------------------------------------------------------------------------


def _cut_reply(world, target, text: str) -> int:
    """A reply the platform took whose answer never came back: it stays ``sending``."""
    reply_id = reply_world.answer(world, target, text)
    target.emulator.faults.set("reset", paths=target.post_path, count=1)
    world.send()
    assert get_reply(world.store, reply_id)["state"] == "sending"
    return reply_id


def test_a_reply_whose_look_up_keeps_failing_becomes_unknown_and_never_blocks_later_ones(
    world, cli
):
    target = reply_world.mastodon(world)
    stuck = _cut_reply(world, target, "Thanks for waiting")
    stuck_parent = target.parent
    target.emulator.faults.set(
        "answer", paths=r"/accounts/\d+/statuses$", status=404, body={"error": "Not found"}
    )
    later = reply_world.answer(world, target, "Yes, we deliver")

    first = world.send()[target.label]
    assert (first.sent, first.waiting) == (1, 1)  # the later reply went out meanwhile
    assert get_reply(world.store, later)["state"] == "sent"
    rounds = 1  # the sync that brought the later item in looked once already
    while get_reply(world.store, stuck)["state"] == "sending":
        world.clock.advance(300)
        world.send()
        rounds += 1
        assert rounds <= MAX_LOOKUPS

    reply = get_reply(world.store, stuck)
    assert reply["state"] == "unknown" and reply["lookups"] == MAX_LOOKUPS
    assert f"{MAX_LOOKUPS} look-ups failed" in reply["reason"]
    assert reply["updated_at"] == world.clock.now()  # when it was settled
    assert world.send() == {}  # nothing left to do: unknown waits for the manager
    listing = cli("outbox")
    assert "unknown" in listing.out and f"sfogo outbox retry {stuck}" in listing.err
    assert cli("outbox", "edit", stuck, "changed").code == 1  # it may be out there as it is

    # "I checked: it is not there" sends it again, under its key: Mastodon still knows the
    # key (within the hour), so even a wrong guess posts nothing twice.
    target.emulator.faults.clear()
    assert cli("outbox", "retry", stuck).code == 0
    assert world.send()[target.label].sent == 1
    target.parent = stuck_parent
    assert len(target.replies()) == 1
    assert get_reply(world.store, stuck)["state"] == "sent"


def test_a_reply_nobody_can_look_for_is_unknown_at_once_and_can_be_dropped(world, cli, request):
    # E-mail without a copy to ourselves and without a sent mailbox: nothing to look in.
    target = reply_world.target_for("email", world, request)
    world.store.accounts.update(
        target.account.id, settings={**target.account.settings, "bcc_self": False}
    )
    reply_id = reply_world.answer(world, target, "Shipped today.")
    target.emulator.smtp.fail["DATA"] = "451 4.3.0 try again later"  # left unsure
    world.send()
    reply = get_reply(world.store, reply_id)
    assert reply["state"] == "sending"
    target.emulator.smtp.fail.clear()
    world.clock.advance(60)

    result = world.send()[target.label]

    reply = get_reply(world.store, reply_id)
    assert (result.unknown, reply["state"]) == (1, "unknown")
    assert "no copy of the reply to look for" in reply["reason"]
    dropped = cli("outbox", "drop", reply_id)
    assert dropped.code == 0 and get_reply(world.store, reply_id)["state"] == "dropped"
    assert target.replies() == []


def test_a_stale_claim_is_not_honoured_but_a_live_senders_is(world):
    target = reply_world.mastodon(world)
    reply_id = reply_world.answer(world, target, "Welcome!")
    sleeper = subprocess.Popen(["sleep", "60"])  # another live process on this machine
    try:
        world.store.outbox.take(
            reply_id,
            expect="queued",
            attempts=0,
            reason=f"sending from process {sleeper.pid} (a1b2c3d4e5f6)",
            now=world.clock.now(),
        )
        assert world.send()[target.label].waiting == 1  # it is sending: left alone
        assert target.replies() == []
        world.clock.advance(STALE_S)
        assert world.send()[target.label].sent == 1  # no send takes that long: settled
    finally:
        sleeper.kill()
        sleeper.wait(10)
    assert len(target.replies()) == 1


def test_a_sent_reply_has_its_link_and_marks_the_item_done_unless_told_not_to(world, cli):
    target = reply_world.mastodon(world)
    done = reply_world.answer(world, target, "Ciao!")
    world.send()
    reply = get_reply(world.store, done)
    assert target.link.match(reply["link"])
    item = world.store.items.get(reply["item_id"])
    assert item["status"] == "done" and item["handled_at"] == reply["sent_at"]
    ours = world.store.items.thread(item)[-1]
    assert ours["outgoing"] and ours["url"] == reply["link"]
    assert f"reply {done} sent: {reply['link']}" in cli("outbox").err  # piped: stderr
    assert cli("outbox", "--json").json()[0]["link"] == reply["link"]

    kept = reply_world.answer(world, target, "Ciao di nuovo!")
    world.send(config={"outbox": {"reply_marks_done": False}})
    item = world.store.items.get(get_reply(world.store, kept)["item_id"])
    assert get_reply(world.store, kept)["state"] == "sent" and item["status"] == "open"


@pytest.mark.parametrize(
    "table, message",
    [
        ({"reply_marks_done": "yes"}, "must be true or false"),
        ({"reply_marks_dnoe": True}, "no key 'reply_marks_dnoe'"),
    ],
)
def test_the_outbox_config_is_checked(table, message):
    with pytest.raises(SfogoError, match=message):
        outbox_settings({"outbox": table})
    assert outbox_settings({}).reply_marks_done is True
