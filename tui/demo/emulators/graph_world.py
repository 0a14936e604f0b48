"""The Graph emulator's world: one Page, its Instagram account, their posts, media,
comments and conversations, generated, added by tests or by the live demo (see
:mod:`.graph`)."""

from __future__ import annotations

import base64
import random
import secrets

from ._queue import PublishQueue
from .base import Emulator

PAGE_ID = "104000000000001"
IG_USER_ID = "17841400000000001"

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


class GraphWorld(Emulator):
    """The nodes (``self.nodes``: id -> node dict with ``_type``), the clock and how nodes
    are made. :class:`.graph.GraphEmulator` (through :class:`.graph_views.GraphViews`) sets
    ``nodes``, ``rng``, ``page``, ``ig_user`` and ``token``, and serves ``base_url`` under
    ``lock``."""

    token: str
    rng: random.Random
    nodes: dict[str, dict]
    page: dict
    ig_user: dict
    _serial: int
    queue: PublishQueue  # the Page's scheduled posts (graph_schedule.py)
    page_likes: set[str]  # ids of the posts and comments the Page likes (likes.py)

    def now(self) -> int:
        return int(self.clock())

    def set_time(self, ts: float) -> None:
        self.clock = lambda: ts

    # -- ids and nodes -------------------------------------------------------------------

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

    def add_tagged_media(self, caption: str, *, username: str, at: int | None = None) -> str:
        """Media of ``username`` in which our Instagram account is tagged (the ``tags``
        edge); its id."""
        at = self.now() if at is None else at
        media_id = self._next_id("178")
        code = base64.urlsafe_b64encode(media_id.encode()).decode()[:11]
        self._node(
            "taggedmedia",
            media_id,
            caption=caption,
            created=at,
            username=username,
            permalink=f"https://www.instagram.com/p/{code}/",
        )
        return media_id

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
