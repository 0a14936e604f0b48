"""The posting side of each platform: its queue, the account's own timeline, publishing.

One small module per platform, each wrapping that platform's connector (its HTTP, auth and
error codes) with the calls about the account's *own* posts; imported lazily by channel
name, like the connectors.
"""

from __future__ import annotations

import importlib

from ..base import Channel
from .base import CannotPost, Poster, Published, QueueEntry, Timeline

__all__ = [
    "POSTERS",
    "CannotPost",
    "Poster",
    "Published",
    "QueueEntry",
    "Timeline",
    "poster",
    "poster_class",
]

# channel name -> "module:Class"
POSTERS = {
    "mastodon": "mastodon:MastodonPoster",
    "bluesky": "bluesky:BlueskyPoster",
    "facebook": "graph:FacebookPoster",
    "instagram": "graph:InstagramPoster",
    "x": "x:XPoster",
    "wordpress": "wordpress:WordPressPoster",
    "youtube": "youtube:YouTubePoster",
}


def poster_class(channel_name: str) -> type[Poster] | None:
    """The posting class for a channel; None where sfogo does not watch posts (e-mail has
    no timeline, imported accounts no platform)."""
    target = POSTERS.get(str(channel_name))
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(f"{__name__}.{module_name}"), class_name)


def poster(channel: Channel) -> Poster | None:
    """The posting side of ``channel``'s account (None: see :func:`poster_class`)."""
    cls = poster_class(channel.account.channel)
    return None if cls is None else cls(channel)
