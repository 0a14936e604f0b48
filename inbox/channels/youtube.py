"""YouTube comment threads on a channel's videos (YouTube Data API v3).

Account settings:
  ``channel_id``  the channel (``UC…``) whose comment threads are read; required
  ``url``         the API root, ``https://www.googleapis.com`` by default
  ``auth``        ``oauth`` (default: ``secrets.token`` is an OAuth access token, sent as a
                  bearer token; needed for replies) or ``key`` (``secrets.token`` is an API
                  key sent as ``key=``; reading only)

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
are one level deep). Replies: ``comments.insert`` (50 quota units) with ``parentId`` the
top-level comment. A 403 ``quotaExceeded`` is a rate limit until midnight Pacific time.

YouTube has no idempotency key. Exactly once: a reply that may have got through is looked
for among every reply of its thread (a thread is read whole; past 10,000 replies the reply
is ``unknown``). The link of a sent reply is ``watch?v=VIDEO&lc=ID`` with the thread's video
(from the item's link, else ``commentThreads?id=`` for the thread: a reply may lack
``videoId``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from .. import when
from ..text import sanitize
from .base import Channel, ChannelError, HoldReply, LookupUnsure, Page, Sent

API = "/youtube/v3"
PAGE_SIZE = 100
WATCH_DAYS = 7
WATCH_MAX = 50  # commentThreads?id= takes at most 50 ids
FIND_PAGES = 100  # pages of a thread's replies read looking for ours (10,000 replies)

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


def _video_of(parent: dict) -> str:
    """The video of the item's thread, from its link (``watch?v=VIDEO&lc=…``)."""
    query = parse_qs(urlsplit(str(parent.get("url") or "")).query)
    return (query.get("v") or [""])[0]


