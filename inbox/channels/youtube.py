"""YouTube comment threads on a channel's videos (YouTube Data API v3).

Account settings:
  ``channel_id``  the channel (``UC…``) whose comment threads are read; required
  ``url``         the API root, ``https://www.googleapis.com`` by default
  ``auth``        ``oauth`` (default: a refresh token with the OAuth client's id and
                  secret, or an access token in ``secrets.token``, sent as a bearer token;
                  needed for replies) or ``key`` (``secrets.token`` is an API key sent as
                  ``key=``; reading only)
  ``client_id``   the OAuth client's id (for the refresh token)
  ``token_url``   Google's token endpoint, ``https://oauth2.googleapis.com/token`` by default

Access tokens live an hour and are refreshed before they expire and after a 401
(:mod:`inbox.channels.oauth`); Google keeps the refresh token (``invalid_grant``: revoked,
or expired: a test-mode app's last seven days).

Reading: ``commentThreads?allThreadsRelatedToChannelId=…&order=time``, newest first, 100 a
page; there is no "since". The cursor keeps the newest ``publishedAt`` seen and the comment
ids at that instant; a fetch stops at the first thread with nothing newer. Because pages
run newest to oldest, an intermediate page carries the *old* cursor and only the last page
carries the new high-water mark: a fetch that fails half-way leaves the cursor where it was
(the pages it did store are re-read next time and deduplicated by id), never past a hole.

New replies to an older thread do not bring it back to the top, so the cursor also
watches the threads active in the last :data:`WATCH_DAYS` days (at most :data:`WATCH_MAX`)
and re-reads them with one ``commentThreads?id=…`` call (1 quota unit) per fetch.

Mapping: kind ``comment``; a top-level comment's ``thread_ref`` is its own id (the thread
id); a reply's ``parent_ref`` and ``thread_ref`` are the top-level comment (YouTube threads
are one level deep).

Partial answers: replies come without ``videoId`` (the thread has it), sometimes without
``parentId`` (the thread is the parent); a top-level comment without its id takes the
thread's (they are the same); a comment without ``publishedAt`` takes ``updatedAt``. A
comment without an id or any time is skipped and counted; a missing author is "unknown".

A 403 ``quotaExceeded`` is a rate limit until midnight Pacific time. Replies, sent exactly
once: :mod:`inbox.channels.youtube_reply`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, NamedTuple

import httpx

from .. import when
from ..rows import ItemRow
from ..text import sanitize
from .base import Channel, ChannelError, Page, SkipEntry, as_object
from .oauth import OAuthClient
from .youtube_reply import HOLD_REASONS, YouTubeReplier

API = "/youtube/v3"
PAGE_SIZE = 100
WATCH_DAYS = 7
WATCH_MAX = 50  # commentThreads?id= takes at most 50 ids

AUTH_REASONS = {
    "authError",
    "invalidCredentials",
    "forbidden",
    "insufficientPermissions",
    "loginRequired",
    "required",
    "youtubeSignupRequired",
    "keyInvalid",
    "accessNotConfigured",
    "authenticatedUserNotChannel",
}
BLOCKED_REASONS = {
    "authenticatedUserAccountSuspended",
    "authenticatedUserAccountClosed",
    "accountSuspended",
    "accountClosed",
    "accountDelegationForbidden",
}
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
DOWN_REASONS = {"backendError", "internalError", "serviceUnavailable"}


class _Comment(NamedTuple):
    """One comment of a thread as read: its id and time ("" and None when not sent)."""

    cid: str
    ts: int | None
    resource: Any
    reply: bool


class _Thread(NamedTuple):
    """A comment thread as read: its id (= the top-level comment's), video and comments."""

    id: str
    video: str
    total: int  # totalReplyCount: the list includes only a few replies
    comments: list[_Comment]

    @property
    def replies(self) -> int:
        return sum(c.reply for c in self.comments)

    def activity(self) -> int | None:
        """The newest time among the comments read (None: none had a time)."""
        return max((c.ts for c in self.comments if c.ts is not None), default=None)


def next_pacific_midnight(now: int) -> int:
    """When the daily quota resets: the next midnight in America/Los_Angeles."""
    try:
        from zoneinfo import ZoneInfo

        zone: tzinfo = ZoneInfo("America/Los_Angeles")
    except Exception:  # no time zone database: Pacific standard time is close enough
        zone = timezone(timedelta(hours=-8))
    local = datetime.fromtimestamp(now, zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    return int(midnight.timestamp())


class YouTube(OAuthClient, YouTubeReplier, Channel):
    name = "youtube"
    default_url = "https://www.googleapis.com"
    default_token_url = "https://oauth2.googleapis.com/token"

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return "youtube has no like for comments in its API"

    @property
    def channel_id(self) -> str:
        return self.account.settings.get("channel_id") or ""

    @property
    def _keyed(self) -> bool:
        """Reading with an API key (``auth=key``), not as the channel's owner."""
        return self.account.settings.get("auth") == "key"

    async def authorization(self) -> dict[str, str]:
        return {} if self._keyed else await super().authorization()

    async def _call(self, method: str, path: str, params: dict, **kwargs) -> Any:
        params = dict(params)
        if self._keyed:
            params["key"] = self.secrets.token
        response = await self.request(method, f"{API}{path}", params=params, **kwargs)
        body = self.json(response)
        if not isinstance(body, dict):
            raise ChannelError("broken", f"{self.host()} sent an answer that is not an object")
        return body

    # -- reading ---------------------------------------------------------------------------

    async def fetch(self, cursor: dict):
        if not self.channel_id:
            raise ChannelError("broken", "the YouTube account has no channel_id setting")
        old = dict(cursor or {})
        high = when.parse_iso(old["newest"]) if old.get("newest") else None
        seen = set(old.get("ids") or [])
        watch = {k: [int(v[0]), int(v[1])] for k, v in (old.get("watch") or {}).items()}
        state = {"high": high, "ids": set(seen), "watch": watch}
        touched: set[str] = set()
        token = None
        while True:
            params = {
                "part": "snippet,replies",
                "allThreadsRelatedToChannelId": self.channel_id,
                "order": "time",
                "maxResults": PAGE_SIZE,
                "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            body = await self._call("GET", "/commentThreads", params)
            items, stop = [], False
            for thread in self._threads(body):
                activity = thread.activity()
                at_high = [c.cid for c in thread.comments if c.ts == high]
                if (
                    high is not None
                    and activity is not None
                    and (activity < high or (activity == high and set(at_high) <= seen))
                ):
                    stop = True  # everything from here on is older than the cursor
                    break
                thread = await self._complete(thread)
                touched.add(thread.id)
                items += self._new(thread, high, seen, state)
            token = body.get("nextPageToken")
            if token and not stop:
                yield Page(items=items, cursor=old, more=True)
                continue
            items += await self._rewatch(state, touched)
            yield Page(items=items, cursor=self._cursor(state), more=False)
            return

    def _threads(self, body: dict) -> list[_Thread]:
        found = body.get("items")
        self.expect(found is None or isinstance(found, list), "page (items is not a list)")
        return [t for t in (self.entry(self._thread, raw) for raw in found or []) if t]

    def _thread(self, raw: Any) -> _Thread:
        """A thread's id, video and the comments it includes; SkipEntry without an id."""
        thread = self.need_object(raw)
        snippet = as_object(thread.get("snippet"))
        top = snippet.get("topLevelComment")
        top_id = top.get("id") if isinstance(top, dict) else None
        thread_id = str(self.need(thread.get("id") or top_id, "id"))
        comments = [_comment(top, reply=False, default_id=thread_id)] if top else []
        included = (thread.get("replies") or {}).get("comments") or []
        comments += [_comment(r, reply=True) for r in included]
        total = int(snippet.get("totalReplyCount") or 0)
        return _Thread(thread_id, str(snippet.get("videoId") or ""), total, comments)

    async def _complete(self, thread: _Thread) -> _Thread:
        """All replies of a thread: the list includes only a few of them."""
        if thread.total <= thread.replies:
            return thread
        replies = [_comment(r, reply=True) for r in await self._replies(thread.id)]
        return thread._replace(comments=[c for c in thread.comments if not c.reply] + replies)

    async def _replies(self, parent_id: str) -> list[dict]:
        replies: list[dict] = []
        token: str | None = None
        while True:
            params = {
                "part": "snippet",
                "parentId": parent_id,
                "maxResults": PAGE_SIZE,
                "textFormat": "plainText",
            }
            if token:
                params["pageToken"] = token
            body = await self._call("GET", "/comments", params)
            replies += body.get("items") or []
            token = body.get("nextPageToken")
            if not token:
                return replies

    def _new(self, thread: _Thread, high: int | None, seen: set, state: dict) -> list:
        """Map the comments newer than the old cursor; move the new high-water mark. A
        comment without a time cannot be placed: it is read (and skipped) with its thread."""
        items = []
        for comment in thread.comments:
            if (
                high is not None
                and comment.ts is not None
                and (comment.ts < high or (comment.ts == high and comment.cid in seen))
            ):
                continue
            item = self.entry(self._map, comment, thread)
            if item is not None:
                items.append(item)
                self._advance(state, item.external_id, item.created_at)
        self._watch(state, thread)
        return items

    @staticmethod
    def _watch(state: dict, thread: _Thread) -> None:
        """Watch the thread for replies: its last activity and how many replies it has."""
        activity = thread.activity()
        if activity is not None:
            state["watch"][thread.id] = [activity, thread.replies]

    @staticmethod
    def _advance(state: dict, cid: str, ts: int) -> None:
        if state["high"] is None or ts > state["high"]:
            state["high"], state["ids"] = ts, {cid}
        elif ts == state["high"]:
            state["ids"].add(cid)

    async def _rewatch(self, state: dict, touched: set[str]) -> list:
        """New replies on recently active threads that this fetch did not reach."""
        horizon = self.now() - WATCH_DAYS * 86400
        watch = {k: v for k, v in state["watch"].items() if v[0] >= horizon}
        state["watch"] = dict(sorted(watch.items(), key=lambda kv: -kv[1][0])[:WATCH_MAX])
        ids = [k for k in state["watch"] if k not in touched]
        if not ids:
            return []
        body = await self._call(
            "GET",
            "/commentThreads",
            {"part": "snippet,replies", "id": ",".join(ids), "textFormat": "plainText"},
        )
        items = []
        for thread in self._threads(body):
            since, count = state["watch"].get(thread.id, [0, 0])
            if thread.total <= count:
                continue
            thread = await self._complete(thread)
            for comment in thread.comments:
                if comment.reply and (comment.ts is None or comment.ts > since):
                    item = self.entry(self._map, comment, thread)
                    if item is not None:
                        items.append(item)
                        self._advance(state, item.external_id, item.created_at)
            self._watch(state, thread)
        return items

    @staticmethod
    def _cursor(state: dict) -> dict:
        cursor: dict = {"watch": state["watch"]}
        if state["high"] is not None:
            cursor["newest"] = when.iso(state["high"])
            cursor["ids"] = sorted(state["ids"])
        return cursor

    def _map(self, comment: _Comment, thread: _Thread):
        snippet = self.need_object(comment.resource).get("snippet")
        snippet = as_object(snippet)
        cid = self.need(comment.cid, "id")
        if comment.ts is None:
            raise SkipEntry("no time")
        author_id = (snippet.get("authorChannelId") or {}).get("value") or ""
        video = snippet.get("videoId") or thread.video  # replies come without it
        parent = (snippet.get("parentId") or thread.id) if comment.reply else ""
        url = (
            f"https://www.youtube.com/watch?v={video}&lc={cid}"
            if video
            else f"https://www.youtube.com/channel/{snippet.get('channelId', '')}"
        )
        # plainText was asked for: the text is not HTML (a literal "<b>" stays so).
        text = snippet.get("textDisplay") or snippet.get("textOriginal")
        if not text and ("textDisplay" in snippet or "textOriginal" in snippet):
            text = ""  # sent, and empty: not the same as not sent
        return self.item(
            external_id=cid,
            kind="comment",
            created_at=comment.ts,
            text=text,
            author_name=snippet.get("authorDisplayName") or "",
            author_handle=author_id or snippet.get("authorDisplayName") or "",
            url=url,
            thread_ref=parent or cid,
            parent_ref=parent,
            outgoing=bool(author_id) and author_id == self.channel_id,
        )

    async def check(self) -> str:
        body = await self._call("GET", "/channels", {"part": "snippet", "id": self.channel_id})
        found = body.get("items") or []
        if not found:
            raise ChannelError("broken", f"YouTube has no channel {self.channel_id!r}")
        title = sanitize(found[0].get("snippet", {}).get("title", "?"), single_line=True)
        return f"channel {title} ({self.channel_id})"

    # -- errors ----------------------------------------------------------------------------

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return None
        reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
        reason = next((r for r in reasons if isinstance(r, str)), None)
        where = f"{self.host()} answered {status} {reason or ''}".rstrip()
        if reason in QUOTA_REASONS:
            return ChannelError(
                "rate_limited",
                f"{where}: the daily quota is spent",
                retry_at=next_pacific_midnight(self.now()),
                status=status,
                code=reason,
            )
        if reason in RATE_REASONS or status == 429:
            return ChannelError(
                "rate_limited",
                where,
                status=status,
                code=reason,
                retry_at=self.retry_after(response) or self.now() + 60,
            )
        if reason in BLOCKED_REASONS:
            return ChannelError("blocked", where, status=status, code=reason)
        if reason in AUTH_REASONS or status == 401:
            return ChannelError("auth", where, status=status, code=reason)
        if reason in DOWN_REASONS or status >= 500:
            return ChannelError(
                "down", where, status=status, code=reason, retry_at=self.retry_after(response)
            )
        if reason in HOLD_REASONS:
            return ChannelError("broken", where, status=status, code=reason)
        return None


def _comment(resource: Any, *, reply: bool, default_id: str = "") -> _Comment:
    """A comment resource with its id and time read where they can be: ``publishedAt``, else
    ``updatedAt`` (the same unless the comment was edited)."""
    if not isinstance(resource, dict):
        return _Comment("", None, resource, reply)
    snippet = as_object(resource.get("snippet"))
    ts = None
    for name in ("publishedAt", "updatedAt"):
        try:
            ts = when.parse_iso(str(snippet[name]))
            break
        except (KeyError, ValueError):
            continue
    return _Comment(str(resource.get("id") or default_id), ts, resource, reply)
