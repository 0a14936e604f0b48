"""Likes in the emulators: the routes and state that each platform's like needs, mixed into
its emulator (each mixin's ``_route_likes`` registers its routes; the emulator calls it).

- Mastodon: ``POST /api/v1/statuses/:id/favourite`` → the status with ``favourited: true``;
  a second favourite changes nothing and answers the same (idempotent, as Mastodon is);
  404 for a status the account cannot see.
- X: ``POST /2/users/:id/likes {"tweet_id"}`` → 200 ``{"data": {"liked": true}}``, again for
  a post liked already; ``:id`` other than the token's user → 403; a post that does not
  exist → 400 invalid-request; its own 15-minute window (``likes``).
- Graph: ``POST /{object-id}/likes`` → ``{"success": true}`` on a Page post or comment (the
  Page likes it once, however often it is asked); on an Instagram comment or media, error
  100 (the Instagram API has no likes). A comment's ``user_likes`` and ``like_count`` say
  whether the Page likes it (graph_views.py renders them).
- Bluesky: ``app.bsky.feed.like`` records through ``createRecord`` (``subject`` must be a
  strong ref to a post; a record key must be a TID and one that exists is refused with 500,
  as for posts), found again with ``getRecord``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Request, Response, json_response

if TYPE_CHECKING:  # mixins of the emulators: typed as an Emulator with what each one uses
    from .base import Emulator as _Host
else:
    _Host = object


class MastodonFavourites(_Host):
    """Favourites on the Mastodon emulator."""

    if TYPE_CHECKING:  # what it uses of MastodonEmulator

        def _guarded(self, request: Request, handler: Any) -> Response: ...
        def _visible(self, status_id: int, me: str) -> bool: ...
        def _status_json(self, status_id: int) -> dict: ...

    favourites: set[tuple[str, int]]  # (account id, status id)

    def _route_likes(self) -> None:
        self.favourites = set()
        self.route("POST", r"/api/v1/statuses/(?P<id>\d+)/favourite", self._favourite)

    def favourited_by(self, account_id: str) -> list[int]:
        with self.lock:
            return sorted(s for a, s in self.favourites if a == account_id)

    def _favourite(self, request: Request) -> Response:
        def handle(r: Request, me: str) -> Response:
            status_id = int(r.params["id"])
            if not self._visible(status_id, me):
                return json_response({"error": "Record not found"}, 404)
            self.favourites.add((me, status_id))
            count = sum(1 for _, s in self.favourites if s == status_id)
            return json_response(
                {**self._status_json(status_id), "favourited": True, "favourites_count": count}
            )

        return self._guarded(request, handle)


class XLikes(_Host):
    """Likes on the X emulator."""

    if TYPE_CHECKING:  # what it uses of XEmulator
        tweets: dict[str, dict]

        def _guard(self, request: Request, endpoint: str) -> tuple[Response | None, dict]: ...
        @staticmethod
        def _answer(body: dict, headers: dict, status: int | None = None) -> Response: ...

    likes: set[tuple[str, str]]  # (user id, post id)

    def _route_likes(self) -> None:
        self.likes = set()
        self.route("POST", r"/2/users/(?P<id>\d+)/likes", self._like)

    def liked_by(self, user_id: str) -> list[str]:
        with self.lock:
            return sorted(t for u, t in self.likes if u == user_id)

    def _like(self, request: Request) -> Response:
        from .x import ME_ID, PROBLEMS, problem

        with self.lock:
            refused, headers = self._guard(request, "likes")
            if refused:
                return refused
            if request.params["id"] != ME_ID:
                return self._answer(
                    problem(403, "Forbidden", "You are not permitted to like on behalf of others"),
                    headers,
                )
            try:
                tweet_id = str((request.json() or {}).get("tweet_id") or "")
            except ValueError:
                tweet_id = ""
            if tweet_id not in self.tweets:
                return self._answer(
                    problem(
                        400,
                        "Invalid Request",
                        "One or more parameters to your request was invalid.",
                        PROBLEMS + "invalid-request",
                        errors=[
                            {
                                "parameters": {"tweet_id": [tweet_id]},
                                "message": "The tweet_id does not exist",
                            }
                        ],
                    ),
                    headers,
                )
            self.likes.add((ME_ID, tweet_id))
            return self._answer({"data": {"liked": True}}, headers, 200)


class GraphLikes(_Host):
    """The Page's likes on the Graph emulator."""

    if TYPE_CHECKING:  # what it uses of GraphEmulator
        nodes: dict[str, dict]

        def _handle(self, request: Request, work: Any) -> Response: ...
        def _lookup(self, node_id: str, method: str = "get") -> dict: ...

    page_likes: set[str]  # ids of what the Page likes

    def _route_likes(self) -> None:
        self.page_likes = set()
        self.route("POST", r"/v\d+\.\d+/(?P<node>[^/]+)/likes", self._post_like)

    def _post_like(self, request: Request) -> Response:
        from .graph_schedule import GraphError

        def work() -> dict:
            node = self._lookup(request.params["node"], "post")
            if node["_type"] not in ("post", "comment"):
                raise GraphError(100, "(#100) Unsupported post request on likes")
            self.page_likes.add(node["id"])
            return {"success": True}

        return self._handle(request, work)


class BlueskyLikes(_Host):
    """Like records on the Bluesky emulator (``createRecord`` hands them over)."""

    if TYPE_CHECKING:  # what it uses of BlueskyEmulator
        posts: dict[str, dict]

    like_records: dict[str, dict]  # uri -> {uri, cid, did, record}

    def _route_likes(self) -> None:
        self.like_records = {}

    def likes_by(self, did: str) -> list[dict]:
        with self.lock:
            return [r for r in self.like_records.values() if r["did"] == did]

    def _create_like(self, did: str, record: Any, rkey: str) -> Response:
        from .bluesky import cid_for, error

        subject = record.get("subject") if isinstance(record, dict) else None
        if (
            not isinstance(subject, dict)
            or subject.get("uri") not in self.posts
            or self.posts[subject["uri"]]["cid"] != subject.get("cid")
        ):
            return error("InvalidRecord", "Record/subject must be a strong ref to a post")
        uri = f"at://{did}/app.bsky.feed.like/{rkey}"
        if uri in self.like_records:
            return error("InternalServerError", "Internal Server Error", 500)
        cid = cid_for(uri + subject["uri"])
        self.like_records[uri] = {"uri": uri, "cid": cid, "did": did, "record": dict(record)}
        return json_response(
            {"uri": uri, "cid": cid, "commit": {"cid": cid_for(uri), "rev": rkey}},
        )
