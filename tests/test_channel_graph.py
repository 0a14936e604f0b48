"""Facebook Pages and Instagram connectors against the Graph emulator, over real sockets."""

from __future__ import annotations

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
from sfogo.inbox.channels.graph import Facebook, Instagram
from sfogo.inbox.channels.graph_read import NO_MESSAGE_TEXT
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account
from sfogo.inbox.text import REPLACEMENT
from sfogo.tui.demo.emulators.graph import IG_USER_ID, PAGE_ID, GraphEmulator

HOUR = 3600


@pytest.fixture
def graph():
    with serving(GraphEmulator(clock=lambda: NOW)) as emulator:
        yield emulator


http = http_fixture(5.0)


def facebook(emulator, http, *, now=NOW, token="graph-token", **settings) -> Facebook:
    account = Account(
        id=1,
        client_id=1,
        channel="facebook",
        handle="trattoria",
        settings={"url": emulator.base_url, "page_id": PAGE_ID, **settings},
    )
    return Facebook(account, http, Secrets(token=token), clock=ManualClock(now))


def instagram(emulator, http, *, now=NOW, **settings) -> Instagram:
    account = Account(
        id=2,
        client_id=1,
        channel="instagram",
        handle="@trattoria.sfogo",
        settings={
            "url": emulator.base_url,
            "page_id": PAGE_ID,
            "ig_user_id": IG_USER_ID,
            **settings,
        },
    )
    return Instagram(account, http, Secrets(token="graph-token"), clock=ManualClock(now))


def requested(emulator, fragment: str) -> list:
    return [r for r in emulator.requests if fragment in r.path]


# -- reading ---------------------------------------------------------------------------------


async def test_facebook_first_fetch_reads_every_page_of_inbox_and_comments(graph, http):
    pages = await pages_of(facebook(graph, http))

    messenger = {c["id"] for c in graph.of_type("conversation") if c["platform"] == "messenger"}
    expected = {m["id"] for m in graph.of_type("message") if m["conv"] in messenger}
    expected |= {c["id"] for c in graph.of_type("comment")}
    got = ids(pages)
    assert len(got) == len(set(got))
    assert set(got) == expected
    # Real paging: the inbox (60 conversations) and the busiest posts take several pages.
    assert len([r for r in requested(graph, "/conversations") if r.arg("after")]) >= 2
    assert any(r.arg("after") for r in graph.requests if r.path.endswith("/comments"))
    # An edge's mark travels only with its last page: earlier pages keep the old cursor.
    marks = [("conversations" in p.cursor, "comments" in p.cursor) for p in pages]
    first_with_conv = marks.index((True, False))
    assert all(m == (False, False) for m in marks[:first_with_conv])
    assert marks[-1] == (True, True) and not pages[-1].more
    assert all(p.more for p in pages[:-1])


async def test_facebook_incremental_fetch_returns_only_what_is_new(graph, http):
    channel = facebook(graph, http)
    cursor = (await pages_of(channel))[-1].cursor
    quiet_posts = [p["id"] for p in graph.of_type("post")]
    at_mark = {p["id"] for p in graph.of_type("post") if p["updated"] == cursor["comments"]}
    person = next(
        c["person"] for c in graph.of_type("conversation") if c["platform"] == "messenger"
    )
    graph.set_time(NOW + 60)
    new = [
        graph.add_message(person, "any table for 4 tonight?"),
        graph.add_message(None, "first time writing"),
        graph.add_comment(quiet_posts[0], "late comment on an older post"),
    ]
    top = next(c for c in graph.of_type("comment") if not c["parent"])
    new.append(graph.add_comment(top["post"], "a reply in a thread", parent=top["id"]))
    before = len(graph.requests)

    pages = await pages_of(facebook(graph, http, now=NOW + 60), cursor)

    assert sorted(ids(pages)) == sorted(new)
    # Posts nobody commented on since the last sync are not read again (the one whose last
    # comment is at the mark's very second is, in case another comment came that second).
    read = {r.path.split("/")[2] for r in graph.requests[before:] if r.path.endswith("/comments")}
    assert {quiet_posts[0], top["post"]} <= read <= {quiet_posts[0], top["post"]} | at_mark
    assert len(read) < len(quiet_posts)
    again = await pages_of(facebook(graph, http, now=NOW + 60), pages[-1].cursor)
    assert ids(again) == []


