"""X direct messages: read with the mentions, answered in their conversation, exactly once.

Reading: ``GET /2/dm_events`` (every conversation of the account, newest first, the last
30 days), asking for the fields and expansions a message needs; without ``dm_event.fields``
an event is only ``id``, ``event_type`` and ``text``. Events other than ``MessageCreate``
(people joining or leaving a group) are not messages and are passed over uncounted. A
message is kind ``dm``, its thread the ``dm_conversation_id``; ours (``sender_id`` = the
account) land as our own items. Event ids are snowflakes (time-ordered, their time inside):
the cursor keeps the newest one read (``dm_since_id``) and the next sync stops there. A token
without the ``dm.read`` scope cannot read them: the mentions still land, and the run says so.

Replies: ``POST /2/dm_conversations/:id/messages {"text"}`` → 201 ``{"data":
{"dm_conversation_id", "dm_event_id"}}``; X takes no idempotency key. Exactly once: a reply
that may have got through is looked for in its conversation (``GET
/2/dm_conversations/:id/dm_events``, newest first) among our messages since the reply was
queued; the listing reaches back 30 days, further than any reply waits, so not finding it
there is certain.
"""

from __future__ import annotations

import html
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

if TYPE_CHECKING:  # a mixin of the X connector: typed as a Channel with what it uses of X
    from .base import Channel as _Host
else:
    _Host = object

DM_PAGE_SIZE = 100
DM_MAX_PAGES = 30  # a bound in case next_token never ends (3,000 messages a sync)
DM_PARAMS = {
    "dm_event.fields": "id,text,event_type,created_at,dm_conversation_id,sender_id",
    "event_types": "MessageCreate",
    "expansions": "sender_id",
    "user.fields": "username,name",
    "max_results": DM_PAGE_SIZE,
}
NOT_READABLE = "X direct messages are not readable with this token (it needs the dm.read scope)"


