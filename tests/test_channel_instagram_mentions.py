"""Instagram against the Graph emulator, over real sockets: the media the account is tagged
in (the ``tags`` edge) as mentions, and replies to comments read through the comment's
``/replies`` edge past the first nested page."""

from __future__ import annotations

import pytest
from channel_kit import drain, each_field_missing_in_turn, http_fixture, row, serving
from conftest import NOW

from sfogo.inbox.channels.base import HoldReply, Secrets
from sfogo.inbox.channels.graph import Instagram
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account
from sfogo.tui.demo.emulators.graph import IG_USER_ID, PAGE_ID, GraphEmulator

http = http_fixture(5.0)


@pytest.fixture
def graph():
    with serving(GraphEmulator(clock=lambda: NOW)) as emulator:
        yield emulator


def instagram(emulator, http, *, now=NOW) -> Instagram:
    account = Account(
        id=2,
        client_id=1,
        channel="instagram",
        handle="@trattoria.sfogo",
        settings={"url": emulator.base_url, "page_id": PAGE_ID, "ig_user_id": IG_USER_ID},
    )
    return Instagram(account, http, Secrets(token="graph-token"), clock=ManualClock(now))


def mentions(items) -> dict:
    return {i.external_id: i for i in items if i.kind == "mention"}


async def test_media_the_account_is_tagged_in_land_as_mentions_then_only_new_ones(graph, http):
    tagged = graph.add_tagged_media(
        "Cena da @trattoria.sfogo!", username="marta.eats", at=NOW - 3600
    )
    old = graph.add_tagged_media("two months ago", username="luca", at=NOW - 60 * 86400)

    items, cursor, _ = await drain(instagram(graph, http), {})

    found = mentions(items)
    assert set(found) == {tagged}  # older than the lookback window: not read
    item = found[tagged]
    assert (item.author_handle, item.text, item.thread_ref) == (
        "marta.eats",
        "Cena da @trattoria.sfogo!",
        tagged,
    )
    assert item.created_at == NOW - 3600 and item.url == graph.nodes[tagged]["permalink"]
    request = graph.requests_to(rf"/{IG_USER_ID}/tags$")[0]
    assert "caption" in request.arg("fields") and "timestamp" in request.arg("fields")
    assert old not in found

    newer = graph.add_tagged_media("di nuovo qui", username="marta.eats", at=NOW + 60)
    again, _, _ = await drain(instagram(graph, http, now=NOW + 120), cursor)
    assert list(mentions(again)) == [newer]


async def test_many_tagged_media_come_in_pages(graph, http):
    made = {
        graph.add_tagged_media(f"foto {n}", username=f"p{n}", at=NOW - 5000 + n) for n in range(60)
    }

    items, _, _ = await drain(instagram(graph, http), {})

    assert set(mentions(items)) == made and len(mentions(items)) == 60


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(graph, http):
    for n in range(30):
        graph.add_tagged_media(f"foto {n}", username=f"p{n % 4}", at=NOW - 5000 + n)
    found = await each_field_missing_in_turn(
        graph,
        lambda: instagram(graph, http),
        [
            ("id", ["id"], "no id"),
            ("time", ["timestamp"], "no time"),
            ("author", ["username"], None),
            ("caption", ["caption"], None),
        ],
        every=5,
        paths=r"/tags$",
    )
    items, touched = found["author"]
    assert {items[t].author_name for t in touched} == {"unknown"}


async def test_a_reply_to_tagged_media_is_held_in_one_line(graph, http):
    tagged = graph.add_tagged_media("ciao", username="marta.eats", at=NOW - 60)
    channel = instagram(graph, http)
    item = mentions((await drain(channel, {}))[0])[tagged]

    with pytest.raises(HoldReply, match="tagged in") as held:
        await channel.precheck(row(item))
    assert "\n" not in str(held.value)


async def test_replies_beyond_the_first_nested_page_come_from_the_replies_edge(graph, http):
    media = graph.add_media("Il menu di stasera", at=NOW - 7200)
    top = graph.add_ig_comment(media["id"], "Che buono!", at=NOW - 3600)
    replies = {
        graph.add_ig_comment(media["id"], f"risposta {n}", parent=top, at=NOW - 3000 + n)
        for n in range(40)
    }

    items, _, _ = await drain(instagram(graph, http), {})

    by_id = {i.external_id: i for i in items}
    assert replies <= set(by_id)
    assert {by_id[r].parent_ref for r in replies} == {top}
    assert graph.requests_to(rf"/{top}/replies$", "GET")  # the nested page's next: the edge


def test_sfogo_reply_to_tagged_media_is_refused_in_one_line_and_nothing_is_queued(
    store, cli, clock
):
    from sfogo.inbox.model import Interaction

    client = store.clients.add("Acme", "vip", now=clock.now())
    account = store.accounts.add(client.id, "instagram", "@acme", now=clock.now())
    store.items.upsert(
        [Interaction(account.id, "178001", "mention", clock.now() - 60, text="Cena!")],
        now=clock.now(),
    )
    item = store.items.page(None)[0]["id"]

    result = cli("reply", item, "Grazie!")

    assert result.code == 1 and result.out == ""
    (line,) = result.err.strip().splitlines()
    assert line.startswith("sfogo: ") and "tagged in" in line
    assert store.outbox.replies() == []
