"""Response shapes the platforms really send and generated data never would: the ``partial``
fault.

Recorded answers lack what was not requested or not permitted, and carry entries that a
tidy generator never writes. ``emulator.faults.set("partial", shape=NAME)`` serves one of
:data:`SHAPES` on the platform's read endpoints; ``drop=("a.b", ...)`` and ``put={"a.b":
value}`` remove or replace fields of the entries for the connector tests that take each
field away in turn. Which entries: ``every=N`` (each N-th, counted over the fault's life,
from the first; default every one), ``spare_every=N`` (all but each N-th) or ``keys=[...]``
(the entries with those ids). ``touched``, a list, receives the id of each entry changed.

The shapes, and where they come from:

- mastodon ``null_status``: a mention whose ``status`` is null (deleted, or no longer visible
  to the token); in one recording of mastodon.social 39 of 40 mentions were (default
  ``spare_every=40``).
- bluesky ``no_created_at``: a record without ``createdAt`` (a record is whatever the
  author's client wrote: a reader cannot count on every client following the lexicon).
- x ``no_expansions``: mentions as served without the ``tweet.fields``/``expansions`` the
  app may use: ``id``, ``text``, ``edit_history_tweet_ids`` and no ``includes``.
- graph ``comments_without_id``: Page post comments without ``id`` or ``from`` (since v11.0
  the id needs the MODERATOR task and the author needs a Page token); ``permalink_url``
  still carries ``comment_id`` and ``reply_comment_id``.
- graph ``media_without_timestamp``: Instagram media without ``timestamp``.
- youtube ``replies_without_video``: reply comments whose snippet has no ``videoId``.
- wordpress ``anonymous_undated``: comments with an empty ``author_name`` and a null
  ``date_gmt`` (the REST API serves a zero GMT date, ``0000-00-00 00:00:00``, as null).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .base import Request, Response

Entries = Callable[[Any], Iterator[dict]]


def _list(body: Any) -> Iterator[dict]:
    yield from (e for e in body if isinstance(e, dict)) if isinstance(body, list) else ()


def _under(key: str) -> Entries:
    def entries(body: Any) -> Iterator[dict]:
        found = body.get(key) if isinstance(body, dict) else None
        yield from _list(found)

    return entries


def _either(*keys: str) -> Entries:
    def entries(body: Any) -> Iterator[dict]:
        for key in keys:
            yield from _under(key)(body)

    return entries


def _graph(body: Any) -> Iterator[dict]:
    """A Graph edge's ``data``, and the entries of the edges nested in them (replies of an
    Instagram comment); a conversation stands for the messages nested in it."""
    for entry in _under("data")(body):
        if isinstance(entry.get("messages"), dict):
            yield from _graph(entry["messages"])
            continue
        yield entry
        if isinstance(entry.get("replies"), dict):
            yield from _graph(entry["replies"])


def _youtube(body: Any) -> Iterator[dict]:
    """Every comment resource: a thread's top-level comment and its replies, or the items of
    a ``comments`` list."""
    for item in _under("items")(body):
        if item.get("kind") == "youtube#commentThread":
            top = (item.get("snippet") or {}).get("topLevelComment")
            if isinstance(top, dict):
                yield top
            yield from _list((item.get("replies") or {}).get("comments"))
        else:
            yield item


def _mastodon_key(entry: dict) -> str:
    status = entry.get("status") or entry.get("last_status")
    return str(status.get("id") if isinstance(status, dict) else entry.get("id"))


@dataclass(frozen=True)
class Platform:
    """Where a platform's read endpoints keep their entries, and how an entry is named."""

    reads: str  # the read endpoints (a regex on the path)
    entries: Entries
    key: Callable[[dict], str] = lambda e: str(e.get("id"))


PLATFORMS = {
    "mastodon": Platform(r"/api/v1/(notifications|conversations)$", _list, _mastodon_key),
    "bluesky": Platform(
        r"/xrpc/app[.]bsky[.]notification[.]listNotifications$",
        _either("notifications", "messages"),  # notifications, or a chat's messages
        lambda e: str(e.get("uri") or e.get("id")),
    ),
    "x": Platform(r"/2/users/\d+/mentions$", _under("data")),
    "graph": Platform(
        r"/v\d+[.]\d+/[^/]+/(comments|replies|media|feed|conversations|tags)$", _graph
    ),
    "youtube": Platform(r"/youtube/v3/(commentThreads|comments)$", _youtube),
    "wordpress": Platform(r"/wp-json/wp/v2/comments$", _list),
}


