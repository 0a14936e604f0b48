"""Bluesky chat through real sockets: every conversation read as items of kind dm in their
thread (through the chat proxy), answered in it exactly once."""

from __future__ import annotations

import httpx
import pytest
from channel_kit import each_field_missing_in_turn
from sync_world import forget_sessions, world  # noqa: F401 (world: a fixture)

from sfogo.inbox.channels.base import NO_TEXT, Secrets
from sfogo.inbox.channels.bluesky import Bluesky
from sfogo.inbox.model import Account
from sfogo.inbox.outbox import get_reply, queue_reply
from sfogo.tui.demo.emulators.bluesky_chat import PROXY


@pytest.fixture
def bsky(world):
    return world.bluesky(seed=5)


def _label(account) -> str:
    return f"bluesky:{account.handle}"


def _dms(world, account) -> dict:
    """The account's items of kind dm by external id (ours and done ones too)."""
    ids = world.external_ids(account.id) + world.external_ids(account.id, outgoing=True)
    rows = [world.store.items.get(_item(world, e)) for e in ids]
    return {r["external_id"]: r for r in rows if r["kind"] == "dm"}


def _item(world, external_id: str) -> int:
    return world.store.conn.execute(
        "SELECT id FROM interactions WHERE external_id = ?", (external_id,)
    ).fetchone()[0]