class XDirect(_Host):
    """Direct messages of an X account (mixed into :class:`.x.X`)."""

    if TYPE_CHECKING:  # what it uses of X

        @property
        def user_id(self) -> str: ...
        def _headers(self) -> dict[str, str]: ...
        async def _get(self, path: str, params: dict) -> dict: ...

    async def with_dms(self, held: list, state: dict, keep: dict, lost: str) -> AsyncIterator[Page]:
        """The mentions' last page (``held``, its cursor ``state``) and the pages of new
        messages after it, down to the mark in ``keep``. The last page of mentions waits for
        the first page of messages, so an account without new messages gets the pages it
        had; messages come newest first, so their new mark is handed out with the last page."""
        dm_old = dm_newest = str(keep.get("dm_since_id") or "")
        try:
            async for items, read_to in self.dm_pages(dm_old):
                dm_newest = read_to
                if items:
                    yield Page(held, {**state, **keep}, more=True, lost=lost)
                    held, lost = items, ""
        except DirectUnreadable as unreadable:
            lost = "; ".join(filter(None, (lost, str(unreadable))))
        except ChannelError:
            # Messages failed: what was read lands first (the run still says why it stopped).
            yield Page(held, {**state, **keep}, more=True, lost=lost)
            raise
        mark = {"dm_since_id": dm_newest} if dm_newest else {}
        yield Page(held, {**state, **mark}, more=False, lost=lost)

    async def dm_pages(self, since_id: str) -> AsyncIterator[tuple[list, str]]:
        """Pages of new messages (newest first), down to ``since_id``: (items, the newest id
        read so far). A token that may not read messages, or more messages than one sync
        reads, ends the listing with :class:`DirectUnreadable`."""
        params: dict[str, Any] = dict(DM_PARAMS)
        newest = since_id
        for _ in range(DM_MAX_PAGES):
            try:
                body = await self._get("/2/dm_events", params)
            except ChannelError as exc:
                if exc.status == 403:  # the scope or the access level: only new credentials help
                    raise DirectUnreadable(NOT_READABLE) from None
                raise
            data = body.get("data")
            self.expect(data is None or isinstance(data, list), "page (data is not a list)")
            events = [e for e in data or [] if not _older(e, since_id)]
            for event in events:
                event_id = str(as_object(event).get("id") or "")
                if event_id.isdigit() and int(event_id) > int(newest or 0):
                    newest = event_id
            users = included_users(body)
            yield self.entries(events, self._dm_item, users), newest
            token = as_object(body.get("meta")).get("next_token")
            if not token or len(events) < len(data or []):
                return  # the end, or the mark reached
            params["pagination_token"] = str(token)
        raise DirectUnreadable(
            f"more than {DM_MAX_PAGES * DM_PAGE_SIZE} direct messages since the last sync: "
            "the older ones were not read"
        )

    def _dm_item(self, event: object, users: dict):
        from .x import snowflake_time

        event = self.need_object(event)
        event_id = str(self.need(event.get("id"), "id"))
        if event.get("event_type") not in (None, "MessageCreate"):
            return None  # a join or a leave: not a message
        try:
            created = when.parse_iso(str(event["created_at"]))
        except (KeyError, ValueError):
            created = snowflake_time(event_id)
        conversation = str(event.get("dm_conversation_id") or "")
        if not conversation:
            raise SkipEntry("no conversation")  # nothing could answer it
        sender = str(event.get("sender_id") or "")
        author = users.get(sender, {})
        text = event.get("text")
        mine = sender == self.user_id
        return self.item(
            external_id=event_id,
            kind="dm",
            created_at=created,
            text=html.unescape(str(text)) if text is not None else None,
            author_name=str(author.get("name") or ""),
            author_handle=str(author.get("username") or ""),
            url=_conversation_link(conversation),
            thread_ref=conversation,
            outgoing=mine,
            status="done" if mine else "new",
        )

    async def send_dm(self, parent: ItemRow, text: str) -> Sent:
        conversation = str(parent.get("thread_ref") or "")
        try:
            response = await self.request(
                "POST",
                f"/2/dm_conversations/{conversation}/messages",
                json={"text": text},
                headers=self._headers(),
            )
        except ChannelError as exc:
            if exc.code == "refused":  # not in the conversation any more, or may not write
                raise HoldReply(exc.detail) from None
            raise
        data = as_object(as_object(self.json(response)).get("data"))
        if not data.get("dm_event_id"):
            raise ChannelError("broken", f"{self.host()} accepted the message without an id")
        return Sent(str(data["dm_event_id"]), _conversation_link(conversation))

    async def find_dm(self, parent: ItemRow, text: str, *, since: int) -> Sent | None:
        """Our message with ``text`` in the parent's conversation, sent since ``since``."""
        conversation = str(parent.get("thread_ref") or "")
        params: dict[str, Any] = {
            "dm_event.fields": "id,text,created_at,sender_id",
            "event_types": "MessageCreate",
            "max_results": DM_PAGE_SIZE,
        }
        wanted = " ".join(text.split())
        for _ in range(DM_MAX_PAGES):
            body = await self._get(f"/2/dm_conversations/{conversation}/dm_events", params)
            events = body.get("data") or []
            for event in events:
                event = as_object(event)
                said = " ".join(html.unescape(str(event.get("text") or "")).split())
                if str(event.get("sender_id") or "") == self.user_id and said == wanted:
                    return Sent(str(event.get("id")), _conversation_link(conversation))
            token = as_object(body.get("meta")).get("next_token")
            times = [_time(as_object(e)) for e in events]
            if not token or not events or min(times) < since - CLOCK_SKEW_S:
                return None
            params["pagination_token"] = str(token)
        raise LookupUnsure("the conversation has more messages since the reply than X lists")


class DirectUnreadable(Exception):
    """Direct messages that were not read, and why (the token's scope, or more than one sync
    reads); the mentions are read all the same, and the run says it."""


def included_users(body: dict) -> dict[str, dict]:
    """A page's ``includes.users`` by id (the mentions' authors, the messages' senders)."""
    users = {}
    for user in as_object(body.get("includes")).get("users") or []:
        if isinstance(user, dict) and user.get("id"):
            users[str(user["id"])] = user
    return users


def _older(event: Any, since_id: str) -> bool:
    event_id = str(as_object(event).get("id") or "")
    return bool(since_id) and event_id.isdigit() and int(event_id) <= int(since_id)


def _time(event: dict) -> int:
    try:
        return when.parse_iso(str(event["created_at"]))
    except (KeyError, ValueError):
        from .x import snowflake_time

        try:
            return snowflake_time(str(event.get("id") or ""))
        except SkipEntry:
            return 0


def _conversation_link(conversation: str) -> str:
    return f"https://x.com/messages/{conversation}"


def dm_link(parent: ItemRow) -> str:
    """Where an answer to the direct message ``parent`` can be seen: its conversation."""
    return _conversation_link(str(parent.get("thread_ref") or ""))
