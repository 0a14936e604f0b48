"""The X connector against the X API v2 emulator, over real sockets."""

from __future__ import annotations

import calendar

import httpx
import pytest
from channel_kit import (
    each_field_missing_in_turn,
    http_fixture,
    ids,
    pages_of,
    row,
    serving,
    skipped,
)
from conftest import NOW

from sfogo.inbox.channels.base import NO_TEXT, ChannelError, HoldReply, Secrets
from sfogo.inbox.channels.x import TWEET_FIELDS, X
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account
from sfogo.inbox.text import REPLACEMENT
from sfogo.tui.demo.emulators.x import ME_ID, XEmulator


@pytest.fixture
def xapi():
    with serving(XEmulator(clock=lambda: NOW)) as emulator:
        yield emulator


http = http_fixture(5.0)


def connector(emulator, http, *, now=NOW, token="x-token") -> X:
    account = Account(
        id=1,
        client_id=1,
        channel="x",
        handle="trattoria_sfogo",
        settings={"url": emulator.base_url, "user_id": ME_ID},
    )
    return X(account, http, Secrets(token=token), clock=ManualClock(now))


def mention_requests(emulator):
    return [r for r in emulator.requests if r.path.endswith("/mentions")]


# -- reading ---------------------------------------------------------------------------------


async def test_first_fetch_reads_every_page_and_hands_out_since_id_last(xapi, http):
    pages = await pages_of(connector(xapi, http))

    assert ids(pages) == [t["id"] for t in xapi.mentions()]  # all 250, newest first, once
    assert len(pages) == 3 and [p.more for p in pages] == [True, True, False]
    assert [p.cursor for p in pages[:-1]] == [{}, {}]
    assert pages[-1].cursor == {"since_id": xapi.mentions()[0]["id"]}
    requests = mention_requests(xapi)
    assert [bool(r.arg("pagination_token")) for r in requests] == [False, True, True]
    for r in requests:  # without these fields a post is only id and text
        assert r.arg("tweet.fields") == TWEET_FIELDS
        assert (r.arg("expansions"), r.arg("user.fields")) == ("author_id", "username,name")


async def test_incremental_fetch_returns_only_new_mentions(xapi, http):
    cursor = (await pages_of(connector(xapi, http)))[-1].cursor
    new = [xapi.add_mention(f"table for {n}?", at=NOW + n) for n in range(3)]

    pages = await pages_of(connector(xapi, http), cursor)

    assert sorted(ids(pages)) == sorted(new)
    assert mention_requests(xapi)[-1].arg("since_id") == cursor["since_id"]
    assert pages[-1].cursor == {"since_id": new[-1]}
    assert ids(await pages_of(connector(xapi, http), pages[-1].cursor)) == []


async def test_interrupted_fetch_keeps_the_old_since_id_and_loses_nothing(xapi, http):
    cursor = (await pages_of(connector(xapi, http)))[-1].cursor
    new = [xapi.add_mention(f"question {n}", at=NOW + n) for n in range(230)]
    channel = connector(xapi, http)

    fetch = channel.fetch(cursor)
    first = await anext(fetch)
    xapi.faults.set("down", count=1)
    with pytest.raises(ChannelError) as caught:
        await anext(fetch)
    assert caught.value.outcome == "down"
    assert first.cursor == cursor and len(first.items) == 100  # old since_id with page 1

    pages = await pages_of(channel, first.cursor)
    assert sorted(ids(pages)) == sorted(new)
    assert pages[-1].cursor == {"since_id": max(new, key=int)}


