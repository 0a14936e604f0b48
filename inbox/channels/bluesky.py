"""Bluesky (AT Protocol): notifications for mentions, replies and quotes; replies as posts.

One session per account: ``createSession`` once, then the access token until it expires
(``ExpiredToken``, sent as 400 or by some proxies as 401), then ``refreshSession`` with the
refresh token; a new login only when the refresh token is dead too (``InvalidToken``,
``ExpiredToken``). The session lives in the :class:`~inbox.channels.base.SessionSlot` that
sync hands over (memory plus a 0600 file), never in the data file. createSession allows
about 30 logins per 5 minutes: logging in per poll would lock the account out.

``listNotifications`` is newest first with a cursor towards older entries and no "since":
:meth:`Channel.newest_first` walks it down to the last entry seen. An entry's order is its
``indexedAt``, else its record's ``createdAt``, else the time in its record key (a TID: 53
bits of microseconds); a record without ``createdAt`` takes ``indexedAt``. Only an entry
without a ``uri``, without any time, or of an unknown reason is skipped and counted; reasons
the inbox does not want (likes, follows) are read past, as progress. Replies are posts,
sent exactly once under a record key of their own: :mod:`inbox.channels.bluesky_reply`.

Direct messages (``chat.bsky.convo.*``, through the PDS with the ``atproto-proxy`` header,
for an app password allowed to use them) are read after the notifications and answered in
their conversation: :mod:`inbox.channels.bluesky_chat`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from .base import Channel, ChannelError, Entry, Page, SkipEntry, as_object
from .bluesky_chat import BlueskyChat
from .bluesky_reply import BlueskyReplier, tid_micros
from .likes import BlueskyLiker

REASONS = ("mention", "reply", "quote")
KIND_OF = {"mention": "mention", "reply": "reply", "quote": "mention"}
# Reasons that are not for the inbox: an older server that ignores ``reasons`` sends them.
OTHER_REASONS = {
    "like",
    "repost",
    "follow",
    "starterpack-joined",
    "verified",
    "unverified",
    "like-via-repost",
    "repost-via-repost",
    "subscribed-post",
}
EARLIEST_MS = 1_672_531_200_000  # 2023-01-01: no Bluesky record is older
PAGE_LIMIT = 100
# Error names that mean the access token (or, on refresh, the refresh token) is unusable.
EXPIRED = {"ExpiredToken"}
INVALID = {"InvalidToken", "AuthenticationRequired"}


def _iso_ms(text: Any) -> int | None:
    """Epoch milliseconds from an ISO time (the sort key of notifications), or None."""
    from datetime import UTC, datetime

    if not isinstance(text, str) or not text.strip():
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def tid_ms(uri: str) -> int | None:
    """The time in a record key that is a TID (:func:`tid_micros`), in epoch milliseconds;
    None when the key is not one or holds no plausible time."""
    ms = tid_micros(uri.rsplit("/", 1)[-1]) // 1000
    return ms if ms >= EARLIEST_MS else None


class Bluesky(BlueskyChat, BlueskyLiker, BlueskyReplier, Channel):
    name = "bluesky"
    default_url = "https://bsky.social"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._session: dict | None = None

    # -- classification --------------------------------------------------------------------

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        status = response.status_code
        name = body.get("error") if isinstance(body, dict) else None
        where = f"{self.host()} answered {status}"
        if status == 429 or name == "RateLimitExceeded":
            reset = self.epoch_header(response, "ratelimit-reset") or self.retry_after(response)
            return ChannelError(
                "rate_limited",
                f"{where}: RateLimitExceeded",
                retry_at=reset,
                status=status,
                code=name,
            )
        if name in ("AccountTakedown", "AccountSuspended"):
            return ChannelError(
                "blocked", f"{where}: {name} (the account is taken down)", status=status, code=name
            )
        if name == "AccountDeactivated":
            return ChannelError("blocked", f"{where}: AccountDeactivated", status=status, code=name)
        if name in EXPIRED or name in INVALID:
            return ChannelError("auth", f"{where}: {name}", status=status, code=name)
        if status >= 500:
            return ChannelError(
                "down",
                f"{where}: {name or 'service unavailable'}",
                status=status,
                retry_at=self.retry_after(response),
                code=name,
            )
        if name:
            return ChannelError("broken", f"{where}: {name}", status=status, code=name)
        return None

    # -- the session -------------------------------------------------------------------------

    def _password(self) -> str:
        return self.secrets.password or self.secrets.token

    def _load_session(self) -> dict | None:
        if self._session is None and self.secrets.session is not None:
            self._session = self.secrets.session.load()
        return self._session

    def _keep(self, body: Any) -> dict:
        self.expect(
            isinstance(body, dict)
            and body.get("accessJwt")
            and body.get("refreshJwt")
            and body.get("did"),
            "session",
        )
        state = body.get("status")
        if state in ("takendown", "suspended", "deactivated"):
            raise ChannelError("blocked", f"{self.host()}: the account is {state}", code=state)
        session = {
            "accessJwt": body["accessJwt"],
            "refreshJwt": body["refreshJwt"],
            "did": body["did"],
            "handle": body.get("handle", ""),
        }
        self._session = session
        if self.secrets.session is not None:
            self.secrets.session.save(session)
        return session

    async def _login(self) -> dict:
        password = self._password()
        if not password:
            raise ChannelError("auth", f"no app password for bluesky:{self.account.handle}")
        identifier = self.account.settings.get("user") or self.account.handle.lstrip("@")
        response = await super().request(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            json={"identifier": identifier, "password": password},
        )
        return self._keep(self.json(response))

    async def _refresh(self, session: dict) -> dict:
        try:
            response = await super().request(
                "POST",
                "/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {session['refreshJwt']}"},
            )
        except ChannelError as exc:
            if exc.code in EXPIRED or exc.code in INVALID:
                self._forget()
                return await self._login()
            raise
        return self._keep(self.json(response))

    def _forget(self) -> None:
        self._session = None
        if self.secrets.session is not None:
            self.secrets.session.save(None)

    async def session(self) -> dict:
        return self._load_session() or await self._login()

    async def xrpc(self, method: str, nsid: str, *, proxy: str = "", **kwargs) -> Any:
        """Call ``nsid`` with the session; refresh once on ExpiredToken, log in again once
        on InvalidToken. Returns the decoded JSON body. With ``proxy`` the PDS forwards the
        call to that service (chat), whose InvalidToken means the password's scope: raised,
        never a new login (bluesky_chat.py)."""
        session = await self.session()
        for attempt in range(3):
            headers = {"Authorization": f"Bearer {session['accessJwt']}"}
            if proxy:
                headers["atproto-proxy"] = proxy
            try:
                response = await super().request(method, f"/xrpc/{nsid}", headers=headers, **kwargs)
            except ChannelError as exc:
                if attempt == 2 or exc.outcome != "auth":
                    raise
                if exc.code in EXPIRED:
                    session = await self._refresh(session)
                elif exc.code in INVALID and not proxy:
                    self._forget()
                    session = await self._login()
                else:
                    raise
                continue
            if not response.content:
                return {}
            return self.json(response)
        raise AssertionError("unreachable")

    # -- reading -----------------------------------------------------------------------------

    def _entry(self, n: Any) -> Entry:
        """One notification: its place in the listing, and its item if the inbox wants it."""
        n = self.need_object(n)
        uri = str(self.need(n.get("uri"), "id"))
        record = as_object(n.get("record"))
        order = _iso_ms(n.get("indexedAt")) or _iso_ms(record.get("createdAt")) or tid_ms(uri)
        if order is None:
            raise SkipEntry("no time")
        if n.get("reason") in REASONS:
            return Entry(uri, order, self._item(n, uri, record, order))
        if n.get("reason") in OTHER_REASONS:
            return Entry(uri, order, None)  # read past: it still marks progress
        raise SkipEntry("unknown type")

    def _item(self, n: dict, uri: str, record: dict, order: int):
        author = as_object(n.get("author"))
        did = uri.removeprefix("at://").split("/", 1)[0]
        handle = str(author.get("handle") or author.get("did") or did)
        reply = as_object(record.get("reply"))
        root = str((reply.get("root") or {}).get("uri") or "")
        parent = str((reply.get("parent") or {}).get("uri") or "") or root
        # createdAt is whatever the author's client wrote (or nothing): the listing's own
        # time stands in, and createdAt may never claim to be later than it.
        created = _iso_ms(record.get("createdAt")) or order
        created = min(created, order + 300_000) // 1000
        text = record.get("text")
        return self.item(
            external_id=uri,
            kind=KIND_OF[n["reason"]],
            created_at=created,
            text=str(text) if text is not None else None,
            author_name=author.get("displayName") or handle,
            author_handle=f"@{handle}" if handle else "",
            url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
            parent_ref=parent,
            thread_ref=root or uri,
        )

    async def _notification_page(self, cursor: str | None) -> tuple[list[Entry], str | None]:
        params = [("reasons", r) for r in REASONS] + [("limit", str(PAGE_LIMIT))]
        if cursor:
            params.append(("cursor", cursor))
        body = await self.xrpc("GET", "app.bsky.notification.listNotifications", params=params)
        notifications = body.get("notifications") if isinstance(body, dict) else None
        if not isinstance(notifications, list):
            raise self.unexpected("notification page")
        entries = [e for e in (self.entry(self._entry, n) for n in notifications) if e]
        next_cursor = body.get("cursor")
        return entries, next_cursor if isinstance(next_cursor, str) and next_cursor else None

    async def fetch(self, cursor: dict) -> AsyncIterator[Page]:
        async for page in self.newest_first(cursor, self._notification_page):
            if page.more:  # a walk left unfinished by this run: the messages wait for it
                yield page
                continue
            async for last in self.with_chat(page):  # bluesky_chat.py
                yield last

    # -- checking ----------------------------------------------------------------------------

    async def check(self) -> str:
        session = await self.session()
        me = await self.xrpc("GET", "app.bsky.actor.getProfile", params={"actor": session["did"]})
        self.expect(isinstance(me, dict) and me.get("handle"), "profile")
        return (
            f"@{me['handle']} on {self.host()} ({me.get('displayName') or me['handle']}): "
            f"{me.get('followersCount', 0)} followers, {me.get('postsCount', 0)} posts; "
            f"{await self.chat_check()}"
        )
