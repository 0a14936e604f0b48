"""WordPress comments: the connector against the loopback emulator, through real sockets."""

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
from sfogo.inbox.channels.wordpress import WordPress
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account
from sfogo.inbox.when import parse_iso
from sfogo.tui.demo.emulators.wordpress import ME_ID, PASSWORD, USER, WordPressEmulator


@pytest.fixture
def emu():
    with serving(WordPressEmulator(comments=250, now=NOW)) as emulator:
        yield emulator


def connector(emu, http, *, password=PASSWORD, **settings):
    account = Account(
        client_id=1,
        channel="wordpress",
        handle="blog",
        id=1,
        settings={"url": emu.base_url, "user": USER, **settings},
    )
    return WordPress(account, http, Secrets(password=password), clock=ManualClock(NOW))


http = http_fixture(httpx.Timeout(2.0))


def comment_requests(emu):
    return [r for r in emu.requests if r.path.endswith("/comments") and r.method == "GET"]


async def test_first_sync_reads_every_page_oldest_first(emu, http):
    items, cursor, pages = await drain(connector(emu, http), {})
    assert len(pages) == 3 and [p.more for p in pages] == [True, True, False]
    assert len(items) == 250 == len({i.external_id for i in items})
    assert [i.created_at for i in items] == sorted(i.created_at for i in items)
    query = comment_requests(emu)[0].query
    assert query["per_page"] == ["100"] and query["orderby"] == ["date_gmt"]
    assert query["order"] == ["asc"] and query["context"] == ["edit"] and "after" not in query
    assert [r.query["page"] for r in comment_requests(emu)] == [["1"], ["2"], ["3"]]
    last = emu.comments[-1]
    assert cursor["gmt"] == last["date_gmt"] and last["id"] in cursor["ids"]
    assert cursor["offset"] == -7 * 3600 and cursor["me"] == ME_ID
    # Each page's cursor covers only that page: page 1 ends where its last comment is.
    assert pages[0].cursor["gmt"] == emu.comments[99]["date_gmt"]


async def test_incremental_fetch_returns_only_new_comments_despite_the_local_time_margin(
    emu, http, store
):
    channel = connector(emu, http)
    client = store.clients.add("Bakery", now=NOW)
    account = store.accounts.add(client.id, "wordpress", "blog", now=NOW)
    channel.account.id = account.id
    items, cursor, _ = await drain(channel, {})
    assert store.items.upsert(items, now=NOW) == 250
    last_at = parse_iso(emu.comments[-1]["date_gmt"])
    # A comment in the very same second as the last one seen, and two later ones.
    same = emu.add_comment("<p>same second</p>", at=last_at, author_name="Twin")
    later = [emu.add_comment(f"<p>new {n}</p>", at=NOW + 60 * n) for n in (1, 2)]
    emu.requests.clear()
    new, cursor2, _ = await drain(channel, cursor)
    assert sorted(i.external_id for i in new) == sorted(str(c["id"]) for c in [same, *later])
    # WordPress compares "after" with the site-local date (UTC-7 here): the connector asks
    # from the last comment's local time minus its margin, so older comments come back too.
    after = comment_requests(emu)[0].query["after"][0]
    assert after < emu.comments[249]["date"]
    assert store.items.upsert(new, now=NOW) == 3
    again, cursor3, _ = await drain(channel, cursor2)
    assert again == [] and cursor3["gmt"] == cursor2["gmt"]


async def test_comment_maps_to_a_sanitised_interaction(emu, http):
    hostile = emu.add_comment(
        "<p>Hello <b>there</b>&amp; welcome<br />\nsecond line \x1b]52;c;cGF5bG9hZA==\x07"
        " \u202eevil</p>\n<script>alert(1)</script>",
        author_name="Evil\x1b[2J Name",
        post=3,
        at=NOW,
        email="evil@example.net",
    )
    reply = emu.add_comment(
        "<p>thanks!</p>", parent=hostile["id"], author=ME_ID, author_name="Editor", at=NOW + 5
    )
    items, _, _ = await drain(connector(emu, http), {})
    by_id = {i.external_id: i for i in items}
    item = by_id[str(hostile["id"])]
    assert item.kind == "comment" and item.created_at == NOW
    assert item.text.startswith("Hello there& welcome\nsecond line")
    assert "\x1b" not in item.text and "\x07" not in item.text and "\u202e" not in item.text
    assert "alert" not in item.text and "<" not in item.text
    assert item.author_name == "Evil\ufffd[2J Name"
    assert item.author_handle == "evil@example.net"
    assert item.url == hostile["link"] and item.thread_ref == "post:3" and item.parent_ref == ""
    mine = by_id[str(reply["id"])]
    assert mine.parent_ref == str(hostile["id"]) and mine.thread_ref == "post:3"
    assert mine.outgoing and not item.outgoing


