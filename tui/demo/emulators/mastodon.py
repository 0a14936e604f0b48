"""A Mastodon API emulator: notifications, conversations, statuses, idempotent replies.

Shapes follow the Mastodon REST API (v4): snowflake status ids, sequential notification
ids, ``min_id``/``max_id``/``since_id`` paging with ``Link`` headers (results newest first
even with ``min_id``), notifications whose ``status`` is null, conversations paged by their
last status id, ``Idempotency-Key`` remembered for an hour per account, and
``X-RateLimit-*`` headers on every answer with an ISO reset (300 requests per 5 minutes per
token). Errors are ``{"error": "..."}`` (the text is what English servers send).

Scheduled statuses: ``POST /api/v1/statuses`` with ``scheduled_at`` (at least 5 minutes
ahead, else 422) answers a ScheduledStatus; ``GET /api/v1/scheduled_statuses`` lists them
(20 by default, 40 at most, ``max_id`` paging with a ``Link`` header); each becomes a status
at its time on the emulator's clock (with the queue faults of ``_queue.py``). The account's
own timeline is ``GET /api/v1/accounts/:id/statuses`` (``exclude_replies``, ``max_id``).
Favourites: :mod:`.likes`.
"""

from __future__ import annotations

import html
import itertools
from random import Random
from urllib.parse import urlencode

from . import _gen
from ._queue import PublishQueue
from .base import Emulator, RateWindow, Request, Response, TimeSource, bearer, json_response
from .likes import MastodonFavourites

IDEMPOTENCY_TTL = 3600
MAX_CHARS = 500
SCHEDULE_MIN_AHEAD = 5 * 60


