"""Bluesky replies: ``app.bsky.feed.post`` records with strong refs to the parent and to the
thread's root (the parent's own root when the parent is itself a reply), read from
``getPostThread`` just before posting, which also tells us the parent still exists.

Exactly once: a reply's record key is derived from its idempotency key and queue time
(:func:`reply_rkey`), so every attempt names the same record. ``createRecord`` with that
``rkey`` cannot write it twice (the PDS refuses a key that exists), and
``com.atproto.repo.getRecord`` answers for certain whether an attempt got through, however
many posts the account made since. A reply sent by an sfogo that let the PDS choose the key
is looked for in ``listRecords`` back to its queue time. The link of a sent reply is
``https://bsky.app/profile/HANDLE/post/RKEY``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from .. import when
from ..rows import ItemRow
from .base import CLOCK_SKEW_S, ChannelError, HoldReply, LookupUnsure, Sent, as_object

if TYPE_CHECKING:  # a mixin of Bluesky: typed as a Channel with what it uses of Bluesky
    from .base import Channel as _Host
else:
    _Host = object

POST = "app.bsky.feed.post"
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"  # atproto's sortable base32
SCAN_PAGES = 50  # listRecords pages read for a reply sent without our record key


def reply_rkey(key: str, queued_at: int) -> str:
    """The record key of the reply with idempotency key ``key`` queued at ``queued_at``: a TID
    (the post lexicon's key type) whose microseconds are the queue time plus a fraction of a
    second drawn from the key, and whose clock id is drawn from the key too. Every attempt
    names the same record; two replies queued in the same second collide once in 10^9."""
    draw = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = max(0, queued_at) * 1_000_000 + draw % 1_000_000
    return tid(micros, (draw >> 20) & 0x3FF)


def tid(micros: int, clock_id: int) -> str:
    """53 bits of microseconds and 10 of clock id, in 13 base32-sortable characters (the
    record keys of our replies and of our own posts)."""
    value = ((micros & ((1 << 53) - 1)) << 10) | clock_id
    return "".join(TID_CHARS[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def tid_micros(rkey: str) -> int:
    """The microseconds of a TID record key (0 when it is not one)."""
    if len(rkey) != 13 or any(c not in TID_CHARS for c in rkey):
        return 0
    value = 0
    for c in rkey:
        value = value * 32 + TID_CHARS.index(c)
    return value >> 10


async def own_record(channel: Any, collection: str, rkey: str) -> dict[str, Any] | None:
    """Our record ``rkey`` in ``collection`` (a reply, a like), or None when there is none:
    keyed records make "was it created?" one read."""
    session = await channel.session()
    try:
        body = await channel.xrpc(
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": session["did"], "collection": collection, "rkey": rkey},
        )
    except ChannelError as exc:
        if exc.code == "RecordNotFound":
            return None
        raise
    if not (isinstance(body, dict) and isinstance(body.get("uri"), str)):
        raise channel.unexpected("record")
    return body


async def create_keyed_record(
    channel: Any, collection: str, rkey: str, record: dict[str, Any], found: Any
) -> str:
    """Write our record under ``rkey`` and return its uri. Where the write may have happened
    (not refused as offline, auth, rate limit or block), a PDS refusing the key means an
    earlier attempt wrote it: ``found()`` (our record under that key, or None) answers."""
    session = await channel.session()
    try:
        body = await channel.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            json={"repo": session["did"], "collection": collection, "rkey": rkey, "record": record},
        )
    except ChannelError as exc:
        if exc.outcome in ("offline", "auth", "rate_limited", "blocked"):
            raise  # provably not written
        # A PDS refuses a key that exists (today with a 500): an earlier attempt wrote it.
        existing = await found()
        if existing:
            return existing
        raise
    channel.expect(isinstance(body, dict) and isinstance(body.get("uri"), str), "record")
    return str(body["uri"])


class BlueskyReplier(_Host):
    """Replying on Bluesky: the reply under its own record key, finding it again, its link
    (mixed into :class:`.bluesky.Bluesky`, whose session and XRPC calls it uses)."""

    if TYPE_CHECKING:  # what it uses of Bluesky
        _session: dict | None

        async def session(self) -> dict: ...
        async def xrpc(self, method: str, nsid: str, **kwargs: Any) -> Any: ...

    async def _thread_post(self, uri: str) -> dict:
        try:
            body = await self.xrpc(
                "GET",
                "app.bsky.feed.getPostThread",
                params={"uri": uri, "depth": "0", "parentHeight": "0"},
            )
        except ChannelError as exc:
            if exc.code == "NotFound":
                raise HoldReply("the post was deleted") from None
            raise
        thread = body.get("thread") if isinstance(body, dict) else None
        if not isinstance(thread, dict):
            raise self.unexpected("thread")
        kind = str(thread.get("$type", ""))
        if kind.endswith("#notFoundPost"):
            raise HoldReply("the post was deleted")
        if kind.endswith("#blockedPost"):
            raise HoldReply("the author blocks this account, or this account blocks them")
        post = thread.get("post")
        if not (isinstance(post, dict) and post.get("uri") and post.get("cid")):
            raise self.unexpected("post")
        return post

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        post = await self._thread_post(parent["external_id"])
        parent_ref = {"uri": post["uri"], "cid": post["cid"]}
        own_reply = (post.get("record") or {}).get("reply") or {}
        root = own_reply.get("root") if isinstance(own_reply.get("root"), dict) else None
        rkey = reply_rkey(key, self.now() if queued_at is None else queued_at)
        record = {
            "$type": POST,
            "text": text,
            "createdAt": when.iso(self.now()).replace("Z", ".000Z"),
            "reply": {"root": root or parent_ref, "parent": parent_ref},
        }
        found = lambda: self._own_reply(rkey, parent)  # noqa: E731  # a Sent: its link too
        uri = await create_keyed_record(self, POST, rkey, record, found)
        return Sent(uri, self._link(uri))

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """The record our key names: there, or certainly not (records are keyed)."""
        if queued_at is None:
            raise LookupUnsure("the reply's queue time is needed to name its record")
        if attempted_at is None:
            # Sent by an sfogo that let the PDS choose the key: read our records instead.
            return await self._scan_records(parent, text, queued_at)
        return await self._own_reply(reply_rkey(key, queued_at), parent)

    async def _own_reply(self, rkey: str, parent: ItemRow) -> Sent | None:
        body = await own_record(self, POST, rkey)
        if body is None:
            return None
        value = as_object(body.get("value"))
        reply = as_object(value.get("reply"))
        if (reply.get("parent") or {}).get("uri") != parent["external_id"]:
            return None  # another record under our key (it cannot be ours)
        return Sent(body["uri"], self._link(body["uri"]))

    async def _scan_records(self, parent: ItemRow, text: str, queued_at: int) -> Sent | None:
        """Our posts newest first (record keys are times), back to the queue time."""
        session = await self.session()
        params = {"repo": session["did"], "collection": POST, "limit": "100"}
        for _ in range(SCAN_PAGES):
            body = await self.xrpc("GET", "com.atproto.repo.listRecords", params=params)
            records = body.get("records") if isinstance(body, dict) else None
            if not isinstance(records, list):
                raise self.unexpected("record list")
            for record in records:
                value = (record.get("value") if isinstance(record, dict) else None) or {}
                reply = value.get("reply") or {}
                if (reply.get("parent") or {}).get("uri") == parent["external_id"] and value.get(
                    "text"
                ) == text:
                    return Sent(record["uri"], self._link(record["uri"]))
            cursor = body.get("cursor")
            oldest = (
                tid_micros(str(records[-1].get("uri", "")).rsplit("/", 1)[-1]) if records else 0
            )
            if not cursor or not records or oldest < (queued_at - CLOCK_SKEW_S) * 1_000_000:
                return None
            params["cursor"] = str(cursor)
        raise LookupUnsure(f"the account wrote more than {SCAN_PAGES * 100} records since")

    def _link(self, uri: str) -> str:
        """``at://did/app.bsky.feed.post/RKEY`` → its page on bsky.app."""
        rkey = uri.rsplit("/", 1)[-1]
        session = self._session or {}
        handle = str(session.get("handle") or self.account.handle).lstrip("@")
        return f"https://bsky.app/profile/{handle}/post/{rkey}"
