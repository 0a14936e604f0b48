"""What the Graph connectors read: the page inbox, Facebook post comments, Instagram comments.

What is read:
- page inbox: ``GET /{page-id}/conversations?platform=messenger|instagram`` with the newest
  messages nested (kind ``dm``; thread = conversation id);
- Facebook: comments on the page's posts, ``GET /{post-id}/comments?filter=stream&order=
  reverse_chronological`` for every post of the lookback window updated since the last sync
  (kind ``comment``; thread = post id, parent = parent comment, or the post);
- Instagram: comments and their replies on the account's media, ``GET /{ig-media-id}/comments``
  with the replies nested, their further pages from ``GET /{ig-comment-id}/replies`` (kind
  ``comment``; thread = media id, parent = parent comment, or the media); the media others
  tagged the account in, ``GET /{ig-user-id}/tags`` (newest first; kind ``mention``, the
  caption as its text; thread = the media). Instagram serves a comment or caption that
  @mentions the account only by the id its webhook carries (``mentioned_comment``,
  ``mentioned_media``): sfogo, which polls, cannot list them.

Cursor: one high-water mark per edge (``conversations``, ``comments``, ``media_comments`` or
``tags``:
epoch seconds of the newest item seen, and ``<edge>_ids``: the ids seen at that very second, so
an item arriving later in the same second is still new), plus ``media_counts`` ({media id:
comments_count}) so unchanged Instagram media are not re-read. Graph has no ``since`` on
conversations or comments, so each edge reads newest first and stops at the mark. An edge's
new mark is handed out only with its last page, so a fetch interrupted half way starts again
from the old mark (duplicates are harmless: items are keyed by external id).

Partial answers: Graph leaves out what the token may not see. Since v11.0 a Page post
comment's ``id`` needs the MODERATOR task and its ``from`` a Page token; its
``permalink_url`` (``...?comment_id=C&reply_comment_id=R``) still names it, so the id
(``{post}_{R or C}``) and the parent (``{post}_C`` for a reply) are derived from it. An
Instagram reply without ``parent_id`` hangs under the comment it was read in. A post or
media without a time is read (the edge's ``since`` already bounded it); a comment or
message without an id or a time is skipped and counted; a missing author is "unknown".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .. import when
from .base import Page, as_object

if TYPE_CHECKING:  # the mixin uses its host's HTTP, paging and settings: type it as the host
    from .graph import _Graph as _Host
else:
    _Host = object

PAGE_SIZE = 25
COMMENT_PAGE_SIZE = 50
LOOKBACK_DAYS = 28
CONVERSATION_FIELDS = (
    f"participants,updated_time,link,messages.limit({PAGE_SIZE}){{id,message,from,created_time}}"
)
FB_COMMENT_FIELDS = "id,message,created_time,from,parent{id},permalink_url"
IG_COMMENT_FIELDS = (
    "id,text,timestamp,username,from,replies{id,text,timestamp,username,from,parent_id}"
)
TAG_FIELDS = "id,caption,timestamp,username,permalink,media_type"
NO_MESSAGE_TEXT = "(no text: an attachment or a sticker)"


class _Mark:
    """An edge's high-water mark: the newest second seen and the ids seen at that second."""

    def __init__(self, cursor: dict, key: str) -> None:
        self.key = key
        self.t = int(cursor.get(key) or 0)
        self.ids = set(cursor.get(f"{key}_ids") or [])
        self.newest, self.newest_ids = self.t, set(self.ids)

    def before(self, created: int | None) -> bool:
        """Older than the mark: on a newest-first edge, nothing after this is new. A time
        the platform did not send is never before the mark."""
        return created is not None and created < self.t

    def seen(self, created: int, item_id: str) -> bool:
        return created < self.t or (created == self.t and item_id in self.ids)

    def admit(self, created: int, item_id: str) -> bool:
        """True, and remember it, when the item is newer than the mark (each edge's one rule)."""
        if self.seen(created, item_id):
            return False
        self.see(created, item_id)
        return True

    def see(self, created: int, item_id: str) -> None:
        if created > self.newest:
            self.newest, self.newest_ids = created, {item_id}
        elif created == self.newest:
            self.newest_ids.add(item_id)

    def store(self, values: dict) -> None:
        values[self.key] = self.newest
        values[f"{self.key}_ids"] = sorted(self.newest_ids)