class MastodonEmulator(MastodonFavourites, Emulator):
    """Mastodon's API on loopback (the module docstring has the routes and faults)."""

    # Long: one platform's whole surface (reading, writing, its queue of scheduled posts, its
    # own error shapes), each route a short method of its own.

    platform = "mastodon"

    def __init__(
        self,
        *,
        clock: TimeSource = None,
        seed: int = 0,
        domain: str = "social.example",
        rate_limit: int = 300,
    ) -> None:
        super().__init__(clock=clock)
        self.rng = Random(seed)
        self.domain = domain
        self.rate = RateWindow(rate_limit, 300, self.clock)
        self.accounts: dict[str, dict] = {}  # id -> account JSON
        self.tokens: dict[str, str] = {}  # token -> account id
        self.revoked: set[str] = set()
        self.suspended: set[str] = set()  # account ids whose login is disabled
        self.statuses: dict[int, dict] = {}  # id -> stored status (account id, not JSON)
        self.notifications: dict[str, list[dict]] = {}  # account id -> ascending by id
        self.idempotency: dict[tuple[str, str], tuple[int, float]] = {}
        self.read_conversations: set[tuple[str, int]] = set()
        self._strangers: dict[str, str] = {}  # user name -> account id
        self._account_ids = itertools.count(109000000000000001)
        self._notification_ids = itertools.count(1000)
        self._last_status_id = 0
        self.route("GET", r"/api/v1/accounts/verify_credentials", self._verify)
        self.route("GET", r"/api/v1/accounts/(?P<id>\d+)/statuses", self._account_statuses)
        self.route("GET", r"/api/v1/notifications", self._notifications)
        self.route("GET", r"/api/v1/conversations", self._conversations)
        self.route("POST", r"/api/v1/conversations/(?P<id>\d+)/read", self._read_conversation)
        self.route("GET", r"/api/v1/statuses/(?P<id>\d+)", self._status)
        self.route("GET", r"/api/v1/statuses/(?P<id>\d+)/context", self._context)
        self.route("POST", r"/api/v1/statuses", self._post_status)
        self.route("DELETE", r"/api/v1/statuses/(?P<id>\d+)", self._delete)
        self._route_likes()  # favourites: likes.py
        # Scheduled statuses (sfogo's posts watchdog; the own timeline is routed above).
        self.queue = PublishQueue(self.faults, self.clock, self._publish_scheduled)
        self._scheduled_ids = itertools.count(3000)
        self.route("GET", r"/api/v1/scheduled_statuses", self._list_scheduled)
        self.route("DELETE", r"/api/v1/scheduled_statuses/(?P<id>\d+)", self._cancel_scheduled)

    # -- building the world (tests and the live demo call these) -------------------------

    def add_account(
        self,
        username: str,
        *,
        token: str | None = None,
        display_name: str = "",
        remote: bool = False,
    ) -> str:
        """Create an account (local unless ``remote``); return its id."""
        account_id = str(next(self._account_ids))
        domain = f"remote{self.rng.randrange(1, 9)}.example" if remote else self.domain
        self.accounts[account_id] = {
            "id": account_id,
            "username": username,
            "acct": f"{username}@{domain}" if remote else username,
            "display_name": display_name or username,
            "locked": False,
            "bot": False,
            "url": f"https://{domain}/@{username}",
            "avatar": f"https://{domain}/a/{username}.png",
            "created_at": _gen.iso_ms(self.clock() - 86400 * 400),
            "note": "",
            "followers_count": self.rng.randrange(10, 5000),
            "following_count": 100,
            "statuses_count": 0,
        }
        self.notifications.setdefault(account_id, [])
        if token:
            self.tokens[token] = account_id
        return account_id

    def account_by_name(self, username: str) -> str:
        return next(a["id"] for a in self.accounts.values() if a["username"] == username)

    def _stranger(self) -> str:
        name, user = _gen.person(self.rng)
        if user in self._strangers:
            return self._strangers[user]
        self._strangers[user] = self.add_account(
            user, display_name=name, remote=self.rng.random() < 0.5
        )
        return self._strangers[user]

    def _new_status_id(self, ts: float) -> int:
        # Snowflake-like: milliseconds in the high bits, a sequence in the low 16.
        candidate = (int(ts * 1000) << 16) + self.rng.randrange(0, 1 << 10)
        self._last_status_id = max(candidate, self._last_status_id + 1)
        return self._last_status_id

    def post(
        self,
        author_id: str,
        text: str,
        *,
        visibility: str = "public",
        in_reply_to: int | None = None,
        mentions: tuple[str, ...] = (),
        at: float | None = None,
    ) -> int:
        """Store a status by ``author_id`` (plain ``text`` becomes HTML); return its id."""
        ts = self.clock() if at is None else at
        status_id = self._new_status_id(ts)
        parent = self.statuses.get(in_reply_to) if in_reply_to else None
        conversation = (parent or {}).get("conversation") or status_id
        self.statuses[status_id] = {
            "id": status_id,
            "account": author_id,
            "text": text,
            "visibility": visibility,
            "created_at": ts,
            "in_reply_to": in_reply_to,
            "in_reply_to_account": parent["account"] if parent else None,
            "mentions": list(mentions),
            "conversation": conversation,
        }
        self.accounts[author_id]["statuses_count"] += 1
        for target in mentions:
            if target != author_id and target in self.notifications:
                self._notify(target, "mention", author_id, status_id, ts)
        return status_id

    def _notify(
        self,
        owner: str,
        kind: str,
        from_id: str,
        status_id: int | None,
        ts: float,
        *,
        hide_status: bool = False,
    ) -> None:
        self.notifications[owner].append(
            {
                "id": next(self._notification_ids),
                "type": kind,
                "account": from_id,
                "status": status_id,
                "created_at": ts,
                "hidden": hide_status,
            }
        )

    def mention(
        self,
        owner: str,
        *,
        text: str | None = None,
        visibility: str = "public",
        in_reply_to: int | None = None,
        hidden: bool = False,
        at: float | None = None,
        author: str | None = None,
    ) -> int:
        """Someone mentions ``owner``; ``hidden``: the notification's status will be null."""
        author = author or self._stranger()
        me = "@" + self.accounts[owner]["username"]
        body = text if text is not None else _gen.sentence(self.rng, me)
        if not body.startswith(me):
            body = f"{me} {body}"
        if hidden:
            ts = self.clock() if at is None else at
            status_id = self._new_status_id(ts)
            self._notify(owner, "mention", author, status_id, ts, hide_status=True)
            return status_id
        return self.post(
            author, body, visibility=visibility, in_reply_to=in_reply_to, mentions=(owner,), at=at
        )

    def add_mentions(
        self,
        owner: str,
        count: int,
        *,
        start: float | None = None,
        spacing: float = 60.0,
        hidden_every: int = 0,
        dm_every: int = 0,
        other_every: int = 0,
    ) -> list[int]:
        """``count`` mentions ``spacing`` seconds apart; every n-th hidden, direct, or
        preceded by a favourite (a notification of another type, which the filter drops)."""
        start = self.clock() - count * spacing if start is None else start
        ids = []
        for n in range(count):
            at = start + n * spacing
            if other_every and n % other_every == 0:
                self._notify(owner, "favourite", self._stranger(), None, at)
            hidden = bool(hidden_every) and n % hidden_every == hidden_every - 1
            direct = bool(dm_every) and n % dm_every == dm_every - 1
            ids.append(
                self.mention(
                    owner, hidden=hidden, at=at, visibility="direct" if direct else "public"
                )
            )
        return ids

    def delete_status(self, status_id: int) -> None:
        self.statuses.pop(status_id, None)

    def posts_by(self, account_id: str, *, in_reply_to: int | None = None) -> list[dict]:
        """Statuses written by ``account_id`` (e.g. the replies sfogo sent)."""
        with self.lock:
            return [
                s
                for s in self.statuses.values()
                if s["account"] == account_id
                and (in_reply_to is None or s["in_reply_to"] == in_reply_to)
            ]

    def mention_ids(self, owner: str) -> list[str]:
        """Ids of the visible mention statuses of ``owner`` (what a sync should store)."""
        with self.lock:
            return [
                str(n["status"])
                for n in self.notifications[owner]
                if n["type"] == "mention" and not n["hidden"] and n["status"] in self.statuses
            ]

    def live_accounts(self, count: int = 2, items: int = 120) -> list[dict]:
        """Accounts with generated mentions, for ``sfogo demo --live``."""
        result = []
        for n in range(count):
            user = f"brand{n + 1}"
            token = f"demo-mastodon-token-{n + 1}-{self.rng.randrange(10**8)}"
            owner = self.add_account(user, token=token, display_name=f"Brand {n + 1}")
            self.add_mentions(owner, items, spacing=600, hidden_every=9, dm_every=7, other_every=5)
            result.append(
                {
                    "channel": "mastodon",
                    "handle": f"@{user}@{self.domain}",
                    "url": self.base_url,
                    "secret": token,
                    "secret_kind": "token",
                    "owner": owner,
                }
            )
        return result

    def add_live_items(self, owner: str, count: int) -> None:
        with self.lock:
            self.add_mentions(owner, count, start=self.clock() - count, spacing=1)

    # -- JSON shapes ---------------------------------------------------------------------

    def _status_json(self, status_id: int) -> dict:
        s = self.statuses[status_id]
        account = self.accounts[s["account"]]
        paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in s["text"].split("\n"))
        return {
            "id": str(status_id),
            "created_at": _gen.iso_ms(s["created_at"]),
            "in_reply_to_id": str(s["in_reply_to"]) if s["in_reply_to"] else None,
            "in_reply_to_account_id": s["in_reply_to_account"],
            "sensitive": False,
            "spoiler_text": "",
            "visibility": s["visibility"],
            "language": "en",
            "uri": f"https://{self.domain}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{self.domain}/@{account['acct']}/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "edited_at": None,
            "content": paragraphs,
            "reblog": None,
            "account": account,
            "media_attachments": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
            "mentions": [
                {
                    "id": m,
                    "username": self.accounts[m]["username"],
                    "acct": self.accounts[m]["acct"],
                    "url": self.accounts[m]["url"],
                }
                for m in s["mentions"]
                if m in self.accounts
            ],
        }

    def _notification_json(self, n: dict) -> dict:
        status = None
        if n["status"] is not None and not n["hidden"] and n["status"] in self.statuses:
            status = self._status_json(n["status"])
        return {
            "id": str(n["id"]),
            "type": n["type"],
            "created_at": _gen.iso_ms(n["created_at"]),
            "account": self.accounts[n["account"]],
            "status": status,
        }

    # -- auth, rate limits, faults ---------------------------------------------------------

    def _caller(self, request: Request) -> tuple[str | None, Response | None, dict]:
        """(account id, error response, rate-limit headers) for a request."""
        token = bearer(request)
        if token is None or token not in self.tokens:
            return None, json_response({"error": "The access token is invalid"}, 401), {}
        if token in self.revoked:
            return None, json_response({"error": "The access token was revoked"}, 401), {}
        allowed, remaining, reset = self.rate.hit(token)
        headers = {
            "X-RateLimit-Limit": str(self.rate.limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset": _gen.iso_ms(reset),
        }
        if not allowed:
            return None, json_response({"error": "Too many requests"}, 429, headers), headers
        account_id = self.tokens[token]
        if account_id in self.suspended:
            return (
                None,
                json_response({"error": "Your login is currently disabled"}, 403, headers),
                headers,
            )
        return account_id, None, headers

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        if kind == "rate_limited":
            reset = spec.get("reset") or self.clock() + spec.get("seconds", 300)
            return json_response(
                {"error": "Too many requests"},
                429,
                {
                    "X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": _gen.iso_ms(reset),
                },
            )
        if kind == "expired":  # Mastodon tokens do not expire: they get revoked
            return json_response({"error": "The access token was revoked"}, 401)
        if kind == "blocked":
            return json_response({"error": "Your login is currently disabled"}, 403)
        if kind == "malformed":
            return Response(
                200,
                b'[{"id": "1", "type": "mention", "status": {"content": "<p>tru',
                {"Content-Type": "application/json; charset=utf-8"},
            )
        return super().fault_response(kind, spec, request)

    def _guarded(self, request: Request, handler) -> Response:
        with self.lock:
            me, error, headers = self._caller(request)
            if error is not None:
                return error
            response = handler(request, me)
            response.headers.update(headers)
            return response

    # -- routes ----------------------------------------------------------------------------

    def _verify(self, request: Request) -> Response:
        return self._guarded(
            request,
            lambda r, me: json_response(
                {**self.accounts[me], "source": {"privacy": "public", "note": ""}}
            ),
        )

    def _page_links(self, path: str, request: Request, first: str, last: str) -> str:
        keep = [
            (k, v)
            for k, vs in request.query.items()
            for v in vs
            if k not in ("min_id", "max_id", "since_id")
        ]
        url = f"{self.base_url}{path}?"
        nxt = urlencode([*keep, ("max_id", last)])
        prev = urlencode([*keep, ("min_id", first)])
        return f'<{url}{nxt}>; rel="next", <{url}{prev}>; rel="prev"'

    @staticmethod
    def _window(records: list, key, request: Request, default: int, maximum: int) -> list:
        """Mastodon's paginate_by_id: min_id pages forward (result still newest first)."""
        try:
            limit = min(maximum, max(1, int(request.arg("limit", str(default)))))
            min_id = request.arg("min_id")
            max_id = request.arg("max_id")
            since_id = request.arg("since_id")
            lo = int(min_id) if min_id else None
            hi = int(max_id) if max_id else None
            since = int(since_id) if since_id else None
        except ValueError:
            return []
        if lo is not None:
            chosen = [r for r in records if key(r) > lo and (hi is None or key(r) < hi)]
            chosen.sort(key=key)
            return list(reversed(chosen[:limit]))
        chosen = [
            r for r in records if (hi is None or key(r) < hi) and (since is None or key(r) > since)
        ]
        chosen.sort(key=key, reverse=True)
        return chosen[:limit]

    def _notifications(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            types = set(r.query.get("types[]", []))
            excluded = set(r.query.get("exclude_types[]", []))
            records = [
                n
                for n in self.notifications[me]
                if (not types or n["type"] in types) and n["type"] not in excluded
            ]
            page = self._window(records, lambda n: n["id"], r, 40, 80)
            body = [self._notification_json(n) for n in page]
            headers = {}
            if page:
                headers["Link"] = self._page_links(
                    "/api/v1/notifications", r, str(page[0]["id"]), str(page[-1]["id"])
                )
            return json_response(body, headers=headers)

        return self._guarded(request, handle)

    def _conversation_records(self, me: str) -> list[dict]:
        threads: dict[int, list[dict]] = {}
        for s in self.statuses.values():
            if s["visibility"] == "direct" and (s["account"] == me or me in s["mentions"]):
                threads.setdefault(s["conversation"], []).append(s)
        records = []
        for conv_id, statuses in threads.items():
            last = max(statuses, key=lambda s: s["id"])
            people = {s["account"] for s in statuses} | {m for s in statuses for m in s["mentions"]}
            records.append({"id": conv_id, "last": last["id"], "accounts": people - {me}})
        return records

    def _conversations(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            page = self._window(self._conversation_records(me), lambda c: c["last"], r, 20, 40)
            body = [
                {
                    "id": str(c["id"]),
                    "unread": (me, c["id"]) not in self.read_conversations
                    and self.statuses[c["last"]]["account"] != me,
                    "accounts": [self.accounts[a] for a in sorted(c["accounts"])],
                    "last_status": self._status_json(c["last"]),
                }
                for c in page
            ]
            headers = {}
            if page:  # the cursor is a status id, not a conversation id
                headers["Link"] = self._page_links(
                    "/api/v1/conversations", r, str(page[0]["last"]), str(page[-1]["last"])
                )
            return json_response(body, headers=headers)

        return self._guarded(request, handle)

    def _account_statuses(self, request: Request) -> Response:
        """An account's statuses, newest first; its owner sees them all (direct included),
        others the public and unlisted ones, as Mastodon's AccountStatusesFilter;
        ``exclude_replies`` leaves replies out."""

        def handle(r: Request, me: str) -> Response:
            owner = r.params["id"]
            if owner not in self.accounts:
                return json_response({"error": "Record not found"}, 404)
            shown: tuple[str, ...] = ("public", "unlisted", "private", "direct")
            if owner != me:
                shown = ("public", "unlisted")
            no_replies = r.arg("exclude_replies") in ("true", "1")
            records = [
                s
                for s in self.statuses.values()
                if s["account"] == owner
                and s["visibility"] in shown
                and not (no_replies and s["in_reply_to"])
            ]
            page = self._window(records, lambda s: s["id"], r, 20, 40)
            headers = {}
            if page:
                headers["Link"] = self._page_links(
                    f"/api/v1/accounts/{owner}/statuses", r, str(page[0]["id"]), str(page[-1]["id"])
                )
            return json_response([self._status_json(s["id"]) for s in page], headers=headers)

        return self._guarded(request, handle)

    def _read_conversation(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            conv_id = int(r.params["id"])
            self.read_conversations.add((me, conv_id))
            return json_response({"id": str(conv_id), "unread": False})

        return self._guarded(request, handle)

    def _visible(self, status_id: int, me: str) -> bool:
        s = self.statuses.get(status_id)
        if s is None:
            return False
        return s["visibility"] != "direct" or s["account"] == me or me in s["mentions"]

    def _status(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            status_id = int(r.params["id"])
            if not self._visible(status_id, me):
                return json_response({"error": "Record not found"}, 404)
            favourited = (me, status_id) in self.favourites  # as the viewer sees it
            return json_response({**self._status_json(status_id), "favourited": favourited})

        return self._guarded(request, handle)

    def _context(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            status_id = int(r.params["id"])
            if not self._visible(status_id, me):
                return json_response({"error": "Record not found"}, 404)
            ancestors: list[int] = []
            parent = self.statuses[status_id]["in_reply_to"]
            while parent and parent in self.statuses:
                ancestors.insert(0, parent)
                parent = self.statuses[parent]["in_reply_to"]
            descendants = []
            for s in sorted(self.statuses.values(), key=lambda s: s["id"]):
                chain = s["in_reply_to"]
                while chain and chain != status_id:
                    chain = self.statuses.get(chain, {}).get("in_reply_to")
                if chain == status_id and self._visible(s["id"], me):
                    descendants.append(s["id"])
            return json_response(
                {
                    "ancestors": [self._status_json(i) for i in ancestors if self._visible(i, me)],
                    "descendants": [self._status_json(i) for i in descendants],
                }
            )

        return self._guarded(request, handle)

    def _post_status(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            if r.headers.get("content-type", "").startswith("application/json"):
                params = {k: v for k, v in (r.json() or {}).items() if v is not None}
            else:
                params = {k: v[-1] for k, v in r.form().items()}
            key = r.headers.get("idempotency-key")
            now = self.clock()
            if params.get("scheduled_at"):
                return self._schedule(me, params, key, now)
            if key:
                seen = self.idempotency.get((me, key))
                if seen and now - seen[1] < IDEMPOTENCY_TTL and seen[0] in self.statuses:
                    return json_response(self._status_json(seen[0]))
            text = str(params.get("status", "")).strip()
            if not text:
                return json_response({"error": "Validation failed: Text can't be blank"}, 422)
            if len(text) > MAX_CHARS:
                return json_response(
                    {"error": f"Validation failed: Text character limit of {MAX_CHARS} exceeded"},
                    422,
                )
            reply_to = params.get("in_reply_to_id")
            if reply_to and not self._visible(int(reply_to), me):
                return json_response({"error": "Record not found"}, 404)
            visibility = params.get("visibility", "public")
            if visibility not in ("public", "unlisted", "private", "direct"):
                return json_response(
                    {"error": "Validation failed: Visibility is not included in the list"}, 422
                )
            named = {w.lstrip("@").split("@")[0] for w in text.split() if w.startswith("@")}
            mentions = tuple(a["id"] for a in self.accounts.values() if a["username"] in named)
            status_id = self.post(
                me,
                text,
                visibility=visibility,
                in_reply_to=int(reply_to) if reply_to else None,
                mentions=mentions,
                at=now,
            )
            if key:
                self.idempotency[(me, key)] = (status_id, now)
            return json_response(self._status_json(status_id))

        return self._guarded(request, handle)

    def _delete(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            status_id = int(r.params["id"])
            s = self.statuses.get(status_id)
            if s is None or s["account"] != me:
                return json_response({"error": "Record not found"}, 404)
            body = self._status_json(status_id)
            del self.statuses[status_id]
            return json_response(body)

        return self._guarded(request, handle)

    # -- scheduled statuses and the account's own timeline --------------------------------

    def schedule(self, author_id: str, text: str, at: float, *, key: str | None = None) -> str:
        """Put a status in ``author_id``'s queue for ``at``; return the scheduled id."""
        entry_id = str(next(self._scheduled_ids))
        self.queue.add(entry_id, at, text, account=author_id, key=key, visibility="public")
        return entry_id

    def scheduled(self, author_id: str) -> list[dict]:
        with self.lock:
            return [e for e in self.queue.ordered() if e["account"] == author_id]

    def tick(self) -> None:
        self.queue.tick()

    def _publish_scheduled(self, entry: dict, at: float) -> None:
        self.post(entry["account"], entry["text"], visibility=entry["visibility"], at=at)

    def _scheduled_json(self, entry: dict) -> dict:
        return {
            "id": entry["id"],
            "scheduled_at": _gen.iso_ms(entry["at"]),
            "params": {
                "text": entry["text"],
                "poll": None,
                "media_ids": None,
                "sensitive": None,
                "visibility": entry["visibility"],
                "idempotency": entry["key"],
                "scheduled_at": None,
                "spoiler_text": None,
                "application_id": 1,
                "in_reply_to_id": None,
                "language": None,
                "with_rate_limit": False,
            },
            "media_attachments": [],
        }

    def _schedule(self, me: str, params: dict, key: str | None, now: float) -> Response:
        from datetime import datetime

        if key:
            for entry in self.queue.entries.values():
                if entry["account"] == me and entry["key"] == key:
                    return json_response(self._scheduled_json(entry))
        try:
            raw = str(params["scheduled_at"]).replace("Z", "+00:00")
            at = datetime.fromisoformat(raw).timestamp()
        except ValueError:
            return json_response({"error": "Validation failed: Scheduled at is invalid"}, 422)
        if at < now + SCHEDULE_MIN_AHEAD:
            error = "Validation failed: Scheduled at The scheduled date must be in the future"
            return json_response({"error": error}, 422)
        text = str(params.get("status", "")).strip()
        if not text or len(text) > MAX_CHARS:
            return json_response({"error": "Validation failed: Text can't be blank"}, 422)
        entry_id = self.schedule(me, text, at, key=key)
        return json_response(self._scheduled_json(self.queue.entries[entry_id]))

    def _list_scheduled(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            mine = [e for e in self.queue.entries.values() if e["account"] == me]
            page = self._window(mine, lambda e: int(e["id"]), r, 20, 40)
            headers = {}
            if page:
                headers["Link"] = self._page_links(
                    "/api/v1/scheduled_statuses", r, page[0]["id"], page[-1]["id"]
                )
            return json_response([self._scheduled_json(e) for e in page], headers=headers)

        return self._guarded(request, handle)

    def _cancel_scheduled(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            entry = self.queue.entries.get(r.params["id"])
            if entry is None or entry["account"] != me:
                return json_response({"error": "Record not found"}, 404)
            self.queue.remove(entry["id"])
            return json_response({})

        return self._guarded(request, handle)
