"""The YouTube Data API v3 comment endpoints on loopback (``/youtube/v3``).

Shapes as documented: ``youtube#commentThreadListResponse`` with ``nextPageToken`` and
``pageInfo``; threads with ``snippet.topLevelComment``, ``canReply``, ``totalReplyCount``
and at most :data:`INCLUDED_REPLIES` of their replies (the rest through ``comments.list``
with ``parentId``); ``textFormat`` ``html`` (escaped, ``<br>``) or ``plainText``;
``comments.insert`` answering 200 with the new comment. Auth is a bearer token (or
``key=`` for reading). Each call spends quota units (list 1, insert 50) from a daily
budget, and an empty budget answers 403 ``quotaExceeded``.

``order=time`` sorts threads by their top-level comment, newest first: a new reply does
not bring an old thread back up (what the connector's watch list is for).

Faults in Google's shape ``{"error": {"code", "message", "errors": [{"domain", "reason"}],
"status"}}``: ``down`` 503 ``backendError``; ``rate_limited`` 403 ``quotaExceeded``;
``expired`` 401 ``authError``; ``blocked`` 403 ``authenticatedUserAccountSuspended``.

OAuth: ``POST /token`` answers like ``https://oauth2.googleapis.com/token`` for the refresh
tokens of the emulator's ``oauth`` (:mod:`.oauth`); its access tokens live an hour on
the emulator's clock, and an expired one gets 401 ``authError`` (``UNAUTHENTICATED``).

The channel's videos (sfogo's posts watchdog): ``channels?part=contentDetails`` names the
uploads playlist, ``playlistItems`` lists it newest first, ``videos?part=snippet,status``
gives each video's ``privacyStatus`` and, for a private video scheduled to go public,
``publishAt``; ``PUT videos?part=status`` sets one (50 units; ``invalidPublishAt`` for a time
passed). A scheduled video goes public at its time on the emulator's clock, with the queue
faults of ``_queue.py``.
"""

from __future__ import annotations

import base64
import html
import random
import secrets
import time

from ._gen import HOSTILE
from ._queue import PublishQueue
from .base import Emulator, Request, Response, TimeSource, json_response
from .oauth import GOOGLE_REFUSALS, TokenIssuer

TOKEN = "ya29.emulator-access-token"
API_KEY = "AIzaSyEmulatorKey"
CHANNEL_ID = "UCsfogoEmulatorChannel01"
INCLUDED_REPLIES = 5

_AUTHORS = [
    ("@giuliaconti", "UCgiulia0000000000000001"),
    ("@marcobassi", "UCmarco00000000000000002"),
    ("@analima", "UCana000000000000000003"),
    ("@tomreed", "UCtom000000000000000004"),
    ("@yukisato", "UCyuki00000000000000005"),
    ("@lenavogel", "UClena00000000000000006"),
]
_PHRASES = [
    "Love this video!",
    "What camera do you use?",
    "Can you do a tutorial on lighting?",
    "The audio is a bit low at 3:20",
    "Where can I buy the mug?",
    "First!",
    "This helped me a lot, thank you",
    "Is there a discount code?",
]


def google_error(
    status: int, reason: str, message: str, domain: str = "youtube.api", headers: dict | None = None
) -> Response:
    statuses = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        503: "UNAVAILABLE",
        500: "INTERNAL",
    }
    return json_response(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
                "status": statuses.get(status, "UNKNOWN"),
            }
        },
        status,
        headers,
    )


def _iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text[2:]) if text.startswith("o:") else None
    except (ValueError, UnicodeDecodeError):
        return None


