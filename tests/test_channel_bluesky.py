"""Bluesky through real sockets: one session, newest-first walks, strong refs, failures."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest
from channel_kit import each_field_missing_in_turn
from sync_world import forget_sessions, world  # noqa: F401 (world: a fixture)

from sfogo.inbox import when
from sfogo.inbox.channels.base import NO_TEXT, Secrets
from sfogo.inbox.channels.bluesky import Bluesky
from sfogo.inbox.health import account_health
from sfogo.inbox.model import Account
from sfogo.inbox.outbox import get_reply, queue_reply


@pytest.fixture
def bsky(world):
    return world.bluesky(seed=5)


def _label(account) -> str:
    return f"bluesky:{account.handle}"


def _list_requests(emu):
    return emu.requests_to(r"listNotifications$")


def test_one_login_serves_every_poll_and_survives_a_new_process(world, bsky, tmp_path):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    bsky.add_mentions(did, 20)
    for _ in range(3):
        world.clock.advance(120)
        assert world.sync()[_label(account)].outcome == "ok"
    assert bsky.create_session_calls == 1

    sessions = Path(world.config_path).parent / "sessions.json"
    assert stat.S_IMODE(os.stat(sessions).st_mode) == 0o600
    forget_sessions()  # a new `sfogo sync --once` process
    assert world.sync()[_label(account)].outcome == "ok"
    assert bsky.create_session_calls == 1


@pytest.mark.parametrize("status", [400, 401])
def test_an_expired_token_is_refreshed_not_logged_in_again(world, store, status):
    bsky = world.bluesky(expired_status=status)
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    world.sync()
    bsky.add_mentions(did, 4)
    world.clock.advance(3 * 3600)  # access tokens live two hours

    result = world.sync()[_label(account)]

    assert result.outcome == "ok" and result.items == 4
    assert (bsky.create_session_calls, bsky.refresh_calls) == (1, 1)


def test_a_dead_refresh_token_means_one_new_login(world, bsky):
    account, _did = world.bluesky_account(bsky, "acme.bsky.social")
    world.sync()
    bsky.refresh.clear()  # the server forgot every refresh token
    bsky.expire_sessions()
    assert world.sync()[_label(account)].outcome == "ok"
    assert bsky.create_session_calls == 2


def test_the_walk_stops_at_the_last_item_seen(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    bsky.add_mentions(did, 250, like_every=4)
    first = world.sync()[_label(account)]
    assert first.items == 250
    assert sorted(world.external_ids(account.id)) == sorted(bsky.notification_uris(did))
    requests = _list_requests(bsky)
    assert all(r.query["reasons"] == ["mention", "reply", "quote"] for r in requests)

    bsky.add_mentions(did, 5)
    before = len(_list_requests(bsky))
    second = world.sync()[_label(account)]
    assert second.items == 5
    assert len(_list_requests(bsky)) - before == 1  # page one reached the last item seen


def test_a_walk_cut_by_a_failure_resumes_where_it_stopped(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    world.sync()
    bsky.add_mentions(did, 350)
    bsky.faults.set("down", paths="listNotifications", after=2, count=1)

    cut = world.sync()[_label(account)]
    assert cut.outcome == "down" and cut.items == 200  # two pages committed
    assert "walk" in world.store.accounts.get(account.id).cursor

    bsky.add_mentions(did, 10)  # newer items arrive while the walk is unfinished
    world.clock.advance(60)
    resumed = world.sync()[_label(account)]
    assert resumed.outcome == "ok" and resumed.items == 150
    world.clock.advance(120)
    assert world.sync()[_label(account)].items == 10
    ids = world.external_ids(account.id)
    assert len(ids) == len(set(ids)) == 360
    assert set(ids) == set(bsky.notification_uris(did))


def test_what_the_platform_no_longer_lists_is_recorded_as_lost(world):
    bsky = world.bluesky(retention=100)
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    bsky.add_mentions(did, 50)
    world.sync()
    bsky.add_mentions(did, 250)  # only the newest 100 are still listed

    result = world.sync()[_label(account)]

    assert result.outcome == "ok" and result.items == 100
    assert result.lost.startswith("the platform's list ends before the last item seen")
    assert world.runs(account.id)[-1]["lost"] == result.lost
    health = account_health(world.store, now=world.clock.now())[0]
    assert health.last_lost == result.lost


def test_a_reply_to_a_reply_keeps_the_threads_root(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    reply_uri = bsky.mention(did, reason="reply", text="is this still on sale?")
    mention_uri = bsky.mention(did, reason="mention", text="@acme.bsky.social hello")
    world.sync()
    ids = {r["external_id"]: r["id"] for r in world.store.items.page(None, limit=None)}
    queue_reply(world.store, ids[reply_uri], "Yes, until Sunday.", now=world.clock.now())
    queue_reply(world.store, ids[mention_uri], "Hello!", now=world.clock.now())

    assert world.sync()[_label(account)].sent == 2

    created = [r.json()["record"] for r in bsky.requests_to(r"createRecord$", "POST")]
    by_text = {r["text"]: r["reply"] for r in created}
    parent = bsky.posts[reply_uri]
    root = parent["record"]["reply"]["root"]
    assert by_text["Yes, until Sunday."] == {
        "root": root,
        "parent": {"uri": reply_uri, "cid": parent["cid"]},
    }
    assert (
        by_text["Hello!"]["root"]
        == by_text["Hello!"]["parent"]
        == {"uri": mention_uri, "cid": bsky.posts[mention_uri]["cid"]}
    )


@pytest.mark.parametrize(
    "fault, spec, outcome",
    [
        ("blocked", {}, "blocked"),
        ("down", {}, "down"),
        ("down", {"json": True}, "down"),
        ("malformed", {}, "broken"),
        ("reset", {}, "down"),
    ],
)
def test_failures_are_classified_from_error_names(world, bsky, fault, spec, outcome):
    account, _did = world.bluesky_account(bsky, "acme.bsky.social")
    world.sync()
    cursor = world.store.accounts.get(account.id).cursor
    bsky.faults.set(fault, paths="listNotifications", **spec)
    result = world.sync()[_label(account)]
    assert result.outcome == outcome
    assert world.store.accounts.get(account.id).cursor == cursor


def test_a_429_carries_the_epoch_reset(world, bsky):
    account, _did = world.bluesky_account(bsky, "acme.bsky.social")
    reset = world.clock.now() + 900
    bsky.faults.set("rate_limited", paths="listNotifications", reset=reset)
    result = world.sync()[_label(account)]
    assert (result.outcome, result.retry_at) == ("rate_limited", reset)


def test_a_taken_down_account_cannot_log_in_and_is_blocked(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    bsky.takendown.add(did)
    result = world.sync()[_label(account)]
    assert result.outcome == "blocked"
    assert "AccountTakedown" in result.detail


def test_a_wrong_app_password_is_an_auth_failure_that_never_shows_the_password(world, bsky):
    account, _did = world.bluesky_account(bsky, "acme.bsky.social")
    world.env["PW_ACME"] = "wrong-password-9876"
    result = world.sync()[_label(account)]
    assert result.outcome == "auth"
    assert "wrong-password-9876" not in result.detail


def test_a_reply_whose_answer_was_cut_is_found_not_posted_twice(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    uri = bsky.mention(did, text="@acme.bsky.social do you deliver?")
    world.sync()
    item_id = world.store.items.page(None, limit=None)[0]["id"]
    reply_id = queue_reply(
        world.store, item_id, "We do, everywhere in Italy.", now=world.clock.now()
    )
    bsky.faults.set("reset", paths="createRecord", count=1)  # accepted, answer cut

    # The record's key is the reply's: sfogo asks for it at once and finds it.
    first = world.send()[_label(account)]
    assert first.sent == 1
    assert get_reply(world.store, reply_id)["state"] == "sent"
    assert world.send() == {}  # nothing left to send
    replies = [
        p
        for p in bsky.posts_by(did)
        if p["record"].get("reply", {}).get("parent", {}).get("uri") == uri
    ]
    assert len(replies) == 1
    assert get_reply(world.store, reply_id)["external_id"] == replies[0]["uri"]


def test_a_deleted_parent_holds_the_reply(world, bsky):
    _account, did = world.bluesky_account(bsky, "acme.bsky.social")
    uri = bsky.mention(did)
    world.sync()
    reply_id = queue_reply(
        world.store,
        world.store.items.page(None, limit=None)[0]["id"],
        "Thanks!",
        now=world.clock.now(),
    )
    del bsky.posts[uri]
    world.send()
    reply = get_reply(world.store, reply_id)
    assert (reply["state"], reply["reason"]) == ("held", "the post was deleted")


def test_createsession_is_rate_limited_like_the_real_service(world, bsky):
    account, _did = world.bluesky_account(bsky, "acme.bsky.social")
    password = world.env["PW_ACME"]
    with httpx.Client(base_url=bsky.base_url) as http:
        codes = [
            http.post(
                "/xrpc/com.atproto.server.createSession",
                json={"identifier": account.handle, "password": password},
            ).status_code
            for _ in range(31)
        ]
    assert codes[:30] == [200] * 30 and codes[30] == 429


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(bsky, clock):
    did = bsky.add_user("acme.bsky.social", password="bsky-field-pw")
    bsky.add_mentions(did, 30, like_every=7)
    created = {uri: post["record"]["createdAt"] for uri, post in bsky.posts.items()}

    def make():
        account = Account(
            id=1, client_id=1, channel="bluesky", handle="acme.bsky.social",
            settings={"url": bsky.base_url},
        )  # fmt: skip
        return Bluesky(account, http, Secrets(password="bsky-field-pw"), clock=clock)

    async with httpx.AsyncClient(timeout=5.0) as http:
        found = await each_field_missing_in_turn(
            bsky,
            make,
            [
                ("id", ["uri"], "no id"),
                ("any time", ["indexedAt", "record.createdAt"], None),  # the record key's
                ("record time", ["record.createdAt"], None),  # indexedAt
                ("author", ["author"], None),
                ("text", ["record.text"], None),
                ("parent", ["record.reply.parent"], None),
                ("type", ["reason"], "unknown type"),
            ],
        )
    for case in ("any time", "record time"):
        items, touched = found[case]
        assert all(items[t].created_at == when.parse_iso(created[t]) for t in touched), case
    items, touched = found["author"]
    dids = {t: t.split("/")[2] for t in touched}
    assert all(items[t].author_name == dids[t] and dids[t] in items[t].url for t in touched)
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}
    items, touched = found["parent"]
    replies = [t for t in touched if items[t].kind == "reply"]
    assert replies and all(items[t].parent_ref == items[t].thread_ref != t for t in replies)


def test_records_without_created_at_keep_syncing_on_the_index_time(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    uris = bsky.add_mentions(did, 12)
    bsky.faults.set("partial", shape="no_created_at")

    result = world.sync()[_label(account)]

    assert (result.outcome, result.items, result.skipped) == ("ok", 12, 0)
    assert set(world.external_ids(account.id)) == set(uris)
    times = {r["external_id"]: r["created_at"] for r in world.store.items.page(None, limit=None)}
    assert all(times[u] == int(bsky.posts[u]["indexedAt"]) for u in uris)
