"""A WordPress site's comments REST API on loopback (``/wp-json/wp/v2``).

Speaks the documented shapes: comment objects in the ``edit`` context, ``X-WP-Total`` /
``X-WP-TotalPages`` and ``Link`` headers, ``200 []`` past the last page, application
passwords over HTTP Basic, errors as ``{"code", "message", "data": {"status"}}``. Like the
real thing, ``after`` is compared with the comment's **site-local** ``date`` (the site
here runs at ``utc_offset`` hours, UTC−7 by default), which is the trap the connector's
margin exists for.

Faults in WordPress's shapes: ``down`` is the 503 maintenance page with ``Retry-After:
600``; ``rate_limited`` is ``400 comment_flood`` for a new comment and a proxy's 429 with
``Retry-After`` otherwise; ``expired`` is ``401 incorrect_password`` (a revoked application
password); ``blocked`` is a security firewall's 403 HTML page; ``malformed`` is a PHP
warning printed before the JSON.

Posts (``/wp-json/wp/v2/posts``): ``GET`` with ``status`` (``publish`` by default; ``future``
and the others need the ``edit`` context and a login), ``after`` (site-local, like the
comments), ``per_page``, ``page``, ``orderby=date``, ``order``; ``POST`` creates one
(``status`` ``publish``, or ``future`` with ``date_gmt`` ahead). A ``future`` post is
published at its date on the emulator's clock, with the queue faults of ``_queue.py``:
``stall_publish`` is WordPress's own "missed schedule" (WP-Cron did not run), the post
staying ``future`` past its date.
"""

from __future__ import annotations

import base64
import html
import random
import secrets
import string
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from ._gen import HOSTILE
from ._queue import PublishQueue
from .base import Emulator, Request, Response, TimeSource, html_response, json_response

USER = "editor"
PASSWORD = "abcd efgh ijkl mnop qrst uvwx"  # application passwords look like this
ME_ID = 1

MAINTENANCE = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Maintenance</title></head>'
    b"<body><h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1>"
    b"</body></html>"
)
FIREWALL = (
    b"<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body>"
    b"<h1>Your access to this site has been limited by the site owner</h1></body></html>"
)

_NAMES = [
    "Giulia Conti",
    "Marco Bassi",
    "Ana Lima",
    "Tom Reed",
    "Yuki Sato",
    "Lena Vogel",
    "Omar Haddad",
    "Chiara Riva",
    "Pablo Ruiz",
    "Sara Blom",
]
_PHRASES = [
    "Great post, thanks!",
    "Do you ship to Portugal?",
    "The link in paragraph two is broken.",
    "When is the next workshop?",
    "I tried this recipe and <em>loved</em> it.",
    'Could you share the <a href="https://example.org">source</a>?',
    "Price list please.",
    "Is the shop open on Sunday?",
]


def _error(code: str, message: str, status: int, headers: dict | None = None) -> Response:
    return json_response(
        {"code": code, "message": message, "data": {"status": status}}, status, headers
    )


