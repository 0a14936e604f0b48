"""Mastodon (and compatible servers): mentions, direct conversations, replies.

Mentions come from ``/api/v1/notifications?types[]=mention`` paged *forward* with ``min_id``
(``since_id`` would return only the newest page and leave a hole after a long outage). The
next ``min_id`` is read from the ``Link`` header's ``prev`` URL, so the ids stay opaque
(Pleroma-family servers use non-numeric ids). Direct conversations are paged the same way
by their last status id. An item is keyed by its *status* id, so a direct message that
arrives both as a mention and as a conversation is stored once.

A mention whose ``status`` is null (deleted, or no longer visible to us: 39 of 40 in one
recording of mastodon.social) cannot be read or answered: it is skipped and counted rather
than stored as an empty item. A status without ``created_at`` takes its notification's time
(the notification is made when the status arrives); one without an id, or a notification of
a type newer than this module, is skipped and counted. Known types other than mentions (an
older server ignoring ``types[]``) are read past without counting.

Replies go to ``POST /api/v1/statuses`` with ``in_reply_to_id``, the parent's own visibility
(read from the parent, which also tells us it still exists) and an ``Idempotency-Key``: a
resend within the hour Mastodon remembers the key returns the first status instead of a new
one. Exactly once beyond that hour: :meth:`find_reply` reads the account's own statuses
(``/api/v1/accounts/:id/statuses``, where the author sees every visibility) newest first, back
to when the reply was queued, for a reply to the parent with our text; nothing older can be
it, so not finding it there is certain. More than 2,000 statuses since then: ``unknown``.
The sent reply's link is the status's ``url``.

Likes: ``POST /api/v1/statuses/:id/favourite``, idempotent on the server (favouriting a
status twice answers it, ``favourited: true``, once more): a like whose answer was lost is
simply sent again. Every item is a status (direct messages too), so every item can be liked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from .. import when
from ..rows import ItemRow
from ..text import html_to_text
from .base import (
    CLOCK_SKEW_S,
    Channel,
    ChannelError,
    HoldReply,
    LookupUnsure,
    Page,
    Sent,
    SkipEntry,
    as_object,
)
from .likes import MastodonLiker

# Mastodon's maximum for notifications (the default is 40): half the requests of a backfill,
# which matters under 300 requests per 5 minutes (10,000 mentions: 125 requests, not 250).
PAGE_LIMIT = 80
CONVERSATION_LIMIT = 40
MAX_PAGES = 500  # per feed and run; the cursor keeps the rest for the next run
DELETED = "deleted or no longer visible"
# Notification types that are not for the inbox (Mastodon 4.x): read past, never counted.
OTHER_TYPES = {
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    "severed_relationships",
    "moderation_warning",
    "quote",
    "quoted_update",
    "annual_report",
}
# Looking for a reply that may have arrived: our own statuses, 40 a page (the maximum), back
# to when it was queued; past 2,000 statuses the look-up gives up and says so.
FIND_LIMIT = 40
FIND_PAGES = 50


class Mastodon(MastodonLiker, Channel):
    name = "mastodon"
    default_url = "https://mastodon.social"

    # -- classification --------------------------------------------------------------------

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        status = response.status_code
        where = f"{self.host()} answered {status}"
        if status == 429:
            reset = self.iso_header(response, "x-ratelimit-reset") or self.retry_after(response)
            return ChannelError(
                "rate_limited", f"{where}: rate limited", retry_at=reset, status=status
            )
        if status == 401:
            return ChannelError(
                "auth", f"{where}: the access token is invalid or revoked", status=status
            )
        if status == 403:
            # Login disabled (suspended), unconfirmed or pending account, or an action not
            # allowed; Mastodon tells them apart only in translated text.
            return ChannelError(
                "blocked",
                f"{where}: the account's login is disabled or the action is not allowed",
                status=status,
            )
        if status == 422 and isinstance(body, dict):
            return ChannelError(
                "broken", f"{where}: {body.get('error', 'validation failed')}", status=status
            )
        return None

    # -- reading -----------------------------------------------------------------------------

    def _username(self) -> str:
        """Our own user name (``@brand@server`` → ``brand``), to spot our own statuses."""
        return self.account.handle.lstrip("@").split("@")[0].lower()

    def _status_item(self, status: Any, *, at: Any = None):
        """One status as an item; ``at`` is the time to use when the status has none."""
        status = self.need_object(status)
        status_id = str(self.need(status.get("id"), "id"))
        account = as_object(status.get("account"))
        acct = str(account.get("acct") or account.get("username") or "")
        mine = bool(acct) and acct.split("@")[0].lower() == self._username() and "@" not in acct
        reply_to = str(status.get("in_reply_to_id") or "")
        if status.get("visibility") == "direct":
            kind = "dm"
        elif reply_to:
            kind = "reply"
        else:
            kind = "mention"
        text = html_to_text(status["content"]) if status.get("content") is not None else None
        if status.get("spoiler_text"):
            text = f"CW: {status['spoiler_text']}\n{text or ''}"
        media = status.get("media_attachments") or []
        if media and isinstance(media, list):
            text = f"{text or ''}\n[{len(media)} attachment{'s' if len(media) > 1 else ''}]"
        return self.item(
            external_id=status_id,
            kind=kind,
            created_at=self.need_time(status.get("created_at") or at),
            text=text.strip() if text is not None else None,
            author_name=account.get("display_name") or acct,
            author_handle=f"@{acct}" if acct else "",
            url=status.get("url") or status.get("uri") or "",
            parent_ref=reply_to,
            thread_ref=reply_to or status_id,
            outgoing=mine,
            status="done" if mine else "new",
        )

    def _mention(self, n: Any):
        n = self.need_object(n)
        if n.get("type") != "mention":
            if n.get("type") in OTHER_TYPES:
                return None
            raise SkipEntry("unknown type")
        if n.get("status") is None:
            raise SkipEntry(DELETED)
        return self._status_item(n["status"], at=n.get("created_at"))

    def _conversation(self, conversation: Any):
        last = self.need_object(conversation).get("last_status")
        if last is None:
            raise SkipEntry(DELETED)
        return self._status_item(last)

    async def _forward(
        self,
        path: str,
        params: list[tuple[str, str]],
        min_id: str | None,
    ) -> AsyncIterator[tuple[list, str]]:
        """Pages after ``min_id`` (oldest first): (records, the min_id that follows them)."""
        current = min_id or "0"
        for _ in range(MAX_PAGES):
            response = await self.request("GET", path, params=[*params, ("min_id", current)])
            body = self.json(response)
            self.expect(isinstance(body, list), "page (not a list)")
            if not body:
                return
            # The Link header's "prev" URL carries the min_id that follows this page; a
            # server without it gets the newest id of the page (results are newest first).
            prev = self.link_params(response, "prev") or {}
            newest = prev.get("min_id") or (
                body[0].get("id") if isinstance(body[0], dict) else None
            )
            if not isinstance(newest, str) or not newest:
                raise self.unexpected("page (no paging link)")
            yield body, newest
            current = newest

    async def fetch(self, cursor: dict) -> AsyncIterator[Page]:
        state = dict(cursor)
        notif_params = [("types[]", "mention"), ("limit", str(PAGE_LIMIT))]
        async for records, newest in self._forward(
            "/api/v1/notifications", notif_params, state.get("mentions_min_id")
        ):
            state = {**state, "mentions_min_id": newest}
            yield Page(self.entries(records, self._mention), dict(state), more=True)
        conv_params = [("limit", str(CONVERSATION_LIMIT))]
        async for records, newest in self._forward(
            "/api/v1/conversations", conv_params, state.get("dm_min_id")
        ):
            state = {**state, "dm_min_id": newest}
            yield Page(self.entries(records, self._conversation), dict(state), more=True)

    # -- replying ----------------------------------------------------------------------------

    async def _parent_status(self, parent: ItemRow) -> dict:
        try:
            response = await self.request("GET", f"/api/v1/statuses/{parent['external_id']}")
        except ChannelError as exc:
            if exc.status == 404:
                raise HoldReply("the post was deleted or is no longer visible") from None
            raise
        body = self.json(response)
        self.expect(isinstance(body, dict), "status")
        return body

    def _reply_text(self, parent_status: dict, text: str) -> str:
        acct = str((parent_status.get("account") or {}).get("acct") or "")
        mention = f"@{acct}" if acct and acct.split("@")[0].lower() != self._username() else ""
        if mention and not text.lstrip().lower().startswith(mention.lower()):
            return f"{mention} {text}"
        return text

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        status = await self._parent_status(parent)
        visibility = status.get("visibility") or "public"
        response = await self.request(
            "POST",
            "/api/v1/statuses",
            data={
                "status": self._reply_text(status, text),
                "in_reply_to_id": status["id"],
                "visibility": visibility,
            },
            headers={"Idempotency-Key": key},
        )
        body = self.json(response)
        self.expect(isinstance(body, dict) and isinstance(body.get("id"), str), "status")
        return Sent(body["id"], str(body.get("url") or ""))

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Our own statuses, newest first, back to when the reply was queued: the author
        sees all of them (direct ones too), and nothing older can be the reply."""
        me = self.json(await self.request("GET", "/api/v1/accounts/verify_credentials"))
        self.expect(isinstance(me, dict) and isinstance(me.get("id"), str), "account")
        since = (queued_at if queued_at is not None else int(parent["created_at"])) - CLOCK_SKEW_S
        wanted = " ".join(text.split())
        params: dict[str, str] = {"limit": str(FIND_LIMIT), "exclude_reblogs": "true"}
        for _ in range(FIND_PAGES):
            response = await self.request(
                "GET", f"/api/v1/accounts/{me['id']}/statuses", params=params
            )
            page = self.json(response)
            self.expect(isinstance(page, list), "status list")
            for status in page:
                self.expect(
                    isinstance(status, dict) and isinstance(status.get("id"), str), "status"
                )
                if status.get("in_reply_to_id") == parent["external_id"] and wanted in " ".join(
                    html_to_text(status.get("content")).split()
                ):
                    return Sent(status["id"], str(status.get("url") or ""))
            older = (self.link_params(response, "next") or {}).get("max_id")
            if not page or not older or self._created(page[-1]) < since:
                return None
            params["max_id"] = older
        raise LookupUnsure(
            f"the account posted more than {FIND_PAGES * FIND_LIMIT} statuses since the reply "
            "was queued"
        )

    def _created(self, status: dict) -> int:
        try:
            return when.parse_iso(str(status.get("created_at")))
        except ValueError:
            raise ChannelError(
                "broken", f"{self.host()} sent a status without a valid time"
            ) from None

    # -- checking ----------------------------------------------------------------------------

    async def check(self) -> str:
        response = await self.request("GET", "/api/v1/accounts/verify_credentials")
        me = self.json(response)
        self.expect(isinstance(me, dict) and me.get("acct"), "account")
        return (
            f"@{me['acct']} on {self.host()} ({me.get('display_name') or me['acct']}): "
            f"{me.get('followers_count', 0)} followers, {me.get('statuses_count', 0)} posts"
        )

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        if not self.secrets.token:
            raise ChannelError(
                "auth", f"no access token for {self.account.channel}:{self.account.handle}"
            )
        headers = {"Authorization": f"Bearer {self.secrets.token}", **kwargs.pop("headers", {})}
        return await super().request(method, path, headers=headers, **kwargs)