@dataclass(frozen=True)
class Shape:
    """A recorded shape: the fields its entries lose or change, on which endpoints."""

    reads: str | None = None  # narrower than the platform's reads (None: all of them)
    drop: tuple[str, ...] = ()
    put: dict = field(default_factory=dict)
    keep_only: tuple[str, ...] = ()  # every other field of the entry goes
    body_drop: tuple[str, ...] = ()  # top-level keys of the answer that go
    applies: Callable[[dict], bool] = lambda e: True  # which entries can have the shape
    defaults: dict = field(default_factory=dict)  # default fault parameters


def _is_reply(comment: dict) -> bool:
    return bool((comment.get("snippet") or {}).get("parentId"))


SHAPES: dict[str, dict[str, Shape]] = {
    "mastodon": {
        "null_status": Shape(
            r"/api/v1/notifications$", put={"status": None}, defaults={"spare_every": 40}
        )
    },
    "bluesky": {"no_created_at": Shape(drop=("record.createdAt",))},
    "x": {
        "no_expansions": Shape(
            keep_only=("id", "text", "edit_history_tweet_ids"), body_drop=("includes",)
        )
    },
    "graph": {
        "comments_without_id": Shape(r"/v\d+[.]\d+/\d+_\d+/comments$", drop=("id", "from")),
        "media_without_timestamp": Shape(r"/v\d+[.]\d+/\d+/media$", drop=("timestamp",)),
    },
    "youtube": {"replies_without_video": Shape(drop=("snippet.videoId",), applies=_is_reply)},
    "wordpress": {
        "anonymous_undated": Shape(put={"author_name": "", "date_gmt": None}),
    },
}


def reads(platform: str, spec: dict) -> str | None:
    """The paths a ``partial`` fault applies to: the shape's endpoints, else every read."""
    shape = _shape(platform, spec)
    return shape.reads or PLATFORMS[platform].reads


def reshape(platform: str, request: Request, response: Response, spec: dict) -> Response:
    """``response`` with the shape of the fault ``spec`` applied to its entries."""
    if request.method != "GET" or not response.body.startswith((b"{", b"[")):
        return response
    shape = _shape(platform, spec)
    options = {**shape.defaults, **spec}
    body = json.loads(response.body)
    where = PLATFORMS[platform]
    for entry in list(where.entries(body)):
        if not shape.applies(entry) or not _chosen(where.key(entry), options, spec):
            continue
        if "touched" in spec:
            spec["touched"].append(where.key(entry))
        if shape.keep_only:
            for name in [k for k in entry if k not in shape.keep_only]:
                del entry[name]
        for path in (*shape.drop, *options.get("drop", ())):
            _drop(entry, path)
        for path, value in {**shape.put, **options.get("put", {})}.items():
            _put(entry, path, value)
    if isinstance(body, dict):
        for name in shape.body_drop:
            body.pop(name, None)
    response.body = json.dumps(body).encode()
    return response


def _shape(platform: str, spec: dict) -> Shape:
    if platform not in PLATFORMS:
        raise ValueError(f"the {platform} emulator has no recorded shapes")
    name = spec.get("shape")
    if name is None:
        return Shape()  # drop= and put= alone
    try:
        return SHAPES[platform][name]
    except KeyError:
        raise ValueError(f"{platform} has no recorded shape {name!r}") from None


def _chosen(key: str, options: dict, spec: dict) -> bool:
    """Whether this entry gets the shape; entries are counted in the fault's own ``spec``,
    so ``every`` runs on across pages and requests."""
    if "keys" in options:
        return key in {str(k) for k in options["keys"]}
    seen = spec["seen"] = spec.get("seen", 0) + 1
    if options.get("spare_every"):
        return seen % int(options["spare_every"]) != 0
    return (seen - 1) % int(options.get("every", 1)) == 0


def _parent(entry: dict, path: str) -> tuple[dict | None, str]:
    *parents, last = path.split(".")
    node: Any = entry
    for name in parents:
        node = node.get(name) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), last


def _drop(entry: dict, path: str) -> None:
    node, last = _parent(entry, path)
    if node is not None:
        node.pop(last, None)


def _put(entry: dict, path: str, value: Any) -> None:
    node, last = _parent(entry, path)
    if node is not None:
        node[last] = value
