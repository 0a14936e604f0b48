"""Campaigns: kill -9 in the middle of a sync and right after a platform accepted a reply or
a like, two senders at once. Nothing is lost, nothing is posted, liked or stored twice.

The suite runs each campaign small; ``pytest -m campaign`` runs the long versions (and prints
their numbers). Kill points are drawn from a fixed seed: which request of a sync is the last
one the child sees (its answer withheld, or released and followed by a few milliseconds of
work), so a failing run can be replayed.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time

import pytest
import reply_world
from mailserver import mail_server  # noqa: F401 (a fixture: the e-mail target asks for it)
from reply_world import (
    CHANNELS,
    CONVERSATIONS,
    IDEMPOTENT_LIKES,
    LIKE_CHANNELS,
    answer,
    child_errors,
    item_id,
    like,
    send_killed_after_accept,
    sfogo_child,
)
from sync_world import forget_sessions, world  # noqa: F401 (world: a fixture)

from sfogo.inbox.outbox import get_reply


def _say(line: str) -> None:
    """A campaign's numbers, on the terminal (``pytest -m campaign -s`` shows them)."""
    print(f"\ncampaign: {line}")


# -- a kill right after the platform accepted a reply -------------------------------------------


def _killed_after_accept(world, request, channel: str, rounds: int) -> int:
    """``rounds`` replies on ``channel``, the sender killed after each was accepted; each is
    found, not posted again. Returns the replies checked."""
    target = reply_world.target_for(channel, world, request)
    for n in range(rounds):
        reply_id = answer(world, target, f"Thank you, we are on it! ({n})")
        send_killed_after_accept(world, target)
        assert len(target.replies()) == 1  # the platform has it ...
        reply = get_reply(world.store, reply_id)
        assert (reply["state"], reply["attempts"]) == ("sending", 1)  # ... sfogo does not know
        forget_sessions()  # what a new process starts with
        result = world.send()[target.label]
        assert (result.sent, result.unknown, result.waiting) == (1, 0, 0), result
        assert len(target.replies()) == 1  # found, not posted again
        reply = get_reply(world.store, reply_id)
        assert reply["state"] == "sent" and reply["attempts"] == 1
        assert target.link.match(reply["link"]), reply["link"]
        assert world.store.items.get(item_id(world, target.parent))["status"] == "done"
        world.clock.advance(600)
    return rounds


@pytest.mark.parametrize("channel", CHANNELS)
def test_a_reply_accepted_just_before_the_sender_was_killed_is_posted_once(world, request, channel):
    _killed_after_accept(world, request, channel, rounds=1)


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_an_answer_in_a_private_conversation_accepted_before_the_kill_is_sent_once(
    world, request, conversation
):
    _killed_after_accept(world, request, conversation, rounds=1)


@pytest.mark.campaign
def test_campaign_kills_after_accept_in_every_private_conversation(world, request):
    rounds = 8
    replies = sum(_killed_after_accept(world, request, c, rounds) for c in CONVERSATIONS)
    _say(f"{replies} answers in conversations, {replies} kills after accept, 0 sent twice")


@pytest.mark.campaign
def test_campaign_kills_after_accept_on_every_channel(world, request):
    rounds = 8
    replies = sum(_killed_after_accept(world, request, c, rounds) for c in CHANNELS)
    _say(f"{replies} replies, {replies} kills after the platform accepted, 0 posted twice")


# -- a kill right after the platform accepted a like -------------------------------------------


def _like_killed_after_accept(world, request, channel: str, rounds: int) -> int:
    """``rounds`` likes on ``channel``, the sender killed after each was accepted; each is
    found (or, where the platform's like is idempotent, sent again harmlessly), never liked
    twice. Returns the likes checked."""
    target = reply_world.target_for(channel, world, request)
    for _ in range(rounds):
        like_id = like(world, target)
        send_killed_after_accept(world, target, target.like_path)
        assert len(target.likes()) == 1  # the platform has it ...
        queued = get_reply(world.store, like_id)
        assert (queued["state"], queued["attempts"]) == ("sending", 1)  # ... sfogo does not know
        forget_sessions()  # what a new process starts with
        result = world.send()[target.label]
        assert (result.sent, result.unknown, result.waiting) == (1, 0, 0), result
        assert len(target.likes()) == 1  # found, not liked twice
        sent = get_reply(world.store, like_id)
        assert sent["state"] == "sent"
        assert sent["attempts"] == (2 if channel in IDEMPOTENT_LIKES else 1)
        # A like answers nothing: the item stays as the manager left it.
        assert world.store.items.get(item_id(world, target.parent))["status"] == "new"
        world.clock.advance(600)
    return rounds


@pytest.mark.parametrize("channel", LIKE_CHANNELS)
def test_a_like_accepted_just_before_the_sender_was_killed_is_liked_once(world, request, channel):
    _like_killed_after_accept(world, request, channel, rounds=1)


@pytest.mark.campaign
def test_campaign_kills_after_a_like_was_accepted_on_every_channel_that_likes(world, request):
    rounds = 8
    likes = sum(_like_killed_after_accept(world, request, c, rounds) for c in LIKE_CHANNELS)
    _say(f"{likes} likes, {likes} kills after the platform accepted, 0 liked twice")


