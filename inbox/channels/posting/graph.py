"""Facebook Pages and Instagram: the posting side, through the Graph connectors.

Facebook Pages keep one id for a scheduled post and the post it becomes:
- queue: ``GET /{page-id}/scheduled_posts?fields=id,message,scheduled_publish_time``;
- timeline: ``GET /{page-id}/published_posts?fields=id,message,created_time,permalink_url``
  with ``since`` (unix time), newest first;
- publish: ``POST /{page-id}/feed`` with ``message``; restore: the same with
  ``published=false`` and ``scheduled_publish_time`` (10 minutes to 30 days ahead).
  Graph has no idempotency key: the outbox looks on the timeline before any resend.

Instagram's API has no queue and publishes only media (an image or video container, then
``media_publish``): sfogo watches Instagram posts (``GET /{ig-user-id}/media``) and leaves
publishing them to Instagram.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ... import when
from ..base import ChannelError
from .base import Poster, Published, QueueEntry, Timeline, complete_back_to

if TYPE_CHECKING:  # the connector this side wraps (imported with it, at run time)
    from ..graph import Facebook, Instagram, _Graph

PAGE = 50
QUEUE_PAGES = 10
TIMELINE_PAGES = 10


def _time(channel: _Graph, value: Any) -> int:
    """A Graph time: unix seconds (scheduled_publish_time) or ISO with a +0000 offset."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    try:
        return when.parse_iso(str(value))
    except ValueError:
        raise ChannelError("broken", f"{channel.host()} sent an unreadable time") from None


class _GraphPoster(Poster):
    channel: _Graph

    async def _read(
        self, path: str, params: dict, pages: int, since: int | None = None
    ) -> tuple[list[dict], bool]:
        """(entries, complete) of a newest-first edge, down to ``since`` at most."""
        found: list[dict] = []
        read = 0
        async for page in self.channel._pages(path, params):
            read += 1
            for entry in page:
                if since is not None and self._at(entry) < since:
                    return found, True
                found.append(entry)
            if read >= pages:
                return found, False
        return found, True

    def _at(self, entry: dict) -> int:
        raise NotImplementedError


class FacebookPoster(_GraphPoster):
    channel: Facebook
    name = "Facebook"
    has_queue = True
    can_schedule = True
    min_ahead_s = 10 * 60
    max_ahead_s = 30 * 86400

    def _at(self, entry: dict) -> int:
        return _time(self.channel, entry.get("created_time"))

    async def queue(self) -> list[QueueEntry]:
        params = {"fields": "id,message,scheduled_publish_time", "limit": PAGE}
        found = []
        read = 0
        async for page in self.channel._pages(f"{self.channel.page_id}/scheduled_posts", params):
            for entry in page:
                if not entry.get("id"):
                    continue  # one unreadable entry is skipped, not a reason to stop
                at = _time(self.channel, entry.get("scheduled_publish_time"))
                found.append(QueueEntry(str(entry["id"]), at, str(entry.get("message") or "")))
            read += 1
            if read >= QUEUE_PAGES:
                break
        return found

    def _published(self, entry: dict) -> Published:
        post_id = str(entry.get("id") or "")
        return Published(
            post_id,
            self._at(entry),
            str(entry.get("message") or ""),
            str(entry.get("permalink_url") or f"https://www.facebook.com/{post_id}"),
            queue_id=post_id,
        )

    async def timeline(self, since: int) -> Timeline:
        params = {
            "fields": "id,message,created_time,permalink_url",
            "since": since,
            "limit": PAGE,
        }
        path = f"{self.channel.page_id}/published_posts"
        entries, complete = await self._read(path, params, TIMELINE_PAGES, since)
        return complete_back_to(
            [self._published(e) for e in entries if e.get("id")], since, complete
        )

    async def publish(self, text: str, *, key: str, queued_at: int) -> Published:
        body = await self.channel._post(f"{self.channel.page_id}/feed", data={"message": text})
        self.channel.expect(body.get("id"), "post id")
        post_id = str(body["id"])
        return Published(post_id, self.now(), text, f"https://www.facebook.com/{post_id}", post_id)

    async def schedule(self, text: str, at: int, *, key: str, platform_id: str = "") -> QueueEntry:
        body = await self.channel._post(
            f"{self.channel.page_id}/feed",
            data={"message": text, "published": "false", "scheduled_publish_time": str(at)},
        )
        self.channel.expect(body.get("id"), "post id")
        return QueueEntry(str(body["id"]), at, text)


class InstagramPoster(_GraphPoster):
    channel: Instagram
    name = "Instagram"
    cannot_publish = (
        "Instagram publishes only images and videos through its API: publish the post from "
        "Instagram or Meta Business Suite, and sfogo watches it (plan it with 'sfogo posts "
        "import')"
    )

    def _at(self, entry: dict) -> int:
        return _time(self.channel, entry.get("timestamp"))

    async def timeline(self, since: int) -> Timeline:
        params = {"fields": "id,caption,timestamp,permalink", "since": since, "limit": PAGE}
        path = f"{self.channel.ig_user_id}/media"
        entries, complete = await self._read(path, params, TIMELINE_PAGES, since)
        return complete_back_to(
            [
                Published(
                    str(e["id"]),
                    self._at(e),
                    str(e.get("caption") or ""),
                    str(e.get("permalink") or ""),
                )
                for e in entries
                if e.get("id")
            ],
            since,
            complete,
        )
