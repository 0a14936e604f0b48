"""Facebook Pages and Instagram through Meta's Graph API (one base, two connectors).

What is read, the cursor and partial answers: :mod:`inbox.channels.graph_read`.

Account settings (no secrets; the token is a Page access token in ``secrets.token``):
- ``url``: API base, default ``https://graph.facebook.com``; ``version``: default ``v23.0``;
- ``page_id``: the Facebook Page (required for both: Instagram messaging goes through it);
- ``ig_user_id``: the Instagram professional account (required for Instagram);
- ``lookback_days``: how old a post or media may be and still be scanned for new comments
  (default 28; comments on older posts are not seen, and a longer gap says so in ``lost``);
- ``human_agent``: true when the app has the HUMAN_AGENT permission: DMs may then be answered
  up to 7 days after the person's last message instead of 24 hours.

Errors are classified on Graph's ``code``/``error_subcode``: 190 auth; 4, 17, 32, 613 and
80001–80014 rate limited until the usage headers' ``estimated_time_to_regain_access`` (else 15
minutes); 368 blocked; 1, 2 and ``is_transient`` down; 10 and 200–299 (a permission the token
lacks) auth, since only a new token fixes them; 100 broken. Replies (the refusals that hold
them, the messaging window, exactly once): :mod:`inbox.channels.graph_reply`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .. import when
from ..rows import TOKEN_WARN_S, ItemRow, TokenCheck
from ..text import sanitize
from .base import (
    UNREADABLE,
    Channel,
    ChannelError,
    HoldReply,
    as_object,
)
from .graph_read import FacebookReader, InstagramReader
from .graph_reply import GraphReplier
from .likes import FacebookLiker

API_VERSION = "v23.0"
# When a rate-limit error carries no estimated_time_to_regain_access, wait this long: the
# app and page limits are computed over a rolling hour, so a short pause is the usual cure.
DEFAULT_RATE_WAIT = 15 * 60
TOKEN_CHECK_EVERY_S = 86400  # debug_token is asked at most once a day per account

# Error codes (developers.facebook.com/docs/graph-api/guides/error-handling and the
# Messenger Platform error table).
AUTH_CODES = {102, 190}
RATE_CODES = {4, 17, 32, 613} | set(range(80000, 80015))  # 80001 Pages, 80002 IG, 80006 Messenger
BLOCKED_CODES = {368}
DOWN_CODES = {1, 2}
TOKEN_SUBCODES: dict[int | None, str] = {  # None: an error without a subcode
    458: "the app is not installed",
    459: "the user is checkpointed",
    460: "the password changed",
    463: "the token expired",
    464: "the user is unconfirmed",
    467: "the token is invalid",
    492: "the session is invalid",
}


class _Graph(GraphReplier, Channel):
    """Shared Graph API machinery: auth, paging, error codes, the DM window, replies."""

    default_url = "https://graph.facebook.com"
    platform = ""  # the conversations edge's platform parameter

    # -- settings and ids ----------------------------------------------------------------

    @property
    def version(self) -> str:
        return str(self.account.settings.get("version") or API_VERSION).strip("/")

    def setting(self, key: str) -> str:
        value = str(self.account.settings.get(key) or "").strip()
        if not value:
            raise ChannelError(
                "auth",
                f"{self.name} account {self.account.handle!r} has no "
                f"{key!r} setting: add it to the account",
            )
        return value

    @property
    def page_id(self) -> str:
        return self.setting("page_id")

    @property
    def own_ids(self) -> set[str]:
        return {self.page_id}

    # -- HTTP ----------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        # The token goes in a header, never in a URL that could end up in a log or error.
        return {"Authorization": f"Bearer {self.secrets.token}"}

    def _api(self, path: str) -> str:
        return f"/{self.version}/{path.lstrip('/')}"

    def _follow(self, link: str) -> str:
        """A ``paging.next`` link made safe to follow: same host as the account, no token."""
        url, base = httpx.URL(link), httpx.URL(self.base_url)
        if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
            # Following it would send our token to someone else.
            raise ChannelError("broken", f"{self.host()} sent a paging link to another host")
        return str(url.copy_remove_param("access_token"))

    async def _get(self, path: str, params: dict | None = None) -> dict:
        if path.startswith(("http://", "https://")):
            response = await self.request("GET", self._follow(path), headers=self._headers())
        else:
            response = await self.request(
                "GET", self._api(path), params=params, headers=self._headers()
            )
        return self._body(response)

    async def token_check(self, last: TokenCheck | None) -> TokenCheck | None:
        """When the token stops working, from ``debug_token``: the earlier of
        ``expires_at`` (0: the token does not expire) and ``data_access_expires_at`` (past
        it the Page's data cannot be read until the person logs in to the app again). Asked
        once a day, and at every sync once it is within the health bar's warning (a new
        token then clears the warning at once). Graph asks for the token to check in the
        query and a valid token of the same app to ask with: the token itself. The URL never
        reaches a log or an error (they name the host), and the token is masked wherever
        it would be printed."""
        now = self.now()
        if last is not None and now - last.checked_at < TOKEN_CHECK_EVERY_S:
            near = last.expires_at is not None and last.expires_at - now <= TOKEN_WARN_S
            if not near:
                return last
        body = await self._get("debug_token", {"input_token": self.secrets.token})
        data = as_object(body.get("data"))
        ends = [
            value
            for value in (data.get("expires_at"), data.get("data_access_expires_at"))
            if isinstance(value, int) and not isinstance(value, bool) and value > 0
        ]
        return TokenCheck(now, min(ends, default=None))  # None: nothing to warn of

    async def _post(self, path: str, **kwargs) -> dict:
        response = await self.request("POST", self._api(path), headers=self._headers(), **kwargs)
        return self._body(response)

    def _body(self, response: httpx.Response) -> dict:
        body = self.json(response)
        if not isinstance(body, dict):
            raise ChannelError("broken", f"{self.host()} sent JSON that is not an object")
        if "error" in body:  # a 200 carrying an error: classify it like any other
            raise self.classify(response, body) or ChannelError(
                "broken", f"{self.host()} answered with an unknown error"
            )
        return body

    async def _pages(self, path: str, params: dict) -> AsyncIterator[list[dict]]:
        """Each page's ``data`` of an edge, following ``paging.next`` until it is absent."""
        body = await self._get(path, params)
        while True:
            data = body.get("data")
            if not isinstance(data, list):
                raise ChannelError("broken", f"{self.host()} sent a page without a data list")
            entries = [d for d in data if isinstance(d, dict)]
            if len(entries) < len(data):
                self.skip(UNREADABLE, len(data) - len(entries))
            yield entries
            link = (body.get("paging") or {}).get("next")
            if not data or not link:
                return
            body = await self._get(str(link))

    def _time(self, value: Any) -> int:
        try:
            return when.parse_iso(str(value))
        except (TypeError, ValueError):
            raise ChannelError("broken", f"{self.host()} sent an unreadable time") from None

    @staticmethod
    def _id(obj: dict) -> str:
        return str(obj.get("id") or "")

    # -- errors --------------------------------------------------------------------------

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None
        code, sub = _int(error.get("code")), _int(error.get("error_subcode"))
        where = f"{self.host()} error {code}" + (f"/{sub}" if sub else "")
        status = response.status_code
        if code in AUTH_CODES:
            why = TOKEN_SUBCODES.get(sub, "the access token was refused")
            outcome, detail, retry_at = "auth", f"{where}: {why}", None
        elif code in RATE_CODES:
            retry_at = self.usage_retry_at(response)
            outcome, detail = "rate_limited", f"{where}: rate limited until {when.iso(retry_at)}"
        elif code in BLOCKED_CODES:
            outcome, detail, retry_at = "blocked", f"{where}: action temporarily blocked", None
        elif code in DOWN_CODES or error.get("is_transient") is True:
            outcome, detail, retry_at = "down", f"{where}: service temporarily unavailable", None
        elif code == 10 or (code is not None and 200 <= code <= 299):
            # A permission the token lacks: only a new token with the permission fixes it.
            outcome, detail, retry_at = "auth", f"{where}: permission missing", None
        elif code == 100:
            outcome, detail, retry_at = "broken", f"{where}: invalid parameter", None
        else:
            return None
        result = ChannelError(outcome, detail, retry_at=retry_at, status=status, code=code)
        result.subcode = sub  # type: ignore[attr-defined]  # read back by _send_refusal
        return result

    def usage_retry_at(self, response: httpx.Response) -> int:
        """When access comes back: the largest ``estimated_time_to_regain_access`` (minutes)
        in the usage headers, else a default pause."""
        minutes = 0
        for name in (
            "x-business-use-case-usage",
            "x-app-usage",
            "x-page-usage",
            "x-ad-account-usage",
        ):
            raw = response.headers.get(name)
            if not raw:
                continue
            try:
                minutes = max(minutes, _max_regain(json.loads(raw)))
            except (ValueError, TypeError):
                continue
        return self.now() + (minutes * 60 if minutes > 0 else DEFAULT_RATE_WAIT)