async def test_facebook_items_are_mapped_and_sanitised(graph, http):
    post = graph.of_type("post")[0]
    hostile = "Ciao \x1b]52;c;cGF5bG9hZA==\x07 [@click=app.quit] \u202egnp.exe"
    top = graph.add_comment(
        post["id"], hostile, author={"id": "6999", "name": "Eve\x1b[2J"}, at=NOW - HOUR
    )
    reply = graph.add_comment(post["id"], "agreed", parent=top, at=NOW - 60)
    dm = graph.add_message({"id": "6888", "name": "Ada Lovelace"}, "hello", at=NOW - 120)
    answer = graph.add_message("6888", "hi Ada!", at=NOW - 100, from_page=True)

    items = {i.external_id: i for p in await pages_of(facebook(graph, http)) for i in p.items}

    comment = items[top]
    assert comment.kind == "comment"
    assert comment.thread_ref == comment.parent_ref == post["id"]
    assert comment.created_at == NOW - HOUR
    assert "\x1b" not in comment.text and "\u202e" not in comment.text
    assert REPLACEMENT in comment.text
    assert "[@click=app.quit]" in comment.text  # kept as text; the UI never parses it as markup
    assert comment.author_name == f"Eve{REPLACEMENT}[2J" and comment.author_handle == "6999"
    assert comment.url.startswith("https://www.facebook.com/") and "comment_id=" in comment.url
    assert items[reply].parent_ref == top and items[reply].thread_ref == post["id"]
    message = items[dm]
    conv = graph.conversation_with("6888")
    assert (message.kind, message.thread_ref) == ("dm", conv["id"])
    assert message.author_name == "Ada Lovelace"
    assert message.author_handle == "6888" and not message.outgoing
    assert message.url == f"https://www.facebook.com/{PAGE_ID}/inbox/{conv['id'][2:]}"
    assert items[answer].outgoing


async def test_instagram_fetch_reads_dms_comments_and_replies_then_only_changed_media(graph, http):
    channel = instagram(graph, http)
    pages = await pages_of(channel)

    ig_convs = {c["id"] for c in graph.of_type("conversation") if c["platform"] == "instagram"}
    expected = {m["id"] for m in graph.of_type("message") if m["conv"] in ig_convs}
    expected |= {c["id"] for c in graph.of_type("igcomment")}
    assert set(ids(pages)) == expected and len(ids(pages)) == len(expected)
    items = {i.external_id: i for p in pages for i in p.items}
    reply = next(c for c in graph.of_type("igcomment") if c["parent"])
    media = graph.nodes[reply["media"]]
    mapped = items[reply["id"]]
    assert (mapped.kind, mapped.thread_ref) == ("comment", media["id"])
    assert mapped.parent_ref == reply["parent"]
    assert mapped.author_handle == reply["author"]["username"]
    assert mapped.url == f"{media['permalink']}c/{reply['id']}/"
    top = items[reply["parent"]]
    assert top.parent_ref == media["id"]
    dm = next(i for i in items.values() if i.kind == "dm" and not i.outgoing)
    assert dm.author_handle and dm.author_handle == dm.author_name  # IG senders have usernames

    graph.set_time(NOW + 30)
    new = graph.add_ig_comment(media["id"], "are you open on Monday?")
    before = len(graph.requests)
    again = await pages_of(instagram(graph, http, now=NOW + 30), pages[-1].cursor)
    assert ids(again) == [new]
    read = {r.path.split("/")[2] for r in graph.requests[before:] if r.path.endswith("/comments")}
    assert read == {media["id"]}  # unchanged media are skipped by their comments_count


async def test_comments_on_posts_older_than_the_lookback_are_reported_lost(graph, http):
    cursor = (await pages_of(facebook(graph, http)))[-1].cursor
    later = NOW + 40 * 86400  # a 40-day gap: longer than the 28-day lookback
    pages = await pages_of(facebook(graph, http, now=later), cursor)
    assert "older than 28 days" in pages[-1].lost


# -- replying --------------------------------------------------------------------------------