async def test_mentions_and_replies_are_mapped_and_sanitised(xapi, http):
    ours = next(t for t in xapi.tweets.values() if t["author_id"] == ME_ID)
    reply = xapi.add_mention("Fish & chips <tonight>?", author="ada", reply_to=ours["id"], at=NOW)
    hostile = xapi.add_mention(
        "x\x1b]0;owned\x07 \u202eevil [@click=app.quit]", author="eve", at=NOW + 1
    )

    items = {i.external_id: i for p in await pages_of(connector(xapi, http)) for i in p.items}

    got = items[reply]
    assert (got.kind, got.parent_ref) == ("reply", ours["id"])
    assert got.thread_ref == ours["conversation_id"]
    assert (got.author_handle, got.author_name) == ("ada", "Ada")
    assert got.url == f"https://x.com/ada/status/{reply}" and got.created_at == NOW
    assert got.text == "@trattoria_sfogo Fish & chips <tonight>?"  # entities decoded once
    bad = items[hostile]
    assert bad.kind == "mention" and bad.thread_ref == hostile and bad.parent_ref == ""
    assert "\x1b" not in bad.text and "\u202e" not in bad.text and REPLACEMENT in bad.text


async def test_a_suspended_author_is_a_partial_error_not_a_failure(xapi, http):
    post = xapi.add_mention("hi", author="ghost", at=NOW)
    xapi.suspend_author(xapi.tweets[post]["author_id"])

    items = {i.external_id: i for p in await pages_of(connector(xapi, http)) for i in p.items}

    assert items[post].author_handle == "" and items[post].url == f"https://x.com/i/status/{post}"


async def test_mentions_beyond_the_800_x_keeps_are_reported_lost(http):
    with serving(XEmulator(clock=lambda: NOW, mentions=20)) as emulator:
        cursor = (await pages_of(connector(emulator, http)))[-1].cursor
        for n in range(850):
            emulator.add_mention(f"flood {n}", at=NOW + n)
        pages = await pages_of(connector(emulator, http), cursor)
        assert len(ids(pages)) == 800
        assert "800 most recent" in pages[-1].lost


# -- replying --------------------------------------------------------------------------------


async def test_reply_is_posted_visible_and_found_again(xapi, http):
    channel = connector(xapi, http)
    mention = (await pages_of(channel))[0].items[0]

    reply_id = await channel.send_reply(
        row(mention), "See you at 8! https://example.com/menu", key="k"
    )

    posted = xapi.tweets[reply_id]
    assert posted["replied_to"] == mention.external_id and posted["author_id"] == ME_ID
    request = [r for r in xapi.requests if r.method == "POST"][-1].json()
    assert request == {
        "text": "See you at 8! https://example.com/menu",
        "reply": {"in_reply_to_tweet_id": mention.external_id},
    }
    assert (
        await channel.find_reply(row(mention), "See you at 8! https://example.com/menu", key="k")
        == reply_id
    )
    assert await channel.find_reply(row(mention), "another text", key="k2") is None


async def test_duplicate_or_orphan_replies_are_held_not_retried(xapi, http):
    channel = connector(xapi, http)
    mention = (await pages_of(channel))[0].items[0]
    await channel.send_reply(row(mention), "Thank you!", key="a")

    with pytest.raises(HoldReply, match="duplicate content"):
        await channel.send_reply(row(mention), "Thank you!", key="b")
    gone = {**row(mention), "external_id": "1999999999999999999"}
    with pytest.raises(HoldReply, match="refused the reply"):
        await channel.send_reply(gone, "hello", key="c")


async def test_the_24_hour_post_limit_is_a_rate_limit_until_its_reset(http):
    with serving(XEmulator(clock=lambda: NOW, mentions=5, post_cap=1)) as emulator:
        channel = connector(emulator, http)
        mention = (await pages_of(channel))[0].items[0]
        await channel.send_reply(row(mention), "one", key="1")
        with pytest.raises(ChannelError) as caught:
            await channel.send_reply(row(mention), "two", key="2")
        assert (caught.value.outcome, caught.value.retry_at) == ("rate_limited", NOW + 86400)


# -- failures --------------------------------------------------------------------------------

NEXT_MONTH = calendar.timegm((2026, 12, 1, 0, 0, 0))


