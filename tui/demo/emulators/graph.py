"""Meta's Graph API on loopback: one Facebook Page, its Instagram account, their inboxes.

Routes (any ``/vNN.N/`` version prefix), all answering JSON like graph.facebook.com:
- ``GET /{node}?fields=``: a page, an IG user, a post, a comment, an IG media or comment, a
  conversation (``participants``, ``messages.limit(N){...}`` nested with its own paging);
- ``GET /{page}/conversations?platform=messenger|instagram``: newest ``updated_time`` first;
- ``GET /{page}/feed`` (also ``/posts``) and ``GET /{ig-user}/media``: newest first, ``since``
  and ``until`` in unix time;
- ``GET /{post}/comments?filter=toplevel|stream&order=chronological|reverse_chronological``,
  ``GET /{comment}/comments``, ``GET /{conversation}/messages`` (newest first),
  ``GET /{ig-media}/comments`` (top-level, oldest first: Meta does not document the order, so
  the emulator picks the one a connector must not rely on), ``GET /{ig-comment}/replies``;
- ``POST /{post-or-comment}/comments`` (``message``; a reply to a reply lands under its
  top-level comment), ``POST /{ig-comment}/replies`` (top-level comments only),
  ``POST /{page}/messages`` (``recipient``, ``messaging_type``, ``message``; refused with
  error 10/2018278 later than 24 hours after the person's last message, 7 days with the
  HUMAN_AGENT tag).

Only the requested ``fields`` come back (each type has Graph's small default set). Paging is
``paging.cursors.before/after`` keyed on item ids plus absolute ``paging.next`` links. The token
travels as ``Authorization: Bearer`` or ``access_token``; a wrong one gets error 190.

Scheduled posts: ``POST /{page}/feed`` with ``published=false`` and
``scheduled_publish_time`` (unix time, 10 minutes to 30 days ahead, else error 100) queues a
post, listed by ``GET /{page}/scheduled_posts``; at its time (on the emulator's clock, with
the queue faults of ``_queue.py``) it becomes a published post with the same id, on
``/{page}/published_posts``, ``/feed`` and ``/posts``. ``POST /{page}/feed`` without
``published=false`` publishes at once. (Unlike Graph, a scheduled post is not a node of its
own until it is published: ``GET /{id}`` finds it only then.)

Faults (``emulator.faults.set(kind, ...)``) answer in Graph's error shape: ``rate_limited``
(code 80001 Pages / 80002 Instagram / 80006 Messenger by path, or ``code=``; with
``X-Business-Use-Case-Usage`` carrying ``estimated_time_to_regain_access`` = ``minutes``, or
``X-App-Usage`` for codes 4/17/32/613), ``expired`` (190/463), ``blocked`` (368/1390008),
``malformed`` (a cut JSON body), ``down`` (503 HTML, or Graph's JSON code 1/2 with ``code=``).

Tests add items with :meth:`add_message`, :meth:`add_comment`, :meth:`add_ig_comment`,
:meth:`add_post`, :meth:`add_media`, and move time with :meth:`set_time` (the clock behind
item times and the DM window; generated data lies in the 20 days before the clock's time).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
from datetime import UTC, datetime
from urllib.parse import urlencode

from ._queue import PublishQueue
from .base import Emulator, Request, Response, TimeSource, bearer, json_response

PAGE_ID = "104000000000001"
IG_USER_ID = "17841400000000001"
DM_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 24 * 3600
SCHEDULE_MIN_AHEAD = 10 * 60
SCHEDULE_MAX_AHEAD = 30 * 86400

FIRST_NAMES = [
    "Giulia",
    "Marco",
    "Aisha",
    "Tomás",
    "Yuki",
    "Priya",
    "Lars",
    "Chiara",
    "Omar",
    "Sofia",
    "Ben",
    "Lena",
    "Ravi",
    "Noor",
    "Pietro",
]
LAST_NAMES = ["Rossi", "Bianchi", "Khan", "García", "Sato", "Nair", "Berg", "Costa", "Haddad"]
LINES = [
    "Is this still available?",
    "Love it! Do you ship to Milan?",
    "What time do you open on Sunday?",
    "My order #4471 hasn't arrived yet",
    "Can I change the size?",
    "Great service, thank you 🙏",
    "Price please",
    "Do you have it in blue?",
    "The link in your bio is broken",
    "Any discount for students?",
]
# Hostile text the connector must neutralise: terminal escapes, bidi overrides, markup.
HOSTILE = [
    "Nice \x1b]0;owned\x07 post",
    "see \u202egnp.exe\u202c",
    "[@click=app.quit]win[/]",
    "bell\x07 and \x1b[2J clear",
]

DEFAULT_FIELDS = {
    "page": "id,name",
    "iguser": "id,username",
    "post": "id,message,created_time",
    "comment": "id,message,created_time,from",
    "conversation": "id,link,updated_time",
    "message": "id,created_time",
    "media": "id",
    "igcomment": "id,text,timestamp",
    "scheduled": "id,message,created_time",
}


def iso(ts: int) -> str:
    """Graph's time format: no colon in the offset."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_fields(spec: str) -> dict[str, dict]:
    """``a,b.limit(5){c,d{e}}`` → {name: {"mods": {...}, "sub": raw sub-spec or None}}."""
    fields: dict[str, dict] = {}
    i, n = 0, len(spec)
    while i < n:
        start = i
        while i < n and spec[i] not in ",.{":
            i += 1
        name = spec[start:i].strip()
        mods: dict[str, str] = {}
        sub = None
        while i < n and spec[i] == ".":
            j = spec.index("(", i)
            k = spec.index(")", j)
            mods[spec[i + 1 : j]] = spec[j + 1 : k]
            i = k + 1
        if i < n and spec[i] == "{":
            depth, j = 0, i
            while j < n:
                depth += {"{": 1, "}": -1}.get(spec[j], 0)
                if depth == 0:
                    break
                j += 1
            sub = spec[i + 1 : j]
            i = j + 1
        if name:
            fields[name] = {"mods": mods, "sub": sub}
        while i < n and spec[i] in ", ":
            i += 1
    return fields