async def test_comment_reply_is_accepted_visible_and_found_again(graph, http):
    channel = facebook(graph, http)
    items = [i for p in await pages_of(channel) for i in p.items if i.kind == "comment"]
    top = next(i for i in items if i.parent_ref == i.thread_ref)

    reply_id = await channel.send_reply(row(top), "Grazie! See you soon", key="k1")

    node = graph.nodes[reply_id]
    assert node["parent"] == top.external_id and node["author"]["id"] == PAGE_ID
    assert await channel.find_reply(row(top), "Grazie!  See you soon", key="k1") == reply_id
    assert await channel.find_reply(row(top), "something else", key="k2") is None
    # A reply to a reply goes under the top-level comment, as Facebook threads them.
    nested = next(i for i in items if i.parent_ref != i.thread_ref)
    second = await channel.send_reply(row(nested), "thanks both", key="k3")
    assert graph.nodes[second]["parent"] == nested.parent_ref


async def test_instagram_replies_go_to_top_level_comments(graph, http):
    channel = instagram(graph, http)
    items = [i for p in await pages_of(channel) for i in p.items if i.kind == "comment"]
    top = next(i for i in items if i.parent_ref == i.thread_ref and not i.outgoing)
    nested = next(i for i in items if i.parent_ref != i.thread_ref and not i.outgoing)

    first = await channel.send_reply(row(top), "Ciao!", key="a")
    second = await channel.send_reply(row(nested), "yes, we are open", key="b")

    assert graph.nodes[first]["parent"] == top.external_id
    assert graph.nodes[second]["parent"] == nested.parent_ref
    assert graph.nodes[second]["text"] == f"@{nested.author_handle} yes, we are open"
    assert await channel.find_reply(row(nested), "yes, we are open", key="b") == second


async def test_dm_reply_inside_the_window_is_sent_once_and_found(graph, http):
    graph.add_message({"id": "6100", "name": "Bea"}, "do you deliver?", at=NOW - 2 * HOUR)
    channel = facebook(graph, http)
    dm = next(i for p in await pages_of(channel) for i in p.items if i.author_handle == "6100")

    message_id = await channel.send_reply(row(dm), "Yes, until 22:00", key="x")

    conv = graph.conversation_with("6100")
    assert conv["messages"][-1] == message_id
    assert graph.nodes[message_id]["author"]["id"] == PAGE_ID
    post = requested(graph, f"/{PAGE_ID}/messages")[-1]
    assert post.json()["messaging_type"] == "RESPONSE"
    assert post.json()["recipient"] == {"id": "6100"}
    assert await channel.find_reply(row(dm), "Yes, until 22:00", key="x") == message_id
    assert await channel.find_reply(row(dm), "No", key="y") is None


async def test_dm_reply_after_24_hours_is_held_without_calling_the_platform(graph, http):
    graph.add_message({"id": "6200", "name": "Carlo"}, "hello?", at=NOW - 25 * HOUR)
    channel = facebook(graph, http)
    dm = next(i for p in await pages_of(channel) for i in p.items if i.author_handle == "6200")

    with pytest.raises(HoldReply, match="24 hours"):
        await channel.precheck(row(dm))
    with pytest.raises(HoldReply, match="24 hours"):
        await channel.send_reply(row(dm), "sorry for the delay", key="late")
    assert not [r for r in graph.requests if r.method == "POST"]
    # If they wrote again since, the window is open, even to answer the older message.
    graph.add_message("6200", "anyone there?", at=NOW - HOUR)
    await channel.precheck(row(dm))
    # With the HUMAN_AGENT permission the window is 7 days, and the tag is sent.
    graph.add_message({"id": "6201", "name": "Ugo"}, "hello?", at=NOW - 30 * HOUR)
    late = {**row(dm), "thread_ref": graph.conversation_with("6201")["id"]}
    agent = facebook(graph, http, human_agent=True)
    await agent.send_reply(late, "sorry for the delay", key="late")
    sent = requested(graph, f"/{PAGE_ID}/messages")[-1].json()
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


