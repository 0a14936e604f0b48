"""Likes, on the platforms whose public API has one: the outbox's second action.

Each class is mixed into its platform's connector (whose HTTP and session it uses) and
gives :meth:`~.base.Channel.cannot_like`, :meth:`~.base.Channel.send_like` and
:meth:`~.base.Channel.find_like`. Exactly once, per platform:

- Mastodon: ``POST /api/v1/statuses/:id/favourite``; before a resend the status's own
  ``favourited`` (as the account sees it) says whether the first attempt got through (and a
  second favourite would change nothing: the server keeps one). Every item is a status
  (direct messages too).
- X: ``POST /2/users/:id/likes {"tweet_id"}`` is idempotent too (liking twice answers
  ``liked: true``). Direct messages have no like in X's API.
- Bluesky: a like is an ``app.bsky.feed.like`` record (``subject`` = the post's strong ref)
  written with ``createRecord`` under a record key derived from the like's idempotency key and
  queue time, as a reply's is (:func:`.bluesky_reply.reply_rkey`): every attempt names the
  same record, the PDS refuses to write it twice and ``getRecord`` answers for certain.
  Chat messages take emoji reactions, not likes, and sfogo sends no reactions.
- Facebook: ``POST /{comment-id}/likes`` (the Page likes the comment); before a resend the
  comment's ``user_likes`` (does the Page, the token's viewer, like it?) says whether the
  first attempt got through. Messenger messages take reactions, not likes.

Platforms without a like for the item say so in one line (their connectors'
``cannot_like``): Instagram comments and tagged media, YouTube comments, WordPress comments,
e-mail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import when
from ..rows import ItemRow
from .base import ChannelError, HoldReply, LookupUnsure, Sent, as_object
from .bluesky_reply import create_keyed_record, own_record, reply_rkey

if TYPE_CHECKING:  # mixins of the connectors: typed as a Channel with what each one uses
    from .base import Channel as _Host
else:
    _Host = object

LIKE = "app.bsky.feed.like"


def _dm_refusal(channel: str, parent: ItemRow, why: str) -> str:
    """The refusal for a direct message on a platform that likes its posts only."""
    return (
        f"{channel} has no like for direct messages in its API{why}"
        if (parent.get("kind") == "dm")
        else ""
    )


class MastodonLiker(_Host):
    """Favourites (mixed into :class:`.mastodon.Mastodon`)."""

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return ""

    async def send_like(self, parent: ItemRow, *, key: str, queued_at: int | None = None) -> str:
        try:
            response = await self.request(
                "POST", f"/api/v1/statuses/{parent['external_id']}/favourite"
            )
        except ChannelError as exc:
            if exc.status == 404:
                raise HoldReply("the post was deleted or is no longer visible") from None
            raise
        body = self.json(response)
        self.expect(isinstance(body, dict) and body.get("favourited") is True, "favourite")
        return str(parent["external_id"])

    async def find_like(
        self,
        parent: ItemRow,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """The status's ``favourited``: whether this account favourited it."""
        try:
            response = await self.request("GET", f"/api/v1/statuses/{parent['external_id']}")
        except ChannelError as exc:
            if exc.status == 404:
                return None  # gone: the resend finds out and holds the like
            raise
        body = self.json(response)
        favourited = body.get("favourited") if isinstance(body, dict) else None
        if favourited is True:
            return str(parent["external_id"])
        if favourited is False:
            return None
        raise LookupUnsure(f"{self.host()} did not say whether the account favourited it")


class XLiker(_Host):
    """Likes of posts (mixed into :class:`.x.X`)."""

    if TYPE_CHECKING:  # what it uses of X

        @property
        def user_id(self) -> str: ...
        def _headers(self) -> dict[str, str]: ...

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return _dm_refusal("x", parent, "")

    async def send_like(self, parent: ItemRow, *, key: str, queued_at: int | None = None) -> str:
        try:
            response = await self.request(
                "POST",
                f"/2/users/{self.user_id}/likes",
                json={"tweet_id": str(parent["external_id"])},
                headers=self._headers(),
            )
        except ChannelError as exc:
            if exc.code == "refused":  # the post is gone, or may not be liked
                raise HoldReply(exc.detail) from None
            raise
        body = self.json(response)
        data = as_object(body.get("data") if isinstance(body, dict) else None)
        self.expect(data.get("liked") is True, "like")
        return str(parent["external_id"])


class BlueskyLiker(_Host):
    """Like records (mixed into :class:`.bluesky.Bluesky`, whose session, XRPC calls and
    thread reading it uses)."""

    if TYPE_CHECKING:  # what it uses of Bluesky

        async def session(self) -> dict: ...
        async def xrpc(self, method: str, nsid: str, **kwargs: Any) -> Any: ...
        async def _thread_post(self, uri: str) -> dict: ...

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return _dm_refusal(
            "bluesky", parent, " (chat messages take emoji reactions, which sfogo does not send)"
        )

    async def send_like(self, parent: ItemRow, *, key: str, queued_at: int | None = None) -> str:
        post = await self._thread_post(parent["external_id"])  # its cid; HoldReply if gone
        rkey = reply_rkey(key, self.now() if queued_at is None else queued_at)
        record = {
            "$type": LIKE,
            "subject": {"uri": post["uri"], "cid": post["cid"]},
            "createdAt": when.iso(self.now()).replace("Z", ".000Z"),
        }
        return await create_keyed_record(
            self, LIKE, rkey, record, lambda: self._own_like(rkey, parent)
        )

    async def find_like(
        self,
        parent: ItemRow,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """The record our key names: there, or certainly not (records are keyed)."""
        if queued_at is None:
            raise LookupUnsure("the like's queue time is needed to name its record")
        return await self._own_like(reply_rkey(key, queued_at), parent)

    async def _own_like(self, rkey: str, parent: ItemRow) -> str | None:
        body = await own_record(self, LIKE, rkey)
        if body is None:
            return None
        subject = as_object(as_object(body.get("value")).get("subject"))
        if subject.get("uri") != parent["external_id"]:
            return None  # another record under our key (it cannot be ours)
        return str(body["uri"])


class FacebookLiker(_Host):
    """The Page's likes of comments (mixed into :class:`.graph.Facebook`)."""

    if TYPE_CHECKING:  # what it uses of _Graph

        async def _get(self, path: str, params: dict | None = None) -> dict: ...
        async def _post(self, path: str, **kwargs: Any) -> dict: ...

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return _dm_refusal(
            "facebook", parent, " (Messenger messages take reactions, which sfogo does not send)"
        )

    async def send_like(self, parent: ItemRow, *, key: str, queued_at: int | None = None) -> str:
        try:
            body = await self._post(f"{parent['external_id']}/likes")
        except ChannelError as exc:
            if exc.code == 100:  # the comment is gone, or may not be liked
                raise HoldReply(f"Facebook refused the like: {exc.detail}") from None
            raise
        self.expect(body.get("success") is True, "like")
        return Sent(parent["external_id"])

    async def find_like(
        self,
        parent: ItemRow,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """The comment's ``user_likes``: whether the Page (the token's viewer) likes it."""
        body = await self._get(str(parent["external_id"]), {"fields": "id,user_likes"})
        liked = body.get("user_likes")
        if liked is True:
            return str(parent["external_id"])
        if liked is False:
            return None
        raise LookupUnsure("Graph did not say whether the Page likes the comment")
