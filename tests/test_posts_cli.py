"""``sfogo post`` and ``sfogo posts`` as a manager types them: clear one-line refusals, the
documented JSON, and ``sync --watch`` publishing our own post at its time."""

from __future__ import annotations

import asyncio

import pytest
from conftest import NOW
from sync_world import world  # noqa: F401 (world: a fixture)

from sfogo.inbox.posts.states import LATE_S
from sfogo.inbox.store.posts import NewPost
from sfogo.inbox.watch import WatchLoop

JSON_FIELDS = {
    "id",
    "client",
    "account",
    "channel",
    "at",
    "text",
    "state",
    "source",
    "platform_id",
    "published_at",
    "history",
}


@pytest.fixture
def agency(store):
    store.clients.add("Trattoria", "normal", now=NOW)
    store.clients.add("Nuvola", "high", now=NOW)
    store.accounts.add("Trattoria", "instagram", "@trattoria", now=NOW)
    store.accounts.add("Trattoria", "facebook", "trattoria", now=NOW)
    store.accounts.add("Nuvola", "x", "@nuvolalabs", now=NOW)
    return store


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("Trattoria", "@trattoria", "Hi", "--at", "2h"), "Instagram publishes only images"),
        (("Trattoria", "trattoria", "Hi", "--at", "2026-11-20 10:00"), "that time passed"),
        (("Nuvola", "@nuvolalabs", "x" * 300, "--at", "1h"), "at most 280 characters"),
        (("Trattoria", "@nuvolalabs", "Hi", "--at", "1h"), "is not an account of Trattoria"),
        (("Trattoria", "trattoria", "   ", "--at", "1h"), "a post needs some text"),
        (("Trattoria", "trattoria", "Hi", "--at", "soonish"), "bad time 'soonish'"),
        (("Trattoria", "trattoria", "Hi", "--at", "1h", "--expires", "x"), "bad duration"),
    ],
)
def test_post_refuses_what_cannot_go_out_in_one_line(agency, cli, args, error):
    result = cli("post", *args)
    assert result.code == 1 and error in result.err and len(result.err.splitlines()) == 1
    assert agency.posts.count() == 0


def test_the_json_has_the_documented_fields_and_iso_times(agency, cli):
    queued = cli("post", "Trattoria", "trattoria", "Pranzo", "pronto", "--at", "1h")
    assert queued.code == 0 and "queued post 1 for facebook:trattoria" in queued.out
    (post,) = cli("posts", "--json").json()
    assert set(post) >= JSON_FIELDS
    assert post["at"] == "2026-11-27T13:00:00Z" and post["source"] == "sfogo"
    assert [h["state"] for h in post["history"]] == ["scheduled"]
    assert post["history"][0]["at"] == "2026-11-27T12:00:00Z"
    assert cli("posts", "--state", "lost").err.startswith("sfogo: unknown state 'lost'")
    assert cli("posts", "--state", "at_risk", "--json").json() == []


def test_a_post_in_a_platforms_queue_is_edited_there_and_cancelling_says_so(agency, cli):
    account = agency.accounts.get("trattoria")
    agency.posts.add(
        [NewPost(account.id, NOW + 3600, "Aperitivo", "queue", platform_id="1_2", in_queue=True)],
        now=NOW,
    )
    edit = cli("posts", "edit", "1", "Aperitivo", "alle", "18")
    assert edit.code == 1 and "edit it there" in edit.err
    cancelled = cli("posts", "cancel", "1")
    assert cancelled.code == 0 and "still in facebook's queue: remove it there too" in cancelled.out
    again = cli("posts", "cancel", "1", "7")
    assert again.code == 1
    assert "post 1 is cancelled" in again.err and "no post with id 7" in again.err


def test_sync_watch_wakes_for_our_post_and_publishes_it_on_time(world):
    masto = world.mastodon(seed=31)
    account, owner = world.mastodon_account(masto, "gino", client="Trattoria")
    from sfogo.inbox.posts.actions import queue_post

    post_id = queue_post(
        world.store, account.id, "Doors open in ten minutes", at=NOW + 600, now=NOW
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # the loop's own wait, on the test's clock
        slept.append(seconds)
        world.clock.advance(seconds)

    asyncio.run(WatchLoop(world.syncer(), interval=3600, sleep=sleep).run(rounds=3))
    assert slept[0] == 600  # it woke for the post, not an hour later
    post = world.store.posts.get(post_id)
    assert post["state"] == "published" and post["published_at"] - post["at"] <= LATE_S
    assert [s["text"] for s in masto.posts_by(owner)] == ["Doors open in ten minutes"]