async def test_platform_refusal_outside_the_window_holds_the_reply(graph, http):
    graph.add_message({"id": "6300", "name": "Dana"}, "hi", at=NOW - 23 * HOUR)
    channel = facebook(graph, http)
    dm = next(i for p in await pages_of(channel) for i in p.items if i.author_handle == "6300")
    graph.set_time(NOW + 2 * HOUR)  # the platform's clock is past the window; ours is not

    with pytest.raises(HoldReply, match="10/2018278"):
        await channel.send_reply(row(dm), "still there?", key="w")


async def test_reply_to_a_deleted_comment_is_held(graph, http):
    gone = {
        "external_id": "123_456",
        "thread_ref": "123",
        "parent_ref": "123",
        "kind": "comment",
        "created_at": NOW,
    }
    with pytest.raises(HoldReply, match="no longer exists"):
        await facebook(graph, http).send_reply(gone, "hello", key="d")


# -- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, spec, outcome, wait",
    [
        ("down", {}, "down", None),
        ("down", {"code": 2}, "down", None),
        # An error object without its code is judged by the status alone.
        ("down", {"bare": True}, "down", None),
        ("rate_limited", {"code": 80001, "minutes": 7}, "rate_limited", 7 * 60),
        ("rate_limited", {"code": 613, "status": 403}, "rate_limited", 15 * 60),
        ("expired", {}, "auth", None),
        ("blocked", {}, "blocked", None),
        ("malformed", {}, "broken", None),
        ("reset", {}, "down", None),
    ],
)
async def test_faults_are_classified(graph, http, kind, spec, outcome, wait):
    graph.faults.set(kind, **spec)
    with pytest.raises(ChannelError) as caught:
        await pages_of(facebook(graph, http))
    assert caught.value.outcome == outcome
    if wait is not None:
        assert caught.value.retry_at == NOW + wait
    assert "graph-token" not in caught.value.detail


async def test_instagram_rate_limit_reads_the_business_usage_header(graph, http):
    graph.faults.set("rate_limited", paths=rf"/{IG_USER_ID}/media", minutes=42)
    with pytest.raises(ChannelError) as caught:
        await pages_of(instagram(graph, http))
    assert (caught.value.outcome, caught.value.code) == ("rate_limited", 80002)
    assert caught.value.retry_at == NOW + 42 * 60


async def test_slow_answer_times_out_as_down(graph):
    graph.faults.set("slow", seconds=1.0)
    async with httpx.AsyncClient(timeout=0.2) as quick:
        with pytest.raises(ChannelError) as caught:
            await pages_of(facebook(graph, quick))
    assert caught.value.outcome == "down"


async def test_wrong_token_is_auth_and_stopped_server_is_offline(graph, http):
    with pytest.raises(ChannelError) as caught:
        await pages_of(facebook(graph, http, token="stale"))
    assert (caught.value.outcome, caught.value.code) == ("auth", 190)
    graph.stop()
    with pytest.raises(ChannelError) as caught:
        await facebook(graph, http).check()
    assert caught.value.outcome == "offline"


async def test_failure_mid_fetch_keeps_the_unfinished_edge_at_its_old_mark(graph, http):
    channel = facebook(graph, http)
    # The inbox edge completes; the first comments request fails.
    graph.faults.set("down", paths=r"_\d+/comments$", count=1)
    pages = []
    with pytest.raises(ChannelError):
        async for page in channel.fetch({}):
            pages.append(page)
    assert pages and "conversations" in pages[-1].cursor
    assert not any("comments" in p.cursor for p in pages)
    resumed = await pages_of(channel, pages[-1].cursor)
    assert {i.kind for p in resumed for i in p.items} == {"comment"}


async def test_token_travels_in_a_header_and_never_to_another_host(graph, http):
    channel = facebook(graph, http)
    await pages_of(channel)
    assert all("access_token" not in r.query for r in graph.requests)
    assert all(r.headers["authorization"] == "Bearer graph-token" for r in graph.requests)
    with pytest.raises(ChannelError) as caught:
        channel._follow("https://evil.example/v23.0/1/comments?after=x")
    assert caught.value.outcome == "broken"
    same = channel._follow(f"{graph.base_url}/v23.0/1/comments?access_token=T&after=x")
    assert "access_token" not in same and "after=x" in same