def test_every_conversation_lands_as_dms_in_its_thread_with_the_mentions(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    mentions = bsky.add_mentions(did, 5)
    now = world.clock.now()
    first = bsky.add_chat(
        did, "Avete un tavolo per stasera?", sender="marta.bsky.social", at=now - 600
    )
    second = bsky.add_chat(did, "Per quattro!", sender="marta.bsky.social", at=now - 500)
    other = bsky.add_chat(did, "\x1b]52;c;cGF5\x07 ciao", sender="luca.bsky.social", at=now - 400)

    result = world.sync()[_label(account)]

    assert (result.outcome, result.items, result.skipped) == ("ok", 8, 0)
    assert set(world.external_ids(account.id)) == {*mentions, first, second, other}
    dms = _dms(world, account)
    marta = dms[first]
    assert (marta["author_handle"], marta["text"]) == (
        "@marta.bsky.social",
        "Avete un tavolo per stasera?",
    )
    assert marta["thread_ref"] == dms[second]["thread_ref"] != dms[other]["thread_ref"]
    assert marta["created_at"] == now - 600 and marta["url"].startswith(
        "https://bsky.app/messages/"
    )
    assert "\x1b" not in dms[other]["text"]
    chat_calls = bsky.requests_to(r"chat[.]bsky[.]convo")
    assert chat_calls and all(r.headers.get("atproto-proxy") == PROXY for r in chat_calls)

    # The next sync reads only what is new: one conversation, one message.
    bsky.requests.clear()
    newer = bsky.add_chat(did, "A che ora?", sender="marta.bsky.social", at=now + 10)
    world.clock.advance(60)
    result = world.sync()[_label(account)]
    assert (result.outcome, result.items) == ("ok", 1)
    assert newer in _dms(world, account)
    assert len(bsky.requests_to(r"getMessages$")) == 1
    assert bsky.create_session_calls == 1


def test_a_deleted_message_is_skipped_and_counted_the_rest_lands(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    kept = bsky.add_chat(did, "ciao")
    gone = bsky.add_chat(did, "oops")
    bsky.delete_chat_message(gone)

    result = world.sync()[_label(account)]

    assert (result.outcome, result.items, result.skips) == ("ok", 1, {"deleted": 1})
    assert set(_dms(world, account)) == {kept}


def test_a_password_without_chat_still_reads_the_mentions_says_so_and_keeps_its_session(
    world, bsky
):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    mentions = bsky.add_mentions(did, 4)
    bsky.add_chat(did, "ciao")
    bsky.chat_denied.add(did)

    result = world.sync()[_label(account)]

    assert (result.outcome, result.items) == ("ok", 4)
    assert set(world.external_ids(account.id)) == set(mentions)
    assert "allowed to use direct messages" in world.runs(account.id)[-1]["lost"]
    assert bsky.create_session_calls == 1  # Bad token scope is no reason to log in again


def test_many_messages_come_in_pages_and_an_interrupted_fetch_loses_nothing(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    now = world.clock.now()
    ids = [bsky.add_chat(did, f"messaggio {n}", at=now - 3000 + n) for n in range(230)]
    mentions = bsky.add_mentions(did, 3)
    bsky.faults.set("down", paths="getMessages", after=2, count=1)

    cut = world.sync()[_label(account)]
    assert cut.outcome == "down"
    assert set(world.external_ids(account.id)) == set(mentions)  # chat down blinds nothing
    world.clock.advance(900)
    again = world.sync()[_label(account)]

    assert again.outcome == "ok"
    assert set(_dms(world, account)) == set(ids)


async def test_each_field_missing_in_turn_skips_only_what_cannot_be_derived(bsky, clock):
    did = bsky.add_user("acme.bsky.social", password="bsky-field-pw")
    for n in range(30):
        bsky.add_chat(
            did, f"messaggio {n}", sender=f"p{n % 4}.bsky.social", at=clock.now() - 900 + n
        )

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
                ("id", ["id"], "no id"),
                ("time", ["sentAt"], None),  # the rev holds it
                ("author", ["sender"], None),
                ("text", ["text"], None),
                ("type", ["$type"], None),  # a view without a type is a message
            ],
            every=5,
            paths=r"getMessages$",
        )
    items, touched = found["time"]
    sent = {m["id"]: int(m["at"]) for c in bsky.convos.values() for m in c["messages"]}
    assert all(abs(items[t].created_at - sent[t]) <= 1 for t in touched)
    items, touched = found["author"]
    assert {items[t].author_name for t in touched} == {"unknown"}
    items, touched = found["text"]
    assert {items[t].text for t in touched} == {NO_TEXT}


def test_a_reply_goes_to_the_conversation_once_and_lands_as_ours(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    message = bsky.add_chat(did, "Siete aperti lunedì?", sender="marta.bsky.social")
    world.sync()
    item = _item(world, message)
    reply = queue_reply(world.store, item, "Sì, dalle 19!", now=world.clock.now())

    result = world.send()[_label(account)]

    assert result.sent == 1
    convo = bsky.convo_of(message)
    (ours,) = bsky.chats_by(did, convo)
    assert ours["text"] == "Sì, dalle 19!"
    sent = get_reply(world.store, reply)
    assert sent["state"] == "sent" and sent["link"] == f"https://bsky.app/messages/{convo}"
    assert world.store.items.get(item)["status"] == "done"
    forget_sessions()
    world.clock.advance(60)
    world.sync()
    assert _dms(world, account)[ours["id"]]["outgoing"]  # our message, once, as our own
    assert len(bsky.chats_by(did, convo)) == 1


def test_more_new_messages_in_a_conversation_than_a_sync_reads_are_said_lost(world, bsky):
    from sfogo.inbox.channels.bluesky_chat import MAX_MESSAGE_PAGES, MESSAGE_LIMIT

    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    now = world.clock.now()
    for n in range(MAX_MESSAGE_PAGES * MESSAGE_LIMIT + 5):
        bsky.add_chat(did, f"m{n}", at=now - 30000 + n)
    other = bsky.add_chat(did, "ciao", sender="luca.bsky.social", at=now - 40000)

    result = world.sync()[_label(account)]

    assert result.items == MAX_MESSAGE_PAGES * MESSAGE_LIMIT + 1  # the newest, and the other
    assert other in _dms(world, account)
    assert "its older ones were not read" in world.runs(account.id)[-1]["lost"]


def test_account_test_says_whether_the_password_may_read_direct_messages(
    world, bsky, cli, monkeypatch
):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)

    allowed = cli("account", "test", account.handle)
    bsky.chat_denied.add(did)
    denied = cli("account", "test", account.handle)

    assert allowed.code == 0 and "direct messages: readable" in allowed.out
    assert denied.code == 0 and "direct messages: not allowed by this app password" in denied.out


def test_a_server_without_chat_still_reads_the_mentions_and_says_so(world, bsky):
    account, did = world.bluesky_account(bsky, "acme.bsky.social")
    mentions = bsky.add_mentions(did, 3)
    refusal = {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
    bsky.faults.set("answer", body=refusal, status=501, paths="listConvos")

    result = world.sync()[_label(account)]

    assert (result.outcome, result.items) == ("ok", 3)
    assert set(world.external_ids(account.id)) == set(mentions)
    assert "does not serve Bluesky chat" in world.runs(account.id)[-1]["lost"]
