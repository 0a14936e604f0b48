"""WordPress: the blog's own posts, through the comments connector's login.

A WordPress post is watched by its **title**: a plan row's text is the title; a post sfogo
publishes takes its first line as the title and the rest as the content.

- queue: ``GET /wp-json/wp/v2/posts?status=future&context=edit`` (needs the login); a
  post whose date has passed and is still ``future`` is WordPress's "missed schedule"
  (WP-Cron did not run): the watchdog calls it missed, "still in the queue";
- timeline: ``status=publish`` with ``after`` (site-local, so a day's margin), newest first;
- publish: ``POST /wp-json/wp/v2/posts`` with ``status=publish``; restore: ``status=future``
  and ``date_gmt``. One id for the scheduled post and the published one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ...text import html_to_text
from ..base import ChannelError
from .base import Poster, Published, QueueEntry, Timeline, complete_back_to

if TYPE_CHECKING:  # the connector this side wraps (imported with it, at run time)
    from ..wordpress import WordPress

PER_PAGE = 100
PAGES = 5
MARGIN = timedelta(days=1)  # 'after' reads the site-local date: any offset fits in a day


def title_of(text: str) -> str:
    """The title a post of ours gets: its first line."""
    return text.strip().split("\n", 1)[0].strip()


class WordPressPoster(Poster):
    channel: WordPress
    name = "WordPress"
    has_queue = True
    can_schedule = True
    min_ahead_s = 60

    @staticmethod
    def shown(text: str) -> str:
        return title_of(text)

    def _title(self, post: dict) -> str:
        title = post.get("title") or {}
        if isinstance(title, dict):
            raw = title.get("raw")
            return str(raw) if raw is not None else html_to_text(title.get("rendered") or "")
        return html_to_text(str(title))

    def _at(self, post: dict) -> int:
        try:
            return int(
                datetime.fromisoformat(str(post["date_gmt"]).replace("Z", ""))
                .replace(tzinfo=UTC)
                .timestamp()
            )
        except (KeyError, TypeError, ValueError):
            raise ChannelError(
                "broken", f"{self.channel.host()} sent a post without a date"
            ) from None

    async def _posts(self, params: dict) -> tuple[list[dict], bool]:
        found = []
        for page in range(1, PAGES + 1):
            body = self.channel.json(
                await self.channel._get("/posts", {**params, "per_page": PER_PAGE, "page": page})
            )
            if not isinstance(body, list):
                raise ChannelError(
                    "broken", f"{self.channel.host()} sent posts that are not a list"
                )
            found += [p for p in body if isinstance(p, dict) and p.get("id")]
            if len(body) < PER_PAGE:
                return found, True
        return found, False

    async def queue(self) -> list[QueueEntry]:
        posts, _ = await self._posts({"status": "future", "context": "edit", "order": "asc"})
        return [QueueEntry(str(p["id"]), self._at(p), self._title(p)) for p in posts]

    def _published(self, post: dict) -> Published:
        post_id = str(post["id"])
        return Published(
            post_id, self._at(post), self._title(post), str(post.get("link") or ""), post_id
        )

    async def timeline(self, since: int) -> Timeline:
        after = datetime.fromtimestamp(since, UTC).replace(tzinfo=None) - MARGIN
        posts, complete = await self._posts(
            {"status": "publish", "after": after.strftime("%Y-%m-%dT%H:%M:%S"), "order": "desc"}
        )
        entries = [self._published(p) for p in posts]
        return complete_back_to([e for e in entries if e.at >= since], since, complete)

    async def _create(self, text: str, **fields) -> dict:
        title, _, rest = text.strip().partition("\n")
        payload = {"title": title.strip(), "content": rest.strip(), **fields}
        response = await self.channel.request(
            "POST", f"{self.channel.api}/posts", json=payload, auth=self.channel._auth()
        )
        body = self.channel.json(response)
        self.channel.expect(isinstance(body, dict) and body.get("id"), "post")
        return body

    async def publish(self, text: str, *, key: str, queued_at: int) -> Published:
        return self._published(await self._create(text, status="publish"))

    async def schedule(self, text: str, at: int, *, key: str, platform_id: str = "") -> QueueEntry:
        gmt = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        body = await self._create(text, status="future", date_gmt=gmt)
        return QueueEntry(str(body["id"]), self._at(body), self._title(body))
