"""The X API v2 on loopback: one account, its mentions, its replies.

Routes, answering like api.x.com:
- ``GET /2/users/:id/mentions`` and ``GET /2/users/:id/tweets``: newest first, ``since_id``,
  ``until_id``, ``pagination_token`` (opaque, pages older), ``max_results`` 5..100 (else 400
  invalid-request). Only the mentions timeline's ``cap`` most recent posts are served (800 on
  X). Without ``tweet.fields`` a post is ``id``, ``text``, ``edit_history_tweet_ids``; with
  ``expansions=author_id`` the authors come in ``includes.users`` (``user.fields``). Response
  ``{data?, includes?, errors?, meta{result_count, newest_id?, oldest_id?, next_token?}}``;
  text has ``&``, ``<``, ``>`` escaped as entities, as X sends it.
- ``GET /2/users/me``. The account's own timeline, ``/2/users/:id/tweets``, also takes
  ``exclude=replies`` and ``start_time`` (ISO 8601).
- ``POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}}`` → 201 ``{"data": {"id",
  "text", "edit_history_tweet_ids"}}``; the same text twice from the account → 403 about:blank
  "duplicate content"; a missing parent → 400 invalid-request; more than ``post_cap`` posts per
  24 hours → 429 with ``x-user-limit-24hour-remaining: 0``.

- ``POST /2/oauth2/token`` with ``grant_type=refresh_token``: the refresh tokens of
  the emulator's ``oauth`` (:mod:`.oauth`: access tokens live two hours on the emulator's
  clock; every refresh answers a new refresh token and spends the old one). A request with
  an access token that expired or was never given: 401 ``Unauthorized``.

Every answer carries ``x-rate-limit-limit/remaining/reset`` (15-minute windows per endpoint,
epoch seconds); running out gives 429. Errors are problem objects ``{title, detail, type,
status}``. Faults: ``rate_limited`` (429; ``capped=True`` for the usage-capped problem with
``period``; ``legacy=88`` for the old shape), ``expired`` (401, or ``legacy=89``), ``blocked``
(GETs about the account: a 200 whose ``errors`` say "User has been suspended"; POSTs: 403
with legacy code 64, or ``legacy=326``), ``down`` (503 HTML, or ``legacy=130`` JSON),
``malformed``, ``slow``, ``reset``.

Likes: :mod:`.likes`; direct messages: :mod:`.x_dm`. Tests add posts with
:meth:`add_mention`, mark an author suspended with :meth:`suspend_author` (a partial error in
``includes``), and move time with :meth:`set_time`.
"""

from __future__ import annotations

import base64
import random
import secrets
from datetime import UTC, datetime

from .base import Emulator, RateWindow, Request, Response, TimeSource, bearer, json_response
from .likes import XLikes
from .oauth import X_REFUSALS, TokenIssuer
from .x_dm import XDirectMessages

ME_ID = "1500000000000000001"
TWEPOCH_MS = 1288834974657
WINDOW = 15 * 60
USER_TIMELINE_CAP = 3200  # GET /2/users/:id/tweets serves an account's newest 3,200 posts
PROBLEMS = "https://api.twitter.com/2/problems/"
DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER_FIELDS = ("id", "name", "username")

NAMES = ["Giulia", "Marco", "Aisha", "Tomás", "Yuki", "Priya", "Lars", "Chiara", "Omar", "Sofia"]
LINES = [
    "is the terrace open tonight?",
    "best carbonara in town & no contest",
    "booked for Friday, can we bring a dog?",
    "your site says <closed> on Monday?",
    "thanks for the lovely evening",
    "still waiting on a refund",
    "gluten free options?",
]
HOSTILE = ["hey \x1b]52;c;cGF5bG9hZA==\x07 copied", "\u202etxt.exe", "[@click=app.quit]x[/]"]


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _token(post_id: str) -> str:
    return base64.b32encode(post_id.encode()).decode().rstrip("=").lower()


def _untoken(token: str) -> str | None:
    try:
        raw = token.upper() + "=" * (-len(token) % 8)
        value = base64.b32decode(raw).decode()
        return value if value.isdigit() else None
    except (ValueError, UnicodeDecodeError):
        return None


def problem(status: int, title: str, detail: str, kind: str = "about:blank", **extra) -> dict:
    return {"title": title, "detail": detail, "type": kind, "status": status, **extra}