@dataclass
class _EdgeResult:
    """What an edge leaves behind after its last page: the new cursor values and losses."""

    values: dict = field(default_factory=dict)
    lost: str = ""


class GraphReader(_Host):
    """The reading half of a Graph connector (mixed into :class:`graph._Graph`'s
    subclasses, whose HTTP, paging and settings it uses): edges, marks, entries."""

    def edges(self) -> list:
        raise NotImplementedError

    @property
    def lookback(self) -> int:
        """How far back comments are scanned (``lookback_days``, default 28), in seconds."""
        try:
            days = float(self.account.settings.get("lookback_days") or LOOKBACK_DAYS)
        except (TypeError, ValueError):
            days = LOOKBACK_DAYS
        return int(days * 86400)

    async def fetch(self, cursor: dict) -> AsyncIterator[Page]:
        cursor = dict(cursor or {})
        edges = self.edges()
        for index, edge in enumerate(edges):
            result = _EdgeResult()
            held: list | None = None
            async for items in edge(cursor, result):
                if held is not None:  # not the edge's last page: the old mark stays
                    yield Page(held, dict(cursor), more=True)
                held = items
            cursor.update(result.values)
            yield Page(held or [], dict(cursor), more=index < len(edges) - 1, lost=result.lost)

    async def _nested(self, edge: Any) -> AsyncIterator[dict]:
        """The entries of a nested edge (``messages{...}`` inside a node), every page."""
        while isinstance(edge, dict):
            for entry in edge.get("data") or []:
                yield entry
            link = (edge.get("paging") or {}).get("next")
            if not edge.get("data") or not link:
                return
            edge = await self._get(str(link))

    def _lookback_cut(self, mark: _Mark, result: _EdgeResult, parents: str) -> int:
        """The oldest time a comment scan reaches back to (posts or media newer than it).

        When the last sync saw comments from before it, the ones in between are never
        scanned: ``result.lost`` says so."""
        cut = self.now() - self.lookback
        if 0 < mark.t < cut:
            result.lost = (
                f"comments on {parents} older than {self.lookback // 86400} days "
                f"were not scanned; the last sync saw comments up to "
                f"{when.iso(mark.t)}"
            )
        return cut

    def _author(self, entry: dict) -> dict:
        return as_object(entry.get("from"))

    # -- the page inbox ----------------------------------------------------------------------

    async def _conversations(self, cursor: dict, result: _EdgeResult) -> AsyncIterator[list]:
        """New messages of the page inbox, conversations newest first."""
        mark = _Mark(cursor, "conversations")
        params = {"platform": self.platform, "fields": CONVERSATION_FIELDS, "limit": PAGE_SIZE}
        async for conversations in self._pages(f"{self.page_id}/conversations", params):
            items, done = [], False
            for conv in conversations:
                if mark.before(_time_or_none(conv.get("updated_time"))):
                    done = True  # conversations come newest first: the rest is old
                    break
                async for message in self._nested(conv.get("messages")):
                    if isinstance(message, dict) and mark.before(
                        _time_or_none(message.get("created_time"))
                    ):
                        break
                    item = self.entry(self._message_item, conv, message)
                    if item is not None and mark.admit(item.created_at, item.external_id):
                        items.append(item)
            if items:
                yield items
            if done:
                break
        mark.store(result.values)

    def _message_item(self, conv: dict, message: Any):
        message = self.need_object(message)
        created = self.need_time(message.get("created_time"))
        sender = self._author(message)
        sender_id = self._id(sender)
        return self.item(
            external_id=self.need(self._id(message), "id"),
            kind="dm",
            created_at=created,
            text=message.get("message") or NO_MESSAGE_TEXT,
            author_name=sender.get("name") or sender.get("username") or "",
            author_handle=sender.get("username") or sender_id,
            url=web_link(conv.get("link")),
            thread_ref=self._id(conv),
            outgoing=bool(sender_id) and sender_id in self.own_ids,
        )


