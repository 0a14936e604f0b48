"""X (formerly Twitter) through the X API v2: mentions and direct messages in, replies out.

Direct messages: :mod:`.x_dm`.

Mentions: ``GET /2/users/:id/mentions`` with ``since_id`` and ``pagination_token``, always
asking for the author, creation time and conversation fields. Without them (an app whose
access level does not grant them, a proxy that drops them) a post is only ``id``, ``text``
and ``edit_history_tweet_ids``; it still lands: its time is in its id (a snowflake: the id
shifted right by 22 bits is milliseconds since :data:`TWEPOCH_MS`), its author is "unknown",
its thread is itself. Only a post without an id is skipped and counted. A post that replies
to one of ours is kind ``reply``, any other mention kind ``mention``; thread =
``conversation_id``, parent = the ``replied_to`` reference.

Account settings (no secrets):
- ``url``: API base, default ``https://api.x.com``;
- ``user_id``: the account's numeric user id (required);
- ``client_id``: the app's OAuth 2.0 client id (for the refresh token);
- ``token_url``: the token endpoint, default ``URL/2/oauth2/token``.

Credentials: a refresh token (OAuth 2.0 with PKCE and the ``offline.access`` scope) with the
app's client secret for a confidential client, sent with Basic auth; access tokens live two
hours and X rotates the refresh token at every refresh (:mod:`inbox.channels.oauth` keeps
the new one safe). An account with only an access token (``secrets.token``) works until it
expires.

Cursor ``{"since_id": ...}``. X returns mentions newest first and pages *older* with
``pagination_token`` down to ``since_id``. The new ``since_id`` (the first page's
``newest_id``) is handed out only with the fetch's last page; every earlier page carries the
old one. So the pages stream (memory stays one page) and a fetch interrupted half way reads
again from the old ``since_id``: duplicates, never holes. X serves only the 800 most recent
mentions: when a fetch with a ``since_id`` reaches that many, the page says what may be lost.

Replies: ``POST /2/tweets`` with ``reply.in_reply_to_tweet_id``. X has no idempotency key.
Exactly once: a reply that may have got through is looked for in the account's own posts
(``GET /2/users/:id/tweets`` from ``start_time`` = the reply's queue time, every page);
nothing older can be it, so not finding it there is certain, unless the account posted more
than the 3,200 posts that timeline serves since then: the reply is then ``unknown``. The
link of a sent reply is ``https://x.com/i/status/ID``.

Suspension: X can answer 200 with no ``data`` and an ``errors`` entry about the account
itself. We recognise it by the stable machine fields ``resource_type == "user"`` and
``resource_id`` == our user id (``title`` ``Forbidden`` = suspended, ``Not Found Error`` =
deactivated; both mean blocked); never by ``detail`` text. Errors about other resources
(an author who was suspended) are partial errors and are ignored.
"""

from __future__ import annotations

import calendar
import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx

from .. import when
from ..rows import ItemRow
from ..text import sanitize
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
from .likes import XLiker
from .oauth import OAuthClient
from .x_dm import XDirect, dm_link, included_users

PAGE_SIZE = 100
TIMELINE_CAP = 800  # the mentions timeline reaches back this many posts
MAX_PAGES = 2 * TIMELINE_CAP // PAGE_SIZE  # a bound in case next_token never ends
# The user timeline serves an account's 3,200 newest posts, 100 a page: a look-up for a
# reply reads it back to the reply's queue time, or says it cannot.
USER_TIMELINE_CAP = 3200
FIND_PAGES = USER_TIMELINE_CAP // PAGE_SIZE
DEFAULT_RATE_WAIT = 15 * 60  # X's rate-limit windows are 15 minutes
TWEPOCH_MS = 1288834974657  # X's epoch: the snowflake ids count milliseconds from here
TWEET_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"
MENTION_PARAMS = {
    "tweet.fields": TWEET_FIELDS,
    "expansions": "author_id",
    "user.fields": "username,name",
}

