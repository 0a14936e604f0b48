"""A Bluesky (AT Protocol XRPC) emulator: sessions, notifications, threads, posting.

Shapes follow the lexicons: ``com.atproto.server.createSession``/``refreshSession`` (access
tokens expire after two hours and answer ``ExpiredToken``, refresh tokens rotate),
``app.bsky.notification.listNotifications`` newest first with an opaque cursor towards older
entries and no "since", ``app.bsky.feed.getPostThread`` (``NotFound``),
``com.atproto.repo.createRecord``/``getRecord``/``listRecords`` (posts, and like records:
:mod:`.likes`), ``app.bsky.actor.getProfile``.
A record key given to createRecord must be a TID (the post lexicon's key type), and one that
exists is refused as the reference PDS refuses it today: 500 ``InternalServerError`` (a newer
lexicon names the error; a client must not rely on either); getRecord answers 400
``RecordNotFound`` for a key that does not exist. Errors are
``{"error": NAME, "message": ...}``; 429 ``RateLimitExceeded`` carries ``RateLimit-*``
headers with an epoch-seconds reset. createSession is limited to 30 per 5 minutes per
account, like the real service. ``retention`` keeps only the newest N notifications per
account, to show what a stop-at-last-seen listing cannot give back.

The account's own timeline (sfogo's posts watchdog): ``app.bsky.feed.getAuthorFeed``
(``actor``, ``limit`` up to 100, ``cursor`` towards older posts, ``filter`` such as
``posts_no_replies``); a post is confirmed by its record key with ``getRecord``.
Direct messages (``chat.bsky.convo.*`` through the chat proxy): :mod:`.bluesky_chat`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from random import Random

from . import _gen
from .base import Emulator, RateWindow, Request, Response, TimeSource, bearer, json_response
from .bluesky_chat import BlueskyChat
from .likes import BlueskyLikes

ACCESS_TTL = 2 * 3600
REFRESH_TTL = 90 * 86400
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
# A TID's syntax: 13 base32-sortable characters, the first with its top bit clear.
TID_SYNTAX = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def tid(micros: int, clock_id: int = 0) -> str:
    """A record key in the TID format: 53 bits of microseconds, 10 of clock id, base32."""
    value = (micros << 10) | (clock_id & 0x3FF)
    out = []
    for _ in range(13):
        out.append(TID_CHARS[value & 31])
        value >>= 5
    return "".join(reversed(out))


def cid_for(data: str) -> str:
    digest = hashlib.sha256(data.encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    bits = int.from_bytes(digest, "big")
    return "bafyrei" + "".join(alphabet[(bits >> (5 * i)) & 31] for i in range(52))


def error(name: str, message: str, status: int = 400, headers: dict | None = None) -> Response:
    return json_response({"error": name, "message": message}, status, headers)


class BlueskyEmulator(BlueskyChat, BlueskyLikes, Emulator):
    """Bluesky's API on loopback (the module docstring has the routes and faults)."""

    # Long: one platform's whole surface (reading, writing, its queue of scheduled posts, its
    # own error shapes), each route a short method of its own.

    platform = "bluesky"

    def __init__(
        self,
        *,
        clock: TimeSource = None,
        seed: int = 0,
        retention: int | None = None,
        expired_status: int = 400,
    ) -> None:
        super().__init__(clock=clock)
        self.rng = Random(seed)
        self.retention = retention
        self.expired_status = expired_status  # some proxies send ExpiredToken as 401
        self.users: dict[str, dict] = {}  # did -> {did, handle, displayName, password}
        self.access: dict[str, tuple[str, float]] = {}  # token -> (did, expires at)
        self.refresh: dict[str, tuple[str, float]] = {}
        self.takendown: set[str] = set()
        self.posts: dict[str, dict] = {}  # uri -> {uri, cid, did, record, indexedAt}
        self.notifications: dict[str, list[dict]] = {}  # did -> ascending by seq
        self.session_limit = RateWindow(30, 300, self.clock)
        self.create_session_calls = 0
        self.refresh_calls = 0
        self._seq = itertools.count(1)
        self._clock_ids = itertools.count(1)
        self._last_indexed = 0.0
        for method, nsid, handler in (
            ("POST", "com.atproto.server.createSession", self._create_session),
            ("POST", "com.atproto.server.refreshSession", self._refresh_session),
            ("GET", "app.bsky.notification.listNotifications", self._list_notifications),
            ("POST", "app.bsky.notification.updateSeen", self._update_seen),
            ("GET", "app.bsky.feed.getPostThread", self._get_thread),
            ("POST", "com.atproto.repo.createRecord", self._create_record),
            ("GET", "com.atproto.repo.getRecord", self._get_record),
            ("GET", "com.atproto.repo.listRecords", self._list_records),
            ("GET", "app.bsky.actor.getProfile", self._get_profile),
            ("GET", "app.bsky.feed.getAuthorFeed", self._author_feed),
        ):
            self.route(method, rf"/xrpc/{nsid.replace('.', '[.]')}", handler)
        self._route_likes()  # like records: likes.py
        self._route_chat()  # direct messages: bluesky_chat.py

    # -- building the world ----------------------------------------------------------------

    def add_user(self, handle: str, *, password: str | None = None, display_name: str = "") -> str:
        did = "did:plc:" + hashlib.sha1(handle.encode()).hexdigest()[:24]
        self.users[did] = {
            "did": did,
            "handle": handle,
            "displayName": display_name or handle,
            "password": password,
        }
        self.notifications.setdefault(did, [])
        return did

    def did_of(self, handle: str) -> str:
        return next(d for d, u in self.users.items() if u["handle"] == handle)

    def _stranger(self) -> str:
        name, user = _gen.person(self.rng)
        handle = f"{user}.bsky.social"
        did = "did:plc:" + hashlib.sha1(handle.encode()).hexdigest()[:24]
        return did if did in self.users else self.add_user(handle, display_name=name)

    def post(
        self,
        did: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: float | None = None,
        quote: str | None = None,
    ) -> str:
        """Store a post by ``did``; return its at:// uri."""
        ts = self.clock() if at is None else at
        rkey = tid(int(ts * 1_000_000), next(self._clock_ids))
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        record: dict = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": _gen.iso_ms(ts),
            "langs": ["en"],
        }
        if reply_to:
            parent = self.posts[reply_to]
            root = parent["record"].get("reply", {}).get("root") or {
                "uri": parent["uri"],
                "cid": parent["cid"],
            }
            record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
        if quote:
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": quote, "cid": self.posts[quote]["cid"]},
            }
        return self._store_post(did, uri, record, ts)

    def _store_post(self, did: str, uri: str, record: dict, ts: float) -> str:
        # indexedAt is when the service saw the post: it follows arrival, whatever time
        # the author's client wrote in createdAt (backdated history included).
        indexed = max(ts, self._last_indexed + 0.001)
        self._last_indexed = indexed
        cid = cid_for(uri + record["text"])
        self.posts[uri] = {
            "uri": uri,
            "cid": cid,
            "did": did,
            "record": record,
            "indexedAt": indexed,
        }
        return uri

    def _notify(self, owner: str, reason: str, uri: str, subject: str | None) -> None:
        post = self.posts[uri]
        entries = self.notifications[owner]
        entries.append(
            {
                "seq": next(self._seq),
                "uri": uri,
                "reason": reason,
                "reasonSubject": subject,
                "indexedAt": post["indexedAt"],
            }
        )
        if self.retention is not None and len(entries) > self.retention:
            del entries[: len(entries) - self.retention]

    def mention(
        self,
        owner: str,
        *,
        reason: str = "mention",
        text: str | None = None,
        at: float | None = None,
        author: str | None = None,
    ) -> str:
        """Someone mentions, replies to or quotes ``owner``; return the post's uri."""
        author = author or self._stranger()
        me = "@" + self.users[owner]["handle"]
        body = text if text is not None else _gen.sentence(self.rng, me)
        subject = None
        if reason in ("reply", "quote"):
            subject = self.post(
                owner,
                "A post of ours about the new collection",
                at=(self.clock() if at is None else at) - 3600,
            )
        uri = self.post(
            author,
            body,
            at=at,
            reply_to=subject if reason == "reply" else None,
            quote=subject if reason == "quote" else None,
        )
        self._notify(owner, reason, uri, subject)
        return uri

    def add_mentions(
        self,
        owner: str,
        count: int,
        *,
        start: float | None = None,
        spacing: float = 60.0,
        like_every: int = 0,
    ) -> list[str]:
        """``count`` notifications: mentions, replies and quotes in turn; every n-th is
        preceded by a like (a reason the connector does not ask for)."""
        start = self.clock() - count * spacing if start is None else start
        uris = []
        for n in range(count):
            at = start + n * spacing
            if like_every and n % like_every == 0:
                liked = self.post(owner, "Our post", at=at - 1)
                self._notify(owner, "like", liked, None)
            uris.append(self.mention(owner, reason=("mention", "reply", "quote")[n % 3], at=at))
        return uris

    def notification_uris(self, owner: str) -> list[str]:
        with self.lock:
            return [
                n["uri"]
                for n in self.notifications[owner]
                if n["reason"] in ("mention", "reply", "quote")
            ]

    def posts_by(self, did: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posts.values() if p["did"] == did]

    def live_accounts(self, count: int = 1, items: int = 150) -> list[dict]:
        result = []
        for n in range(count):
            handle = f"brand{n + 1}.bsky.social"
            password = f"demo-{secrets.token_hex(4)}-{secrets.token_hex(4)}"
            owner = self.add_user(handle, password=password, display_name=f"Brand {n + 1}")
            self.add_mentions(owner, items, spacing=500, like_every=4)
            result.append(
                {
                    "channel": "bluesky",
                    "handle": handle,
                    "url": self.base_url,
                    "secret": password,
                    "secret_kind": "password",
                    "owner": owner,
                }
            )
        return result

    def add_live_items(self, owner: str, count: int) -> None:
        with self.lock:
            self.add_mentions(owner, count, start=self.clock() - count, spacing=1)

    # -- sessions ----------------------------------------------------------------------------

    def _issue(self, did: str) -> dict:
        now = self.clock()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access[access] = (did, now + ACCESS_TTL)
        self.refresh[refresh] = (did, now + REFRESH_TTL)
        user = self.users[did]
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": user["handle"],
            "did": did,
            "active": True,
            "didDoc": {
                "id": did,
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": self.base_url,
                    }
                ],
            },
        }

    def expire_sessions(self) -> None:
        """Every access token expires now (refresh tokens still work)."""
        with self.lock:
            self.access = {t: (d, 0) for t, (d, _) in self.access.items()}

    def _create_session(self, request: Request) -> Response:
        with self.lock:
            self.create_session_calls += 1
            try:
                body = request.json() or {}
            except ValueError:
                return error("InvalidRequest", "Invalid JSON body")
            identifier = str(body.get("identifier", ""))
            did = next((d for d, u in self.users.items() if identifier in (u["handle"], d)), None)
            allowed, _remaining, reset = self.session_limit.hit(did or identifier)
            if not allowed:
                return self._rate_limited(reset, 30, 300)
            user = self.users.get(did) if did else None
            if (
                did is None
                or user is None
                or not user["password"]
                or body.get("password") != user["password"]
            ):
                return error("AuthenticationRequired", "Invalid identifier or password", 401)
            if did in self.takendown:
                return error("AccountTakedown", "Account has been taken down", 401)
            return json_response(self._issue(did))

    def _refresh_session(self, request: Request) -> Response:
        with self.lock:
            self.refresh_calls += 1
            token = bearer(request)
            entry = self.refresh.pop(token, None) if token else None  # refresh tokens rotate
            if entry is None:
                return error("InvalidToken", "Token could not be verified")
            did, expires = entry
            if expires <= self.clock():
                return error("ExpiredToken", "Token has expired")
            if did in self.takendown:
                return error("AccountTakedown", "Account has been taken down", 401)
            return json_response(self._issue(did))

    def _rate_limited(self, reset: float, limit: int, window: int) -> Response:
        return error(
            "RateLimitExceeded",
            "Rate Limit Exceeded",
            429,
            {
                "RateLimit-Limit": str(limit),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(reset)),
                "RateLimit-Policy": f"{limit};w={window}",
            },
        )

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        if kind == "rate_limited":
            reset = spec.get("reset") or self.clock() + spec.get("seconds", 300)
            return self._rate_limited(reset, 3000, 300)
        if kind == "expired":
            token = bearer(request)
            with self.lock:
                if token in self.access:
                    self.access[token] = (self.access[token][0], 0)
            return error("ExpiredToken", "Token has expired", self.expired_status)
        if kind == "blocked":
            return error("AccountTakedown", "Account has been taken down", 401)
        if kind == "down" and spec.get("json"):
            return error("UpstreamFailure", "Upstream Failure", 502)
        if kind == "malformed":
            return Response(
                200,
                b'{"cursor": "12", "notifications": [{"uri": "at://did:plc:x/ap',
                {"Content-Type": "application/json; charset=utf-8"},
            )
        return super().fault_response(kind, spec, request)

    def _caller(self, request: Request) -> tuple[str | None, Response | None]:
        token = bearer(request)
        if token is None:
            return None, error("AuthenticationRequired", "Authentication Required", 401)
        entry = self.access.get(token)
        if entry is None:
            return None, error("InvalidToken", "Token could not be verified")
        did, expires = entry
        if expires <= self.clock():
            return None, error("ExpiredToken", "Token has expired", self.expired_status)
        if did in self.takendown:
            return None, error("AccountTakedown", "Account has been taken down", 401)
        return did, None

    def _guarded(self, request: Request, handler) -> Response:
        with self.lock:
            did, failure = self._caller(request)
            if failure is not None:
                return failure
            return handler(request, did)

    # -- views -------------------------------------------------------------------------------

    def _profile(self, did: str) -> dict:
        user = self.users[did]
        return {
            "did": did,
            "handle": user["handle"],
            "displayName": user["displayName"],
            "avatar": f"https://cdn.bsky.example/{did}.jpg",
            "labels": [],
            "viewer": {},
            "createdAt": "2023-05-01T10:00:00.000Z",
        }

    def _post_view(self, uri: str) -> dict:
        post = self.posts[uri]
        return {
            "uri": uri,
            "cid": post["cid"],
            "author": self._profile(post["did"]),
            "record": post["record"],
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
            "indexedAt": _gen.iso_ms(post["indexedAt"]),
            "labels": [],
        }

    # -- routes ------------------------------------------------------------------------------

    def _list_notifications(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            reasons = set(r.query.get("reasons", []))
            try:
                limit = min(100, max(1, int(r.arg("limit", "50"))))
                before = int(cursor) if (cursor := r.arg("cursor")) else None
            except ValueError:
                return error("InvalidRequest", "Invalid cursor or limit")
            entries = [
                n
                for n in reversed(self.notifications[did])
                if (not reasons or n["reason"] in reasons)
                and (before is None or n["seq"] < before)
                and n["uri"] in self.posts
            ]
            page = entries[:limit]
            body: dict = {
                "notifications": [
                    {
                        "uri": n["uri"],
                        "cid": self.posts[n["uri"]]["cid"],
                        "author": self._profile(self.posts[n["uri"]]["did"]),
                        "reason": n["reason"],
                        **({"reasonSubject": n["reasonSubject"]} if n["reasonSubject"] else {}),
                        "record": self.posts[n["uri"]]["record"],
                        "isRead": False,
                        "indexedAt": _gen.iso_ms(n["indexedAt"]),
                        "labels": [],
                    }
                    for n in page
                ],
                "priority": False,
            }
            if page:  # a cursor comes with every non-empty page, even the last
                body["cursor"] = str(page[-1]["seq"])
            return json_response(body)

        return self._guarded(request, handle)

    def _update_seen(self, request: Request) -> Response:
        return self._guarded(request, lambda r, did: Response(200, b"", {}))

    def _get_thread(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            uri = r.arg("uri") or ""
            if uri not in self.posts:
                return error("NotFound", f"Post not found: {uri}")
            return json_response(
                {
                    "thread": {
                        "$type": "app.bsky.feed.defs#threadViewPost",
                        "post": self._post_view(uri),
                        "replies": [],
                    }
                }
            )

        return self._guarded(request, handle)

    def _create_record(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            try:
                body = r.json() or {}
            except ValueError:
                return error("InvalidRequest", "Invalid JSON body")
            if body.get("repo") not in (did, self.users[did]["handle"]):
                return error("InvalidRequest", "Input/repo must be the authenticated account")
            record = body.get("record")
            now = self.clock()
            rkey = body.get("rkey") or tid(int(now * 1_000_000), next(self._clock_ids))
            if not isinstance(rkey, str) or not TID_SYNTAX.match(rkey):
                return error("InvalidRequest", "Invalid record key: the collection needs a TID")
            if body.get("collection") == "app.bsky.feed.like":
                return self._create_like(did, record, rkey)
            if body.get("collection") != "app.bsky.feed.post" or not isinstance(record, dict):
                return error("InvalidRequest", "Unsupported collection or record")
            text = record.get("text")
            if not isinstance(text, str) or len(text) > 300:
                return error("InvalidRecord", "Record/text must not be longer than 300 graphemes")
            reply = record.get("reply")
            if reply is not None:
                for part in ("root", "parent"):
                    ref = reply.get(part) if isinstance(reply, dict) else None
                    if (
                        not isinstance(ref, dict)
                        or ref.get("uri") not in self.posts
                        or self.posts[ref["uri"]]["cid"] != ref.get("cid")
                    ):
                        return error("InvalidRequest", f"Record/reply/{part} is not a strong ref")
            uri = f"at://{did}/app.bsky.feed.post/{rkey}"
            if uri in self.posts:
                return error("InternalServerError", "Internal Server Error", 500)
            self._store_post(did, uri, dict(record), now)
            return json_response(
                {
                    "uri": uri,
                    "cid": self.posts[uri]["cid"],
                    "commit": {"cid": cid_for(uri), "rev": rkey},
                    "validationStatus": "valid",
                }
            )

        return self._guarded(request, handle)

    def _get_record(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            repo = r.arg("repo")
            owner = next((d for d, u in self.users.items() if repo in (d, u["handle"])), None)
            if owner is None:
                return error("InvalidRequest", "Could not find repo")
            uri = f"at://{owner}/{r.arg('collection')}/{r.arg('rkey')}"
            post = self.posts.get(uri) or self.like_records.get(uri)
            if post is None:
                return error("RecordNotFound", f"Could not locate record: {uri}")
            return json_response({"uri": uri, "cid": post["cid"], "value": post["record"]})

        return self._guarded(request, handle)

    def _list_records(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            repo = r.arg("repo")
            owner = next((d for d, u in self.users.items() if repo in (d, u["handle"])), None)
            if owner is None:
                return error("InvalidRequest", "Could not find repo")
            limit = min(100, max(1, int(r.arg("limit", "50"))))
            mine = sorted(
                (p for p in self.posts.values() if p["did"] == owner),
                key=lambda p: p["uri"].rsplit("/", 1)[1],
                reverse=True,
            )
            cursor = r.arg("cursor")
            if cursor:
                mine = [p for p in mine if p["uri"].rsplit("/", 1)[1] < cursor]
            page = mine[:limit]
            body: dict = {
                "records": [{"uri": p["uri"], "cid": p["cid"], "value": p["record"]} for p in page]
            }
            if len(page) == limit:
                body["cursor"] = page[-1]["uri"].rsplit("/", 1)[1]
            return json_response(body)

        return self._guarded(request, handle)

    def _get_profile(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            actor = r.arg("actor")
            target = next((d for d, u in self.users.items() if actor in (d, u["handle"])), None)
            if target is None:
                return error("InvalidRequest", "Profile not found")
            return json_response(
                {
                    **self._profile(target),
                    "followersCount": 1234,
                    "followsCount": 321,
                    "postsCount": len(self.posts_by(target)),
                }
            )

        return self._guarded(request, handle)

    # -- the account's own timeline ------------------------------------------------------------

    def _author_feed(self, request: Request) -> Response:
        def handle(r: Request, did: str) -> Response:
            actor = r.arg("actor")
            owner = next((d for d, u in self.users.items() if actor in (d, u["handle"])), None)
            if owner is None:
                return error("InvalidRequest", "Profile not found")
            try:
                limit = min(100, max(1, int(r.arg("limit", "50"))))
            except ValueError:
                return error("InvalidRequest", "Invalid limit")
            mine = sorted(
                (p for p in self.posts.values() if p["did"] == owner),
                key=lambda p: p["indexedAt"],
                reverse=True,
            )
            if r.arg("filter") in ("posts_no_replies", "posts_and_author_threads"):
                mine = [p for p in mine if "reply" not in p["record"]]
            cursor = r.arg("cursor")
            if cursor:
                mine = [p for p in mine if _gen.iso_ms(p["indexedAt"]) < cursor]
            page = mine[:limit]
            body: dict = {"feed": [{"post": self._post_view(p["uri"])} for p in page]}
            if len(page) == limit:
                body["cursor"] = _gen.iso_ms(page[-1]["indexedAt"])
            return json_response(body)

        return self._guarded(request, handle)
