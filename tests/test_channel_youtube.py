"""YouTube comment threads: the connector against the loopback emulator, through real sockets."""

from __future__ import annotations

import httpx
import pytest
from channel_kit import (
    drain,
    each_field_missing_in_turn,
    http_fixture,
    serving,
    skipped,
    slow_is_down_then_stopped_is_offline,
)
from conftest import NOW

from sfogo.inbox.channels.base import NO_TEXT, ChannelError, HoldReply, Secrets
from sfogo.inbox.channels.youtube import YouTube, next_pacific_midnight
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account
from sfogo.inbox.when import iso
from sfogo.tui.demo.emulators.youtube import API_KEY, CHANNEL_ID, TOKEN, YouTubeEmulator

# 2026-11-27 12:00 UTC is 04:00 in Los Angeles (PST, UTC-8): the quota resets at 08:00 UTC.
QUOTA_RESET = NOW + 20 * 3600


@pytest.fixture
def emu():
    with serving(YouTubeEmulator(threads=230, now=NOW)) as emulator:
        yield emulator


http = http_fixture(httpx.Timeout(2.0))


def connector(emu, http, *, token=TOKEN, **settings):
    account = Account(
        client_id=1,
        channel="youtube",
        handle="studio",
        id=1,
        settings={"url": emu.base_url, "channel_id": CHANNEL_ID, **settings},
    )
    return YouTube(account, http, Secrets(token=token), clock=ManualClock(NOW))


def all_comments(emu):
    return [c for t in emu.threads for c in [t["top"], *t["replies"]]]


async def test_first_sync_reads_every_thread_and_every_reply(emu, http):
    items, cursor, pages = await drain(connector(emu, http), {})
    assert len(pages) == 3 and [p.more for p in pages] == [True, True, False]
    expected = {c["id"] for c in all_comments(emu)}
    assert len(items) == len(expected) and {i.external_id for i in items} == expected
    # Threads with more replies than the list includes were completed with comments.list.
    assert any(r.path.endswith("/comments") for r in emu.requests)
    first = next(r for r in emu.requests if r.path.endswith("/commentThreads")).query
    assert first["allThreadsRelatedToChannelId"] == [CHANNEL_ID]
    assert first["order"] == ["time"] and first["maxResults"] == ["100"]
    assert first["textFormat"] == ["plainText"] and first["part"] == ["snippet,replies"]
    assert first["allThreadsRelatedToChannelId"] and "pageToken" not in first
    assert emu.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    # Pages come newest first: only the last page carries the new high-water mark.
    assert pages[0].cursor == {} and pages[1].cursor == {}
    newest = max(c["snippet"]["publishedAt"] for c in all_comments(emu))
    assert cursor["newest"] == newest


async def test_incremental_fetch_stops_at_the_last_seen_and_catches_new_replies(emu, http):
    channel = connector(emu, http)
    _, cursor, _ = await drain(channel, {})
    newest = emu.threads[-1]["top"]["id"]
    older = emu.threads[-30]["top"]["id"]  # a day old: below the stop point, but watched
    new = [
        emu.add_thread("new thread one", at=NOW + 10),
        emu.add_thread("new thread two", at=NOW + 20),
    ]
    replies = [
        emu.add_reply(newest, "reply on the newest", at=NOW + 30),
        emu.add_reply(older, "late reply on an older thread", at=NOW + 40),
    ]
    emu.requests.clear()
    fresh, cursor2, pages = await drain(channel, cursor)
    assert sorted(i.external_id for i in fresh) == sorted(
        [t["top"]["id"] for t in new] + [r["id"] for r in replies]
    )
    assert len(pages) == 1  # it stopped on the first page
    assert cursor2["newest"] == iso(NOW + 40)
    again, _, _ = await drain(channel, cursor2)
    assert again == []