class YouTubeEmulator(Emulator):
    """YouTube's API on loopback (the module docstring has the routes and faults)."""

    # Long: one platform's whole surface (reading, writing, its queue of scheduled posts, its
    # own error shapes), each route a short method of its own.

    platform = "youtube"

    def __init__(
        self,
        *,
        threads: int = 230,
        seed: int = 11,
        now: int | None = None,
        quota: int = 10_000,
        token: str = TOKEN,
        channel_id: str = CHANNEL_ID,
        clock: TimeSource = None,
    ) -> None:
        super().__init__(clock=clock)
        self.token, self.channel_id = token, channel_id
        self.now = now if now is not None else int(self.clock())  # the generated data's "now"
        self.quota_left = quota
        self.threads: list[dict] = []  # each: {"top": comment, "replies": [...], "video": id}
        self.disabled_videos: set[str] = set()
        self._n = 0
        rng = self.rng = random.Random(seed)
        start = self.now - 5 * 86400
        step = (5 * 86400 - 7200) // max(1, threads)
        for i in range(threads):
            text = HOSTILE[i % len(HOSTILE)] if i % 37 == 36 else rng.choice(_PHRASES)
            thread = self.add_thread(
                text,
                author=rng.choice(_AUTHORS),
                video=f"vid{rng.randint(1, 8):08d}",
                at=start + i * step,
            )
            for r in range(rng.choice([0, 0, 0, 1, 2, 7])):
                self.add_reply(
                    thread["top"]["id"],
                    f"reply {r}: {rng.choice(_PHRASES)}",
                    author=rng.choice(_AUTHORS),
                    at=start + i * step + 60 * (r + 1),
                )
        self.route("GET", r"/youtube/v3/commentThreads", self._threads)
        self.route("GET", r"/youtube/v3/comments", self._comments)
        self.route("POST", r"/youtube/v3/comments", self._insert)
        self.route("GET", r"/youtube/v3/channels", self._channels)
        # The channel's videos and their publishing times (sfogo's posts watchdog).
        self.videos: dict[str, dict] = {}
        self.queue = PublishQueue(
            self.faults, lambda: self.clock(), self._go_public, self._lose_schedule
        )
        self.route("GET", r"/youtube/v3/playlistItems", self._playlist_items)
        self.route("GET", r"/youtube/v3/videos", self._list_videos)
        self.route("PUT", r"/youtube/v3/videos", self._update_video)
        # Google's token endpoint (oauth2.googleapis.com/token): access tokens live an hour,
        # the refresh token is kept.
        self.oauth = TokenIssuer(
            lambda: self.clock(),
            lifetime=3599,
            rotate=False,
            refusals=GOOGLE_REFUSALS,
            client_id="sfogo.apps.googleusercontent.com",
            client_secret="GOCSPX-emulator",
            prefix="ya29.",
            scope="https://www.googleapis.com/auth/youtube.force-ssl",
        )
        self.route("POST", r"/token", self._token_endpoint)

    # -- data helpers for tests --------------------------------------------------------------

    def _comment(
        self, text: str, author: tuple[str, str], video: str, at: int, parent: str = ""
    ) -> dict:
        self._n += 1
        cid = f"{parent}.{self._n:06d}x" if parent else f"Ugz{self._n:08d}emu4AaABAg"
        snippet = {
            "channelId": self.channel_id,
            "videoId": video,
            "textOriginal": text,
            "authorDisplayName": author[0],
            "authorProfileImageUrl": "https://yt3.ggpht.com/emu=s48",
            "authorChannelUrl": f"http://www.youtube.com/{author[0]}",
            "authorChannelId": {"value": author[1]},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": _iso(at),
            "updatedAt": _iso(at),
        }
        if parent:
            snippet["parentId"] = parent
        return {"kind": "youtube#comment", "etag": f"e{self._n}", "id": cid, "snippet": snippet}

    def add_thread(
        self,
        text: str,
        *,
        author: tuple[str, str] = _AUTHORS[0],
        video: str = "vid00000001",
        at: int | None = None,
    ) -> dict:
        """A new top-level comment (and so a new thread) on ``video``."""
        with self.lock:
            thread = {
                "top": self._comment(text, author, video, self.now if at is None else at),
                "replies": [],
                "video": video,
            }
            self.threads.append(thread)
        return thread

    def add_reply(
        self,
        top_id: str,
        text: str,
        *,
        author: tuple[str, str] = _AUTHORS[1],
        at: int | None = None,
    ) -> dict:
        with self.lock:
            thread = self.thread(top_id)
            reply = self._comment(
                text, author, thread["video"], self.now if at is None else at, parent=top_id
            )
            thread["replies"].append(reply)
        return reply

    def thread(self, top_id: str) -> dict:
        return next(t for t in self.threads if t["top"]["id"] == top_id)

    def disable_comments(self, video: str) -> None:
        self.disabled_videos.add(video)

    def our_replies(self) -> list[dict]:
        return [
            r
            for t in self.threads
            for r in t["replies"]
            if r["snippet"]["authorChannelId"]["value"] == self.channel_id
        ]

    def exhaust_quota(self) -> None:
        """Spend the rest of today's quota: every call answers 403 quotaExceeded."""
        with self.lock:
            self.quota_left = 0

    # -- the live demo (``sfogo demo --live``) ------------------------------------------------

    def live_accounts(self) -> list[dict]:
        """The channel, with an OAuth access token made up now and given only to this
        process."""
        self.token = "ya29." + secrets.token_urlsafe(40)
        return [
            {
                "channel": "youtube",
                "handle": "@SfogoStudio",
                "url": self.base_url,
                "secret": self.token,
                "secret_kind": "token",
                "owner": self.channel_id,
                "settings": {"channel_id": self.channel_id},
            }
        ]

    def add_live_items(self, owner: str, count: int) -> None:
        """``count`` comments now: new threads, and now and then a reply in the newest
        thread (a reply does not bring its thread up: the connector's watch list finds it)."""
        at = int(self.clock())
        with self.lock:
            for n in range(count):
                text = self.rng.choice(_PHRASES)
                if n % 3 == 2 and self.threads:
                    newest = max(self.threads, key=lambda t: t["top"]["snippet"]["publishedAt"])
                    self.add_reply(
                        newest["top"]["id"], text, author=self.rng.choice(_AUTHORS), at=at
                    )
                else:
                    self.add_thread(
                        text,
                        author=self.rng.choice(_AUTHORS),
                        video=f"vid{self.rng.randint(1, 8):08d}",
                        at=at,
                    )

    def live_item_ids(self, owner: str) -> set[str]:
        """Ids of the viewers' comments and replies: what a complete sync holds as incoming
        items."""
        with self.lock:
            return {
                c["id"]
                for t in self.threads
                for c in (t["top"], *t["replies"])
                if c["snippet"]["authorChannelId"]["value"] != self.channel_id
            }

    # -- routes ------------------------------------------------------------------------------

    def _token_endpoint(self, request: Request) -> Response:
        with self.lock:
            return self.oauth.answer(request)

    def _auth(self, request: Request, *, write: bool = False) -> Response | None:
        header = request.headers.get("authorization", "")
        if header == f"Bearer {self.token}":
            return None
        with self.lock:
            if header.startswith("Bearer ") and self.oauth.valid(header[len("Bearer ") :]):
                return None
        if header:
            return google_error(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                "global",
                {
                    "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/",'
                    ' error="invalid_token"'
                },
            )
        if request.arg("key") == API_KEY and not write:
            return None
        if request.arg("key") and request.arg("key") != API_KEY:
            return google_error(
                400, "keyInvalid", "API key not valid. Please pass a valid API key.", "global"
            )
        return google_error(401, "required", "Login Required.", "global")

    def _spend(self, units: int) -> Response | None:
        with self.lock:
            if self.quota_left < units:
                return google_error(
                    403,
                    "quotaExceeded",
                    "The request cannot be completed because you have exceeded your quota.",
                    "youtube.quota",
                )
            self.quota_left -= units
        return None

    def _view(self, comment: dict, fmt: str) -> dict:
        view = {**comment, "snippet": dict(comment["snippet"])}
        text = comment["snippet"]["textOriginal"]
        view["snippet"]["textDisplay"] = (
            text if fmt == "plainText" else html.escape(text).replace("\n", "<br>")
        )
        # textOriginal is only guaranteed to the comment's author.
        if comment["snippet"]["authorChannelId"]["value"] != self.channel_id:
            view["snippet"].pop("textOriginal")
        return view

    def _thread_view(self, thread: dict, parts: set[str], fmt: str) -> dict:
        top = thread["top"]
        view = {"kind": "youtube#commentThread", "etag": f"t{top['etag']}", "id": top["id"]}
        if "snippet" in parts:
            view["snippet"] = {
                "channelId": self.channel_id,
                "videoId": thread["video"],
                "topLevelComment": self._view(top, fmt),
                "canReply": thread["video"] not in self.disabled_videos,
                "totalReplyCount": len(thread["replies"]),
                "isPublic": True,
            }
        if "replies" in parts and thread["replies"]:
            view["replies"] = {
                "comments": [self._view(r, fmt) for r in thread["replies"][:INCLUDED_REPLIES]]
            }
        return view

    def _page_size(self, request: Request, default: int = 20) -> int | Response:
        try:
            size = int(request.arg("maxResults") or default)
        except ValueError:
            size = -1
        if not 1 <= size <= 100:
            return google_error(400, "invalidParameter", "Invalid value for maxResults.")
        return size

    def _threads(self, request: Request) -> Response:
        refused = self._auth(request) or self._spend(1)
        if refused:
            return refused
        parts = set((request.arg("part") or "").split(","))
        fmt = request.arg("textFormat", "html")
        with self.lock:
            rows = list(self.threads)
        if ids := request.arg("id"):
            wanted = ids.split(",")
            rows = [t for t in rows if t["top"]["id"] in wanted]
            info = {"totalResults": len(rows), "resultsPerPage": len(rows)}
            return json_response(
                {
                    "kind": "youtube#commentThreadListResponse",
                    "etag": "x",
                    "pageInfo": info,
                    "items": [self._thread_view(t, parts, fmt) for t in rows],
                }
            )
        if request.arg("allThreadsRelatedToChannelId") != self.channel_id:
            if request.arg("videoId"):
                rows = [t for t in rows if t["video"] == request.arg("videoId")]
            else:
                return google_error(404, "channelNotFound", "The channel could not be found.")
        size = self._page_size(request)
        if isinstance(size, Response):
            return size
        offset = _offset(request.arg("pageToken"))
        if offset is None:
            return google_error(400, "invalidPageToken", "The page token is not valid.")
        rows.sort(
            key=lambda t: (t["top"]["snippet"]["publishedAt"], t["top"]["id"]),
            reverse=request.arg("order", "time") == "time",
        )
        chunk = rows[offset : offset + size]
        body = {
            "kind": "youtube#commentThreadListResponse",
            "etag": f"p{offset}",
            "pageInfo": {"totalResults": len(chunk), "resultsPerPage": size},
            "items": [self._thread_view(t, parts, fmt) for t in chunk],
        }
        if offset + size < len(rows):
            body["nextPageToken"] = _token(offset + size)
        return json_response(body)

    def _comments(self, request: Request) -> Response:
        refused = self._auth(request) or self._spend(1)
        if refused:
            return refused
        fmt = request.arg("textFormat", "html")
        parent = request.arg("parentId")
        with self.lock:
            match = [t for t in self.threads if t["top"]["id"] == parent]
            replies = list(match[0]["replies"]) if match else []
        if not match:
            return google_error(404, "commentNotFound", "The comment could not be found.")
        size = self._page_size(request)
        if isinstance(size, Response):
            return size
        offset = _offset(request.arg("pageToken"))
        if offset is None:
            return google_error(400, "invalidPageToken", "The page token is not valid.")
        body = {
            "kind": "youtube#commentListResponse",
            "etag": f"c{offset}",
            "pageInfo": {"totalResults": len(replies), "resultsPerPage": size},
            "items": [self._view(r, fmt) for r in replies[offset : offset + size]],
        }
        if offset + size < len(replies):
            body["nextPageToken"] = _token(offset + size)
        return json_response(body)

    def _insert(self, request: Request) -> Response:
        refused = self._auth(request, write=True)
        if refused:
            return refused
        try:
            snippet = request.json()["snippet"]
            parent, text = snippet.get("parentId"), snippet.get("textOriginal")
        except (ValueError, KeyError, TypeError):
            return google_error(
                400,
                "processingFailure",
                "The API server failed to successfully process the request.",
                "youtube.comment",
            )
        if not parent:
            return google_error(400, "parentIdMissing", "No parent ID.", "youtube.comment")
        if not text:
            return google_error(
                400, "commentTextRequired", "The comment is empty.", "youtube.comment"
            )
        match = [t for t in self.threads if t["top"]["id"] == parent]
        if not match:
            return google_error(
                404,
                "parentCommentNotFound",
                "The parent comment could not be found.",
                "youtube.comment",
            )
        if match[0]["video"] in self.disabled_videos:
            return google_error(
                403, "commentsDisabled", "The video has disabled comments.", "youtube.commentThread"
            )
        refused = self._spend(50)
        if refused:
            return refused
        reply = self.add_reply(
            parent,
            text,
            author=("@sfogo-studio", self.channel_id),
            at=max(self.now, int(self.clock())),
        )
        return json_response(self._view(reply, "html"))

    def _channels(self, request: Request) -> Response:
        refused = self._auth(request) or self._spend(1)
        if refused:
            return refused
        items = []
        if request.arg("id") == self.channel_id or request.arg("mine") == "true":
            items = [
                {
                    "kind": "youtube#channel",
                    "id": self.channel_id,
                    "snippet": {"title": "Sfogo Studio", "description": ""},
                }
            ]
            if "contentDetails" in (request.arg("part") or ""):
                items[0]["contentDetails"] = {"relatedPlaylists": {"uploads": self.uploads_id}}
        return json_response(
            {
                "kind": "youtube#channelListResponse",
                "items": items,
                "pageInfo": {"totalResults": len(items), "resultsPerPage": 5},
            }
        )

    # -- faults ------------------------------------------------------------------------------

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        if kind == "down":
            return google_error(503, "backendError", "Backend Error", "global")
        if kind == "rate_limited":
            return google_error(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
                "youtube.quota",
            )
        if kind == "expired":
            return google_error(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                "global",
            )
        if kind == "blocked":
            return google_error(
                403,
                "authenticatedUserAccountSuspended",
                "The YouTube account of the authenticated user is suspended.",
                "youtube.api",
            )
        return super().fault_response(kind, spec, request)

    # -- the channel's videos ----------------------------------------------------------------

    @property
    def uploads_id(self) -> str:
        return "UU" + self.channel_id[2:]

    def add_video(self, title: str, *, at: int, publish_at: int | None = None) -> str:
        """A video uploaded at ``at``: public, or private until ``publish_at``."""
        with self.lock:
            self._n += 1
            video_id = f"v{self._n:010d}"
            self.videos[video_id] = {
                "id": video_id,
                "title": title,
                "uploaded": at,
                "published": at if publish_at is None else None,
                "privacy": "public" if publish_at is None else "private",
                "publish_at": publish_at,
            }
            if publish_at is not None:
                self.queue.add(video_id, publish_at, title)
        return video_id

    def tick(self) -> None:
        self.queue.tick()

    def _go_public(self, entry: dict, at: float) -> None:
        video = self.videos.get(entry["id"])
        if video is not None:
            video.update(privacy="public", published=int(at), publish_at=None)

    def _lose_schedule(self, entry: dict) -> None:
        video = self.videos.get(entry["id"])
        if video is not None:
            video["publish_at"] = None  # still private, with no time to go public

    def _playlist_items(self, request: Request) -> Response:
        refused = self._auth(request) or self._spend(1)
        if refused:
            return refused
        if request.arg("playlistId") != self.uploads_id:
            return google_error(404, "playlistNotFound", "The playlist could not be found.")
        size = self._page_size(request, 5)
        if isinstance(size, Response):
            return size
        offset = _offset(request.arg("pageToken"))
        if offset is None:
            return google_error(400, "invalidPageToken", "The page token is not valid.")
        with self.lock:
            rows = sorted(
                self.videos.values(), key=lambda v: (v["uploaded"], v["id"]), reverse=True
            )
        chunk = rows[offset : offset + size]
        items = []
        for v in chunk:
            details = {"videoId": v["id"]}
            if v["published"] is not None:
                details["videoPublishedAt"] = _iso(v["published"])
            items.append(
                {
                    "kind": "youtube#playlistItem",
                    "id": f"pl{v['id']}",
                    "snippet": {
                        "publishedAt": _iso(v["uploaded"]),
                        "title": v["title"],
                        "resourceId": {"kind": "youtube#video", "videoId": v["id"]},
                    },
                    "contentDetails": details,
                }
            )
        body = {
            "kind": "youtube#playlistItemListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(rows), "resultsPerPage": size},
        }
        if offset + size < len(rows):
            body["nextPageToken"] = _token(offset + size)
        return json_response(body)

    def _video_view(self, video: dict, parts: set[str]) -> dict:
        view: dict = {"kind": "youtube#video", "id": video["id"]}
        if "snippet" in parts:
            view["snippet"] = {
                "publishedAt": _iso(video["published"] or video["uploaded"]),
                "channelId": self.channel_id,
                "title": video["title"],
            }
        if "status" in parts:
            view["status"] = {"privacyStatus": video["privacy"], "uploadStatus": "processed"}
            if video["publish_at"] is not None:
                view["status"]["publishAt"] = _iso(video["publish_at"])
        return view

    def _list_videos(self, request: Request) -> Response:
        refused = self._auth(request) or self._spend(1)
        if refused:
            return refused
        parts = set((request.arg("part") or "").split(","))
        wanted = [v for v in (request.arg("id") or "").split(",") if v][:50]
        with self.lock:
            items = [self._video_view(self.videos[v], parts) for v in wanted if v in self.videos]
        return json_response({"kind": "youtube#videoListResponse", "items": items})

    def _update_video(self, request: Request) -> Response:
        refused = self._auth(request, write=True)
        if refused:
            return refused
        try:
            body = request.json() or {}
            video_id, status = str(body["id"]), dict(body.get("status") or {})
        except (ValueError, KeyError, TypeError):
            return google_error(400, "invalidVideoMetadata", "The request metadata is invalid.")
        with self.lock:
            video = self.videos.get(video_id)
            if video is None:
                return google_error(404, "videoNotFound", "The video could not be found.")
            refused = self._spend(50)
            if refused:
                return refused
            publish_at = status.get("publishAt")
            if publish_at:
                from sfogo.inbox.when import parse_iso

                at = parse_iso(str(publish_at))
                if at <= self.clock() or status.get("privacyStatus", "private") != "private":
                    return google_error(
                        400,
                        "invalidPublishAt",
                        "The request metadata specifies an invalid scheduled publishing time.",
                    )
                video.update(privacy="private", publish_at=at, published=None)
                self.queue.remove(video_id)
                self.queue.add(video_id, at, video["title"])
            elif status.get("privacyStatus"):
                video.update(privacy=status["privacyStatus"], publish_at=None)
                self.queue.remove(video_id)
            return json_response(self._video_view(video, {"snippet", "status"}))