class FacebookReader(GraphReader):
    """A Facebook Page's inbox and the comments on its posts."""

    def edges(self) -> list:
        return [self._conversations, self._post_comments]

    async def _post_comments(self, cursor: dict, result: _EdgeResult) -> AsyncIterator[list]:
        """New comments (and replies) on the posts of the lookback window."""
        mark = _Mark(cursor, "comments")
        cut = self._lookback_cut(mark, result, "posts")
        params = {
            "fields": "id,created_time,updated_time,permalink_url",
            "since": cut,
            "limit": PAGE_SIZE,
        }
        async for posts in self._pages(f"{self.page_id}/feed", params):
            old = False
            for post in posts:
                created = _time_or_none(post.get("created_time"))
                if created is not None and created < cut:
                    old = True  # newest first, in case the edge ignored since
                    break
                # updated_time moves when someone comments: skip posts quiet since the mark.
                if mark.before(_time_or_none(post.get("updated_time")) or created):
                    continue
                if not self._id(post):
                    self.skip("no id")  # a post we cannot name: its comments cannot be read
                    continue
                async for items in self._comments_of(post, mark):
                    yield items
            if old:
                break
        mark.store(result.values)

    async def _comments_of(self, post: dict, mark: _Mark) -> AsyncIterator[list]:
        params = {
            "filter": "stream",
            "order": "reverse_chronological",
            "fields": FB_COMMENT_FIELDS,
            "limit": COMMENT_PAGE_SIZE,
        }
        async for comments in self._pages(f"{self._id(post)}/comments", params):
            items, done = [], False
            for comment in comments:
                if mark.before(_time_or_none(comment.get("created_time"))):
                    done = True
                    break
                item = self.entry(self._comment_item, post, comment)
                if item is not None and mark.admit(item.created_at, item.external_id):
                    items.append(item)
            if items:
                yield items
            if done:
                return

    def _comment_item(self, post: dict, comment: Any):
        comment = self.need_object(comment)
        created = self.need_time(comment.get("created_time"))
        sender = self._author(comment)
        parent = as_object(comment.get("parent"))
        post_id = self._id(post)
        named, reply = permalink_comment(comment.get("permalink_url"))
        local = post_id.rsplit("_", 1)[-1]
        cid = self._id(comment) or (f"{local}_{reply or named}" if named else "")
        self.need(cid, "id")
        parent_id = self._id(parent) or (f"{local}_{named}" if reply else "")
        return self.item(
            external_id=cid,
            kind="comment",
            created_at=created,
            text=comment.get("message"),
            author_name=sender.get("name") or "",
            author_handle=self._id(sender),
            url=web_link(comment.get("permalink_url")) or f"https://www.facebook.com/{cid}",
            thread_ref=post_id,
            parent_ref=parent_id or post_id,
            outgoing=self._id(sender) in self.own_ids,
        )


