"""Like from the inbox: ``sfogo like`` (and the app's ``l``) queue likes in the outbox, sent
exactly once on the platforms that have a like, refused in one line where there is none."""

from __future__ import annotations

import pytest
import reply_world
from reply_world import LIKE_CHANNELS, item_id
from sync_world import world  # noqa: F401 (a fixture)

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import Interaction
from sfogo.inbox.outbox import get_reply, queue_likes, queue_reply

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines


def _env(world, monkeypatch) -> None:
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)


def _arrived(world, target) -> int:
    """A new item arrives on the target and is synced; its id in sfogo."""
    target.parent = str(target.new_parent())
    world.sync(target.label)
    return item_id(world, target.parent)


@pytest.mark.parametrize("channel", LIKE_CHANNELS)
def test_sfogo_like_then_send_likes_the_item_once_and_leaves_it_as_it_was(
    world, request, cli, monkeypatch, channel
):
    target = reply_world.target_for(channel, world, request)
    item = _arrived(world, target)
    _env(world, monkeypatch)

    queued = cli("like", item)
    assert queued.code == 0, queued.err
    assert f"queued a like of item {item}" in queued.out
    assert cli("like", item).out.strip() == f"already liked: item {item}"
    sent = cli("send")
    assert sent.code == 0 and f"{target.label}: 1 sent" in sent.out, sent.out

    assert len(target.likes()) == 1
    (listed,) = cli("outbox", "--json").json()
    assert (listed["action"], listed["state"], listed["item_id"]) == ("like", "sent", item)
    assert "♥ like" in cli("outbox").out
    assert world.store.items.get(item)["status"] == "new"  # a like answers nothing
    assert world.store.outbox.likes_for([item]) == {item: "sent"}
    assert world.store.outbox.waiting_for([item]) == {}  # no reply mark for a like


@pytest.mark.parametrize(
    ("channel", "kind", "said"),
    [
        ("instagram", "comment", "instagram has no like for comments in its API"),
        ("instagram", "dm", "instagram has no like for direct messages in its API"),
        ("youtube", "comment", "youtube has no like for comments in its API"),
        ("wordpress", "comment", "wordpress has no like for comments in its API"),
        ("email", "email", "an e-mail cannot be liked: answer it instead"),
        ("x", "dm", "x has no like for direct messages in its API"),
        ("bluesky", "dm", "bluesky has no like for direct messages in its API"),
        ("facebook", "dm", "facebook has no like for direct messages in its API"),
        ("import", "mention", "which sfogo cannot like: like it on its platform"),
    ],
)
def test_an_item_its_platform_cannot_like_is_refused_in_one_line_and_nothing_is_queued(
    store, cli, clock, channel, kind, said
):
    client = store.clients.add("Acme", "vip", now=clock.now())
    account = store.accounts.add(client.id, channel, "acme", now=clock.now())
    store.items.upsert(
        [Interaction(account.id, "e1", kind, clock.now() - 60, text="Ciao!")], now=clock.now()
    )
    masto = store.accounts.add(client.id, "mastodon", "@acme@social.example", now=clock.now())
    store.items.upsert(
        [Interaction(masto.id, "m1", "mention", clock.now() - 60, text="Bravi!")],
        now=clock.now(),
    )
    refused, likeable = (
        store.conn.execute("SELECT id FROM interactions WHERE external_id = ?", (e,)).fetchone()[0]
        for e in ("e1", "m1")
    )

    result = cli("like", likeable, refused)

    assert result.code == 1 and result.out == ""
    (line,) = result.err.strip().splitlines()
    assert line.startswith("sfogo: ") and said in line
    assert store.outbox.replies() == []  # all or nothing: the likeable one waits too


def test_our_own_items_are_not_liked(store, clock):
    client = store.clients.add("Acme", "vip", now=clock.now())
    account = store.accounts.add(client.id, "mastodon", "@acme@social.example", now=clock.now())
    store.items.upsert(
        [Interaction(account.id, "m1", "reply", clock.now(), text="Grazie!", outgoing=True)],
        now=clock.now(),
    )
    with pytest.raises(SfogoError, match="one of ours"):
        queue_likes(store, [store.items.page(None)[0]["id"]], now=clock.now())


def test_a_like_of_a_deleted_post_is_held_and_can_be_retried_or_dropped_not_edited(
    world, cli, monkeypatch
):
    target = reply_world.mastodon(world)
    item = _arrived(world, target)
    _env(world, monkeypatch)
    like = queue_likes(world.store, [item], now=world.clock.now()).queued[item]
    target.emulator.delete_status(int(target.parent))

    world.send()

    held = get_reply(world.store, like)
    assert held["state"] == "held" and "deleted" in held["reason"]
    listing = cli("outbox").err  # piped: the notes after the table go to stderr
    assert f"like {like} held: the post was deleted" in listing
    edit = cli("outbox", "edit", like, "new", "text")
    assert edit.code == 1 and "is a like: it has no text to edit" in edit.err
    assert cli("outbox", "retry", like).out.startswith(f"like {like} is queued again")
    assert cli("outbox", "drop", like).out.strip() == f"dropped like {like}"
    assert world.store.outbox.likes_for([item]) == {}
    # Dropped: the item can be liked again.
    assert queue_likes(world.store, [item], now=world.clock.now()).queued


def test_a_reply_and_a_like_of_the_same_item_each_go_out_once(world):
    target = reply_world.bluesky(world)
    item = _arrived(world, target)
    reply = queue_reply(world.store, item, "Grazie mille!", now=world.clock.now())
    like = queue_likes(world.store, [item], now=world.clock.now()).queued[item]

    result = world.send()[target.label]

    assert result.sent == 2
    assert len(target.replies()) == 1 and len(target.likes()) == 1
    assert get_reply(world.store, reply)["state"] == get_reply(world.store, like)["state"] == "sent"
    assert world.store.items.get(item)["status"] == "done"  # the reply answered it


def test_a_blocked_account_holds_its_likes_with_the_reason(world):
    target = reply_world.x(world)
    item = _arrived(world, target)
    like = queue_likes(world.store, [item], now=world.clock.now()).queued[item]
    target.emulator.faults.set("blocked")

    world.sync(target.label)

    held = get_reply(world.store, like)
    assert held["state"] == "held" and "blocked" in held["reason"]
    assert target.likes() == []