async def test_a_failure_half_way_leaves_the_cursor_where_it_was(emu, http):
    channel = connector(emu, http)
    pages = channel.fetch({})
    first = await anext(pages)
    assert first.more and first.cursor == {}
    emu.faults.set("down", paths="/commentThreads")
    with pytest.raises(ChannelError) as err:
        await anext(pages)
    assert err.value.outcome == "down"


async def test_comment_maps_to_a_sanitised_interaction(emu, http):
    thread = emu.add_thread(
        "hi \x1b]0;owned\x07 <b>not html</b>\n\u202eevil",
        at=NOW + 5,
        author=("@evil\x1b[31m", "UCevil"),
        video="vidHOSTILE",
    )
    reply = emu.add_reply(thread["top"]["id"], "thanks!", author=("@sfogo", CHANNEL_ID), at=NOW + 6)
    items, _, _ = await drain(connector(emu, http), {})
    by_id = {i.external_id: i for i in items}
    top = by_id[thread["top"]["id"]]
    assert top.kind == "comment" and top.created_at == NOW + 5
    assert top.text == "hi \ufffd]0;owned\ufffd <b>not html</b>\n\ufffdevil"
    assert top.author_name == "@evil\ufffd[31m" and top.author_handle == "UCevil"
    assert top.url == f"https://www.youtube.com/watch?v=vidHOSTILE&lc={thread['top']['id']}"
    assert top.thread_ref == thread["top"]["id"] and top.parent_ref == "" and not top.outgoing
    ours = by_id[reply["id"]]
    assert ours.parent_ref == ours.thread_ref == thread["top"]["id"] and ours.outgoing


async def test_reply_goes_to_the_top_level_comment_and_is_found_again(emu, http):
    channel = connector(emu, http)
    thread = emu.threads[5]
    answer = emu.add_reply(thread["top"]["id"], "a question in the thread", at=NOW)
    row = {
        "external_id": answer["id"],
        "thread_ref": thread["top"]["id"],
        "parent_ref": thread["top"]["id"],
    }
    reply_id = await channel.send_reply(row, "Thanks, see you Friday!", key="k1")
    post = next(r for r in emu.requests if r.method == "POST")
    assert post.query["part"] == ["snippet"]
    assert post.json() == {
        "snippet": {"parentId": thread["top"]["id"], "textOriginal": "Thanks, see you Friday!"}
    }
    assert [r["id"] for r in emu.our_replies()] == [reply_id]
    assert await channel.find_reply(row, "Thanks, see you Friday!", key="k1") == reply_id
    assert await channel.find_reply(row, "Something else", key="k2") is None


async def test_reply_on_a_video_with_comments_turned_off_is_held(emu, http):
    thread = emu.threads[0]
    emu.disable_comments(thread["video"])
    row = {"external_id": thread["top"]["id"], "thread_ref": thread["top"]["id"]}
    with pytest.raises(HoldReply, match="turned off"):
        await connector(emu, http).send_reply(row, "hello", key="k")


async def test_spent_quota_waits_until_midnight_pacific(emu, http):
    assert next_pacific_midnight(NOW) == QUOTA_RESET
    emu.quota_left = 2  # enough for two pages, not the third
    with pytest.raises(ChannelError) as err:
        await drain(connector(emu, http), {})
    assert err.value.outcome == "rate_limited" and err.value.code == "quotaExceeded"
    assert err.value.retry_at == QUOTA_RESET


@pytest.mark.parametrize(
    ("fault", "outcome", "retry_at"),
    [
        ("down", "down", None),  # 503 backendError
        ("rate_limited", "rate_limited", QUOTA_RESET),  # 403 quotaExceeded
        ("expired", "auth", None),  # 401 authError
        ("blocked", "blocked", None),  # authenticatedUserAccountSuspended
        ("malformed", "broken", None),
        ("reset", "down", None),
    ],
)
async def test_faults_are_classified(emu, http, fault, outcome, retry_at):
    emu.faults.set(fault)
    with pytest.raises(ChannelError) as err:
        await drain(connector(emu, http), {})
    assert err.value.outcome == outcome and err.value.retry_at == retry_at
    assert TOKEN not in str(err.value)


