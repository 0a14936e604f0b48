"""Bluesky: no queue; the account's own feed and publishing.

- timeline: ``app.bsky.feed.getAuthorFeed?actor=DID&filter=posts_no_replies`` (100 a page,
  ``cursor`` towards older posts), each post at its ``indexedAt`` (when the service saw it;
  ``createdAt`` is what the client wrote);
- publish: ``com.atproto.repo.createRecord`` with a record key (a TID) derived from the post's
  time and its idempotency key, so every attempt names the same record: the PDS refuses to
  create it twice, and ``com.atproto.repo.getRecord`` finds it before any resend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ... import when
from ..base import ChannelError, as_object
from ..bluesky_reply import tid
from .base import Poster, Published, Timeline, complete_back_to

if TYPE_CHECKING:  # the connector this side wraps (imported with it, at run time)
    from ..bluesky import Bluesky

COLLECTION = "app.bsky.feed.post"
PAGE = 100
PAGES = 8


def record_key(at: int, key: str) -> str:
    """A TID (53 bits of microseconds, 10 of clock id) from the post's time and its key."""
    digest = int(key[:12], 16) if key else 0
    return tid(at * 1_000_000 + digest % 1_000_000, (digest >> 20) & 0x3FF)


class BlueskyPoster(Poster):
    channel: Bluesky
    name = "Bluesky"
    max_chars = 300

    def _url(self, uri: str, handle: str = "") -> str:
        rkey = uri.rsplit("/", 1)[-1]
        return f"https://bsky.app/profile/{handle or self.account.handle.lstrip('@')}/post/{rkey}"

    def _time(self, value) -> int:
        try:
            return when.parse_iso(str(value))
        except ValueError:
            raise ChannelError("broken", f"{self.channel.host()} sent an unreadable time") from None

    async def timeline(self, since: int) -> Timeline:
        session = await self.channel.session()
        params = {"actor": session["did"], "filter": "posts_no_replies", "limit": str(PAGE)}
        entries: list[Published] = []
        for _ in range(PAGES):
            body = await self.channel.xrpc("GET", "app.bsky.feed.getAuthorFeed", params=params)
            feed = body.get("feed") if isinstance(body, dict) else None
            if not isinstance(feed, list):
                raise self.channel.unexpected("feed")
            for item in feed:
                post = item.get("post") if isinstance(item, dict) else None
                if not isinstance(post, dict) or not post.get("uri") or item.get("reason"):
                    continue  # a repost, or an entry that cannot be read
                at = self._time(post.get("indexedAt"))
                if at < since:
                    return complete_back_to(entries, since, True)
                record = as_object(post.get("record"))
                handle = str((post.get("author") or {}).get("handle") or "")
                entries.append(
                    Published(
                        post["uri"],
                        at,
                        str(record.get("text") or ""),
                        self._url(post["uri"], handle),
                    )
                )
            cursor = body.get("cursor")
            if not cursor or not feed:
                return complete_back_to(entries, since, True)
            params["cursor"] = str(cursor)
        return complete_back_to(entries, since, False)

    async def publish(self, text: str, *, key: str, queued_at: int) -> Published:
        session = await self.channel.session()
        body = await self.channel.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            json={
                "repo": session["did"],
                "collection": COLLECTION,
                "rkey": record_key(queued_at, key),
                "record": {
                    "$type": COLLECTION,
                    "text": text,
                    "createdAt": when.iso(self.now()).replace("Z", ".000Z"),
                },
            },
        )
        self.channel.expect(isinstance(body, dict) and isinstance(body.get("uri"), str), "record")
        return Published(body["uri"], self.now(), text, self._url(body["uri"]))

    async def find(self, text: str, *, key: str, queued_at: int) -> Published | None:
        session = await self.channel.session()
        try:
            body = await self.channel.xrpc(
                "GET",
                "com.atproto.repo.getRecord",
                params={
                    "repo": session["did"],
                    "collection": COLLECTION,
                    "rkey": record_key(queued_at, key),
                },
            )
        except ChannelError as exc:
            if exc.code in ("RecordNotFound", "NotFound"):
                return None
            raise
        if not (isinstance(body, dict) and body.get("uri")):
            raise self.channel.unexpected("record")
        value = as_object(body.get("value"))
        at = self._time(value.get("createdAt")) if value.get("createdAt") else self.now()
        return Published(body["uri"], at, str(value.get("text") or ""), self._url(body["uri"]))
