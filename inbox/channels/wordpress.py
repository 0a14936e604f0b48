"""WordPress comments through the REST API (``/wp-json/wp/v2/comments``).

Account settings:
  ``url``     the site's base URL (``https://blog.example.com``); required, no public default
  ``user``    the WordPress user name that owns the application password
  ``status``  optional comment status to list (``approve``, the default, or ``hold`` …)
Secret: the application password (``secrets.password``, or ``secrets.token``), sent with
``user`` as HTTP Basic auth.

Paging: ``after`` + ``page`` + ``per_page=100`` ordered by ``date_gmt`` ascending, until
``X-WP-TotalPages``. WordPress compares ``after`` with the comment's *site-local* date, so
the cursor keeps the last comment's GMT date, the site's UTC offset learnt from that
comment (``date`` − ``date_gmt``) and the ids seen at that instant; the next fetch asks from
that local time minus a two-hour margin (daylight-saving changes) and drops what it has seen.

Mapping: kind ``comment``; ``thread_ref`` is ``post:<id>`` (post ids and comment ids share
a number space, so the prefix keeps them apart); ``parent_ref`` the parent comment's id.

Partial answers: a comment whose ``date_gmt`` is null (saved with a zero GMT date) takes its
site-local ``date`` less the offset learnt from other comments (0 until one is seen); such a
time does not move the cursor. An anonymous comment with an empty ``author_name`` shows its
e-mail or URL, else "unknown". A comment without an id or any date is skipped and counted.

WordPress has no idempotency key (it refuses an identical comment as ``comment_duplicate``,
which is taken as "an earlier attempt got through" and looked up). Exactly once: a reply
that may have got through is looked for among our replies to the same comment, newest first,
back to its queue time. The link of a sent reply is the comment's ``link``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..rows import ItemRow
from ..text import html_to_text, sanitize
from .base import (
    CLOCK_SKEW_S,
    Channel,
    ChannelError,
    HoldReply,
    LookupUnsure,
    Page,
    Sent,
    SkipEntry,
)

PER_PAGE = 100
# WordPress's "after" reads the site-local date; the offset is learnt from the comments,
# and this margin covers a daylight-saving change (or a timezone edit) since then.
MARGIN = timedelta(hours=2)
# WordPress's own comment-flood interval is 15 s; wait a little longer than that.
FLOOD_WAIT = 60
FIND_PAGES = 20  # pages of our replies to one comment read looking for one

# Error codes (the JSON body's "code") and what they mean for sfogo.
AUTH_CODES = {
    "rest_comment_login_required",
    "rest_not_logged_in",
    "incorrect_password",
    "invalid_username",
    "invalid_email",
    "application_passwords_disabled",
    "rest_forbidden_context",
    "rest_forbidden",
    "rest_cannot_read",
    "rest_cannot_read_post",
    "rest_cannot_create",
    "rest_comment_invalid_author",
}
BLOCKED_CODES = {"spammer_account", "rest_user_cannot_view"}
# Refusals of one reply that a retry cannot fix: the reply is held with this reason.
HOLD_CODES = {
    "rest_comment_closed": "comments are closed on this post",
    "rest_comment_draft_post": "the post is a draft",
    "rest_comment_trash_post": "the post is in the trash",
    "rest_comment_invalid_post_id": "the post no longer exists",
    "rest_post_invalid_id": "the post no longer exists",
    "rest_comment_invalid_id": "the comment no longer exists",
    "rest_comment_invalid_parent": "the comment no longer exists",
    "rest_comment_content_invalid": "WordPress refused the reply text",
    "comment_content_column_length": "the reply is too long for WordPress",
}


def _gmt(text: str) -> datetime:
    """A WordPress ``date_gmt`` (no offset, UTC) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=UTC)


def _local(text: str) -> datetime:
    """A WordPress ``date`` (site-local, no offset) as a naive datetime."""
    return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