async def test_a_slow_api_is_down_and_an_unreachable_one_offline(emu):
    await slow_is_down_then_stopped_is_offline(emu, connector)


async def test_an_api_key_reads_but_cannot_reply(emu, http):
    channel = connector(emu, http, token=API_KEY, auth="key")
    items, _, _ = await drain(channel, {})
    assert items and "authorization" not in emu.requests[0].headers
    row = {"external_id": emu.threads[0]["top"]["id"], "thread_ref": emu.threads[0]["top"]["id"]}
    with pytest.raises(ChannelError) as err:
        await channel.send_reply(row, "hello", key="k")
    assert err.value.outcome == "auth"
    with pytest.raises(ChannelError) as err:
        await drain(connector(emu, http, token="bad-token"), {})
    assert err.value.outcome == "auth"


async def test_check_names_the_channel(emu, http):
    assert "Sfogo Studio" in await connector(emu, http).check()


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(http):
    emu = YouTubeEmulator(threads=0, now=NOW)
    for n in range(24):
        thread = emu.add_thread(f"question {n}", video=f"vid{n % 3:08d}", at=NOW - 9000 + 300 * n)
        for r in range(n % 3):  # never more than the list includes: no comments.list
            emu.add_reply(thread["top"]["id"], f"answer {r}", at=NOW - 8900 + 300 * n + r)
    replies = {r["id"]: t for t in emu.threads for r in t["replies"]}
    with serving(emu):
        found = await each_field_missing_in_turn(
            emu,
            lambda: connector(emu, http),
            [
                ("time", ["snippet.publishedAt"], None),  # updatedAt
                ("any time", ["snippet.publishedAt", "snippet.updatedAt"], "no time"),
                ("author", ["snippet.authorDisplayName", "snippet.authorChannelId"], None),
                ("text", ["snippet.textDisplay", "snippet.textOriginal"], None),
                ("parent", ["snippet.parentId"], None),  # the thread
                ("video", ["snippet.videoId"], None),  # the thread's
            ],
            every=2,
        )
    items, touched = found["author"]
    assert {items[t].author_name for t in touched} == {"unknown"}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}
    for case in ("parent", "video"):
        items, touched = found[case]
        assert {t for t in touched if t in replies}, case
        for t in (t for t in touched if t in replies):
            top, video = replies[t]["top"]["id"], replies[t]["video"]
            assert (items[t].parent_ref, items[t].thread_ref) == (top, top), case
            assert items[t].url == f"https://www.youtube.com/watch?v={video}&lc={t}", case


async def test_a_comment_without_an_id_takes_its_threads_unless_it_is_a_reply(http):
    emu = YouTubeEmulator(threads=0, now=NOW)
    thread = emu.add_thread("question", at=NOW - 600)
    top = thread["top"]["id"]
    answers = [emu.add_reply(top, f"answer {r}", at=NOW - 500 + r)["id"] for r in (1, 2)]
    emu.faults.set("partial", drop=("id",), keys=[top, answers[0]])
    with serving(emu):
        items, _, pages = await drain(connector(emu, http), {})
    assert {i.external_id for i in items} == {top, answers[1]}
    assert skipped(pages) == {"no id": 1}


async def test_replies_served_without_video_link_to_their_threads_video(emu, http):
    emu.faults.set("partial", shape="replies_without_video")

    items, _, pages = await drain(connector(emu, http), {})

    replies = {r["id"]: t for t in emu.threads for r in t["replies"]}
    got = {i.external_id: i for i in items}
    assert set(got) == {c["id"] for c in all_comments(emu)} and skipped(pages) == {}
    for reply_id, thread in replies.items():
        assert (
            got[reply_id].url == f"https://www.youtube.com/watch?v={thread['video']}&lc={reply_id}"
        )