@pytest.mark.parametrize(
    "kind, spec, outcome, retry_at",
    [
        ("rate_limited", {"seconds": 600}, "rate_limited", NOW + 600),
        ("rate_limited", {"capped": True, "period": "Monthly"}, "rate_limited", NEXT_MONTH),
        ("rate_limited", {"capped": True, "period": "Daily"}, "rate_limited", NOW + 12 * 3600),
        ("rate_limited", {"legacy": 88, "seconds": 120}, "rate_limited", NOW + 120),
        ("expired", {}, "auth", None),
        ("expired", {"legacy": 89}, "auth", None),
        ("blocked", {}, "blocked", None),  # "User has been suspended" inside a 200
        ("blocked", {"legacy": 326}, "blocked", None),
        ("down", {}, "down", None),
        ("down", {"legacy": 130}, "down", None),
        ("malformed", {}, "broken", None),
        ("reset", {}, "down", None),
    ],
)
async def test_faults_are_classified(xapi, http, kind, spec, outcome, retry_at):
    xapi.faults.set(kind, **spec)
    with pytest.raises(ChannelError) as caught:
        await pages_of(connector(xapi, http))
    assert caught.value.outcome == outcome
    if retry_at is not None:
        assert caught.value.retry_at == retry_at
    assert "x-token" not in caught.value.detail


async def test_a_spent_rate_window_waits_for_its_reset_header(http):
    with serving(XEmulator(clock=lambda: NOW, limits={"mentions": 2})) as emulator:
        with pytest.raises(ChannelError) as caught:
            await pages_of(connector(emulator, http))  # 250 mentions need 3 requests
        assert caught.value.outcome == "rate_limited"
        assert caught.value.retry_at == NOW + 15 * 60


async def test_slow_answer_times_out_as_down(xapi):
    xapi.faults.set("slow", seconds=1.0)
    async with httpx.AsyncClient(timeout=0.2) as quick:
        with pytest.raises(ChannelError) as caught:
            await pages_of(connector(xapi, quick))
    assert caught.value.outcome == "down"


async def test_bad_token_is_auth_and_a_stopped_server_is_offline(xapi, http):
    with pytest.raises(ChannelError) as caught:
        await pages_of(connector(xapi, http, token="expired"))
    assert caught.value.outcome == "auth"
    xapi.stop()
    with pytest.raises(ChannelError) as caught:
        await connector(xapi, http).check()
    assert caught.value.outcome == "offline"


async def test_check_names_the_account(xapi, http):
    assert await connector(xapi, http).check() == f"X @trattoria_sfogo ({ME_ID})"


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(xapi, http):
    found = await each_field_missing_in_turn(
        xapi,
        lambda: connector(xapi, http),
        [
            ("id", ["id"], "no id"),
            ("time", ["created_at"], None),  # the id holds it
            ("author", ["author_id"], None),
            ("text", ["text"], None),
            ("parent", ["referenced_tweets"], None),
        ],
        every=7,
    )
    items, touched = found["time"]
    assert all(items[t].created_at == xapi.tweets[t]["created"] for t in touched)
    items, touched = found["author"]
    assert {(items[t].author_name, items[t].author_handle) for t in touched} == {("unknown", "")}
    assert all(items[t].url == f"https://x.com/i/status/{t}" for t in touched)
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}
    items, touched = found["parent"]
    assert {(items[t].kind, items[t].parent_ref) for t in touched} == {("mention", "")}


async def test_mentions_without_expansions_land_with_the_time_their_ids_hold(xapi, http):
    xapi.faults.set("partial", shape="no_expansions")

    pages = await pages_of(connector(xapi, http))

    items = {i.external_id: i for p in pages for i in p.items}
    assert list(items) == [t["id"] for t in xapi.mentions()] and skipped(pages) == {}
    for post in xapi.mentions():
        got = items[post["id"]]
        assert got.created_at == post["created"] and got.thread_ref == post["id"]
        assert (got.author_name, got.kind) == ("unknown", "mention")
    assert pages[-1].cursor == {"since_id": xapi.mentions()[0]["id"]}