def _cursor(item_id: str) -> str:
    return base64.urlsafe_b64encode(item_id.encode()).decode().rstrip("=")


def _uncursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


class GraphError(Exception):
    """An error answer in Graph's shape."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        status: int = 400,
        kind: str = "OAuthException",
        headers: dict | None = None,
        **extra,
    ) -> None:
        super().__init__(message)
        self.code, self.subcode, self.status, self.kind = code, subcode, status, kind
        self.headers, self.extra = headers or {}, extra


class GraphEmulator(Emulator):
    """Graph's API on loopback (the module docstring has the routes and faults).

    Over 300 lines on purpose: one platform's whole surface (reading, writing, its queue of
    scheduled posts, its own error shapes), each route a short method of its own."""

    platform = "graph"

    def __init__(
        self,
        *,
        clock: TimeSource = None,
        seed: int = 7,
        token: str = "graph-token",
        posts: int = 6,
        comments: tuple[int, int] = (10, 70),
        conversations: int = 60,
        media: int = 5,
        ig_comments: tuple[int, int] = (10, 60),
        ig_conversations: int = 30,
    ) -> None:
        super().__init__(clock=clock)
        self.token = token
        self.rng = random.Random(seed)
        self.nodes: dict[str, dict] = {}
        self._serial = 0
        self.page = self._node("page", PAGE_ID, name="Trattoria Sfogo")
        self.ig_user = self._node(
            "iguser", IG_USER_ID, username="trattoria.sfogo", name="Trattoria Sfogo"
        )
        self._generate(posts, comments, conversations, media, ig_comments, ig_conversations)
        version = r"/v\d+\.\d+"
        self.route("GET", version + r"/(?P<node>[^/]+)", self._get_node)
        self.route("GET", version + r"/(?P<node>[^/]+)/(?P<edge>[a-z_]+)", self._get_edge)
        self.route(
            "POST",
            version + r"/(?P<node>[^/]+)/(?P<edge>comments|replies|messages|feed)",
            self._post_edge,
        )
        # The Page's scheduled posts (sfogo's posts watchdog): see the module docstring.
        self.queue = PublishQueue(self.faults, lambda: self.clock(), self._publish_scheduled)

    # -- clock and ids -------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    def set_time(self, ts: float) -> None:
        self.clock = lambda: ts

    def _next_id(self, prefix: str = "") -> str:
        self._serial += 1
        return f"{prefix}{self._serial:015d}"

    def _node(self, kind: str, node_id: str, **data) -> dict:
        node = {"_type": kind, "id": node_id, **data}
        self.nodes[node_id] = node
        return node

    # -- generated data ------------------------------------------------------------------

    def _person(self, platform: str) -> dict:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        if platform == "instagram":
            return {"id": self._next_id("7"), "username": f"{first}.{last}".lower()}
        return {"id": self._next_id("6"), "name": f"{first} {last}"}

    def _line(self) -> str:
        return self.rng.choice(HOSTILE) if self.rng.random() < 0.08 else self.rng.choice(LINES)

    def _generate(self, posts, comments, conversations, media, ig_comments, ig_conversations):
        now, rng = self.now(), self.rng
        for _ in range(posts):
            post = self.add_post(self._line(), at=now - rng.randint(3600, 20 * 86400))
            for _ in range(rng.randint(*comments)):
                at = rng.randint(post["created"], now - 60)
                tops = [c for c in post["comments"] if not self.nodes[c]["parent"]]
                parent = rng.choice(tops) if tops and rng.random() < 0.3 else None
                if parent:
                    at = max(at, self.nodes[parent]["created"])
                self.add_comment(post["id"], self._line(), parent=parent, at=at)
        for _item in range(media):
            m = self.add_media(self._line(), at=now - rng.randint(3600, 20 * 86400))
            for _ in range(rng.randint(*ig_comments)):
                at = rng.randint(m["created"], now - 60)
                tops = [c for c in m["comments"]]
                parent = rng.choice(tops) if tops and rng.random() < 0.3 else None
                if parent:
                    at = max(at, self.nodes[parent]["created"])
                self.add_ig_comment(m["id"], self._line(), parent=parent, at=at)
        for platform, count in (("messenger", conversations), ("instagram", ig_conversations)):
            for _ in range(count):
                person = self._person(platform)
                last = now - rng.randint(60, 10 * 86400)
                times = sorted(last - rng.randint(0, 3 * 3600) for _ in range(rng.randint(1, 7)))
                times[-1] = last
                for at in times:
                    ours = rng.random() < 0.25 and at != times[0]
                    self.add_message(person, self._line(), at=at, platform=platform, from_page=ours)

    # -- what tests add ------------------------------------------------------------------

    def add_post(self, message: str, *, at: int | None = None) -> dict:
        at = self.now() if at is None else at
        post_id = f"{PAGE_ID}_{self._next_id('2')}"
        return self._node("post", post_id, message=message, created=at, updated=at, comments=[])

    def add_media(self, caption: str, *, at: int | None = None) -> dict:
        at = self.now() if at is None else at
        media_id = self._next_id("179")
        code = base64.urlsafe_b64encode(media_id.encode()).decode()[:11]
        return self._node(
            "media",
            media_id,
            caption=caption,
            created=at,
            comments=[],
            permalink=f"https://www.instagram.com/p/{code}/",
        )

    def _newest(self, kind: str) -> dict:
        return max(
            (n for n in self.nodes.values() if n["_type"] == kind), key=lambda n: n["created"]
        )

    def add_comment(
        self,
        post_id: str | None,
        text: str,
        *,
        author: dict | None = None,
        parent: str | None = None,
        at: int | None = None,
    ) -> str:
        """A comment on a page post (the newest if None); ``author`` = {"id", "name"}."""
        post = self.nodes[post_id] if post_id else self._newest("post")
        at = self.now() if at is None else at
        author = author or self._person("messenger")
        comment_id = f"{post['id'].split('_')[1]}_{self._next_id('3')}"
        self._node(
            "comment",
            comment_id,
            post=post["id"],
            parent=parent,
            message=text,
            created=at,
            author=dict(author),
        )
        post["comments"].append(comment_id)
        post["updated"] = max(post["updated"], at)
        return comment_id

    def add_ig_comment(
        self,
        media_id: str | None,
        text: str,
        *,
        username: str | None = None,
        parent: str | None = None,
        at: int | None = None,
        user_id: str | None = None,
    ) -> str:
        media = self.nodes[media_id] if media_id else self._newest("media")
        at = self.now() if at is None else at
        if username is None:
            who = self._person("instagram")
            username, user_id = who["username"], who["id"]
        comment_id = self._next_id("1795")
        self._node(
            "igcomment",
            comment_id,
            media=media["id"],
            parent=parent,
            text=text,
            created=at,
            author={"id": user_id or self._next_id("7"), "username": username},
            replies=[],
        )
        if parent:
            self.nodes[parent]["replies"].append(comment_id)
        else:
            media["comments"].append(comment_id)
        return comment_id

    def add_message(
        self,
        person: dict | str | None,
        text: str,
        *,
        at: int | None = None,
        platform: str = "messenger",
        from_page: bool = False,
    ) -> str:
        """A message in the conversation with ``person`` (a dict, an id, or None for new)."""
        at = self.now() if at is None else at
        conv = (
            self.conversation_with(person["id"] if isinstance(person, dict) else person)
            if person
            else None
        )
        if conv is None:
            person = person if isinstance(person, dict) else self._person(platform)
            conv = self._node(
                "conversation",
                f"t_{self._next_id('1')}",
                platform=platform,
                person=dict(person),
                messages=[],
            )
        ours = (
            {"id": IG_USER_ID, "username": self.ig_user["username"]}
            if conv["platform"] == "instagram"
            else {"id": PAGE_ID, "name": self.page["name"]}
        )
        message_id = f"m_{self._next_id('9')}"
        self._node(
            "message",
            message_id,
            conv=conv["id"],
            text=text,
            created=at,
            author=ours if from_page else dict(conv["person"]),
        )
        conv["messages"].append(message_id)
        return message_id

    def conversation_with(self, person_id: str) -> dict | None:
        for node in self.nodes.values():
            if node["_type"] == "conversation" and node["person"]["id"] == person_id:
                return node
        return None

    def of_type(self, kind: str) -> list[dict]:
        return [n for n in self.nodes.values() if n["_type"] == kind]

    # -- the live demo (``sfogo demo --live``) --------------------------------------------

    def live_accounts(self) -> list[dict]:
        """The Page (Messenger inbox and post comments) and its Instagram account, both read
        with one Page access token, made up now and given only to this process."""
        self.token = "EAAG" + secrets.token_urlsafe(30)
        page = {"page_id": PAGE_ID}
        return [
            {
                "channel": "facebook",
                "handle": "trattoriasfogo",
                "url": self.base_url,
                "secret": self.token,
                "secret_kind": "token",
                "owner": "messenger",
                "settings": page,
            },
            {
                "channel": "instagram",
                "handle": "@" + self.ig_user["username"],
                "url": self.base_url,
                "secret": self.token,
                "secret_kind": "token",
                "owner": "instagram",
                "settings": {**page, "ig_user_id": IG_USER_ID},
            },
        ]

    def add_live_items(self, owner: str, count: int) -> None:
        """``count`` new items now: DMs from new people and comments on the newest post
        (``owner`` "messenger") or media ("instagram"), in turn."""
        with self.lock:
            at = self.now()
            for n in range(count):
                if n % 2 == 0:
                    self.add_message(None, self._line(), at=at, platform=owner)
                elif owner == "messenger":
                    self.add_comment(None, self._line(), at=at)
                else:
                    self.add_ig_comment(None, self._line(), at=at)

    def live_item_ids(self, owner: str) -> set[str]:
        """Ids of what other people wrote to the Page (``owner`` "messenger") or to the
        Instagram account: what a complete sync of that account holds as incoming items."""
        comment = "comment" if owner == "messenger" else "igcomment"
        ours = {PAGE_ID, IG_USER_ID}
        found = set()
        with self.lock:
            for n in self.nodes.values():
                if n["_type"] == "message" and self.nodes[n["conv"]]["platform"] != owner:
                    continue
                if n["_type"] in ("message", comment) and n["author"]["id"] not in ours:
                    found.add(n["id"])
        return found

    # -- rendering -----------------------------------------------------------------------

    def _render(self, node: dict, spec: str | None, request: Request) -> dict:
        fields = parse_fields(spec or DEFAULT_FIELDS[node["_type"]])
        full = getattr(self, f"_full_{node['_type']}")(node)
        out: dict = {}
        for name, opts in fields.items():
            if name in full:
                out[name] = full[name]
            edge = self._edge_items(node, name, {})
            if edge is not None:
                limit = int(opts["mods"].get("limit", 25))
                out[name] = self._page_of(
                    edge,
                    opts["sub"],
                    limit,
                    None,
                    f"/{self._version(request)}/{node['id']}/{name}",
                    request,
                )
            elif name == "parent" and node.get("parent"):
                out[name] = self._render(self.nodes[node["parent"]], opts["sub"] or "id", request)
            elif name == "participants" and node["_type"] == "conversation":
                ours = (
                    {"id": IG_USER_ID, "username": self.ig_user["username"]}
                    if node["platform"] == "instagram"
                    else {"id": PAGE_ID, "name": self.page["name"]}
                )
                out[name] = {"data": [dict(node["person"]), ours]}
        out["id"] = node["id"]
        return out

    def _full_page(self, n):
        return {"name": n["name"], "fan_count": 1234}

    def _full_iguser(self, n):
        return {"username": n["username"], "name": n["name"], "followers_count": 5678}

    def _full_post(self, n):
        return {
            "message": n["message"],
            "created_time": iso(n["created"]),
            "updated_time": iso(n["updated"]),
            "permalink_url": f"https://www.facebook.com/{n['id'].replace('_', '/posts/')}",
        }

    def _full_comment(self, n):
        return {
            "message": n["message"],
            "created_time": iso(n["created"]),
            "from": dict(n["author"]),
            "comment_count": len(self._replies_of(n)),
            "permalink_url": f"https://www.facebook.com/{n['post'].replace('_', '/posts/')}"
            f"?comment_id={n['id'].split('_')[1]}",
        }

    def _full_conversation(self, n):
        updated = max(self.nodes[m]["created"] for m in n["messages"])
        return {
            "updated_time": iso(updated),
            "message_count": len(n["messages"]),
            "link": f"/{PAGE_ID}/inbox/{n['id'][2:]}",
            "unread_count": 0,
        }

    def _full_message(self, n):
        return {"message": n["text"], "created_time": iso(n["created"]), "from": dict(n["author"])}

    def _full_media(self, n):
        count = len(n["comments"]) + sum(len(self.nodes[c]["replies"]) for c in n["comments"])
        return {
            "caption": n["caption"],
            "timestamp": iso(n["created"]),
            "permalink": n["permalink"],
            "comments_count": count,
            "media_type": "IMAGE",
            "username": self.ig_user["username"],
        }

    def _full_igcomment(self, n):
        full = {
            "text": n["text"],
            "timestamp": iso(n["created"]),
            "username": n["author"]["username"],
            "from": dict(n["author"]),
            "like_count": 0,
            "hidden": False,
        }
        if n["parent"]:
            full["parent_id"] = n["parent"]
        return full

    def _replies_of(self, comment: dict) -> list[str]:
        return [
            i
            for i in self.nodes[comment["post"]]["comments"]
            if self.nodes[i]["parent"] == comment["id"]
        ]

    def _edge_items(self, node: dict, edge: str, query: dict) -> list[dict] | None:
        """The ordered items of ``node``'s ``edge``, or None when there is no such edge."""
        kind, get = node["_type"], self.nodes.__getitem__
        q = {k: v[0] for k, v in query.items()}
        if kind == "page" and edge == "conversations":
            platform = q.get("platform", "messenger")
            convs = [c for c in self.of_type("conversation") if c["platform"] == platform]
            return sorted(
                convs, key=lambda c: max(get(m)["created"] for m in c["messages"]), reverse=True
            )
        if kind == "page" and edge in ("feed", "posts", "published_posts"):
            return self._timeline(self.of_type("post"), q)
        if kind == "page" and edge == "scheduled_posts":
            return [{"_type": "scheduled", **e} for e in self.queue.ordered()]
        if kind == "iguser" and edge == "media":
            return self._timeline(self.of_type("media"), q)
        if kind == "post" and edge == "comments":
            items = [get(i) for i in node["comments"]]
            if q.get("filter", "toplevel") != "stream":
                items = [c for c in items if not c["parent"]]
            return sorted(
                items,
                key=lambda c: (c["created"], c["id"]),
                reverse=q.get("order") == "reverse_chronological",
            )
        if kind == "comment" and edge == "comments":
            items = [get(i) for i in self._replies_of(node)]
            return sorted(
                items,
                key=lambda c: (c["created"], c["id"]),
                reverse=q.get("order") == "reverse_chronological",
            )
        if kind == "conversation" and edge == "messages":
            return sorted(
                (get(m) for m in node["messages"]),
                key=lambda m: (m["created"], m["id"]),
                reverse=True,
            )
        if kind == "media" and edge == "comments":
            return sorted((get(i) for i in node["comments"]), key=lambda c: (c["created"], c["id"]))
        if kind == "igcomment" and edge == "replies":
            return sorted((get(i) for i in node["replies"]), key=lambda c: (c["created"], c["id"]))
        return None

    @staticmethod
    def _timeline(items: list[dict], q: dict) -> list[dict]:
        since, until = int(q.get("since") or 0), int(q.get("until") or 2**62)
        kept = [i for i in items if since <= i["created"] <= until]
        return sorted(kept, key=lambda i: (i["created"], i["id"]), reverse=True)

    def _page_of(
        self,
        items: list[dict],
        spec: str | None,
        limit: int,
        after: str | None,
        path: str,
        request: Request,
        query: dict | None = None,
    ) -> dict:
        limit = max(1, min(limit, 100))
        start = 0
        if after:
            ids = [i["id"] for i in items]
            target = _uncursor(after)
            start = ids.index(target) + 1 if target in ids else len(items)
        chunk = items[start : start + limit]
        page: dict = {"data": [self._render(i, spec, request) for i in chunk]}
        if chunk:
            page["paging"] = {
                "cursors": {"before": _cursor(chunk[0]["id"]), "after": _cursor(chunk[-1]["id"])}
            }
            if start + limit < len(items):
                params = {k: v[0] for k, v in (query or {}).items() if k not in ("after", "before")}
                if spec is not None:
                    params["fields"] = spec
                params["limit"] = str(limit)
                params["after"] = _cursor(chunk[-1]["id"])
                page["paging"]["next"] = f"{self.base_url}{path}?{urlencode(params)}"
        return page

    @staticmethod
    def _version(request: Request) -> str:
        return request.path.split("/")[1]

    # -- handlers ------------------------------------------------------------------------

    def _authorised(self, request: Request) -> None:
        token = bearer(request) or request.arg("access_token")
        if not token:
            raise GraphError(104, "An access token is required to request this resource.")
        if token != self.token:
            challenge = 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
            raise GraphError(
                190,
                "Invalid OAuth access token - Cannot parse access token",
                headers={"WWW-Authenticate": challenge},
            )

    def _lookup(self, node_id: str, method: str = "get") -> dict:
        node = self.nodes.get(node_id)
        if node is None:
            raise GraphError(
                100,
                f"Unsupported {method} request. Object with ID '{node_id}' "
                "does not exist, cannot be loaded due to missing permissions, "
                "or does not support this operation.",
                subcode=33,
                kind="GraphMethodException",
            )
        return node

    def _handle(self, request: Request, work) -> Response:
        try:
            with self.lock:
                self._authorised(request)
                return json_response(work(), headers=self._usage())
        except GraphError as err:
            return self._error(err)

    def _usage(self) -> dict:
        return {"X-App-Usage": json.dumps({"call_count": 3, "total_cputime": 1, "total_time": 2})}

    def _get_node(self, request: Request) -> Response:
        def work():
            node = self._lookup(request.params["node"])
            return self._render(node, request.arg("fields"), request)

        return self._handle(request, work)

    def _get_edge(self, request: Request) -> Response:
        def work():
            node = self._lookup(request.params["node"])
            edge = request.params["edge"]
            items = self._edge_items(node, edge, request.query)
            if items is None:
                raise GraphError(
                    100,
                    f"(#100) Tried accessing nonexisting field ({edge}) on "
                    f"node type ({node['_type']})",
                )
            try:
                limit = int(request.arg("limit", "25"))
            except ValueError:
                raise GraphError(100, "(#100) Param limit must be a number") from None
            return self._page_of(
                items,
                request.arg("fields"),
                limit,
                request.arg("after"),
                request.path,
                request,
                request.query,
            )

        return self._handle(request, work)

    def _post_edge(self, request: Request) -> Response:
        def work():
            node = self._lookup(request.params["node"], "post")
            params = {k: v[0] for k, v in request.query.items()}
            ctype = request.headers.get("content-type", "")
            if "json" in ctype:
                params.update(request.json() or {})
            elif request.body:
                params.update({k: v[0] for k, v in request.form().items()})
            edge = request.params["edge"]
            if edge == "feed" and node["_type"] == "page":
                return self._post_feed(params)
            if edge == "messages" and node["_type"] == "page":
                return self._send_message(params)
            if edge == "comments" and node["_type"] in ("post", "comment"):
                return self._reply_comment(node, params)
            if edge == "replies" and node["_type"] == "igcomment":
                return self._reply_ig(node, params)
            raise GraphError(100, f"(#100) Unsupported post request on {edge}")

        return self._handle(request, work)

    def _reply_comment(self, node: dict, params: dict) -> dict:
        text = str(params.get("message") or "")
        if not text.strip():
            raise GraphError(100, "(#100) Missing message or attachment")
        post = node if node["_type"] == "post" else self.nodes[node["post"]]
        parent = None
        if node["_type"] == "comment":
            parent = node["parent"] or node["id"]  # one level deep, like Facebook
        return {
            "id": self.add_comment(
                post["id"], text, parent=parent, author={"id": PAGE_ID, "name": self.page["name"]}
            )
        }

    def _reply_ig(self, node: dict, params: dict) -> dict:
        text = str(params.get("message") or "")
        if not text.strip():
            raise GraphError(100, "(#100) Missing message")
        if node["parent"]:
            raise GraphError(100, "(#100) Replies can only be made to top-level comments")
        return {
            "id": self.add_ig_comment(
                node["media"],
                text,
                parent=node["id"],
                username=self.ig_user["username"],
                user_id=IG_USER_ID,
            )
        }

    def _send_message(self, params: dict) -> dict:
        def obj(value):
            return json.loads(value) if isinstance(value, str) else (value or {})

        try:
            recipient, message = obj(params.get("recipient")), obj(params.get("message"))
        except ValueError:
            raise GraphError(100, "(#100) param recipient must be JSON") from None
        conv = self.conversation_with(str(recipient.get("id") or ""))
        if conv is None:
            raise GraphError(100, "(#100) No matching user found", subcode=2018001)
        text = str(message.get("text") or "")
        if not text.strip():
            raise GraphError(100, "(#100) The parameter message[text] is required")
        person = conv["person"]["id"]
        last = max(
            (
                self.nodes[m]["created"]
                for m in conv["messages"]
                if self.nodes[m]["author"]["id"] == person
            ),
            default=0,
        )
        tagged = (params.get("messaging_type"), params.get("tag")) == ("MESSAGE_TAG", "HUMAN_AGENT")
        window = HUMAN_AGENT_WINDOW if tagged else DM_WINDOW
        if self.now() - last > window:
            raise GraphError(
                10,
                "(#10) This message is sent outside of allowed window. Learn "
                "more about the new policy here: https://developers.facebook.com"
                "/docs/messenger-platform/policy-overview",
                subcode=2018278,
            )
        message_id = self.add_message(person, text, from_page=True)
        return {"recipient_id": person, "message_id": message_id}

    # -- errors and faults ---------------------------------------------------------------

    def _error(self, err: GraphError) -> Response:
        body = {
            "message": str(err),
            "type": err.kind,
            "code": err.code,
            "fbtrace_id": "A" + "".join(self.rng.choice("abcdefXYZ0123") for _ in range(10)),
        }
        if err.subcode is not None:
            body["error_subcode"] = err.subcode
        body.update(err.extra)
        return json_response({"error": body}, err.status, err.headers)

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        if kind == "rate_limited":
            code = spec.get("code") or self._rate_code(request.path)
            minutes = spec.get("minutes", 7)
            if code in (4, 17, 32, 613):
                headers = {
                    "X-App-Usage": json.dumps(
                        {"call_count": 100, "total_cputime": 64, "total_time": 71}
                    )
                }
            else:
                usage_type = {80002: "instagram", 80006: "messenger"}.get(code, "pages")
                headers = {
                    "X-Business-Use-Case-Usage": json.dumps(
                        {
                            PAGE_ID: [
                                {
                                    "type": usage_type,
                                    "call_count": 100,
                                    "total_cputime": 12,
                                    "total_time": 20,
                                    "estimated_time_to_regain_access": minutes,
                                }
                            ]
                        }
                    )
                }
            return self._error(
                GraphError(
                    code,
                    f"(#{code}) There have been too many calls "
                    "from this account. Wait a bit and try again.",
                    status=spec.get("status", 400),
                    headers=headers,
                )
            )
        if kind == "expired":
            return self._error(
                GraphError(
                    190,
                    "Error validating access token: Session has expired on Thursday, "
                    "26-Nov-26 04:00:00 PST.",
                    subcode=463,
                    headers={
                        "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" '
                        '"Error validating access token"'
                    },
                )
            )
        if kind == "blocked":
            return self._error(
                GraphError(
                    368,
                    "It looks like you were misusing this feature by going too fast. You've "
                    "been temporarily blocked from using it.",
                    subcode=1390008,
                    error_user_title="You're Temporarily Blocked",
                    error_user_msg=(
                        "It looks like you were misusing this feature by going too fast."
                    ),
                )
            )
        if kind == "down" and spec.get("code") in (1, 2):
            return self._error(
                GraphError(
                    spec["code"],
                    "An unexpected error has occurred. Please retry your request later.",
                    status=500,
                    is_transient=True,
                )
            )
        if kind == "malformed":
            return Response(
                200,
                b'{"data": [{"id": "1", "message": "trunc',
                {"Content-Type": "application/json"},
            )
        return super().fault_response(kind, spec, request)

    def _rate_code(self, path: str) -> int:
        if path.endswith("/messages"):
            return 80006
        parts = path.split("/")
        node = self.nodes.get(parts[2]) if len(parts) > 2 else None
        return 80002 if node and node["_type"] in ("iguser", "media", "igcomment") else 80001

    # -- the Page's scheduled posts ------------------------------------------------------

    def schedule_post(self, message: str, at: int) -> str:
        """Queue a post for ``at`` (as the Page's own scheduler would); return its id."""
        post_id = f"{PAGE_ID}_{self._next_id('2')}"
        self.queue.add(post_id, at, message, created=self.now())
        return post_id

    def tick(self) -> None:
        self.queue.tick()

    def _publish_scheduled(self, entry: dict, at: float) -> None:
        at = int(at)
        self._node("post", entry["id"], message=entry["text"], created=at, updated=at, comments=[])

    def _full_scheduled(self, n):
        return {
            "message": n["text"],
            "scheduled_publish_time": int(n["at"]),
            "created_time": iso(n["created"]),
            "is_published": False,
        }

    def _post_feed(self, params: dict) -> dict:
        message = str(params.get("message") or "")
        if not message.strip():
            raise GraphError(100, "(#100) Missing message or attachment")
        if str(params.get("published", "true")).lower() in ("false", "0"):
            try:
                at = int(params.get("scheduled_publish_time"))
            except (TypeError, ValueError):
                raise GraphError(
                    100, "(#100) The specified scheduled publish time is invalid."
                ) from None
            ahead = at - self.now()
            if not SCHEDULE_MIN_AHEAD <= ahead <= SCHEDULE_MAX_AHEAD:
                raise GraphError(
                    100,
                    "(#100) The specified scheduled publish time is invalid.",
                    error_user_msg="The scheduled time must be between 10 minutes and 30 days "
                    "from now.",
                )
            return {"id": self.schedule_post(message, at)}
        return {"id": self.add_post(message)["id"]}
