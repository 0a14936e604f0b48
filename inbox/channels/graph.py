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
lacks) auth, since only a new token fixes them; 100 broken. When replying, the refusals that
retrying cannot fix hold the reply instead: 10/2018278 (outside the messaging window), 551
(person unavailable), 100 (target gone or content refused), 506 (duplicate). DM replies are
checked against the window in :meth:`precheck`, reading the conversation for the person's last
message, before the platform is asked.

Graph has no idempotency key. Exactly once: a reply that may have got through is looked for
where it would be (the replies to the comment, Facebook's newest first back to the reply's
queue time, Instagram's edge read whole; a DM in the conversation's messages back to the
queue time); past :data:`FIND_PAGES` pages the reply is ``unknown``. Facebook threads are two
levels deep: a reply to a reply goes under the top-level comment. The link of a sent comment
reply is its ``permalink_url`` (Instagram: the media's link with ``/c/ID/``); a message's is
its conversation's.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from .. import when
from ..rows import ItemRow
from ..text import sanitize
from .base import (
    CLOCK_SKEW_S,
    UNREADABLE,
    Channel,
    ChannelError,
    HoldReply,
    LookupUnsure,
    as_object,
)
from .graph_read import PAGE_SIZE, FacebookReader, InstagramReader, web_link

API_VERSION = "v23.0"
# When a rate-limit error carries no estimated_time_to_regain_access, wait this long: the
# app and page limits are computed over a rolling hour, so a short pause is the usual cure.
DEFAULT_RATE_WAIT = 15 * 60
DM_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 24 * 3600
FIND_PAGES = 20  # pages find_reply reads looking for our reply before it gives up

# Error codes (developers.facebook.com/docs/graph-api/guides/error-handling and the
# Messenger Platform error table).
AUTH_CODES = {102, 190}
RATE_CODES = {4, 17, 32, 613} | set(range(80000, 80015))  # 80001 Pages, 80002 IG, 80006 Messenger
BLOCKED_CODES = {368}
DOWN_CODES = {1, 2}
WINDOW_SUBCODES = {2018278, 2018065}  # "This message is sent outside of allowed window"
TOKEN_SUBCODES: dict[int | None, str] = {  # None: an error without a subcode
    458: "the app is not installed",
    459: "the user is checkpointed",
    460: "the password changed",
    463: "the token expired",
    464: "the user is unconfirmed",
    467: "the token is invalid",
    492: "the session is invalid",
}


class _Graph(Channel):
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

    # -- replies -------------------------------------------------------------------------

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        if parent.get("kind") == "dm":
            return await self._send_message(parent, text)
        target, final = self._comment_target(parent, text)
        try:
            body = await self._post(f"{target}/{self.reply_edge}", data={"message": final})
        except ChannelError as exc:
            raise self._send_refusal(exc) from None
        return self._id(body) or _missing("reply id")

    reply_edge = "comments"

    def _comment_target(self, parent: ItemRow, text: str) -> tuple[str, str]:
        """Where a reply to this comment goes, and its final text."""
        return parent["external_id"], text

    async def precheck(self, parent: ItemRow) -> None:
        """A DM may be answered only inside the messaging window: ask the conversation."""
        if parent.get("kind") == "dm":
            await self._dm_target(parent)

    async def _dm_target(self, parent: ItemRow) -> tuple[str, bool]:
        """(the recipient's id, whether the HUMAN_AGENT tag is needed); HoldReply if the
        window has closed. The person's last message is read from the conversation, since
        they may have written again after the message being answered."""
        conv_id = parent.get("thread_ref") or ""
        if not conv_id:
            raise HoldReply("this message has no conversation to answer in")
        conv = await self._get(
            conv_id, {"fields": "participants,messages.limit(25){id,from,created_time}"}
        )
        people = [
            p
            for p in (conv.get("participants") or {}).get("data") or []
            if isinstance(p, dict) and self._id(p) and self._id(p) not in self.own_ids
        ]
        if not people:
            raise HoldReply("cannot tell who to answer in this conversation")
        recipient = self._id(people[0])
        last_in = None
        for message in (conv.get("messages") or {}).get("data") or []:
            if isinstance(message, dict) and self._id(message.get("from") or {}) == recipient:
                last_in = self._time(message.get("created_time"))
                break  # newest first
        if last_in is None and not parent.get("outgoing"):
            last_in = int(parent.get("created_at") or 0)
        human_agent = bool(self.account.settings.get("human_agent"))
        age = self.now() - (last_in or 0)
        if age <= DM_WINDOW:
            return recipient, False
        if human_agent and age <= HUMAN_AGENT_WINDOW:
            return recipient, True
        raise HoldReply(self._window_reason(last_in, human_agent))

    async def _send_message(self, parent: ItemRow, text: str) -> str:
        recipient, tagged = await self._dm_target(parent)
        payload: dict[str, Any] = {
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",
            "message": {"text": text},
        }
        if tagged:
            payload.update(messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT")
        try:
            body = await self._post(f"{self.page_id}/messages", json=payload)
        except ChannelError as exc:
            raise self._send_refusal(exc) from None
        return str(body.get("message_id") or "") or _missing("message id")

    def _window_reason(self, last_in: int | None, human_agent: bool) -> str:
        hours = 7 * 24 if human_agent else 24
        since = (
            f"their last message was at {when.iso(last_in)}"
            if last_in
            else "they have not written in this conversation"
        )
        return (
            f"{self.label} allows replies only within {hours} hours of the person's last "
            f"message and {since}: answer in the app, or wait for them to write again"
        )

    def _send_refusal(self, exc: ChannelError) -> Exception:
        """A refusal retrying cannot fix becomes HoldReply; anything else stays an error."""
        code, sub = exc.code, getattr(exc, "subcode", None)
        if code == 10 and sub in WINDOW_SUBCODES:
            return HoldReply(
                f"{self.label} refused: the reply window for this conversation has "
                f"closed (error 10/{sub})"
            )
        if code == 551:
            return HoldReply(
                f"{self.label} refused: this person is not available for messages "
                "right now (error 551)"
            )
        if code == 100:
            what = (
                "the item no longer exists or is hidden"
                if sub == 33
                else "the platform refused the reply's content or target"
            )
            return HoldReply(f"{self.label} refused: {what} (error 100/{sub or 0})")
        if code == 506:
            return HoldReply(f"{self.label} refused a duplicate post (error 506)")
        return exc

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Ours among the replies to the comment (or the conversation's messages), back to
        when the reply was queued; :class:`LookupUnsure` past :data:`FIND_PAGES` pages."""
        since = (queued_at if queued_at is not None else int(parent.get("created_at") or 0)) - (
            CLOCK_SKEW_S
        )
        if parent.get("kind") == "dm":
            return await self._find_message(parent, text, since)
        target, final = self._comment_target(parent, text)
        params = {"fields": self.find_fields, "limit": 100, **self.find_order}
        pages = 0
        async for entries in self._pages(f"{target}/{self.reply_edge}", params):
            for entry in entries:
                if self._is_own(entry) and _same_text(self._text(entry), final):
                    return self._id(entry)
            pages += 1
            # Newest first (Facebook): past the queue time nothing can be ours.
            if self.find_order and entries and self._created(entries[-1]) < since:
                return None
            if pages >= FIND_PAGES:
                raise LookupUnsure(f"the comment has more than {pages * 100} replies to read")
        return None

    async def _find_message(self, parent: ItemRow, text: str, since: int) -> str | None:
        conv_id = parent.get("thread_ref") or ""
        if not conv_id:
            return None
        pages = 0
        params = {"fields": "id,message,from,created_time", "limit": PAGE_SIZE}
        async for messages in self._pages(f"{conv_id}/messages", params):
            for message in messages:
                if self._time(message.get("created_time")) < since:
                    return None  # newest first: nothing of ours after the queue time
                if self._id(message.get("from") or {}) in self.own_ids and _same_text(
                    message.get("message"), text
                ):
                    return self._id(message)
            pages += 1
            if pages >= FIND_PAGES:
                raise LookupUnsure(f"more than {pages * PAGE_SIZE} messages since it was queued")
        return None

    def _created(self, entry: dict) -> int:
        return self._time(entry.get("created_time") or entry.get("timestamp"))

    async def reply_link(self, parent: ItemRow, external_id: str) -> str:
        """A message's link is its conversation's; a comment's is its permalink."""
        if parent.get("kind") == "dm":
            return str(parent.get("url") or "")
        return await self._comment_link(parent, external_id)

    async def _comment_link(self, parent: ItemRow, external_id: str) -> str:
        body = await self._get(external_id, {"fields": "permalink_url"})
        return web_link(body.get("permalink_url"))

    find_fields = "id,message,from,created_time"
    find_order = {"order": "reverse_chronological"}  # ours is among the newest
    label = "Graph"

    def _text(self, entry: dict) -> str:
        return str(entry.get("message") or "")

    def _is_own(self, entry: dict) -> bool:
        return self._id(entry.get("from") or {}) in self.own_ids


class Facebook(FacebookReader, _Graph):
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


def _same_text(theirs: Any, ours: str) -> bool:
    return " ".join(str(theirs or "").split()) == " ".join(ours.split())


def _missing(what: str):
    raise ChannelError("broken", f"the Graph API sent an item without a {what}")
