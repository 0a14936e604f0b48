"""X: no public queue; the account's own posts and publishing.

- timeline: ``GET /2/users/:id/tweets?exclude=replies,retweets&tweet.fields=created_at``,
  newest first, ``pagination_token`` towards older posts, back to the time asked for;
- publish: ``POST /2/tweets {"text"}`` (201, ``data.id``). X has no idempotency key and
  refuses the same text twice (403): the outbox looks on the timeline before any resend.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ... import when
from ..base import ChannelError
from .base import Poster, Published, Timeline, complete_back_to

if TYPE_CHECKING:  # the connector this side wraps (imported with it, at run time)
    from ..x import X

PAGE = 100
PAGES = 8


class XPoster(Poster):
    channel: X
    name = "X"
    max_chars = 280

    def _url(self, post_id: str) -> str:
        return f"https://x.com/{self.account.handle.lstrip('@') or 'i'}/status/{post_id}"

    async def timeline(self, since: int) -> Timeline:
        params = {
            "max_results": PAGE,
            "exclude": "replies,retweets",
            "tweet.fields": "created_at,referenced_tweets",
            "start_time": when.iso(since),
        }
        path = f"/2/users/{self.channel.user_id}/tweets"
        entries: list[Published] = []
        for _ in range(PAGES):
            body = await self.channel._get(path, params)
            reached = False
            for post in body.get("data") or []:
                if not isinstance(post, dict) or not post.get("id"):
                    continue
                if any(
                    isinstance(r, dict) and r.get("type") == "replied_to"
                    for r in post.get("referenced_tweets") or []
                ):
                    continue
                try:
                    at = when.parse_iso(str(post.get("created_at")))
                except ValueError:
                    raise ChannelError(
                        "broken", f"{self.channel.host()} sent an unreadable time"
                    ) from None
                if at < since:
                    reached = True
                    break
                text = html.unescape(str(post.get("text") or ""))
                entries.append(Published(str(post["id"]), at, text, self._url(str(post["id"]))))
            token = (body.get("meta") or {}).get("next_token")
            if reached or not token:
                return complete_back_to(entries, since, True)
            params["pagination_token"] = str(token)
        return complete_back_to(entries, since, False)

    async def publish(self, text: str, *, key: str, queued_at: int) -> Published:
        response = await self.channel.request(
            "POST", "/2/tweets", json={"text": text}, headers=self.channel._headers()
        )
        body = self.channel.json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not (isinstance(data, dict) and data.get("id")):
            raise self.channel.unexpected("post")
        return Published(str(data["id"]), self.now(), text, self._url(str(data["id"])))