class WordPress(Channel):
    name = "wordpress"
    default_url = ""  # every site is self-hosted: --url is required

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return "wordpress has no like for comments in its API"

    @property
    def api(self) -> str:
        return "/wp-json/wp/v2"

    def _auth(self) -> httpx.BasicAuth | None:
        user = self.account.settings.get("user") or ""
        password = self.secrets.password or self.secrets.token
        if not (user and password):
            return None
        return httpx.BasicAuth(user, password)

    async def _get(self, path: str, params: dict | list | None = None) -> httpx.Response:
        return await self.request("GET", f"{self.api}{path}", params=params, auth=self._auth())

    # -- reading ---------------------------------------------------------------------------

    async def _me(self) -> dict:
        return self.json(await self._get("/users/me", {"context": "edit"}))

    async def fetch(self, cursor: dict):
        cursor = dict(cursor or {})
        me = cursor.get("me")
        if me is None:  # who "we" are, so our own replies come back marked outgoing
            me = (await self._me()).get("id")
        params: dict[str, Any] = {
            "per_page": PER_PAGE,
            "orderby": "date_gmt",
            "order": "asc",
            "context": "edit",
        }
        if self.account.settings.get("status"):
            params["status"] = self.account.settings["status"]
        last_gmt = cursor.get("gmt")
        seen = set(cursor.get("ids") or [])
        offset = timedelta(seconds=int(cursor.get("offset") or 0))
        if last_gmt:
            after = _gmt(last_gmt).replace(tzinfo=None) + offset - MARGIN
            params["after"] = after.strftime("%Y-%m-%dT%H:%M:%S")
        page = 1
        state: dict[str, Any] = {  # the next cursor
            "gmt": last_gmt,
            "ids": sorted(seen),
            "offset": int(offset.total_seconds()),
            "me": me,
        }
        while True:
            response = await self._get("/comments", {**params, "page": page})
            body = self.json(response)
            if not isinstance(body, list):
                raise ChannelError("broken", f"{self.host()} sent comments that are not a list")
            try:
                total_pages = int(response.headers["x-wp-totalpages"])
            except (KeyError, ValueError):  # a cache or proxy dropped it: go by page size
                total_pages = page + 1 if len(body) >= PER_PAGE else page
            items = self.entries(body, self._comment, me, state)
            # A page past the last answers 200 [] on this endpoint; both end the loop.
            more = bool(body) and page < total_pages
            yield Page(items=items, cursor=dict(state), more=more)
            if not more:
                return
            page += 1

    def _comment(self, comment: Any, me: Any, state: dict):
        """One comment as an item, moving ``state`` past it; None if already seen."""
        comment = self.need_object(comment)
        cid = int(self.need(comment.get("id"), "id"))
        gmt, derived = _comment_time(comment, state["offset"])
        # Already seen: older than the cursor, or at its instant with a known id.
        if state["gmt"] and (
            gmt < _gmt(state["gmt"]) or (gmt == _gmt(state["gmt"]) and cid in state["ids"])
        ):
            return None
        item = self._map(comment, me, int(gmt.timestamp()))
        if derived:
            return item  # a guessed time never moves the cursor
        stamp = gmt.strftime("%Y-%m-%dT%H:%M:%S")
        if stamp == state["gmt"]:
            state["ids"] = sorted({*state["ids"], cid})
        else:
            state["gmt"], state["ids"] = stamp, [cid]
        try:
            local = _local(comment["date"]) - gmt.replace(tzinfo=None)
            state["offset"] = int(local.total_seconds())
        except (KeyError, TypeError, ValueError):
            pass
        return item

    def _map(self, comment: dict, me: Any, created: int):
        content = comment.get("content")
        rendered = content.get("rendered") if isinstance(content, dict) else content
        post = comment.get("post")
        parent = comment.get("parent") or 0
        handle = (
            comment.get("author_email")
            or comment.get("author_url")
            or comment.get("author_name")
            or ""
        )
        return self.item(
            external_id=str(comment["id"]),
            kind="comment",
            created_at=created,
            text=_rendered_text(rendered) if rendered is not None else None,
            author_name=comment.get("author_name") or "",
            author_handle=handle,
            url=comment.get("link") or "",
            thread_ref=f"post:{post}" if post else "",
            parent_ref=str(parent) if parent else "",
            outgoing=bool(me) and comment.get("author") == me,
        )

    # -- replying --------------------------------------------------------------------------

    @staticmethod
    def _post_id(parent: ItemRow) -> int:
        ref = parent.get("thread_ref") or ""
        if ref.startswith("post:") and ref[5:].isdigit():
            return int(ref[5:])
        raise HoldReply("the comment's post is unknown (no post id stored)")

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        post = self._post_id(parent)
        payload = {"post": post, "parent": int(parent["external_id"]), "content": text}
        try:
            response = await self.request(
                "POST", f"{self.api}/comments", json=payload, auth=self._auth()
            )
        except ChannelError as exc:
            if exc.code in HOLD_CODES:
                raise HoldReply(HOLD_CODES[str(exc.code)]) from None
            if exc.code == "comment_duplicate":
                # WordPress already holds this exact comment from us: an earlier attempt
                # got through. Return that comment instead of failing the reply.
                found = await self.find_reply(parent, text, key=key, queued_at=queued_at)
                if found:
                    return found
                raise HoldReply("WordPress says this reply was already posted") from None
            raise
        body = self.json(response)
        if not isinstance(body, dict) or "id" not in body:
            raise ChannelError("broken", f"{self.host()} accepted the reply without an id")
        return Sent(body["id"], str(body.get("link") or ""))

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Our replies to the comment, newest first, back to when the reply was queued."""
        post = self._post_id(parent)
        me = (await self._me()).get("id")
        since = (queued_at if queued_at is not None else int(parent.get("created_at") or 0)) - (
            CLOCK_SKEW_S
        )
        params = {
            "post": post,
            "parent": int(parent["external_id"]),
            "per_page": PER_PAGE,
            "context": "edit",
            "orderby": "date_gmt",
            "order": "desc",
        }
        if me:
            params["author"] = me
        wanted = _normal(text)
        for page in range(1, FIND_PAGES + 1):
            response = await self._get("/comments", {**params, "page": page})
            body = self.json(response)
            comments = [c for c in body if isinstance(c, dict)] if isinstance(body, list) else []
            for comment in comments:
                content = comment.get("content") or {}
                raw = content.get("raw") if isinstance(content, dict) else None
                candidate = raw if raw is not None else _rendered_text(content.get("rendered", ""))
                if _normal(candidate) == wanted and (not me or comment.get("author") == me):
                    return Sent(comment["id"], str(comment.get("link") or ""))
            pages = _int(response.headers.get("x-wp-totalpages")) or page
            if not comments or page >= pages or _gmt_epoch(comments[-1]) < since:
                return None
        raise LookupUnsure(f"more than {FIND_PAGES * PER_PAGE} of our replies to this comment")

    async def check(self) -> str:
        me = await self._me()
        name = sanitize(me.get("name") or me.get("slug") or "?", single_line=True)
        return f"signed in to {self.host()} as {name} (user {me.get('id')})"

    # -- errors ----------------------------------------------------------------------------

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        status = response.status_code
        code = body.get("code") if isinstance(body, dict) else None
        where = f"{self.host()} answered {status}"
        if not isinstance(code, str):
            return None  # HTML maintenance pages, proxies: the generic status rules
        if code == "comment_flood":
            return ChannelError(
                "rate_limited",
                f"{where}: commenting too fast",
                retry_at=self.retry_after(response) or self.now() + FLOOD_WAIT,
                status=status,
                code=code,
            )
        if code in AUTH_CODES:
            return ChannelError("auth", f"{where}: {code}", status=status, code=code)
        if code in BLOCKED_CODES:
            return ChannelError("blocked", f"{where}: {code}", status=status, code=code)
        if code in HOLD_CODES or code == "comment_duplicate":
            return ChannelError("broken", f"{where}: {code}", status=status, code=code)
        if status >= 500:
            return ChannelError(
                "down",
                f"{where}: {code}",
                status=status,
                code=code,
                retry_at=self.retry_after(response),
            )
        return None


def _comment_time(comment: dict, offset: int) -> tuple[datetime, bool]:
    """(the comment's GMT time, whether it was derived from the site-local ``date``)."""
    for name, derived in (("date_gmt", False), ("date", True)):
        value = comment.get(name)
        if not value:
            continue
        try:
            if not derived:
                return _gmt(str(value)), False
            local = _local(str(value)) - timedelta(seconds=offset)
            return local.replace(tzinfo=UTC), True
        except ValueError:
            raise SkipEntry("unreadable time") from None
    raise SkipEntry("no time")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _gmt_epoch(comment: dict) -> int:
    """A comment's ``date_gmt`` as epoch seconds; 0 when null or unreadable, as WordPress
    orders it (by ``date_gmt``, such comments come after every reply that can be ours)."""
    try:
        return int(_gmt(str(comment.get("date_gmt"))).timestamp())
    except (TypeError, ValueError):
        return 0


def _rendered_text(rendered: str) -> str:
    """Text of WordPress's rendered HTML (``<p>a<br />\nb</p>``)."""
    return html_to_text(rendered)


def _normal(text: str) -> str:
    return " ".join(html_to_text(text).split())