async def test_check_describes_the_page_and_the_instagram_account(graph, http):
    assert await facebook(graph, http).check() == f"Facebook Page Trattoria Sfogo ({PAGE_ID})"
    assert await instagram(graph, http).check() == f"Instagram @trattoria.sfogo ({IG_USER_ID})"
    missing = Account(
        id=3,
        client_id=1,
        channel="instagram",
        handle="x",
        settings={"url": graph.base_url, "page_id": PAGE_ID},
    )
    with pytest.raises(ChannelError, match="ig_user_id"):
        await Instagram(missing, http, Secrets(token="graph-token"), clock=ManualClock(NOW)).check()


# -- partial answers -------------------------------------------------------------------------

FB_COMMENTS = r"/v\d+[.]\d+/\d+_\d+/comments$"
IG_COMMENTS = r"/v\d+[.]\d+/\d+/comments$"


async def test_each_comment_field_missing_in_turn_on_facebook(graph, http):
    parents = {c["id"]: c["parent"] for c in graph.of_type("comment")}
    found = await each_field_missing_in_turn(
        graph,
        lambda: facebook(graph, http),
        [
            ("id", ["id"], None),  # the permalink names it
            ("id and link", ["id", "permalink_url"], "no id"),
            ("time", ["created_time"], "no time"),
            ("author", ["from"], None),
            ("text", ["message"], None),
            ("parent", ["parent"], None),  # the permalink names it too
        ],
        every=9,
        paths=FB_COMMENTS,
    )
    for case in ("id", "parent"):
        items, touched = found[case]
        assert any(parents[t] for t in touched), case  # replies among them
        for t in touched:
            assert items[t].parent_ref == (parents[t] or graph.nodes[t]["post"]), case
    items, touched = found["author"]
    assert {(items[t].author_name, items[t].author_handle) for t in touched} == {("unknown", "")}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}


async def test_each_comment_field_missing_in_turn_on_instagram(graph, http):
    found = await each_field_missing_in_turn(
        graph,
        lambda: instagram(graph, http),
        [
            ("id", ["id"], "no id"),
            ("time", ["timestamp"], "no time"),
            ("author", ["username", "from"], None),
            ("text", ["text"], None),
            ("parent", ["parent_id"], None),  # read under its comment
        ],
        every=7,
        paths=IG_COMMENTS,
    )
    items, touched = found["parent"]
    replies = [t for t in touched if graph.nodes[t]["parent"]]
    assert replies and all(items[t].parent_ref == graph.nodes[t]["parent"] for t in replies)
    items, touched = found["author"]
    assert {items[t].author_name for t in touched} == {"unknown"}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}


async def test_each_message_field_missing_in_turn_in_the_page_inbox(graph, http):
    found = await each_field_missing_in_turn(
        graph,
        lambda: facebook(graph, http),
        [
            ("id", ["id"], "no id"),
            ("time", ["created_time"], "no time"),
            ("author", ["from"], None),
            ("text", ["message"], None),
        ],
        every=11,
        paths=r"/conversations$",
    )
    items, touched = found["author"]
    assert {(items[t].author_name, items[t].outgoing) for t in touched} == {("unknown", False)}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_MESSAGE_TEXT}


async def test_comments_served_without_id_or_author_land_under_their_permalink_ids(graph, http):
    graph.faults.set("partial", shape="comments_without_id")

    pages = await pages_of(facebook(graph, http))

    comments = {i.external_id: i for p in pages for i in p.items if i.kind == "comment"}
    assert skipped(pages) == {}
    assert set(comments) == {c["id"] for c in graph.of_type("comment")}
    for node in graph.of_type("comment"):
        got = comments[node["id"]]
        assert got.parent_ref == (node["parent"] or node["post"]) and got.thread_ref == node["post"]
        assert got.author_name == "unknown" and not got.outgoing


async def test_media_served_without_timestamp_still_have_their_comments_read(graph, http):
    graph.faults.set("partial", shape="media_without_timestamp")

    pages = await pages_of(instagram(graph, http))

    comments = {i.external_id for p in pages for i in p.items if i.kind == "comment"}
    assert comments == {c["id"] for c in graph.of_type("igcomment")} and skipped(pages) == {}
