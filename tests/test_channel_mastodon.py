"""Mastodon through real sockets: paging forward, null statuses, DMs, replies, failures."""

from __future__ import annotations

import json

import httpx
import pytest
from channel_kit import each_field_missing_in_turn
from sync_world import World

from sfogo.inbox import when
from sfogo.inbox.channels.base import NO_TEXT, Secrets
from sfogo.inbox.channels.mastodon import Mastodon
from sfogo.inbox.model import Account
from sfogo.inbox.outbox import get_reply, queue_reply


@pytest.fixture
def world(store, tmp_path, clock):
    w = World(store, clock, str(tmp_path / "config.toml"))
    yield w
    w.close()


@pytest.fixture
def masto(world):
    return world.mastodon(seed=3)


def _notification_requests(emu):
    return emu.requests_to(r"/api/v1/notifications$")


def test_mentions_page_forward_from_the_cursor_and_null_statuses_are_skipped(world, masto):
    account, owner = world.mastodon_account(masto, "acme")
    masto.add_mentions(owner, 130, hidden_every=10, other_every=5, dm_every=7)
    visible = set(masto.mention_ids(owner))

    result = world.sync()[f"mastodon:{account.handle}"]

    assert result.outcome == "ok"
    assert sorted(world.external_ids(account.id)) == sorted(visible)  # each once
    assert result.skipped == 13  # one in ten had a null status
    assert result.skips == {"deleted or no longer visible": 13}
    assert "13 skipped: deleted or no longer visible" in world.runs(account.id)[0]["detail"]
    first = _notification_requests(masto)
    assert all(r.query["types[]"] == ["mention"] for r in first)
    assert first[0].query["min_id"] == ["0"]
    # Every later page starts where the Link header's "prev" said the previous one ended.
    assert len({r.query["min_id"][0] for r in first}) == len(first)

    masto.add_mentions(owner, 7)
    before = len(_notification_requests(masto))
    again = world.sync()[f"mastodon:{account.handle}"]
    assert again.items == 7
    assert len(set(world.external_ids(account.id))) == len(visible) + 7
    # One page with the 7, one empty page that says we are up to date.
    assert len(_notification_requests(masto)) - before == 2


def test_direct_messages_are_dm_items_and_text_is_plain_and_safe(world, masto):
    _account, owner = world.mastodon_account(masto, "acme")
    stranger = masto.add_account("mario", display_name="Mario \x1b[31mRed")
    dm = masto.mention(
        owner,
        author=stranger,
        visibility="direct",
        text="@acme <b>refund</b> \x1b]0;owned\x07 please\nthanks",
    )
    reply_to_dm = masto.post(
        owner, "@mario on it", visibility="direct", in_reply_to=dm, mentions=(stranger,)
    )

    world.sync()

    rows = {r["external_id"]: r for r in world.store.items.page(None, limit=None)}
    item = rows[str(dm)]
    assert item["kind"] == "dm"
    assert "\x1b" not in item["text"] and "\x1b" not in item["author_name"]
    assert "<b>refund</b>" in item["text"]  # escaped HTML in the content is text, not markup
    assert item["author_handle"] == "@mario"
    # Our own answer in the conversation is ours: outgoing and already handled.
    ours = world.store.conn.execute(
        "SELECT outgoing, status, parent_ref FROM interactions WHERE external_id = ?",
        (str(reply_to_dm),),
    ).fetchone()
    assert ours == (1, "done", str(dm))
    convs = masto.requests_to(r"/api/v1/conversations$")
    assert convs and convs[0].query["min_id"] == ["0"]


def test_a_reply_matches_the_parents_visibility_and_carries_the_idempotency_key(world, masto):
    account, owner = world.mastodon_account(masto, "acme")
    dm = masto.mention(owner, visibility="direct", text="@acme where is my order?")
    world.sync()
    item_id = world.store.conn.execute(
        "SELECT id FROM interactions WHERE external_id = ?", (str(dm),)
    ).fetchone()[0]
    reply_id = queue_reply(
        world.store, item_id, "It left the warehouse today.", now=world.clock.now()
    )

    result = world.sync()[f"mastodon:{account.handle}"]

    assert result.sent == 1
    reply = get_reply(world.store, reply_id)
    assert reply["state"] == "sent"
    posts = masto.posts_by(owner, in_reply_to=dm)
    assert len(posts) == 1
    author = masto.accounts[masto.statuses[dm]["account"]]["acct"]
    assert posts[0]["visibility"] == "direct"
    assert posts[0]["text"] == f"@{author} It left the warehouse today."
    post = masto.requests_to(r"/api/v1/statuses$", "POST")[0]
    assert post.headers["idempotency-key"] == reply["idempotency_key"]
    # The thread shows our reply.
    thread = world.store.items.thread(world.store.items.get(item_id))
    assert [r["outgoing"] for r in thread] == [False, True]