def _watch_link(video: str, comment_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else ""


def next_pacific_midnight(now: int) -> int:
    """When the daily quota resets: the next midnight in America/Los_Angeles."""
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo("America/Los_Angeles")
    except Exception:  # no time zone database: Pacific standard time is close enough
        zone = timezone(timedelta(hours=-8))
    local = datetime.fromtimestamp(now, zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    return int(midnight.timestamp())


class YouTube(Channel):
    name = "youtube"
    default_url = "https://www.googleapis.com"

    @property
    def channel_id(self) -> str:
        return self.account.settings.get("channel_id") or ""

    async def _call(self, method: str, path: str, params: dict, **kwargs) -> Any:
        params = dict(params)
        headers = {}
        if self.account.settings.get("auth") == "key":
            params["key"] = self.secrets.token
        elif self.secrets.token:
            headers["Authorization"] = f"Bearer {self.secrets.token}"
        response = await self.request(
            method, f"{API}{path}", params=params, headers=headers, **kwargs
        )
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
            for thread in body.get("items") or []:
                comments = self._comments(thread)
                activity = max(c[1] for c in comments)
                at_high = [cid for cid, ts, _ in comments if ts == high]
                if high is not None and (
                    activity < high or (activity == high and all(cid in seen for cid in at_high))
                ):
                    stop = True  # everything from here on is older than the cursor
                    break
                comments = await self._complete(thread, comments)
                touched.add(thread["id"])
                items += self._new(comments, high, seen, state)
            token = body.get("nextPageToken")
            if token and not stop:
                yield Page(items=items, cursor=old, more=True)
                continue
            items += await self._rewatch(state, touched)
            yield Page(items=items, cursor=self._cursor(state), more=False)
            return

    def _comments(self, thread: dict) -> list[tuple[str, int, dict]]:
        """(id, publishedAt, resource) for the top-level comment and the included replies."""
        try:
            top = thread["snippet"]["topLevelComment"]
            found = [top, *((thread.get("replies") or {}).get("comments") or [])]
            return [(c["id"], when.parse_iso(c["snippet"]["publishedAt"]), c) for c in found]
        except (KeyError, TypeError, ValueError):
            raise ChannelError(
                "broken", f"{self.host()} sent a comment thread without its comment"
            ) from None

    async def _complete(self, thread: dict, comments: list) -> list:
        """All replies of a thread: the list includes only a few of them."""
        total = int((thread.get("snippet") or {}).get("totalReplyCount") or 0)
        if total <= len(comments) - 1:
            return comments
        replies = await self._replies(comments[0][0])
        try:
            return [
                comments[0],
                *((c["id"], when.parse_iso(c["snippet"]["publishedAt"]), c) for c in replies),
            ]
        except (KeyError, TypeError, ValueError):
            raise ChannelError("broken", f"{self.host()} sent a reply without its date") from None

    async def _replies(self, parent_id: str) -> list[dict]:
        replies, token = [], None
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

    def _new(self, comments: list, high: int | None, seen: set, state: dict) -> list:
        """Map the comments newer than the old cursor; move the new high-water mark."""
        items = []
        for cid, ts, resource in comments:
            if high is not None and (ts < high or (ts == high and cid in seen)):
                continue
            items.append(self._map(resource))
            self._advance(state, cid, ts)
        # Watch the thread for replies: its last activity and how many replies it has.
        state["watch"][comments[0][0]] = [max(ts for _, ts, _ in comments), len(comments) - 1]
        return items

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
        for thread in body.get("items") or []:
            since, count = state["watch"].get(thread.get("id"), [0, 0])
            total = int((thread.get("snippet") or {}).get("totalReplyCount") or 0)
            if total <= count:
                continue
            comments = await self._complete(thread, self._comments(thread))
            for cid, ts, resource in comments[1:]:
                if ts > since:
                    items.append(self._map(resource))
                    self._advance(state, cid, ts)
            state["watch"][thread["id"]] = [max(ts for _, ts, _ in comments), len(comments) - 1]
        return items

    @staticmethod
    def _cursor(state: dict) -> dict:
        cursor: dict = {"watch": state["watch"]}
        if state["high"] is not None:
            cursor["newest"] = when.iso(state["high"])
            cursor["ids"] = sorted(state["ids"])
        return cursor

    def _map(self, comment: dict):
        snippet = comment.get("snippet") or {}
        author_id = (snippet.get("authorChannelId") or {}).get("value") or ""
        video = snippet.get("videoId") or ""
        parent = snippet.get("parentId") or ""
        url = (
            f"https://www.youtube.com/watch?v={video}&lc={comment['id']}"
            if video
            else f"https://www.youtube.com/channel/{snippet.get('channelId', '')}"
        )
        return self.item(
            external_id=comment["id"],
            kind="comment",
            created_at=when.parse_iso(snippet["publishedAt"]),
            # plainText was asked for: the text is not HTML (a literal "<b>" stays so).
            text=snippet.get("textDisplay") or snippet.get("textOriginal") or "",
            author_name=snippet.get("authorDisplayName") or "",
            author_handle=author_id or snippet.get("authorDisplayName") or "",
            url=url,
            thread_ref=parent or comment["id"],
            parent_ref=parent,
            outgoing=bool(author_id) and author_id == self.channel_id,
        )

    # -- replying --------------------------------------------------------------------------

    @staticmethod
    def _top(parent: dict) -> str:
        # Replies hang off the top-level comment, whichever comment of the thread we answer.
        return parent.get("thread_ref") or parent["external_id"]

    async def send_reply(
        self, parent: dict, text: str, *, key: str, queued_at: int | None = None
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
        parent: dict,
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
            "maxResults": PAGE_SIZE,
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
        raise LookupUnsure(f"the thread has more than {FIND_PAGES * PAGE_SIZE} replies")

    async def reply_link(self, parent: dict, external_id: str) -> str:
        """``watch?v=VIDEO&lc=ID`` with the thread's video (a reply may not carry it)."""
        body = await self._call(
            "GET", "/commentThreads", {"part": "snippet", "id": self._top(parent)}
        )
        items = body.get("items") or []
        video = (items[0].get("snippet") or {}).get("videoId") if items else ""
        return _watch_link(str(video or ""), external_id)

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
