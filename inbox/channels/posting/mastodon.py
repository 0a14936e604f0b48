"""Mastodon's posting side: scheduled statuses, the account's own statuses, publishing.

- Queue: ``GET /api/v1/scheduled_statuses`` (40 a page, ``max_id`` from the ``Link``
  header's ``next``; a server holds at most 300 per account): ``scheduled_at`` and
  ``params.text``. A scheduled status keeps its own id; the status it becomes has another,
  so a published one is matched by text and time.
- Timeline: ``GET /api/v1/accounts/:id/statuses?exclude_replies=true`` (our id from
  ``verify_credentials``), newest first, back to the time asked for.
- Publish: ``POST /api/v1/statuses`` with the post's ``Idempotency-Key`` (remembered an
  hour); restore: the same with ``scheduled_at``, which must be 5 minutes ahead at least.
"""

from __future__ import annotations

from ... import when
from ...text import html_to_text
from ..base import ChannelError
from .base import Poster, Published, QueueEntry, Timeline, complete_back_to

PAGE = 40
QUEUE_PAGES = 10  # 300 scheduled statuses at most: 8 pages
TIMELINE_PAGES = 20


class MastodonPoster(Poster):
    name = "Mastodon"
    has_queue = True
    can_schedule = True
    min_ahead_s = 5 * 60
    max_chars = 500

    async def _pages(self, path: str, params: dict, pages: int):
        """Pages of a newest-first list, following the ``Link`` header's ``next``."""
        current = dict(params)
        for _ in range(pages):
            response = await self.channel.request("GET", path, params=current)
            body = self.channel.json(response)
            self.channel.expect(isinstance(body, list), "list")
            yield body
            nxt = self.channel.link_params(response, "next")
            if not body or not nxt or not nxt.get("max_id"):
                return
            current = {**params, "max_id": nxt["max_id"]}

    async def queue(self) -> list[QueueEntry]:
        entries = []
        async for page in self._pages("/api/v1/scheduled_statuses", {"limit": PAGE}, QUEUE_PAGES):
            for s in page:
                self.channel.expect(isinstance(s, dict) and s.get("id"), "scheduled status")
                params = s.get("params") if isinstance(s.get("params"), dict) else {}
                media = s.get("media_attachments") or []
                entries.append(
                    QueueEntry(
                        str(s["id"]),
                        self._time(s.get("scheduled_at")),
                        str(params.get("text") or ""),
                        f"{len(media)} attachment(s)" if media else "",
                    )
                )
        return entries

    def _time(self, value) -> int:
        try:
            return when.parse_iso(str(value))
        except ValueError:
            raise ChannelError("broken", f"{self.channel.host()} sent an unreadable time") from None

    def _published(self, status: dict) -> Published:
        self.channel.expect(isinstance(status, dict) and status.get("id"), "status")
        return Published(
            str(status["id"]),
            self._time(status.get("created_at")),
            html_to_text(status.get("content")),
            str(status.get("url") or status.get("uri") or ""),
        )

    async def _me(self) -> str:
        response = await self.channel.request("GET", "/api/v1/accounts/verify_credentials")
        me = self.channel.json(response)
        self.channel.expect(isinstance(me, dict) and me.get("id"), "account")
        return str(me["id"])

    async def timeline(self, since: int) -> Timeline:
        me = await self._me()
        params = {"limit": PAGE, "exclude_replies": "true", "exclude_reblogs": "true"}
        entries: list[Published] = []
        reached, pages = False, 0
        async for page in self._pages(f"/api/v1/accounts/{me}/statuses", params, TIMELINE_PAGES):
            pages += 1
            for status in page:
                entry = self._published(status)
                if entry.at < since:
                    reached = True
                    break
                entries.append(entry)
            if reached:
                break
        return complete_back_to(entries, since, reached or pages < TIMELINE_PAGES)

    async def publish(self, text: str, *, key: str, queued_at: int) -> Published:
        response = await self.channel.request(
            "POST",
            "/api/v1/statuses",
            data={"status": text, "visibility": "public"},
            headers={"Idempotency-Key": key},
        )
        return self._published(self.channel.json(response))

    async def schedule(self, text: str, at: int, *, key: str, platform_id: str = "") -> QueueEntry:
        response = await self.channel.request(
            "POST",
            "/api/v1/statuses",
            data={"status": text, "visibility": "public", "scheduled_at": when.iso(at)},
            headers={"Idempotency-Key": key},
        )
        body = self.channel.json(response)
        self.channel.expect(isinstance(body, dict) and body.get("scheduled_at"), "scheduled status")
        params = body.get("params") if isinstance(body.get("params"), dict) else {}
        return QueueEntry(str(body["id"]), self._time(body["scheduled_at"]), params.get("text", ""))
