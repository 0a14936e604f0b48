"""One module per platform, all behind the small interface in :mod:`inbox.channels.base`.

Connectors are imported lazily by channel name, so a command that never syncs never pays
for httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Channel

# channel name -> "module:Class"
CONNECTORS = {
    "mastodon": "sfogo.inbox.channels.mastodon:Mastodon",
    "bluesky": "sfogo.inbox.channels.bluesky:Bluesky",
    "facebook": "sfogo.inbox.channels.graph:Facebook",
    "instagram": "sfogo.inbox.channels.graph:Instagram",
    "x": "sfogo.inbox.channels.x:X",
    "wordpress": "sfogo.inbox.channels.wordpress:WordPress",
    "youtube": "sfogo.inbox.channels.youtube:YouTube",
    "email": "sfogo.inbox.channels.email:Email",
}


def connector_class(channel: str) -> type[Channel] | None:
    """The connector class for ``channel``; None for channels without one (``import``)."""
    target = CONNECTORS.get(channel)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
