"""YouTube replies: ``comments.insert`` (50 quota units) with ``parentId`` the top-level
comment, whichever comment of the thread is answered (YouTube threads are one level deep).

YouTube has no idempotency key. Exactly once: a reply that may have got through is looked
for among every reply of its thread (a thread is read whole; past 10,000 replies the reply
is ``unknown``). The link of a sent reply is ``watch?v=VIDEO&lc=ID`` with the thread's video
(from the item's link, else ``commentThreads?id=`` for the thread: a reply may lack
``videoId``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..rows import ItemRow
from .base import ChannelError, HoldReply, LookupUnsure, Sent

if TYPE_CHECKING:  # a mixin of YouTube: typed as a Channel with what it uses of YouTube
    from .base import Channel as _Host
else:
    _Host = object

REPLY_PAGE = 100  # comments.list's maximum
FIND_PAGES = 100  # pages of a thread's replies read looking for ours (10,000 replies)
# Refusals of one reply that a retry cannot fix: the reply is held with this reason.
HOLD_REASONS = {
    "commentsDisabled": "comments are turned off on this video",
    "operationNotSupported": "YouTube does not allow replies to this comment",
    "parentCommentIsPrivate": "the comment is private",
    "parentCommentNotFound": "the comment no longer exists",
    "commentNotFound": "the comment no longer exists",
    "ineligibleAccount": "this account cannot comment (link it to a YouTube channel)",
    "commentTextTooLong": "the reply is too long for YouTube",
    "commentTextRequired": "the reply is empty",
    "invalidCommentMetadata": "YouTube refused the reply",
    "invalidCustomEmoji": "YouTube refused an emoji in the reply",
    "processingFailure": "YouTube could not process the reply",
}


def _video_of(parent: ItemRow) -> str:
    """The video of the item's thread, from its link (``watch?v=VIDEO&lc=…``)."""
    query = parse_qs(urlsplit(str(parent.get("url") or "")).query)
    return (query.get("v") or [""])[0]


def _watch_link(video: str, comment_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else ""


class YouTubeReplier(_Host):
    """Replying on YouTube: the reply, finding it again, its link (mixed into
    :class:`.youtube.YouTube`, whose API calls it makes)."""

    if TYPE_CHECKING:  # what it uses of YouTube

        @property
        def channel_id(self) -> str: ...
        async def _call(self, method: str, path: str, params: dict, **kwargs: Any) -> Any: ...

    @staticmethod
    def _top(parent: ItemRow) -> str:
        # Replies hang off the top-level comment, whichever comment of the thread we answer.
        return parent.get("thread_ref") or parent["external_id"]

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        payload = {"snippet": {"parentId": self._top(parent), "textOriginal": text}}
        try:
            body = await self._call("POST", "/comments", {"part": "snippet"}, json=payload)
        except ChannelError as exc:
            if exc.code in HOLD_REASONS:
                raise HoldReply(HOLD_REASONS[str(exc.code)]) from None
            if exc.status == 404:
                raise HoldReply("the comment no longer exists") from None
            raise
        if not body.get("id"):
            raise ChannelError("broken", f"{self.host()} accepted the reply without an id")
        video = (body.get("snippet") or {}).get("videoId") or _video_of(parent)
        return Sent(body["id"], _watch_link(video, body["id"]))

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Ours among every reply of the thread (the list's order is not documented, so
        all of it is read; replies hang off the top-level comment only)."""
        wanted = " ".join(text.split())
        params = {
            "part": "snippet",
            "parentId": self._top(parent),
            "maxResults": REPLY_PAGE,
            "textFormat": "plainText",
        }
        for _ in range(FIND_PAGES):
            body = await self._call("GET", "/comments", params)
            for reply in body.get("items") or []:
                snippet = (reply.get("snippet") if isinstance(reply, dict) else None) or {}
                if (snippet.get("authorChannelId") or {}).get("value") != self.channel_id:
                    continue
                mine = snippet.get("textOriginal") or snippet.get("textDisplay") or ""
                if " ".join(mine.split()) == wanted:
                    video = snippet.get("videoId") or _video_of(parent)
                    return Sent(str(reply["id"]), _watch_link(video, str(reply["id"])))
            token = body.get("nextPageToken")
            if not token:
                return None
            params["pageToken"] = token
        raise LookupUnsure(f"the thread has more than {FIND_PAGES * REPLY_PAGE} replies")

    async def reply_link(self, parent: ItemRow, external_id: str) -> str:
        """``watch?v=VIDEO&lc=ID`` with the thread's video (a reply may not carry it)."""
        body = await self._call(
            "GET", "/commentThreads", {"part": "snippet", "id": self._top(parent)}
        )
        items = body.get("items") or []
        video = (items[0].get("snippet") or {}).get("videoId") if items else ""
        return _watch_link(str(video or ""), external_id)