async def test_reply_is_posted_once_and_found_again(emu, http):
    channel = connector(emu, http)
    parent = emu.comments[10]
    row = {"external_id": str(parent["id"]), "thread_ref": f"post:{parent['post']}"}
    reply_id = await channel.send_reply(row, "Thanks <3 we ship on Mondays", key="k1")
    posted = emu.comment(int(reply_id))
    assert posted["parent"] == parent["id"] and posted["post"] == parent["post"]
    assert posted["author"] == ME_ID and posted["content"]["raw"] == "Thanks <3 we ship on Mondays"
    post = next(r for r in emu.requests if r.method == "POST")
    assert post.json() == {
        "post": parent["post"],
        "parent": parent["id"],
        "content": "Thanks <3 we ship on Mondays",
    }
    assert await channel.find_reply(row, "Thanks <3 we ship on Mondays", key="k1") == reply_id
    assert await channel.find_reply(row, "something else", key="k2") is None
    # Sending the same reply again: WordPress answers 409 comment_duplicate; the reply it
    # already holds is ours, so the connector returns it instead of posting twice.
    assert await channel.send_reply(row, "Thanks <3 we ship on Mondays", key="k1") == reply_id
    assert len(emu.replies_by_me()) == 1


async def test_reply_to_a_closed_post_is_held(emu, http):
    parent = emu.comments[0]
    emu.close_post(parent["post"])
    row = {"external_id": str(parent["id"]), "thread_ref": f"post:{parent['post']}"}
    with pytest.raises(HoldReply, match="closed"):
        await connector(emu, http).send_reply(row, "hello", key="k")


async def test_commenting_too_fast_is_a_rate_limit(emu, http):
    emu.faults.set("rate_limited", count=1)
    first = emu.comments[0]
    row = {"external_id": str(first["id"]), "thread_ref": f"post:{first['post']}"}
    with pytest.raises(ChannelError) as err:
        await connector(emu, http).send_reply(row, "hello", key="k")
    assert err.value.outcome == "rate_limited" and err.value.code == "comment_flood"
    assert err.value.retry_at == NOW + 60


@pytest.mark.parametrize(
    ("fault", "outcome", "retry_at"),
    [
        ("down", "down", NOW + 600),  # the maintenance page, Retry-After: 600
        ("rate_limited", "rate_limited", NOW + 120),  # a proxy's 429 with Retry-After
        ("expired", "auth", None),  # 401 incorrect_password
        ("blocked", "blocked", None),  # a firewall's 403 page
        ("malformed", "broken", None),  # a PHP warning printed before the JSON
        ("reset", "down", None),  # the connection dropped mid-page
    ],
)
async def test_faults_are_classified(emu, http, fault, outcome, retry_at):
    emu.faults.set(fault, paths="/comments")
    with pytest.raises(ChannelError) as err:
        await drain(connector(emu, http), {"me": ME_ID})
    assert err.value.outcome == outcome
    assert err.value.retry_at == retry_at
    assert PASSWORD not in str(err.value)


async def test_a_slow_site_is_down_and_an_unreachable_one_offline(emu):
    await slow_is_down_then_stopped_is_offline(emu, connector)


async def test_wrong_or_missing_application_password_is_auth(emu, http):
    with pytest.raises(ChannelError) as err:
        await drain(connector(emu, http, password="wrong"), {})
    assert err.value.outcome == "auth" and err.value.code == "incorrect_password"
    with pytest.raises(ChannelError) as err:
        await drain(connector(emu, http, password=""), {"me": ME_ID})
    assert err.value.outcome == "auth" and err.value.code == "rest_forbidden_context"


async def test_check_names_the_user(emu, http):
    line = await connector(emu, http).check()
    assert "Editor" in line and "127.0.0.1" in line


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(emu, http):
    found = await each_field_missing_in_turn(
        emu,
        lambda: connector(emu, http),
        [
            ("id", ["id"], "no id"),
            ("gmt date", ["date_gmt"], None),  # the local date less the site's offset
            ("any date", ["date_gmt", "date"], "no time"),
            ("author", ["author_name", "author_email", "author_url"], None),
            ("text", ["content"], None),
            ("parent", ["parent"], None),
        ],
        every=6,
    )
    truth = {str(c["id"]): parse_iso(c["date_gmt"]) for c in emu.comments}
    items, touched = found["gmt date"]
    # The offset is learnt from the comments before; the very first has none to learn from.
    assert all(items[t].created_at == truth[t] for t in touched[1:])
    assert abs(items[touched[0]].created_at - truth[touched[0]]) <= 14 * 3600
    items, touched = found["author"]
    assert {(items[t].author_name, items[t].author_handle) for t in touched} == {("unknown", "")}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}
    items, touched = found["parent"]
    assert {items[t].parent_ref for t in touched} == {""}


async def test_anonymous_undated_comments_keep_syncing_and_never_move_the_cursor(emu, http):
    _, cursor, _ = await drain(connector(emu, http), {})
    new = [emu.add_comment("<p>late one</p>", at=NOW + 60 * n) for n in range(1, 4)]
    emu.faults.set("partial", shape="anonymous_undated")

    items, after, pages = await drain(connector(emu, http), cursor)

    assert [i.external_id for i in items] == [str(c["id"]) for c in new] and skipped(pages) == {}
    assert [i.created_at for i in items] == [NOW + 60 * n for n in range(1, 4)]  # offset known
    assert [i.author_name for i in items] == [c["author_email"] for c in new]
    assert after["gmt"] == cursor["gmt"]  # a guessed time is not a cursor
    emu.faults.clear()
    again, _, _ = await drain(connector(emu, http), after)
    assert [i.external_id for i in again] == [str(c["id"]) for c in new]  # read once more