class WordPressEmulator(Emulator):
    """WordPress's API on loopback (the module docstring has the routes and faults)."""

    # Long: one platform's whole surface (reading, writing, its queue of scheduled posts, its
    # own error shapes), each route a short method of its own.

    platform = "wordpress"

    def __init__(
        self,
        *,
        comments: int = 250,
        posts: int = 12,
        seed: int = 7,
        now: int | None = None,
        utc_offset: float = -7,
        user: str = USER,
        password: str = PASSWORD,
        clock: TimeSource = None,
    ) -> None:
        super().__init__(clock=clock)
        self.user, self.password = user, password
        self.offset = timedelta(hours=utc_offset)
        self.now = now if now is not None else int(self.clock())  # the generated data's "now"
        self.comments: list[dict] = []
        self.closed_posts: set[int] = set()
        self.posts = posts
        self._next_id = 1
        rng = self.rng = random.Random(seed)
        # Spread over the last three days, oldest first, in pairs sharing a second (the
        # case the cursor's "ids seen at that instant" exists for).
        start = self.now - 3 * 86400
        step = (3 * 86400 - 3600) // max(1, comments // 2 + 1)
        for i in range(comments):
            at = start + (i // 2) * step
            parent = 0
            if self.comments and rng.random() < 0.25:
                parent = rng.choice(self.comments[-10:])["id"]
            # Now and then a hostile one (escape sequences, bidi overrides, markup).
            text = HOSTILE[i % len(HOSTILE)] if i % 41 == 40 else rng.choice(_PHRASES)
            self.add_comment(
                f"<p>{text}</p>",
                author_name=rng.choice(_NAMES),
                post=rng.randint(1, posts),
                parent=parent,
                at=at,
            )
        self.route("GET", r"/wp-json/wp/v2/comments", self._list)
        self.route("POST", r"/wp-json/wp/v2/comments", self._create)
        self.route("GET", r"/wp-json/wp/v2/users/me", self._me)
        # The blog's own posts (sfogo's posts watchdog): see the module docstring.
        self.blog: dict[int, dict] = {}  # post id -> post
        self._post_ids = iter(range(1000, 10**9))
        self.queue = PublishQueue(
            self.faults, lambda: self.clock(), self._publish_future, self._lose_future
        )
        self.route("GET", r"/wp-json/wp/v2/posts", self._list_posts)
        self.route("POST", r"/wp-json/wp/v2/posts", self._create_post)

    # -- data helpers for tests --------------------------------------------------------------

    def add_comment(
        self,
        content_html: str,
        *,
        author_name: str = "Visitor",
        post: int = 1,
        parent: int = 0,
        at: int | None = None,
        author: int = 0,
        email: str = "",
    ) -> dict:
        """Store a comment as WordPress would (rendered HTML as given) and return it."""
        at = self.now if at is None else at
        gmt = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
        cid = self._next_id
        self._next_id += 1
        if parent:
            post = self.comment(parent)["post"]
        comment = {
            "id": cid,
            "post": post,
            "parent": parent,
            "author": author,
            "author_name": author_name,
            "author_email": email or f"{author_name.split()[0].lower()}{cid}@example.net",
            "author_url": "",
            "author_ip": "127.0.0.1",
            "author_user_agent": "Mozilla/5.0",
            "date": (gmt + self.offset).strftime("%Y-%m-%dT%H:%M:%S"),
            "date_gmt": gmt.strftime("%Y-%m-%dT%H:%M:%S"),
            "content": {"rendered": content_html, "raw": html.unescape(content_html)},
            "link": f"https://blog.example.com/?p={post}#comment-{cid}",
            "status": "approved",
            "type": "comment",
            "karma": 0,
            "author_avatar_urls": {"24": "https://secure.gravatar.com/avatar/0?s=24"},
            "meta": [],
        }
        with self.lock:
            self.comments.append(comment)
        return comment

    def comment(self, cid: int) -> dict:
        return next(c for c in self.comments if c["id"] == cid)

    def close_post(self, post: int) -> None:
        self.closed_posts.add(post)

    def replies_by_me(self) -> list[dict]:
        return [c for c in self.comments if c["author"] == ME_ID]

    # -- the live demo (``sfogo demo --live``) ------------------------------------------------

    def live_accounts(self) -> list[dict]:
        """The site's editor, with an application password made up now (24 characters in
        groups of four, as WordPress shows them) and given only to this process."""
        chars = string.ascii_letters + string.digits
        self.password = " ".join("".join(secrets.choice(chars) for _ in range(4)) for _ in range(6))
        return [
            {
                "channel": "wordpress",
                "handle": "blog.example.com",
                "url": self.base_url,
                "secret": self.password,
                "secret_kind": "password",
                "owner": self.user,
                "settings": {"user": self.user},
            }
        ]

    def add_live_items(self, owner: str, count: int) -> None:
        """``count`` visitors comment now (in the same second: the cursor's hard case), some
        of them answering a recent comment."""
        at = int(self.clock())
        with self.lock:
            for _ in range(count):
                parent = 0
                if self.rng.random() < 0.3:
                    parent = self.rng.choice(self.comments[-10:])["id"]
                self.add_comment(
                    f"<p>{self.rng.choice(_PHRASES)}</p>",
                    author_name=self.rng.choice(_NAMES),
                    post=self.rng.randint(1, self.posts),
                    parent=parent,
                    at=at,
                )

    def live_item_ids(self, owner: str) -> set[str]:
        """Ids of the visitors' comments: what a complete sync holds as incoming items."""
        with self.lock:
            return {str(c["id"]) for c in self.comments if c["author"] != ME_ID}

    # -- routes ------------------------------------------------------------------------------

    def _authenticated(self, request: Request) -> bool | Response:
        header = request.headers.get("authorization", "")
        if not header:
            return False
        if not header.startswith("Basic "):
            return _error("rest_not_logged_in", "You are not currently logged in.", 401)
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return _error("rest_not_logged_in", "You are not currently logged in.", 401)
        if user != self.user:
            return _error("invalid_username", "Unknown username.", 401)
        if password.replace(" ", "") != self.password.replace(" ", ""):
            return _error(
                "incorrect_password",
                "The provided password is an invalid application password.",
                401,
            )
        return True

    def _me(self, request: Request) -> Response:
        auth = self._authenticated(request)
        if isinstance(auth, Response):
            return auth
        if not auth:
            return _error("rest_not_logged_in", "You are not currently logged in.", 401)
        return json_response(
            {"id": ME_ID, "name": "Editor", "slug": self.user, "roles": ["editor"]}
        )

    def _list(self, request: Request) -> Response:
        auth = self._authenticated(request)
        if isinstance(auth, Response):
            return auth
        if request.arg("context") == "edit" and not auth:
            return _error(
                "rest_forbidden_context", "Sorry, you are not allowed to edit comments.", 401
            )
        try:
            per_page = int(request.arg("per_page", "10"))
            page = int(request.arg("page", "1"))
        except ValueError:
            return _error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        if not 1 <= per_page <= 100 or page < 1:
            return _error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        with self.lock:
            rows = list(self.comments)
        after = request.arg("after")
        if after:  # the real quirk: compared with the site-local date
            limit = datetime.fromisoformat(after.replace("Z", "")).replace(tzinfo=None)
            rows = [c for c in rows if datetime.fromisoformat(c["date"]) > limit]
        for name, field in (("post", "post"), ("parent", "parent"), ("author", "author")):
            wanted = request.query.get(name) or request.query.get(f"{name}[]")
            if wanted:
                keep = {int(v) for value in wanted for v in value.split(",") if v}
                rows = [c for c in rows if c[field] in keep]
        key = "date_gmt" if request.arg("orderby", "date_gmt") in ("date_gmt", "date") else "id"
        rows.sort(key=lambda c: (c[key], c["id"]), reverse=request.arg("order", "desc") == "desc")
        total = len(rows)
        pages = -(-total // per_page)
        chunk = rows[(page - 1) * per_page : page * per_page]
        view = [self._view(c, request.arg("context", "view")) for c in chunk]
        base = f"{self.base_url}{request.path}?"
        query = {k: v[0] for k, v in request.query.items()}
        links = []
        if page > 1:
            prev = min(page - 1, max(pages, 1))
            links.append(f'<{base}{urlencode({**query, "page": prev})}>; rel="prev"')
        if pages > page:
            links.append(f'<{base}{urlencode({**query, "page": page + 1})}>; rel="next"')
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        if links:
            headers["Link"] = ", ".join(links)
        return json_response(view, 200, headers)

    @staticmethod
    def _view(comment: dict, context: str) -> dict:
        view = dict(comment)
        if context != "edit":
            for key in ("author_email", "author_ip", "author_user_agent", "karma"):
                view.pop(key, None)
            view["content"] = {"rendered": comment["content"]["rendered"]}
        return view

    def _create(self, request: Request) -> Response:
        auth = self._authenticated(request)
        if isinstance(auth, Response):
            return auth
        if not auth:
            return _error(
                "rest_comment_login_required", "Sorry, you must be logged in to comment.", 401
            )
        try:
            data = request.json() if request.body else {k: v[0] for k, v in request.form().items()}
            post, parent = int(data.get("post") or 0), int(data.get("parent") or 0)
        except (ValueError, TypeError):
            return _error("rest_invalid_param", "Invalid parameter(s): post", 400)
        content = str(data.get("content") or "")
        if not post or post > self.posts:
            return _error(
                "rest_comment_invalid_post_id",
                "Sorry, you are not allowed to create this comment without a post.",
                403,
            )
        if parent and not any(c["id"] == parent for c in self.comments):
            return _error("rest_comment_invalid_parent", "Invalid comment parent.", 400)
        if post in self.closed_posts:
            return _error("rest_comment_closed", "Sorry, comments are closed for this item.", 403)
        if not content.strip():
            return _error("rest_comment_content_invalid", "Invalid comment content.", 400)
        with self.lock:
            if any(
                c["author"] == ME_ID
                and c["post"] == post
                and c["parent"] == parent
                and c["content"]["raw"] == content
                for c in self.comments
            ):
                return _error(
                    "comment_duplicate",
                    "Duplicate comment detected; it looks as though you&#8217;ve "
                    "already said that!",
                    409,
                )
            rendered = "<p>" + html.escape(content).replace("\n", "<br />\n") + "</p>\n"
            comment = self.add_comment(
                rendered,
                author_name="Editor",
                post=post,
                parent=parent,
                at=max(self.now, int(self.clock())),
                author=ME_ID,
                email="editor@blog.example.com",
            )
            comment["content"]["raw"] = content
        return json_response(
            self._view(comment, "edit"),
            201,
            {"Location": f"{self.base_url}/wp-json/wp/v2/comments/{comment['id']}"},
        )

    # -- faults ------------------------------------------------------------------------------

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        if kind == "down":
            return html_response(
                MAINTENANCE, 503, {"Retry-After": str(spec.get("retry_after", 600))}
            )
        if kind == "rate_limited":
            if request.method == "POST":
                return _error(
                    "comment_flood", "You are posting comments too quickly. Slow down.", 400
                )
            return html_response(
                b"<html><body>Too Many Requests</body></html>",
                429,
                {"Retry-After": str(spec.get("retry_after", 120))},
            )
        if kind == "expired":
            return _error(
                "incorrect_password",
                "The provided password is an invalid application password.",
                401,
            )
        if kind == "blocked":
            return html_response(FIREWALL, 403)
        if kind == "malformed":
            return Response(
                200,
                b'<br />\n<b>Warning</b>:  Undefined array key "x" in '
                b"<b>/var/www/html/wp-content/plugins/seo/seo.php</b> on line "
                b'<b>42</b><br />\n[{"id": 1, "post": 1',
                {"Content-Type": "application/json; charset=UTF-8"},
            )
        return super().fault_response(kind, spec, request)

    # -- the blog's own posts ----------------------------------------------------------------

    def add_post(self, title: str, at: int, *, status: str = "publish", content: str = "") -> int:
        """A post by the editor (``future``: queued for ``at``); return its id."""
        post_id = next(self._post_ids)
        gmt = datetime.fromtimestamp(at, UTC).replace(tzinfo=None)
        self.blog[post_id] = {
            "id": post_id,
            "date": (gmt + self.offset).strftime("%Y-%m-%dT%H:%M:%S"),
            "date_gmt": gmt.strftime("%Y-%m-%dT%H:%M:%S"),
            "status": status,
            "title": {"raw": title, "rendered": html.escape(title)},
            "content": {"raw": content, "rendered": f"<p>{html.escape(content)}</p>\n"},
            "author": ME_ID,
            "link": f"https://blog.example.com/?p={post_id}",
        }
        if status == "future":
            self.queue.add(str(post_id), at, title)
        return post_id

    def tick(self) -> None:
        self.queue.tick()

    def _publish_future(self, entry: dict, at: float) -> None:
        post = self.blog.get(int(entry["id"]))
        if post is None:
            return
        gmt = datetime.fromtimestamp(int(at), UTC).replace(tzinfo=None)
        post.update(
            status="publish",
            date=(gmt + self.offset).strftime("%Y-%m-%dT%H:%M:%S"),
            date_gmt=gmt.strftime("%Y-%m-%dT%H:%M:%S"),
        )

    def _lose_future(self, entry: dict) -> None:
        post = self.blog.get(int(entry["id"]))
        if post is not None:
            post["status"] = "draft"  # off the schedule: a draft nobody will publish

    @staticmethod
    def _post_view(post: dict, context: str) -> dict:
        view = dict(post)
        if context != "edit":
            view["title"] = {"rendered": post["title"]["rendered"]}
            view["content"] = {"rendered": post["content"]["rendered"]}
        return view

    def _list_posts(self, request: Request) -> Response:
        auth = self._authenticated(request)
        if isinstance(auth, Response):
            return auth
        status = request.arg("status", "publish")
        if request.arg("context") == "edit" and not auth:
            return _error(
                "rest_forbidden_context", "Sorry, you are not allowed to edit posts.", 401
            )
        if status != "publish" and not auth:
            return _error("rest_invalid_param", "Invalid parameter(s): status", 400)
        try:
            per_page = int(request.arg("per_page", "10"))
            page = int(request.arg("page", "1"))
        except ValueError:
            return _error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        if not 1 <= per_page <= 100 or page < 1:
            return _error("rest_invalid_param", "Invalid parameter(s): per_page", 400)
        with self.lock:
            rows = [p for p in self.blog.values() if p["status"] in status.split(",")]
        after = request.arg("after")
        if after:  # site-local, as for comments
            limit = datetime.fromisoformat(after.replace("Z", "")).replace(tzinfo=None)
            rows = [p for p in rows if datetime.fromisoformat(p["date"]) > limit]
        rows.sort(
            key=lambda p: (p["date_gmt"], p["id"]), reverse=request.arg("order", "desc") == "desc"
        )
        total, pages = len(rows), -(-len(rows) // per_page)
        chunk = rows[(page - 1) * per_page : page * per_page]
        view = [self._post_view(p, request.arg("context", "view")) for p in chunk]
        return json_response(view, 200, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)})

    def _create_post(self, request: Request) -> Response:
        auth = self._authenticated(request)
        if isinstance(auth, Response):
            return auth
        if not auth:
            return _error("rest_cannot_create", "Sorry, you are not allowed to create posts.", 401)
        try:
            data = request.json() or {}
        except ValueError:
            return _error("rest_invalid_json", "Invalid JSON body passed.", 400)
        title = str(data.get("title") or "")
        if not title.strip() and not str(data.get("content") or "").strip():
            return _error("empty_content", "Content, title, and excerpt are empty.", 400)
        status = data.get("status", "draft")
        now = int(self.clock())
        at = now
        if data.get("date_gmt"):
            try:
                at = int(
                    datetime.fromisoformat(str(data["date_gmt"]).replace("Z", ""))
                    .replace(tzinfo=UTC)
                    .timestamp()
                )
            except ValueError:
                return _error("rest_invalid_param", "Invalid parameter(s): date_gmt", 400)
        if status == "future" and at <= now:
            status = "publish"  # WordPress publishes a "future" post dated in the past
        if status not in ("publish", "future", "draft"):
            return _error("rest_invalid_param", "Invalid parameter(s): status", 400)
        with self.lock:
            post_id = self.add_post(
                title, at, status=status, content=str(data.get("content") or "")
            )
            view = self._post_view(self.blog[post_id], "edit")
        return json_response(
            view, 201, {"Location": f"{self.base_url}/wp-json/wp/v2/posts/{post_id}"}
        )