class Facebook(FacebookLiker, FacebookReader, _Graph):
    """A Facebook Page: its Messenger inbox and the comments on its posts."""

    name = "facebook"
    platform = "messenger"
    label = "Messenger"

    def _comment_target(self, parent: ItemRow, text: str) -> tuple[str, str]:
        # Facebook threads comments one level deep: a reply to a reply goes under the
        # top-level comment, as the Facebook app does.
        ref, thread = parent.get("parent_ref") or "", parent.get("thread_ref") or ""
        return (ref if ref and ref != thread else parent["external_id"]), text

    async def check(self) -> str:
        page = await self._get(self.page_id, {"fields": "id,name"})
        return sanitize(
            f"Facebook Page {page.get('name') or '?'} ({self._id(page)})", single_line=True
        )


class Instagram(InstagramReader, _Graph):
    """An Instagram professional account: its DMs (through the Page) and media comments."""

    name = "instagram"
    platform = "instagram"
    label = "Instagram"
    reply_edge = "replies"
    find_fields = "id,text,username,from,timestamp"
    find_order: dict = {}  # the replies edge takes no order: it is read whole

    async def _comment_link(self, parent: ItemRow, external_id: str) -> str:
        # Instagram has no comment permalinks: the media's link with the comment, as the
        # items' own links are made (``…/p/CODE/c/ID/``).
        media = str(parent.get("url") or "").split("/c/", 1)[0].rstrip("/")
        return f"{media}/c/{external_id}/" if media.startswith("https://") else ""

    @property
    def ig_user_id(self) -> str:
        return self.setting("ig_user_id")

    @property
    def own_ids(self) -> set[str]:
        return {self.page_id, self.ig_user_id}

    @property
    def username(self) -> str:
        return self.account.handle.lstrip("@").lower()

    def _is_own(self, entry: dict) -> bool:
        sender = as_object(entry.get("from"))
        if self._id(sender):
            return self._id(sender) in self.own_ids
        return str(entry.get("username") or "").lower() == self.username

    def _text(self, entry: dict) -> str:
        return str(entry.get("text") or "")

    def _comment_target(self, parent: ItemRow, text: str) -> tuple[str, str]:
        # Instagram takes replies on top-level comments only: answer a reply under its
        # top-level comment and mention its author, as the Instagram app does.
        ref, thread = parent.get("parent_ref") or "", parent.get("thread_ref") or ""
        if ref and ref != thread:
            handle = str(parent.get("author_handle") or "").lstrip("@")
            if handle and not text.lstrip().startswith("@"):
                text = f"@{handle} {text}"
            return ref, text
        return parent["external_id"], text

    @classmethod
    def cannot_reply(cls, parent: ItemRow) -> str:
        if parent.get("kind") == "mention":  # media the account is tagged in
            return (
                "Instagram's API does not let an account comment on media it is tagged in: "
                "answer it in the Instagram app"
            )
        return ""

    async def precheck(self, parent: ItemRow) -> None:
        if refusal := self.cannot_reply(parent):  # queued by an sfogo that did not ask
            raise HoldReply(refusal)
        await super().precheck(parent)

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        what = {"dm": "direct messages", "mention": "media"}.get(parent["kind"], "comments")
        return f"instagram has no like for {what} in its API"

    async def check(self) -> str:
        user = await self._get(self.ig_user_id, {"fields": "id,username"})
        return sanitize(
            f"Instagram @{user.get('username') or '?'} ({self._id(user)})", single_line=True
        )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _max_regain(value: Any) -> int:
    """The largest ``estimated_time_to_regain_access`` anywhere in a usage header's JSON."""
    if isinstance(value, dict):
        found = _int(value.get("estimated_time_to_regain_access")) or 0
        return max([found] + [_max_regain(v) for v in value.values()])
    if isinstance(value, list):
        return max([0] + [_max_regain(v) for v in value])
    return 0