class InstagramReader(GraphReader):
    """An Instagram professional account's inbox (through the Page) and media comments."""

    if TYPE_CHECKING:  # what it uses of Instagram

        @property
        def ig_user_id(self) -> str: ...

    def edges(self) -> list:
        return [self._conversations, self._media_comments, self._tags]

    async def _tags(self, cursor: dict, result: _EdgeResult) -> AsyncIterator[list]:
        """Media the account is tagged in, newest first, down to the mark (or the lookback
        window on a first sync)."""
        mark = _Mark(cursor, "tags")
        cut = max(self.now() - self.lookback, 0) if not mark.t else 0
        params = {"fields": TAG_FIELDS, "limit": PAGE_SIZE}
        async for media_page in self._pages(f"{self.ig_user_id}/tags", params):
            items, done = [], False
            for media in media_page:
                created = _time_or_none(as_object(media).get("timestamp"))
                if mark.before(created) or (created is not None and created < cut):
                    done = True
                    break
                item = self.entry(self._tag_item, media)
                if item is not None and mark.admit(item.created_at, item.external_id):
                    items.append(item)
            yield items
            if done:
                break
        mark.store(result.values)

    def _tag_item(self, media: Any):
        media = self.need_object(media)
        created = self.need_time(media.get("timestamp"))
        media_id = self.need(self._id(media), "id")
        username = str(media.get("username") or "")
        return self.item(
            external_id=media_id,
            kind="mention",
            created_at=created,
            text=media.get("caption"),
            author_name=username,
            author_handle=username,
            url=web_link(media.get("permalink")),
            thread_ref=media_id,
        )

    async def _media_comments(self, cursor: dict, result: _EdgeResult) -> AsyncIterator[list]:
        """New comments and replies on the media of the lookback window.

        The comments edge's order is not documented, so a media's comments are read in full,
        but only for media whose ``comments_count`` changed since the last sync.
        """
        mark = _Mark(cursor, "media_comments")
        counts = cursor.get("media_counts") or {}
        seen: dict = {}
        cut = self._lookback_cut(mark, result, "media")
        params = {
            "fields": "id,timestamp,permalink,comments_count",
            "since": cut,
            "limit": PAGE_SIZE,
        }
        async for media_page in self._pages(f"{self.ig_user_id}/media", params):
            old = False
            for media in media_page:
                created = _time_or_none(media.get("timestamp"))
                if created is not None and created < cut:
                    old = True
                    break
                media_id = self._id(media)
                if not media_id:
                    self.skip("no id")  # media we cannot name: its comments cannot be read
                    continue
                seen[media_id] = media.get("comments_count")
                if media_id in counts and counts[media_id] == seen[media_id]:
                    continue
                async for items in self._ig_comments_of(media, mark):
                    yield items
            if old:
                break
        mark.store(result.values)
        result.values["media_counts"] = seen

    async def _ig_comments_of(self, media: dict, mark: _Mark) -> AsyncIterator[list]:
        params = {"fields": IG_COMMENT_FIELDS, "limit": COMMENT_PAGE_SIZE}
        async for comments in self._pages(f"{self._id(media)}/comments", params):
            items = []
            for comment in comments:
                replies = self._nested(comment.get("replies"))
                entries = [(comment, ""), *[(r, self._id(comment)) async for r in replies]]
                for entry, under in entries:
                    item = self.entry(self._ig_comment_item, media, entry, under)
                    if item is not None and mark.admit(item.created_at, item.external_id):
                        items.append(item)
            if items:
                yield items

    def _ig_comment_item(self, media: dict, comment: Any, under: str):
        """A comment, or a reply read under the comment ``under``."""
        comment = self.need_object(comment)
        created = self.need_time(comment.get("timestamp"))
        cid = self.need(self._id(comment), "id")
        username = str(comment.get("username") or self._author(comment).get("username") or "")
        permalink = web_link(media.get("permalink"))
        return self.item(
            external_id=cid,
            kind="comment",
            created_at=created,
            text=comment.get("text"),
            author_name=username,
            author_handle=username,
            url=f"{permalink.rstrip('/')}/c/{cid}/" if permalink else "",
            thread_ref=self._id(media),
            parent_ref=str(comment.get("parent_id") or "") or under or self._id(media),
            outgoing=self._is_own(comment),
        )


def _time_or_none(value: Any) -> int | None:
    """A Graph time as epoch seconds, or None when it is missing or unreadable."""
    try:
        return when.parse_iso(str(value)) if value else None
    except ValueError:
        return None


def permalink_comment(link: Any) -> tuple[str, str]:
    """``(comment_id, reply_comment_id)`` of a Facebook comment's ``permalink_url``; a
    reply's ``comment_id`` is its top-level comment. Empty strings when absent."""
    query = parse_qs(urlsplit(str(link or "")).query)
    named = (query.get("comment_id") or [""])[0]
    reply = (query.get("reply_comment_id") or [""])[0]
    return (named, reply) if named.isdigit() and (not reply or reply.isdigit()) else ("", "")


def web_link(value: Any) -> str:
    """An http(s) link from the platform, or a Facebook-relative path made absolute."""
    link = str(value or "")
    if link.startswith("/") and not link.startswith("//"):
        return f"https://www.facebook.com{link}"
    return link if link.startswith(("https://", "http://")) else ""
