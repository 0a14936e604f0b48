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

# The settings each channel reads from its account (never secrets), and what they mean.
# ``sfogo account add`` takes these with ``--set``, and refuses any other; the settings with
# an option of their own (``url``, ``user``, ``smtp_url``, ``from``, ``mailboxes``, the
# ``*_env`` names) are common to every channel and go in through that option.
OPTION_SETTINGS = ("url", "user", "token_env", "password_env", "smtp_url", "from", "mailboxes")
_GRAPH = {
    "page_id": "the Facebook Page's id",
    "version": "the Graph API version (v23.0)",
    "lookback_days": "how old a post may be and still be scanned for comments (28)",
    "human_agent": "true if the app may answer DMs for 7 days (HUMAN_AGENT)",
}
# OAuth 2.0 refresh (inbox/channels/oauth.py): the app's client id is not a secret.
_OAUTH = {
    "client_id": "the app's OAuth 2.0 client id (sfogo account login asks for it)",
    "token_url": "the token endpoint, when not the platform's own",
}
SETTINGS: dict[str, dict[str, str]] = {
    "mastodon": {},
    "bluesky": {},
    "facebook": _GRAPH,
    "instagram": {**_GRAPH, "ig_user_id": "the Instagram professional account's id"},
    "x": {"user_id": "the account's numeric user id", **_OAUTH},
    "wordpress": {"status": "the comment status to read (approve)"},
    "youtube": {
        "channel_id": "the channel (UC…) whose comments are read",
        "auth": "oauth (default) or key (an API key: reading only)",
        **_OAUTH,
    },
    "email": {
        "mailbox": "one mailbox to read (or --mailbox)",
        "sent_mailbox": "where the provider files sent mail (Sent)",
        "bcc_self": "send each reply to ourselves too (true)",
        "backfill_days": "how far back the first sync reads (30; 0: everything)",
        "timeout": "seconds for every network operation (20)",
    },
    "import": {},
}


def connector_class(channel: str) -> type[Channel] | None:
    """The connector class for ``channel``; None for channels without one (``import``)."""
    target = CONNECTORS.get(channel)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
