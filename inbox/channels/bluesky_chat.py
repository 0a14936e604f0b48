"""Bluesky chat: every conversation read as items of kind dm, answered in it, exactly once.

Chat lives on its own service, reached through the user's PDS with the header
``atproto-proxy: did:web:api.bsky.chat#bsky_chat`` (:data:`PROXY`). Reading:
``chat.bsky.convo.listConvos`` (conversations, the most recently active first) and, for each
conversation with something new, ``chat.bsky.convo.getMessages`` (newest first). Every
conversation, message and change carries a ``rev``: a TID the chat service issues in order,
so one mark serves every conversation (``chat_rev``, the newest message rev read). A listing
stops at the first conversation whose rev is not newer than the mark, a conversation's
messages at the first message that is not; the new mark is handed out with the fetch's last
page, so an interrupted fetch reads again (duplicates, never holes). A message's time is its
``sentAt``, else the time its rev holds; a deleted message is skipped and counted, a view of
an unknown type too. Our own messages land as our own items.

An app password not allowed to use direct messages gets ``InvalidToken`` ("Bad token scope")
from the chat service, right after the same session read the notifications: that is the
password's scope, not a dead session, so sfogo does not log in again (createSession is
scarce); the notifications land and the run says what to change. A PDS that does not serve
chat (``MethodNotImplemented``) is treated the same way.

Replies: ``chat.bsky.convo.sendMessage {convoId, message: {text}}`` → the message view. Chat
has no idempotency key and no record key. Exactly once: a reply that may have got through is
looked for among the conversation's messages (``getMessages``, newest first) from the account
since the reply was queued; messages older than that cannot be it, so reaching them without
finding it is certain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from .. import when
from ..rows import ItemRow
from .base import (
    CLOCK_SKEW_S,
    ChannelError,
    HoldReply,
    LookupUnsure,
    Page,
    Sent,
    SkipEntry,
    as_object,
)
from .bluesky_reply import tid_micros

if TYPE_CHECKING:  # a mixin of the Bluesky connector: typed as a Channel with what it uses
    from .base import Channel as _Host
else:
    _Host = object

PROXY = "did:web:api.bsky.chat#bsky_chat"
CONVO_LIMIT = 100
MESSAGE_LIMIT = 100
MAX_CONVO_PAGES = 20  # 2,000 active conversations a sync
MAX_MESSAGE_PAGES = 20  # 2,000 new messages in one conversation a sync
# A PDS that cannot proxy to the chat service answers the chat methods with these.
NOT_SERVED = ("MethodNotImplemented", "XRPCNotSupported")
MESSAGE = "chat.bsky.convo.defs#messageView"
DELETED = "chat.bsky.convo.defs#deletedMessageView"
NOT_ALLOWED = (
    "Bluesky direct messages are not readable with this app password: make one that is "
    "allowed to use direct messages"
)


class ChatUnreadable(Exception):
    """The app password may not use chat (the notifications are read all the same)."""


class BlueskyChat(_Host):
    """Direct messages of a Bluesky account (mixed into :class:`.bluesky.Bluesky`)."""

    if TYPE_CHECKING:  # what it uses of Bluesky

        async def session(self) -> dict: ...
        async def xrpc(self, method: str, nsid: str, **kwargs: Any) -> Any: ...

    async def chat(self, method: str, nsid: str, **kwargs: Any) -> dict:
        """A chat call through the PDS's proxy; ChatUnreadable when the password's scope
        does not allow it."""
        try:
            body = await self.xrpc(method, nsid, proxy=PROXY, **kwargs)
        except ChannelError as exc:
            if exc.code == "InvalidToken":
                raise ChatUnreadable(NOT_ALLOWED) from None
            if exc.code in NOT_SERVED:
                raise ChatUnreadable(f"{self.host()} does not serve Bluesky chat") from None
            raise
        if not isinstance(body, dict):
            raise self.unexpected(f"answer to {nsid}")
        return body

    async def chat_check(self) -> str:
        """What ``sfogo account test`` says of chat: readable, or why not."""
        try:
            await self.chat("GET", "chat.bsky.convo.listConvos", params={"limit": 1})
        except ChatUnreadable:
            return "direct messages: not allowed by this app password"
        return "direct messages: readable"

    async def with_chat(self, held: Page) -> AsyncIterator[Page]:
        """The notifications' last page (``held``) and the pages of new chat messages after
        it. The last page of notifications waits for the first page of messages, so an
        account without new messages gets the pages it had."""
        old = str(held.cursor.get("chat_rev") or "")
        newest, lost = old, held.lost
        unread: list[str] = []
        cursor = {**held.cursor}
        try:
            async for items, read_to in self._new_messages(old, unread):
                newest = max(newest, read_to)
                if items:
                    yield Page(held.items, cursor, more=True, lost=lost)
                    held, lost = Page(items, cursor), ""
        except ChatUnreadable as unreadable:
            lost = "; ".join(filter(None, (lost, str(unreadable))))
        except ChannelError:
            # Chat failed: what was read lands first (the run still says why it stopped).
            yield Page(held.items, cursor, more=True, lost=lost)
            raise
        mark = {"chat_rev": newest} if newest else {}
        lost = "; ".join(filter(None, (lost, *unread)))
        yield Page(held.items, {**cursor, **mark}, more=held.more, lost=lost)

    async def _new_messages(self, mark: str, unread: list[str]) -> AsyncIterator[tuple[list, str]]:
        """(items, the newest rev read) for each conversation with messages after ``mark``;
        what a sync cannot read (too many) is said in ``unread``."""
        me = (await self.session())["did"]
        api_cursor = None
        for _ in range(MAX_CONVO_PAGES):
            params: dict[str, Any] = {"limit": CONVO_LIMIT}
            if api_cursor:
                params["cursor"] = api_cursor
            body = await self.chat("GET", "chat.bsky.convo.listConvos", params=params)
            convos = body.get("convos")
            if not isinstance(convos, list):
                raise self.unexpected("conversation list")
            for convo in convos:
                convo = as_object(convo)
                rev = str(convo.get("rev") or "")
                if mark and rev and rev <= mark:
                    return  # the most recently active first: the rest has nothing new
                if convo.get("id"):
                    yield await self._messages(convo, mark, me, unread)
            api_cursor = body.get("cursor")
            if not api_cursor or not convos:
                return
        unread.append(
            f"more than {MAX_CONVO_PAGES * CONVO_LIMIT} conversations had new messages: "
            "the others were not read"
        )

    async def _messages(
        self, convo: dict, mark: str, me: str, unread: list[str]
    ) -> tuple[list, str]:
        """The conversation's messages after ``mark``, and the newest rev among them."""
        members = {str(m.get("did")): m for m in convo.get("members") or [] if isinstance(m, dict)}
        found: list = []
        newest = mark
        api_cursor = None
        for _ in range(MAX_MESSAGE_PAGES):
            params: dict[str, Any] = {"convoId": convo["id"], "limit": MESSAGE_LIMIT}
            if api_cursor:
                params["cursor"] = api_cursor
            body = await self.chat("GET", "chat.bsky.convo.getMessages", params=params)
            messages = body.get("messages")
            if not isinstance(messages, list):
                raise self.unexpected("message list")
            fresh = [m for m in messages if str(as_object(m).get("rev") or "~") > mark]
            newest = max([newest, *(str(as_object(m).get("rev") or "") for m in fresh)])
            found += self.entries(fresh, self._message, str(convo["id"]), members, me)
            api_cursor = body.get("cursor")
            if not api_cursor or len(fresh) < len(messages) or not messages:
                break
        else:
            unread.append(
                f"a conversation had more than {MAX_MESSAGE_PAGES * MESSAGE_LIMIT} new "
                "messages: its older ones were not read"
            )
        return found, newest

    def _message(self, message: Any, convo: str, members: dict, me: str):
        message = self.need_object(message)
        kind = message.get("$type")
        if kind == DELETED:
            raise SkipEntry("deleted")
        if kind not in (None, MESSAGE):
            raise SkipEntry("unknown type")
        message_id = str(self.need(message.get("id"), "id"))
        try:
            created = when.parse_iso(str(message["sentAt"]))
        except (KeyError, ValueError):
            created = _rev_time(str(message.get("rev") or ""))
        sender = str(as_object(message.get("sender")).get("did") or "")
        member = as_object(members.get(sender))
        handle = str(member.get("handle") or "")
        text = message.get("text")
        mine = bool(sender) and sender == me
        return self.item(
            external_id=message_id,
            kind="dm",
            created_at=created,
            text=str(text) if text is not None else None,
            author_name=str(member.get("displayName") or handle),
            author_handle=f"@{handle}" if handle else "",
            url=chat_link(convo),
            thread_ref=convo,
            outgoing=mine,
            status="done" if mine else "new",
        )

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        if parent["kind"] == "dm":
            return await self.send_chat(parent, text)
        return await super().send_reply(parent, text, key=key, queued_at=queued_at)

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        if parent["kind"] == "dm":
            since = queued_at if queued_at is not None else int(parent.get("created_at") or 0)
            return await self.find_chat(parent, text, since=since)
        return await super().find_reply(
            parent, text, key=key, queued_at=queued_at, attempted_at=attempted_at
        )

    async def reply_link(self, parent: ItemRow, external_id: str) -> str:
        if parent["kind"] == "dm":
            return chat_link(str(parent.get("thread_ref") or ""))
        return await super().reply_link(parent, external_id)

    async def send_chat(self, parent: ItemRow, text: str) -> Sent:
        convo = str(parent.get("thread_ref") or "")
        try:
            body = await self.chat(
                "POST",
                "chat.bsky.convo.sendMessage",
                json={"convoId": convo, "message": {"text": text}},
            )
        except ChatUnreadable as refused:
            raise HoldReply(str(refused)) from None
        except ChannelError as exc:
            if exc.outcome == "broken" and exc.status == 400:  # left, blocked, not allowed
                raise HoldReply(f"Bluesky refused the message: {exc.detail}") from None
            raise
        self.expect(isinstance(body.get("id"), str), "message")
        return Sent(body["id"], chat_link(convo))

    async def find_chat(self, parent: ItemRow, text: str, *, since: int) -> Sent | None:
        """Our message with ``text`` in the parent's conversation, sent since ``since``."""
        convo = str(parent.get("thread_ref") or "")
        me = (await self.session())["did"]
        wanted = " ".join(text.split())
        api_cursor = None
        for _ in range(MAX_MESSAGE_PAGES):
            params: dict[str, Any] = {"convoId": convo, "limit": MESSAGE_LIMIT}
            if api_cursor:
                params["cursor"] = api_cursor
            try:
                body = await self.chat("GET", "chat.bsky.convo.getMessages", params=params)
            except ChatUnreadable as unreadable:
                raise LookupUnsure(str(unreadable)) from None
            messages = [as_object(m) for m in body.get("messages") or []]
            for message in messages:
                said = " ".join(str(message.get("text") or "").split())
                if as_object(message.get("sender")).get("did") == me and said == wanted:
                    return Sent(str(message.get("id")), chat_link(convo))
            api_cursor = body.get("cursor")
            times = [_sent_at(m) for m in messages]
            if not api_cursor or not messages or min(times) < since - CLOCK_SKEW_S:
                return None
        raise LookupUnsure("the conversation has more messages since the reply than sfogo reads")


def chat_link(convo: str) -> str:
    """Where a conversation is seen in the Bluesky app."""
    return f"https://bsky.app/messages/{convo}"


def _rev_time(rev: str) -> int:
    """The time a rev (a TID) holds, in epoch seconds; SkipEntry when it holds none."""
    micros = tid_micros(rev)
    if not micros:
        raise SkipEntry("no time")
    return micros // 1_000_000


def _sent_at(message: dict) -> int:
    try:
        return when.parse_iso(str(message["sentAt"]))
    except (KeyError, ValueError):
        return tid_micros(str(message.get("rev") or "")) // 1_000_000
