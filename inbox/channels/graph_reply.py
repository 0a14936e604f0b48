"""Replies through the Graph API: comment replies (``POST /{comment}/comments``, Instagram
``/{comment}/replies``) and Messenger or Instagram messages (``POST /{page}/messages``).

The refusals that retrying cannot fix hold the reply: 10/2018278 (outside the messaging
window), 551 (person unavailable), 100 (target gone or content refused), 506 (duplicate). DM
replies are checked against the window in :meth:`GraphReplier.precheck`, reading the
conversation for the person's last message, before the platform is asked.

Graph has no idempotency key. Exactly once: a reply that may have got through is looked for
where it would be (the replies to the comment, Facebook's newest first back to the reply's
queue time, Instagram's edge read whole; a DM in the conversation's messages back to the
queue time); past :data:`FIND_PAGES` pages the reply is ``unknown``. Facebook threads are two
levels deep: a reply to a reply goes under the top-level comment. The link of a sent comment
reply is its ``permalink_url`` (Instagram: the media's link with ``/c/ID/``); a message's is
its conversation's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import when
from ..rows import ItemRow
from .base import CLOCK_SKEW_S, ChannelError, HoldReply, LookupUnsure
from .graph_read import PAGE_SIZE, web_link

if TYPE_CHECKING:  # a mixin of _Graph: typed as a Channel with what it uses of _Graph
    from collections.abc import AsyncIterator

    from .base import Channel as _Host
else:
    _Host = object

DM_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 24 * 3600
FIND_PAGES = 20  # pages find_reply reads looking for our reply before it gives up
WINDOW_SUBCODES = {2018278, 2018065}  # "This message is sent outside of allowed window"


class GraphReplier(_Host):
    """Replying through the Graph API: comment replies and messages, finding one again, its
    link (mixed into :class:`.graph._Graph`, whose HTTP, ids and times it uses)."""

    if TYPE_CHECKING:  # what it uses of _Graph

        @property
        def page_id(self) -> str: ...
        @property
        def own_ids(self) -> set[str]: ...
        @staticmethod
        def _id(obj: dict) -> str: ...
        def _time(self, value: Any) -> int: ...
        async def _get(self, path: str, params: dict | None = None) -> dict: ...
        async def _post(self, path: str, **kwargs: Any) -> dict: ...
        def _pages(self, path: str, params: dict) -> AsyncIterator[list[dict]]: ...

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        if parent.get("kind") == "dm":
            return await self._send_message(parent, text)
        target, final = self._comment_target(parent, text)
        try:
            body = await self._post(f"{target}/{self.reply_edge}", data={"message": final})
        except ChannelError as exc:
            raise self._send_refusal(exc) from None
        return self._id(body) or _missing("reply id")

    reply_edge = "comments"

    def _comment_target(self, parent: ItemRow, text: str) -> tuple[str, str]:
        """Where a reply to this comment goes, and its final text."""
        return parent["external_id"], text

    async def precheck(self, parent: ItemRow) -> None:
        """A DM may be answered only inside the messaging window: ask the conversation."""
        if parent.get("kind") == "dm":
            await self._dm_target(parent)

    async def _dm_target(self, parent: ItemRow) -> tuple[str, bool]:
        """(the recipient's id, whether the HUMAN_AGENT tag is needed); HoldReply if the
        window has closed. The person's last message is read from the conversation, since
        they may have written again after the message being answered."""
        conv_id = parent.get("thread_ref") or ""
        if not conv_id:
            raise HoldReply("this message has no conversation to answer in")
        conv = await self._get(
            conv_id, {"fields": "participants,messages.limit(25){id,from,created_time}"}
        )
        people = [
            p
            for p in (conv.get("participants") or {}).get("data") or []
            if isinstance(p, dict) and self._id(p) and self._id(p) not in self.own_ids
        ]
        if not people:
            raise HoldReply("cannot tell who to answer in this conversation")
        recipient = self._id(people[0])
        last_in = None
        for message in (conv.get("messages") or {}).get("data") or []:
            if isinstance(message, dict) and self._id(message.get("from") or {}) == recipient:
                last_in = self._time(message.get("created_time"))
                break  # newest first
        if last_in is None and not parent.get("outgoing"):
            last_in = int(parent.get("created_at") or 0)
        human_agent = bool(self.account.settings.get("human_agent"))
        age = self.now() - (last_in or 0)
        if age <= DM_WINDOW:
            return recipient, False
        if human_agent and age <= HUMAN_AGENT_WINDOW:
            return recipient, True
        raise HoldReply(self._window_reason(last_in, human_agent))

    async def _send_message(self, parent: ItemRow, text: str) -> str:
        recipient, tagged = await self._dm_target(parent)
        payload: dict[str, Any] = {
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",
            "message": {"text": text},
        }
        if tagged:
            payload.update(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
        try:
            body = await self._post(f"{self.page_id}/messages", json=payload)
        except ChannelError as exc:
            raise self._send_refusal(exc) from None
        return str(body.get("message_id") or "") or _missing("message id")

    def _window_reason(self, last_in: int | None, human_agent: bool) -> str:
        hours = 7 * 24 if human_agent else 24
        since = (
            f"their last message was at {when.iso(last_in)}"
            if last_in
            else "they have not written in this conversation"
        )
        return (
            f"{self.label} allows replies only within {hours} hours of the person's last "
            f"message and {since}: answer in the app, or wait for them to write again"
        )

    def _send_refusal(self, exc: ChannelError) -> Exception:
        """A refusal retrying cannot fix becomes HoldReply; anything else stays an error."""
        code, sub = exc.code, getattr(exc, "subcode", None)
        if code == 10 and sub in WINDOW_SUBCODES:
            return HoldReply(
                f"{self.label} refused: the reply window for this conversation has "
                f"closed (error 10/{sub})"
            )
        if code == 551:
            return HoldReply(
                f"{self.label} refused: this person is not available for messages "
                "right now (error 551)"
            )
        if code == 100:
            what = (
                "the item no longer exists or is hidden"
                if sub == 33
                else "the platform refused the reply's content or target"
            )
            return HoldReply(f"{self.label} refused: {what} (error 100/{sub or 0})")
        if code == 506:
            return HoldReply(f"{self.label} refused a duplicate post (error 506)")
        return exc

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Ours among the replies to the comment (or the conversation's messages), back to
        when the reply was queued; :class:`LookupUnsure` past :data:`FIND_PAGES` pages."""
        since = (queued_at if queued_at is not None else int(parent.get("created_at") or 0)) - (
            CLOCK_SKEW_S
        )
        if parent.get("kind") == "dm":
            return await self._find_message(parent, text, since)
        target, final = self._comment_target(parent, text)
        params = {"fields": self.find_fields, "limit": 100, **self.find_order}
        pages = 0
        async for entries in self._pages(f"{target}/{self.reply_edge}", params):
            for entry in entries:
                if self._is_own(entry) and _same_text(self._text(entry), final):
                    return self._id(entry)
            pages += 1
            # Newest first (Facebook): past the queue time nothing can be ours.
            if self.find_order and entries and self._created(entries[-1]) < since:
                return None
            if pages >= FIND_PAGES:
                raise LookupUnsure(f"the comment has more than {pages * 100} replies to read")
        return None

    async def _find_message(self, parent: ItemRow, text: str, since: int) -> str | None:
        conv_id = parent.get("thread_ref") or ""
        if not conv_id:
            return None
        pages = 0
        params = {"fields": "id,message,from,created_time", "limit": PAGE_SIZE}
        async for messages in self._pages(f"{conv_id}/messages", params):
            for message in messages:
                if self._time(message.get("created_time")) < since:
                    return None  # newest first: nothing of ours after the queue time
                if self._id(message.get("from") or {}) in self.own_ids and _same_text(
                    message.get("message"), text
                ):
                    return self._id(message)
            pages += 1
            if pages >= FIND_PAGES:
                raise LookupUnsure(f"more than {pages * PAGE_SIZE} messages since it was queued")
        return None

    def _created(self, entry: dict) -> int:
        return self._time(entry.get("created_time") or entry.get("timestamp"))

    async def reply_link(self, parent: ItemRow, external_id: str) -> str:
        """A message's link is its conversation's; a comment's is its permalink."""
        if parent.get("kind") == "dm":
            return str(parent.get("url") or "")
        return await self._comment_link(parent, external_id)

    async def _comment_link(self, parent: ItemRow, external_id: str) -> str:
        body = await self._get(external_id, {"fields": "permalink_url"})
        return web_link(body.get("permalink_url"))

    find_fields = "id,message,from,created_time"
    find_order = {"order": "reverse_chronological"}  # ours is among the newest
    label = "Graph"

    def _text(self, entry: dict) -> str:
        return str(entry.get("message") or "")

    def _is_own(self, entry: dict) -> bool:
        return self._id(entry.get("from") or {}) in self.own_ids


def _same_text(theirs: Any, ours: str) -> bool:
    return " ".join(str(theirs or "").split()) == " ".join(ours.split())


def _missing(what: str):
    raise ChannelError("broken", f"the Graph API sent an item without a {what}")
