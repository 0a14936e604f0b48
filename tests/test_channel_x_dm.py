"""X direct messages against the X emulator, over real sockets: read with the mentions as
items of kind dm in their conversation, answered in it exactly once."""

from __future__ import annotations

import pytest
from channel_kit import drain, each_field_missing_in_turn, http_fixture, row, serving
from conftest import NOW

from sfogo.inbox.channels.base import HoldReply, Secrets
from sfogo.inbox.channels.x import X
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account
from sfogo.tui.demo.emulators.x import ME_ID, XEmulator

http = http_fixture(5.0)


@pytest.fixture
def xapi():
    with serving(XEmulator(clock=lambda: NOW, mentions=12)) as emulator:
        yield emulator


def connector(emulator, http) -> X:
    account = Account(
        id=1,
        client_id=1,
        channel="x",
        handle="trattoria_sfogo",
        settings={"url": emulator.base_url, "user_id": ME_ID},
    )
    return X(account, http, Secrets(token="x-token"), clock=ManualClock(NOW))


def dms(items) -> list:
    return [i for i in items if i.kind == "dm"]


async def test_direct_messages_land_as_dms_in_their_conversation_with_the_mentions(xapi, http):
    first = xapi.add_dm("Avete un tavolo per 4 <stasera>?", author="marta", at=NOW - 600)
    second = xapi.add_dm("Anche senza glutine?", author="marta", at=NOW - 300)
    other = xapi.add_dm("\x1b]52;c;cGF5\x07 ciao", author="luca", at=NOW - 200)

    items, cursor, pages = await drain(connector(xapi, http), {})

    assert len(items) - len(dms(items)) == len(xapi.mentions())  # the mentions all landed
    by_id = {i.external_id: i for i in dms(items)}
    assert set(by_id) == {first, second, other}
    marta = by_id[first]
    assert (marta.kind, marta.author_handle, marta.text) == (
        "dm",
        "marta",
        "Avete un tavolo per 4 <stasera>?",
    )
    assert marta.thread_ref == by_id[second].thread_ref != by_id[other].thread_ref
    assert marta.created_at == NOW - 600 and not marta.outgoing
    assert "\x1b" not in by_id[other].text  # hostile text is sanitised at ingest
    assert cursor["dm_since_id"] == other and "since_id" in cursor
    assert [p.more for p in pages][-1] is False
    request = xapi.requests_to(r"/2/dm_events$")[0]
    assert "dm_conversation_id" in request.arg("dm_event.fields")
    assert request.arg("expansions") == "sender_id"

    # The next sync reads only what came since; a join in a group is no message.
    newer = xapi.add_dm("Perfetto, a dopo!", author="marta", at=NOW - 60)
    xapi.add_join("1600000000000000000", "4001")
    again, _, _ = await drain(connector(xapi, http), cursor)
    assert [i.external_id for i in dms(again)] == [newer]


async def test_an_account_without_new_messages_gets_the_pages_it_had(xapi, http):
    items, cursor, pages = await drain(connector(xapi, http), {})

    assert dms(items) == [] and len(pages) == 1 and "dm_since_id" not in cursor


async def test_an_interrupted_fetch_keeps_the_old_dm_mark_and_loses_nothing(xapi, http):
    for n in range(150):  # two pages of messages
        xapi.add_dm(f"messaggio {n}", author=f"p{n % 5}", at=NOW - 3000 + n)
    channel = connector(xapi, http)
    pages = [page async for page in channel.pages({})]

    assert len(dms(i for p in pages for i in p.items)) == 150
    assert all("dm_since_id" not in p.cursor for p in pages[:-1])  # handed out last
    assert pages[-1].cursor["dm_since_id"] == max(xapi.dm_events, key=int)


