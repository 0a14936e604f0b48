"""Plain data: the things sfogo stores, and the closed vocabularies they use.

Times are UTC epoch seconds (int) everywhere below the user interface; conversion to local
time happens only when something is shown to a person.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TIERS = ("vip", "high", "normal", "low")
# Default response-time targets per tier, in seconds (a client may override its own).
TIER_TARGETS = {"vip": 2 * 3600, "high": 4 * 3600, "normal": 24 * 3600, "low": 72 * 3600}

CHANNELS = (
    "mastodon", "bluesky", "facebook", "instagram", "x", "youtube", "wordpress", "email",
    "import",
)
# Short names for narrow screens and the health bar.
CHANNEL_SHORT = {
    "mastodon": "mast", "bluesky": "bsky", "facebook": "fb", "instagram": "ig", "x": "x",
    "youtube": "yt", "wordpress": "wp", "email": "mail", "import": "imp",
}
KINDS = ("mention", "comment", "reply", "dm", "email", "review")
STATUSES = ("new", "open", "snoozed", "done", "ignored")
# Statuses that still need the manager; "snoozed" comes back when its time passes.
OPEN_STATUSES = ("new", "open", "snoozed")
SYNC_OUTCOMES = ("ok", "offline", "down", "rate_limited", "auth", "blocked", "broken")
AWAY_REASONS = ("away", "sick", "offline")
REPLY_STATES = ("queued", "sending", "sent", "held", "failed", "dropped")


@dataclass(slots=True)
class Client:
    name: str
    tier: str = "normal"
    target_s: int | None = None  # None: the tier's default target
    id: int | None = None

    @property
    def effective_target_s(self) -> int:
        return self.target_s if self.target_s is not None else TIER_TARGETS[self.tier]


@dataclass(slots=True)
class Account:
    client_id: int
    channel: str
    handle: str
    display_name: str = ""
    settings: dict = field(default_factory=dict)  # base URL, user, token env var …; no secrets
    cursor: dict = field(default_factory=dict)  # the connector's own paging state
    id: int | None = None


@dataclass(slots=True)
class Interaction:
    account_id: int
    external_id: str
    kind: str
    created_at: int
    text: str = ""
    author_name: str = ""
    author_handle: str = ""
    url: str = ""
    thread_ref: str = ""  # external id of the conversation's root
    parent_ref: str = ""  # external id of the item this one answers
    outgoing: bool = False  # written by the account itself (our reply)
    fetched_at: int | None = None
    status: str = "new"
    snoozed_until: int | None = None
    handled_at: int | None = None
    pinned: bool = False
    tags: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class SyncRun:
    account_id: int
    started_at: int
    ended_at: int | None
    outcome: str
    detail: str = ""
    items: int = 0
    retry_at: int | None = None  # rate limits: when the account may be asked again
    id: int | None = None


@dataclass(slots=True)
class AwayPeriod:
    started_at: int
    ended_at: int | None
    reason: str = "away"
    note: str = ""
    id: int | None = None


@dataclass(slots=True)
class Reply:
    interaction_id: int
    text: str
    state: str = "queued"
    reason: str = ""
    created_at: int = 0
    sent_at: int | None = None
    idempotency_key: str = ""
    external_id: str = ""
    id: int | None = None