# Older numeric codes (v1.1 shape ``{"errors": [{"code", "message"}]}``), still seen.
LEGACY_AUTH = {32, 89, 215}
LEGACY_BLOCKED = {64, 326}
LEGACY_RATE = {88, 185}
LEGACY_DOWN = {130, 131}
LEGACY_DUPLICATE = 187
USAGE_CAPPED = "/problems/usage-capped"
# The app's access level or auth method does not allow the call: new credentials fix it.
AUTH_PROBLEMS = (
    "/problems/client-forbidden",
    "/problems/unsupported-authentication",
    "/problems/oauth1-permissions",
)


class XAuth(OAuthClient):
    """X's OAuth 2.0: the token endpoint on the API's host, a confidential client's secret
    in a Basic header."""

    basic_auth = True
    token_path = "/2/oauth2/token"

    def _headers(self) -> dict[str, str]:
        """Headers of X's own for a request: none. The bearer token is the OAuth hooks'
        (:meth:`authorization`), which every :meth:`request` adds."""
        return {}


class X(XAuth, XDirect, XLiker, Channel):
    name = "x"
    default_url = "https://api.x.com"

    @property
    def user_id(self) -> str:
        value = str(self.account.settings.get("user_id") or "").strip()
        if not value:
            raise ChannelError(
                "auth",
                f"x account {self.account.handle!r} has no 'user_id' "
                "setting: add the account's numeric user id",
            )
        return value

    async def _get(self, path: str, params: dict) -> dict:
        response = await self.request("GET", path, params=params, headers=self._headers())
        body = self.json(response)
        if not isinstance(body, dict):
            raise ChannelError("broken", f"{self.host()} sent JSON that is not an object")
        self._own_account_errors(body)
        return body

    def _own_account_errors(self, body: dict) -> None:
        """Raise 'blocked' when a 200's ``errors`` say our own account is unavailable."""
        for error in body.get("errors") or []:
            if not isinstance(error, dict):
                continue
            if (
                error.get("resource_type") == "user"
                and str(error.get("resource_id") or error.get("value") or "") == self.user_id
            ):
                state = "suspended" if error.get("title") == "Forbidden" else "unavailable"
                raise ChannelError(
                    "blocked",
                    f"{self.host()}: this X account is {state}",
                    status=200,
                    code=str(error.get("type") or "")[:80],
                )

    # -- fetching ------------------------------------------------------------------------

    async def fetch(self, cursor: dict) -> AsyncIterator[Page]:
        old = str((cursor or {}).get("since_id") or "")
        keep = {k: v for k, v in (cursor or {}).items() if k == "dm_since_id"}
        params: dict[str, Any] = {"max_results": PAGE_SIZE, **MENTION_PARAMS}
        if old:
            params["since_id"] = old
        newest = old
        total = 0
        held: list | None = None
        path = f"/2/users/{self.user_id}/mentions"
        for _ in range(MAX_PAGES):
            body = await self._get(path, params)
            meta = as_object(body.get("meta"))
            items = self._items(body)
            if newest == old:  # the first page holds the newest post
                newest = str(meta.get("newest_id") or _newest_id(body) or old)
            total += len(items)
            if held is not None:
                yield Page(held, {**keep, "since_id": old} if old else keep, more=True)
            held = items
            token = meta.get("next_token")
            if not token:  # an empty page may still carry a next_token: follow it
                break
            params["pagination_token"] = str(token)
        lost = ""
        if old and total >= TIMELINE_CAP:
            lost = (
                f"X serves only the {TIMELINE_CAP} most recent mentions; older ones since "
                "the last sync may be missing"
            )
        state = {"since_id": newest} if newest else {}
        async for page in self.with_dms(held or [], state, keep, lost):  # x_dm.py
            yield page

    def _items(self, body: dict) -> list:
        data = body.get("data")
        self.expect(data is None or isinstance(data, list), "page (data is not a list)")
        return self.entries(data or [], self._item, included_users(body))

    def _item(self, post: object, users: dict):
        post = self.need_object(post)
        post_id = str(self.need(post.get("id"), "id"))
        try:
            created = when.parse_iso(str(post["created_at"]))
        except (KeyError, ValueError):
            created = snowflake_time(post_id)  # asked for, yet not sent: the id holds it
        author_id = str(post.get("author_id") or "")
        author = users.get(author_id, {})
        username = str(author.get("username") or "")
        parent = ""
        for ref in post.get("referenced_tweets") or []:
            if isinstance(ref, dict) and ref.get("type") == "replied_to":
                parent = str(ref.get("id") or "")
        to_us = str(post.get("in_reply_to_user_id") or "") == self.user_id
        text = post.get("text")
        return self.item(
            external_id=post_id,
            kind="reply" if parent and to_us else "mention",
            created_at=created,
            # X sends plain text with &, < and > escaped as entities.
            text=html.unescape(str(text)) if text is not None else None,
            author_name=str(author.get("name") or ""),
            author_handle=username,
            url=f"https://x.com/{username or 'i'}/status/{post_id}",
            thread_ref=str(post.get("conversation_id") or post_id),
            parent_ref=parent,
            outgoing=author_id == self.user_id,
        )

    # -- replies -------------------------------------------------------------------------

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        if parent["kind"] == "dm":  # an answer in its conversation: x_dm.py
            return await self.send_dm(parent, text)
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": parent["external_id"]}}
        try:
            response = await self.request(
                "POST", "/2/tweets", json=payload, headers=self._headers()
            )
        except ChannelError as exc:
            if exc.code == LEGACY_DUPLICATE or exc.code == "refused":
                raise HoldReply(exc.detail) from None
            raise
        body = self.json(response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise ChannelError("broken", f"{self.host()} accepted the reply without an id")
        return _sent(data["id"])

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Our reply among the account's own posts since the reply was queued: the whole
        listing from ``start_time``, or :class:`LookupUnsure` when X's timeline (its 3,200
        newest posts) ends before reaching back that far."""
        since = queued_at if queued_at is not None else int(parent.get("created_at") or 0)
        if parent["kind"] == "dm":
            return await self.find_dm(parent, text, since=since)
        params: dict[str, Any] = {
            "since_id": parent["external_id"],
            "start_time": when.iso(max(0, since - CLOCK_SKEW_S)),
            "max_results": PAGE_SIZE,
            "tweet.fields": "referenced_tweets,conversation_id,created_at",
        }
        wanted, read = _comparable(text), 0
        for _ in range(FIND_PAGES):
            body = await self._get(f"/2/users/{self.user_id}/tweets", params)
            for post in body.get("data") or []:
                read += 1
                if isinstance(post, dict) and self._answers(post, parent, wanted):
                    return _sent(post["id"])
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                if read >= USER_TIMELINE_CAP:
                    break
                return None
            params["pagination_token"] = str(token)
        raise LookupUnsure(
            f"X lists only the {USER_TIMELINE_CAP} newest posts of an account, and this "
            "one posted more since the reply was queued"
        )

    @staticmethod
    def _answers(post: dict, parent: ItemRow, wanted: str) -> bool:
        refs = post.get("referenced_tweets") or []
        answers = any(
            isinstance(r, dict)
            and r.get("type") == "replied_to"
            and str(r.get("id")) == str(parent["external_id"])
            for r in refs
        )
        return answers and _comparable(html.unescape(str(post.get("text") or ""))) == wanted

    async def reply_link(self, parent: ItemRow, external_id: str) -> str:
        return dm_link(parent) if parent["kind"] == "dm" else _sent(external_id).link

    async def check(self) -> str:
        body = await self._get("/2/users/me", {"user.fields": "username,name"})
        data = as_object(body.get("data"))
        line = f"X @{data.get('username') or '?'} ({data.get('id') or '?'})"
        if str(data.get("id") or "") != self.user_id:
            line += f": the token belongs to another user than user_id {self.user_id}"
        return sanitize(line, single_line=True)

    # -- errors --------------------------------------------------------------------------

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        status = response.status_code
        where = f"{self.host()} answered {status}"
        if not isinstance(body, dict):
            return None
        legacy = [
            e.get("code")
            for e in body.get("errors") or []
            if isinstance(e, dict) and isinstance(e.get("code"), int)
        ]
        for code in legacy:
            if code in LEGACY_AUTH:
                return ChannelError(
                    "auth", f"{where}: token invalid or expired ({code})", status=status, code=code
                )
            if code in LEGACY_BLOCKED:
                return ChannelError(
                    "blocked",
                    f"{where}: account suspended or locked ({code})",
                    status=status,
                    code=code,
                )
            if code in LEGACY_RATE:
                return ChannelError(
                    "rate_limited",
                    f"{where}: rate limited ({code})",
                    retry_at=self.reset_at(response),
                    status=status,
                    code=code,
                )
            if code in LEGACY_DOWN:
                return ChannelError(
                    "down", f"{where}: over capacity ({code})", status=status, code=code
                )
            if code == LEGACY_DUPLICATE:
                return ChannelError(
                    "broken", "X refused a duplicate post (187)", status=status, code=code
                )
        kind = str(body.get("type") or "")
        if kind.endswith(USAGE_CAPPED):
            retry_at = self.cap_reset_at(body, response)
            return ChannelError(
                "rate_limited",
                f"{where}: usage cap reached "
                f"({sanitize(body.get('period') or '?', single_line=True)[:20]})",
                retry_at=retry_at,
                status=status,
                code=kind[-60:],
            )
        if kind.endswith(AUTH_PROBLEMS):
            return ChannelError(
                "auth",
                f"{where}: the app or token may not make this call",
                status=status,
                code=kind[-60:],
            )
        if status == 429:
            return ChannelError(
                "rate_limited",
                f"{where}: rate limited",
                retry_at=self.reset_at(response),
                status=status,
            )
        if status == 401:
            return ChannelError("auth", f"{where}: token invalid or expired", status=status)
        if status in (400, 403) and response.request.method == "POST":
            # Duplicate content, reply restrictions, a deleted parent: X sends these as 403
            # (or 400 invalid-request) with type about:blank; retrying cannot help, so the
            # outbox holds the reply with X's own words.
            detail = sanitize(body.get("detail") or body.get("title") or "", single_line=True)
            what = "like" if response.request.url.path.endswith("/likes") else "reply"
            return ChannelError(
                "broken",
                f"X refused the {what} ({status}): {detail[:200]}",
                status=status,
                code="refused",
            )
        return None

    def reset_at(self, response: httpx.Response) -> int:
        """The latest reset among the exhausted windows (15-minute, user and app 24-hour)."""
        resets = []
        for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
            reset = self.epoch_header(response, f"{prefix}-reset")
            if reset and response.headers.get(f"{prefix}-remaining", "0").strip() == "0":
                resets.append(reset)
        if not resets:
            reset = self.epoch_header(response, "x-rate-limit-reset")
            resets = [reset] if reset else []
        return max(resets) if resets else self.now() + DEFAULT_RATE_WAIT

    def cap_reset_at(self, body: dict, response: httpx.Response) -> int:
        """A usage cap lifts with its period: the next UTC day or the next month."""
        period = str(body.get("period") or "").lower()
        now = datetime.fromtimestamp(self.now(), UTC)
        if period == "daily":
            return (self.now() // 86400 + 1) * 86400
        if period == "monthly":
            year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
            return calendar.timegm((year, month, 1, 0, 0, 0))
        return max(self.reset_at(response), self.now() + DEFAULT_RATE_WAIT)


def snowflake_time(post_id: str) -> int:
    """The creation time (epoch seconds) an X post id holds; SkipEntry if it holds none."""
    if not post_id.isdigit() or int(post_id) >> 22 == 0:
        raise SkipEntry("no time")
    return ((int(post_id) >> 22) + TWEPOCH_MS) // 1000


def _newest_id(body: dict) -> str:
    """The largest post id of a page, for a page whose ``meta`` says nothing."""
    ids = [
        int(p["id"])
        for p in body.get("data") or []
        if isinstance(p, dict) and str(p.get("id") or "").isdigit()
    ]
    return str(max(ids)) if ids else ""


_URL = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


def _sent(post_id: object) -> Sent:
    """A post id with its link (``/i/status/ID`` needs no user name)."""
    return Sent(str(post_id), f"https://x.com/i/status/{post_id}")


def _comparable(text: str) -> str:
    """Text as X may echo it back: links shortened, reply mentions prefixed."""
    text = _URL.sub("<link>", " ".join(text.split()))
    return _LEADING_MENTIONS.sub("", text)