async def test_a_token_without_dm_read_still_reads_the_mentions_and_says_so(xapi, http):
    xapi.add_dm("ciao", author="marta")
    xapi.dm_read = False

    items, cursor, pages = await drain(connector(xapi, http), {})

    assert dms(items) == [] and len(items) == len(xapi.mentions())
    assert "dm.read" in pages[-1].lost and "since_id" in cursor


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(xapi, http):
    for n in range(30):
        xapi.add_dm(f"messaggio {n}", author=f"p{n % 4}", at=NOW - 3000 + n)
    found = await each_field_missing_in_turn(
        xapi,
        lambda: connector(xapi, http),
        [
            ("id", ["id"], "no id"),
            ("time", ["created_at"], None),  # the id holds it
            ("author", ["sender_id"], None),
            ("text", ["text"], None),
            ("conversation", ["dm_conversation_id"], "no conversation"),
        ],
        every=5,
        paths=r"/2/dm_events$",
    )
    items, touched = found["time"]
    for event_id in touched:
        assert items[event_id].created_at == xapi.dm_events[event_id]["created"]
    items, touched = found["author"]
    assert {items[t].author_name for t in touched} == {"unknown"}


async def test_a_reply_goes_to_the_conversation_and_is_found_again(xapi, http):
    xapi.add_dm("Siete aperti lunedì?", author="marta", at=NOW - 600)
    channel = connector(xapi, http)
    (message,) = dms((await drain(channel, {}))[0])

    sent = await channel.send_reply(row(message), "Sì, dalle 19!", key="k", queued_at=NOW)

    (ours,) = xapi.dms_by_me(message.thread_ref)
    assert (sent, ours["text"]) == (ours["id"], "Sì, dalle 19!")
    assert sent.link == f"https://x.com/messages/{message.thread_ref}"
    assert xapi.requests_to(r"/messages$", "POST")[-1].json() == {"text": "Sì, dalle 19!"}
    found = await channel.find_reply(row(message), "Sì,  dalle 19!", key="k", queued_at=NOW)
    assert found == sent
    assert await channel.find_reply(row(message), "altro", key="k2", queued_at=NOW) is None
    # Our message lands as our own item in the thread on the next sync.
    again = {i.external_id: i for i in dms((await drain(channel, {}))[0])}[sent]
    assert again.outgoing and again.status == "done" and again.thread_ref == message.thread_ref


async def test_a_conversation_the_account_left_holds_the_reply(xapi, http):
    xapi.add_dm("ciao", author="marta", at=NOW - 600)
    channel = connector(xapi, http)
    (message,) = dms((await drain(channel, {}))[0])
    gone = {**row(message), "thread_ref": "1-2"}

    with pytest.raises(HoldReply, match="refused the reply"):
        await channel.send_reply(gone, "ciao", key="k")


async def test_messages_that_fail_to_load_do_not_hold_back_the_mentions(xapi, http):
    from sfogo.inbox.channels.base import ChannelError

    xapi.add_dm("ciao", author="marta")
    xapi.faults.set("down", paths=r"/2/dm_events$")
    channel, pages = connector(xapi, http), []

    with pytest.raises(ChannelError) as failed:
        async for page in channel.pages({}):
            pages.append(page)

    assert failed.value.outcome == "down"
    assert len([i for p in pages for i in p.items]) == len(xapi.mentions())
    assert "dm_since_id" not in pages[-1].cursor and pages[-1].more


async def test_more_messages_than_a_sync_reads_are_said_lost(xapi, http):
    from sfogo.inbox.channels.x_dm import DM_MAX_PAGES, DM_PAGE_SIZE

    count = DM_MAX_PAGES * DM_PAGE_SIZE + 5
    for n in range(count):
        xapi.add_dm(f"m{n}", author=f"p{n % 7}", at=NOW - 20000 + n)

    items, cursor, pages = await drain(connector(xapi, http), {})

    assert len(dms(items)) == DM_MAX_PAGES * DM_PAGE_SIZE  # the newest ones
    assert "the older ones were not read" in pages[-1].lost
    assert cursor["dm_since_id"] == max(xapi.dm_events, key=int)
