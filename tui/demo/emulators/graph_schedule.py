"""The Graph emulator's scheduled posts: a Page's queue (``POST /{page}/feed`` with
``published=false`` and ``scheduled_publish_time``, listed by ``GET /{page}/scheduled_posts``)
that publishes each post at its time on the emulator's clock (see :mod:`._queue`)."""

from __future__ import annotations

from .graph_views import GraphViews, iso
from .graph_world import PAGE_ID

SCHEDULE_MIN_AHEAD = 10 * 60
SCHEDULE_MAX_AHEAD = 30 * 86400


class GraphError(Exception):
    """A Graph error answer (code, message, HTTP status and Graph's extra fields)."""

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


class GraphSchedule(GraphViews):
    """The Page's queue of scheduled posts (``self.queue``, set up by the emulator)."""

    def schedule_post(self, message: str, at: int) -> str:
        """Queue a post for ``at`` (as the Page's own scheduler would); return its id."""
        post_id = f"{PAGE_ID}_{self._next_id('2')}"
        self.queue.add(post_id, at, message, created=self.now())
        return post_id

    def tick(self) -> None:
        self.queue.tick()

    def _publish_scheduled(self, entry: dict, at: float) -> None:
        when = int(at)
        self._node(
            "post", entry["id"], message=entry["text"], created=when, updated=when, comments=[]
        )

    def _full_scheduled(self, n: dict) -> dict:
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
                at = int(params.get("scheduled_publish_time"))  # type: ignore[arg-type]  # None: refused below
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