def test_the_same_idempotency_key_within_an_hour_creates_one_status(world, masto):
    _account, _owner = world.mastodon_account(masto, "acme")
    token = world.env["TOKEN_ACME"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"}
    with httpx.Client(base_url=masto.base_url) as http:
        a = http.post("/api/v1/statuses", data={"status": "hello"}, headers=headers).json()
        b = http.post("/api/v1/statuses", data={"status": "hello"}, headers=headers).json()
        world.clock.advance(3601)
        c = http.post("/api/v1/statuses", data={"status": "hello"}, headers=headers).json()
    assert a["id"] == b["id"] != c["id"]


@pytest.mark.parametrize(
    "fault, outcome",
    [
        ("down", "down"),
        ("expired", "auth"),
        ("blocked", "blocked"),
        ("malformed", "broken"),
        ("reset", "down"),
        ("slow", "down"),
        ("offline", "offline"),
    ],
)
def test_failures_are_classified_from_status_codes(world, masto, fault, outcome):
    account, owner = world.mastodon_account(masto, "acme")
    masto.add_mentions(owner, 50)
    world.sync()
    cursor = world.store.accounts.get(account.id).cursor
    masto.add_mentions(owner, 5)
    masto.faults.set(fault, seconds=2) if fault == "slow" else masto.faults.set(fault)

    result = world.sync(timeout=httpx.Timeout(0.5))[f"mastodon:{account.handle}"]

    assert result.outcome == outcome
    assert result.items == 0
    assert world.store.accounts.get(account.id).cursor == cursor  # nothing moved
    assert world.runs(account.id)[-1]["outcome"] == outcome
    masto.faults.clear()
    assert world.sync()[f"mastodon:{account.handle}"].items == 5


def test_a_429_carries_the_iso_reset_as_retry_at(world, masto):
    account, _owner = world.mastodon_account(masto, "acme")
    masto.rate.exhaust(world.env["TOKEN_ACME"])
    result = world.sync()[f"mastodon:{account.handle}"]
    assert result.outcome == "rate_limited"
    _, _, reset = masto.rate.hit("probe-of-the-same-window")
    assert result.retry_at == reset == world.clock.now() + 300


def test_account_test_reports_what_the_account_sees_and_never_the_token(
    world, masto, cli, monkeypatch
):
    account, _owner = world.mastodon_account(masto, "acme")
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    ok = cli("account", "test", account.handle)
    assert ok.code == 0, ok.err
    assert f"mastodon:{account.handle}: ok, @acme on 127.0.0.1" in ok.out

    masto.revoked.add(world.env["TOKEN_ACME"])
    bad = cli("account", "test", account.handle)
    assert bad.code == 1
    assert bad.err.startswith("sfogo: mastodon:@acme@social.example: auth failed")
    assert len(bad.err.strip().splitlines()) == 1
    assert world.env["TOKEN_ACME"] not in bad.out + bad.err

    monkeypatch.delenv("TOKEN_ACME")
    missing = cli("account", "test", account.handle)
    assert missing.code == 1 and "$TOKEN_ACME" in missing.err


def test_health_json_after_a_failure_names_the_gap_and_the_next_try(world, masto, cli):
    account, _owner = world.mastodon_account(masto, "acme")
    masto.faults.set("down")
    world.sync()
    # The CLI reads real time; the run happened at the fake clock's time.
    data = cli("health", "--json").json()
    entry = next(e for e in data if e["account_id"] == account.id)
    assert entry["last_outcome"] == "down"
    assert entry["gap_since"] == when.iso(world.clock.now())
    assert entry["failures"] == 1
    assert json.dumps(entry)  # plain JSON


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(masto, clock):
    owner = masto.add_account("acme", token="masto-field-token")
    masto.add_mentions(owner, 30)
    masto.post(owner, "our own post")
    first = masto.mention(owner, text="@acme thread start")
    masto.mention(owner, text="@acme a reply", in_reply_to=first)

    def make():
        account = Account(
            id=1,
            client_id=1,
            channel="mastodon",
            handle=f"@acme@{masto.domain}",
            settings={"url": masto.base_url},
        )
        return Mastodon(account, http, Secrets(token="masto-field-token"), clock=clock)

    async with httpx.AsyncClient(timeout=5.0) as http:
        found = await each_field_missing_in_turn(
            masto,
            make,
            [
                ("id", ["status.id"], "no id"),
                ("time", ["status.created_at", "created_at"], "no time"),
                ("status time", ["status.created_at"], None),  # the notification's time
                ("author", ["status.account", "account"], None),
                ("text", ["status.content"], None),
                ("parent", ["status.in_reply_to_id"], None),
                ("type", ["type"], "unknown type"),
            ],
        )
    items, touched = found["status time"]
    assert all(items[t].created_at > 0 for t in touched)
    items, touched = found["author"]
    assert {(items[t].author_name, items[t].author_handle) for t in touched} == {("unknown", "")}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}
    items, touched = found["parent"]
    assert all(items[t].kind == "mention" and items[t].parent_ref == "" for t in touched)


def test_a_recording_where_39_of_40_mentions_have_a_null_status_keeps_syncing(world, masto):
    account, owner = world.mastodon_account(masto, "acme")
    mentions = masto.add_mentions(owner, 120)
    nulled: list[str] = []
    masto.faults.set("partial", shape="null_status", touched=nulled)

    result = world.sync()[f"mastodon:{account.handle}"]

    assert (result.outcome, result.items, result.skipped) == ("ok", 3, 117)
    assert set(world.external_ids(account.id)) == {str(m) for m in mentions} - set(nulled)
    masto.faults.clear()
    masto.add_mentions(owner, 2, start=world.clock.now())
    assert world.sync()[f"mastodon:{account.handle}"].items == 2