# -- two senders at once ----------------------------------------------------------------------


def _two_senders(world, targets, per_target: int, rounds: int) -> int:
    """``rounds`` of ``per_target`` queued replies per target sent by two ``sfogo send`` at
    once; each posted once. Returns the replies sent."""
    sent = 0
    for n in range(rounds):
        queued = {}
        for target in targets:
            for k in range(per_target):
                reply_id = answer(world, target, f"Grazie! Round {n}, reply {k}.")
                queued[reply_id] = (target, target.parent)
        children = [sfogo_child(world, "send") for _ in range(2)]
        for child in children:
            assert child.wait(120) == 0, child_errors(child)
        world.send()  # what the two left waiting (each skips what the other is sending)
        for reply_id, (target, parent) in queued.items():
            target.parent = parent
            assert len(target.replies()) == 1, (target.channel, reply_id)
            assert get_reply(world.store, reply_id)["state"] == "sent"
        sent += len(queued)
        world.clock.advance(600)
    return sent


def test_two_senders_at_once_post_each_reply_once(world):
    _two_senders(world, [reply_world.mastodon(world), reply_world.bluesky(world)], 3, 1)


@pytest.mark.campaign
def test_campaign_two_senders_at_once(world):
    targets = [reply_world.mastodon(world), reply_world.bluesky(world)]
    rounds = 17
    sent = _two_senders(world, targets, 4, rounds)
    _say(f"{rounds} rounds of two senders at once, {sent} replies, each posted once")


# -- kill -9 at random points of a sync -------------------------------------------------------


def _sync_until_complete(world, expected: dict[int, set[str]], runs: int = 40) -> None:
    """Run ``sfogo sync`` (no kill) until every account holds what its platform has."""
    for _ in range(runs):
        if all(set(world.external_ids(a)) >= ids for a, ids in expected.items()):
            return
        world.clock.advance(60)
        child = sfogo_child(world, "sync")
        child.wait(300)
    raise AssertionError("sync did not catch up")


def _kill_sync_campaign(world, *, items: int, kills: int, max_request: int, seed: int) -> int:
    """A child ``sfogo sync`` over a Mastodon and a Bluesky account of ``items`` mentions each,
    killed ``kills`` times at seeded points; then synced to the end. Returns the kills made."""
    rng = random.Random(seed)
    masto = world.mastodon(seed=seed, rate_limit=10_000_000)
    m_account, m_owner = world.mastodon_account(masto, "acme")
    masto.add_mentions(m_owner, items, spacing=1, dm_every=97, other_every=13)
    bsky = world.bluesky(seed=seed)
    b_account, b_did = world.bluesky_account(bsky, "acme.bsky.social")
    bsky.add_mentions(b_did, items, spacing=1, like_every=11)
    accounts = {masto: m_account.id, bsky: b_account.id}
    made = 0
    for _ in range(kills):
        world.clock.advance(60)  # a cron job's next run
        # Each platform holds the answer to a drawn request of its own: whichever comes
        # first is the child's last (an account with all its items needs too few requests).
        busy = [e for e, a in accounts.items() if world.store.items.total([a]) < items]
        if not busy:
            break
        received, release = threading.Event(), threading.Event()
        for emu in busy:
            emu.faults.set(
                "stall",
                count=1,
                after=rng.randrange(max_request),
                received=received,
                release=release,
            )
        withheld, delay = rng.random() < 0.5, rng.uniform(0, 0.05)
        child = sfogo_child(world, "sync")
        try:
            while not received.wait(0.05) and child.poll() is None:
                pass
            if received.is_set():
                if not withheld:
                    release.set()
                    time.sleep(delay)  # on purpose: the kill lands in the child's work
                child.kill()
                made += 1
            child.wait(60)
        finally:
            release.set()
            for emu in busy:
                emu.faults.clear("stall")
    expected = {
        m_account.id: set(masto.mention_ids(m_owner)),
        b_account.id: set(bsky.notification_uris(b_did)),
    }
    assert all(len(ids) == items for ids in expected.values())
    _sync_until_complete(world, expected)
    conn = sqlite3.connect(world.store.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        for account_id, ids in expected.items():
            stored = [
                r[0]
                for r in conn.execute(
                    "SELECT external_id FROM interactions WHERE account_id = ?", (account_id,)
                )
            ]
            assert len(stored) == len(set(stored)) == len(ids)  # nothing duplicated
            assert set(stored) == ids  # nothing lost, nothing made up
    finally:
        conn.close()
    return made


def test_a_sync_killed_at_random_points_loses_and_duplicates_nothing(world):
    made = _kill_sync_campaign(world, items=600, kills=6, max_request=8, seed=240)
    assert made >= 3  # the campaign did kill (a child that finished first is no kill)


@pytest.mark.campaign
def test_campaign_kill_sync_at_random_points(world):
    items, kills = 50_000, 240
    made = _kill_sync_campaign(world, items=items, kills=kills, max_request=6, seed=101457)
    _say(f"{made} kills during sync over {2 * items} items: none lost, none duplicated")