class XEmulator(XDirectMessages, XLikes, Emulator):
    """X's API on loopback (the module docstring has the routes and faults)."""

    # Long: one platform's whole surface (reading, writing, its queue of scheduled posts, its
    # own error shapes), each route a short method of its own.

    platform = "x"

    def __init__(
        self,
        *,
        clock: TimeSource = None,
        seed: int = 11,
        token: str = "x-token",
        mentions: int = 250,
        cap: int = 800,
        post_cap: int = 100,
        limits: dict | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self.token = token
        self.cap = cap
        self.post_cap = post_cap
        self.rng = random.Random(seed)
        limits = {
            "mentions": 450,
            "tweets": 900,
            "post": 200,
            "me": 75,
            "likes": 50,
            "dm_events": 300,
            "dm_post": 200,
            **(limits or {}),
        }
        self.windows = {
            name: RateWindow(limit, WINDOW, lambda: self.clock()) for name, limit in limits.items()
        }
        self._posted: list[int] = []  # times of our posts, for the 24-hour cap
        self._seq = 0
        self.users: dict[str, dict] = {}
        self.suspended_authors: set[str] = set()
        self.tweets: dict[str, dict] = {}
        self.me = self._user(ME_ID, "trattoria_sfogo", "Trattoria Sfogo")
        self._generate(mentions)
        self.route("GET", r"/2/users/me", self._get_me)
        self.route("GET", r"/2/users/(?P<id>\d+)/mentions", self._get_mentions)
        self.route("GET", r"/2/users/(?P<id>\d+)/tweets", self._get_tweets)
        self.route("POST", r"/2/tweets", self._post_tweet)
        self._route_likes()  # likes.py
        self._route_dms()  # direct messages: x_dm.py
        # OAuth 2.0 with PKCE: access tokens live two hours, refresh tokens rotate.
        self.oauth = TokenIssuer(
            lambda: self.clock(),
            lifetime=7200,
            rotate=True,
            refusals=X_REFUSALS,
            basic_auth=True,
            scope="tweet.read tweet.write users.read offline.access",
        )
        self.route("POST", r"/2/oauth2/token", self._post_token)

    def now(self) -> int:
        return int(self.clock())

    def set_time(self, ts: float) -> None:
        self.clock = lambda: ts

    # -- data ----------------------------------------------------------------------------

    def _user(self, user_id: str, username: str, name: str) -> dict:
        user = {"id": user_id, "username": username, "name": name}
        self.users[user_id] = user
        return user

    def _snowflake(self, at: int) -> str:
        """Time-ordered ids, like X's: milliseconds since the X epoch, then a sequence."""
        self._seq += 1
        return str(((at * 1000 - TWEPOCH_MS) << 22) | (self._seq & 0x3FFFFF))

    def _post(self, author: str, text: str, at: int, reply_to: str | None = None) -> dict:
        post_id = self._snowflake(at)
        parent = self.tweets.get(reply_to) if reply_to else None
        post = {
            "id": post_id,
            "text": text,
            "author_id": author,
            "created": at,
            "conversation_id": parent["conversation_id"] if parent else post_id,
            "in_reply_to_user_id": parent["author_id"] if parent else None,
            "replied_to": reply_to,
        }
        self.tweets[post_id] = post
        return post

    def _generate(self, count: int) -> None:
        now, rng = self.now(), self.rng
        authors = [
            self._user(str(2000 + i), f"{n.lower()}{i}", f"{n} {i}")
            for i, n in enumerate(NAMES * 4)
        ]
        ours = [
            self._post(ME_ID, f"Tonight's special #{i}", now - (20 - i) * 86400) for i in range(12)
        ]
        times = sorted(rng.randint(now - 14 * 86400, now - 60) for _ in range(count))
        for at in times:
            author = rng.choice(authors)
            line = rng.choice(HOSTILE) if rng.random() < 0.05 else rng.choice(LINES)
            earlier = [p for p in ours if p["created"] < at]
            if earlier and rng.random() < 0.4:
                self._post(
                    author["id"],
                    f"@{self.me['username']} {line}",
                    at,
                    reply_to=rng.choice(earlier)["id"],
                )
            else:
                self._post(author["id"], f"@{self.me['username']} {line}", at)

    def add_mention(
        self,
        text: str,
        *,
        author: str | None = None,
        at: int | None = None,
        reply_to: str | None = None,
    ) -> str:
        """A new post mentioning the account; ``author`` is a username (created if new)."""
        at = self.now() if at is None else at
        user = None
        if author:
            user = next((u for u in self.users.values() if u["username"] == author), None)
            user = user or self._user(str(3000 + len(self.users)), author, author.title())
        else:
            user = self.rng.choice([u for u in self.users.values() if u["id"] != ME_ID])
        if f"@{self.me['username']}" not in text:
            text = f"@{self.me['username']} {text}"
        return self._post(user["id"], text, at, reply_to=reply_to)["id"]

    def suspend_author(self, user_id: str) -> None:
        self.suspended_authors.add(user_id)

    def mentions(self) -> list[dict]:
        """The mentions timeline: newest first, only the ``cap`` most recent."""
        tag = f"@{self.me['username']}".lower()
        found = [
            t for t in self.tweets.values() if t["author_id"] != ME_ID and tag in t["text"].lower()
        ]
        return sorted(found, key=lambda t: int(t["id"]), reverse=True)[: self.cap]

    def replies_by_me(self) -> list[dict]:
        return [t for t in self.tweets.values() if t["author_id"] == ME_ID and t["replied_to"]]

    # -- the live demo (``sfogo demo --live``) --------------------------------------------

    def live_accounts(self) -> list[dict]:
        """The account whose mentions were generated, with a user access token made up now
        and given only to this process."""
        self.token = secrets.token_urlsafe(40)
        return [
            {
                "channel": "x",
                "handle": "@" + self.me["username"],
                "url": self.base_url,
                "secret": self.token,
                "secret_kind": "token",
                "owner": ME_ID,
                "settings": {"user_id": ME_ID},
            }
        ]

    def add_live_items(self, owner: str, count: int) -> None:
        """``count`` new mentions now, some of them replies to our posts."""
        with self.lock:
            ours = [
                t["id"]
                for t in self.tweets.values()
                if t["author_id"] == ME_ID and not t["replied_to"]
            ]
            for _ in range(count):
                reply_to = self.rng.choice(ours) if ours and self.rng.random() < 0.4 else None
                self.add_mention(self.rng.choice(LINES), reply_to=reply_to)

    def live_item_ids(self, owner: str) -> set[str]:
        """Ids of the mentions timeline: what a complete sync holds."""
        with self.lock:
            return {t["id"] for t in self.mentions()}

    # -- rendering -----------------------------------------------------------------------

    def _render(self, post: dict, fields: list[str]) -> dict:
        full = {
            "id": post["id"],
            "text": _escape(post["text"]),
            "edit_history_tweet_ids": [post["id"]],
            "created_at": iso(post["created"]),
            "author_id": post["author_id"],
            "conversation_id": post["conversation_id"],
        }
        if post["in_reply_to_user_id"]:
            full["in_reply_to_user_id"] = post["in_reply_to_user_id"]
        if post["replied_to"]:
            full["referenced_tweets"] = [{"type": "replied_to", "id": post["replied_to"]}]
        return {k: v for k, v in full.items() if k in fields}

    @staticmethod
    def _list(request: Request, name: str, default: tuple) -> list[str]:
        value = request.arg(name)
        return list(default) + (value.split(",") if value else [])

    def _timeline(
        self, request: Request, posts: list[dict], headers: dict, *, allow_errors: bool
    ) -> Response:
        try:
            max_results = int(request.arg("max_results", "10"))
        except ValueError:
            max_results = -1
        if not 5 <= max_results <= 100:
            return self._answer(
                problem(
                    400,
                    "Invalid Request",
                    "One or more parameters to your request was invalid.",
                    PROBLEMS + "invalid-request",
                    errors=[
                        {
                            "parameters": {"max_results": [request.arg("max_results")]},
                            "message": "The `max_results` query parameter value is not between "
                            "5 and 100",
                        }
                    ],
                ),
                headers,
            )
        since, until = request.arg("since_id"), request.arg("until_id")
        if since:
            posts = [p for p in posts if int(p["id"]) > int(since)]
        if until:
            posts = [p for p in posts if int(p["id"]) < int(until)]
        start = request.arg("start_time")
        if start:
            try:
                oldest = datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return self._answer(
                    problem(
                        400, "Invalid Request", "Invalid start_time", PROBLEMS + "invalid-request"
                    ),
                    headers,
                )
            posts = [p for p in posts if p["created"] >= oldest]
        token = request.arg("pagination_token")
        if token:
            below = _untoken(token)
            if below is None:
                return self._answer(
                    problem(
                        400,
                        "Invalid Request",
                        "One or more parameters to your request was invalid.",
                        PROBLEMS + "invalid-request",
                    ),
                    headers,
                )
            posts = [p for p in posts if int(p["id"]) < int(below)]
        chunk = posts[:max_results]
        fields = self._list(request, "tweet.fields", DEFAULT_TWEET_FIELDS)
        body: dict = {}
        meta: dict = {"result_count": len(chunk)}
        if chunk:
            body["data"] = [self._render(p, fields) for p in chunk]
            meta.update(newest_id=chunk[0]["id"], oldest_id=chunk[-1]["id"])
            if len(posts) > max_results:
                meta["next_token"] = _token(chunk[-1]["id"])
        if "author_id" in (request.arg("expansions") or "").split(",") and chunk:
            user_fields = self._list(request, "user.fields", DEFAULT_USER_FIELDS)
            users, errors = [], []
            for author in dict.fromkeys(p["author_id"] for p in chunk):
                if author in self.suspended_authors:
                    errors.append(self._suspended(author, "author_id", section="includes"))
                else:
                    users.append({k: v for k, v in self.users[author].items() if k in user_fields})
            if users:
                body["includes"] = {"users": users}
            if errors and allow_errors:
                body["errors"] = errors
        body["meta"] = meta
        return self._answer(body, headers, 200)

    @staticmethod
    def _suspended(user_id: str, parameter: str, **extra) -> dict:
        return {
            "value": user_id,
            "detail": f"User has been suspended: [{user_id}].",
            "title": "Forbidden",
            "resource_type": "user",
            "parameter": parameter,
            "resource_id": user_id,
            "type": PROBLEMS + "resource-not-found",
            **extra,
        }

    # -- rate limits ---------------------------------------------------------------------

    def _guard(self, request: Request, endpoint: str) -> tuple[Response | None, dict]:
        """Auth, then the endpoint's 15-minute window: (an error response or None, headers)."""
        token = bearer(request)
        if token is None or (token != self.token and not self.oauth.valid(token)):
            return json_response(problem(401, "Unauthorized", "Unauthorized"), 401), {}
        window = self.windows[endpoint]
        allowed, remaining, reset = window.hit(token)
        headers = {
            "x-rate-limit-limit": str(window.limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
        }
        if not allowed:
            return json_response(
                problem(429, "Too Many Requests", "Too Many Requests"), 429, headers
            ), headers
        return None, headers

    @staticmethod
    def _answer(body: dict, headers: dict, status: int | None = None) -> Response:
        return json_response(body, status or body.get("status", 200), headers)

    # -- handlers ------------------------------------------------------------------------

    def _post_token(self, request: Request) -> Response:
        with self.lock:
            return self.oauth.answer(request)

    def _get_me(self, request: Request) -> Response:
        with self.lock:
            refused, headers = self._guard(request, "me")
            if refused:
                return refused
            fields = self._list(request, "user.fields", DEFAULT_USER_FIELDS)
            return self._answer(
                {"data": {k: v for k, v in self.me.items() if k in fields}}, headers, 200
            )

    def _get_mentions(self, request: Request) -> Response:
        with self.lock:
            refused, headers = self._guard(request, "mentions")
            if refused:
                return refused
            user_id = request.params["id"]
            if user_id not in self.users:
                return self._answer(
                    {
                        "errors": [
                            {
                                "value": user_id,
                                "detail": f"Could not find user with id: [{user_id}].",
                                "title": "Not Found Error",
                                "resource_type": "user",
                                "parameter": "id",
                                "resource_id": user_id,
                                "type": PROBLEMS + "resource-not-found",
                            }
                        ]
                    },
                    headers,
                    200,
                )
            posts = self.mentions() if user_id == ME_ID else []
            return self._timeline(request, posts, headers, allow_errors=True)

    def _get_tweets(self, request: Request) -> Response:
        with self.lock:
            refused, headers = self._guard(request, "tweets")
            if refused:
                return refused
            user_id = request.params["id"]
            excluded = set((request.arg("exclude") or "").split(","))
            posts = sorted(
                (t for t in self.tweets.values() if t["author_id"] == user_id),
                key=lambda t: int(t["id"]),
                reverse=True,
            )
            # The user timeline reaches back only this many posts, whatever the filters
            # (``start_time`` is applied by _timeline, within them).
            posts = [
                t
                for t in posts[:USER_TIMELINE_CAP]
                if not ("replies" in excluded and t["replied_to"])
            ]
            return self._timeline(request, posts, headers, allow_errors=False)

    def _post_tweet(self, request: Request) -> Response:
        with self.lock:
            refused, headers = self._guard(request, "post")
            if refused:
                return refused
            invalid = problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                PROBLEMS + "invalid-request",
            )
            try:
                payload = request.json() or {}
            except ValueError:
                return self._answer(invalid, headers)
            text = str(payload.get("text") or "")
            if not text or len(text) > 280:
                return self._answer(invalid, headers)
            now = self.now()
            self._posted = [t for t in self._posted if t > now - 86400]
            day_reset = (self._posted[0] if self._posted else now) + 86400
            headers.update(
                {
                    "x-user-limit-24hour-limit": str(self.post_cap),
                    "x-user-limit-24hour-remaining": str(max(0, self.post_cap - len(self._posted))),
                    "x-user-limit-24hour-reset": str(day_reset),
                }
            )
            if len(self._posted) >= self.post_cap:
                return self._answer(problem(429, "Too Many Requests", "Too Many Requests"), headers)
            if any(t["author_id"] == ME_ID and t["text"] == text for t in self.tweets.values()):
                return self._answer(
                    problem(
                        403,
                        "Forbidden",
                        "You are not allowed to create a Tweet with duplicate content.",
                    ),
                    headers,
                )
            reply_to = str((payload.get("reply") or {}).get("in_reply_to_tweet_id") or "")
            if reply_to and reply_to not in self.tweets:
                invalid["errors"] = [
                    {
                        "parameters": {"reply.in_reply_to_tweet_id": [reply_to]},
                        "message": "The tweet you are replying to does not exist",
                    }
                ]
                return self._answer(invalid, headers)
            post = self._post(ME_ID, text, now, reply_to=reply_to or None)
            self._posted.append(now)
            headers["x-user-limit-24hour-remaining"] = str(self.post_cap - len(self._posted))
            return self._answer(
                {
                    "data": {
                        "id": post["id"],
                        "text": _escape(text),
                        "edit_history_tweet_ids": [post["id"]],
                    }
                },
                headers,
                201,
            )

    # -- faults --------------------------------------------------------------------------

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        legacy = spec.get("legacy")
        if kind == "rate_limited":
            reset = self.now() + spec.get("seconds", 600)
            headers = {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            }
            if spec.get("capped"):
                period = spec.get("period", "Monthly")
                body = problem(
                    429,
                    "UsageCapExceeded",
                    f"Usage cap exceeded: {period} product cap",
                    PROBLEMS + "usage-capped",
                    period=period,
                    scope="Product",
                )
                return json_response(body, 429, headers)
            if legacy:
                return json_response(
                    {"errors": [{"code": legacy, "message": "Rate limit exceeded"}]}, 429, headers
                )
            return json_response(
                problem(429, "Too Many Requests", "Too Many Requests"), 429, headers
            )
        if kind == "expired":
            if legacy:
                return json_response(
                    {"errors": [{"code": legacy, "message": "Invalid or expired token."}]}, 401
                )
            return json_response(problem(401, "Unauthorized", "Unauthorized"), 401)
        if kind == "blocked":
            if request.method == "GET" and not legacy:
                return json_response({"errors": [self._suspended(ME_ID, "id")]})
            code = legacy or 64
            return json_response(
                {
                    "errors": [
                        {
                            "code": code,
                            "message": "Your account is "
                            "suspended and is not permitted to access this "
                            "feature.",
                        }
                    ]
                },
                403,
            )
        if kind == "down" and legacy:
            return json_response({"errors": [{"code": legacy, "message": "Over capacity"}]}, 503)
        return super().fault_response(kind, spec, request)
