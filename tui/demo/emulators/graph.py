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
  HUMAN_AGENT tag); ``POST /{post-or-comment}/likes`` (the Page likes it: :mod:`.likes`).

Only the requested ``fields`` come back (each type has Graph's small default set). Paging is
``paging.cursors.before/after`` keyed on item ids plus absolute ``paging.next`` links. The token
travels as ``Authorization: Bearer`` or ``access_token``; a wrong one gets error 190, an
expired one 190/463; ``GET /debug_token`` says when it expires (:mod:`.graph_tokens`).

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
:meth:`add_post`, :meth:`add_media` (:mod:`.graph_world`, the data), and move time with
:meth:`set_time` (the clock behind item times and the DM window; generated data lies in the
20 days before the clock's time). How reads are answered lives in :mod:`.graph_views`; this
module holds the routes, the writes, the errors and the faults.
"""

from __future__ import annotations

import json
import random

from ._queue import PublishQueue
from .base import Request, Response, TimeSource, bearer, json_response
from .graph_schedule import GraphError, GraphSchedule
from .graph_tokens import GraphTokens
from .graph_world import IG_USER_ID, PAGE_ID
from .likes import GraphLikes

DM_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 24 * 3600


class GraphEmulator(GraphTokens, GraphLikes, GraphSchedule):
    """Graph's API on loopback: the routes, writes, errors and faults (the module docstring
    has them); the world, its views and the scheduled posts live in the classes below it."""

    # Long: one platform's whole surface of routes and error shapes, each route a short method
    # of its own.

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
        self.route("GET", r"(?:/v\d+\.\d+)?/debug_token", self._debug_token)
        self.route("GET", version + r"/(?P<node>[^/]+)", self._get_node)
        self.route("GET", version + r"/(?P<node>[^/]+)/(?P<edge>[a-z_]+)", self._get_edge)
        self.route(
            "POST",
            version + r"/(?P<node>[^/]+)/(?P<edge>comments|replies|messages|feed)",
            self._post_edge,
        )
        # The Page's scheduled posts (sfogo's posts watchdog): see graph_schedule.py.
        self.queue = PublishQueue(self.faults, lambda: self.clock(), self._publish_scheduled)
        self._route_likes()  # the Page's likes: likes.py

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
        if self.token_expired(token):
            raise self.expired_error()

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
        if kind == "down" and spec.get("bare"):  # an error without its code (a proxy's)
            return json_response({"error": {"message": "Service Unavailable"}}, 503)
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
