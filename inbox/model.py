"""Plain data: the things sfogo stores, and the closed vocabularies they use.

Times are UTC epoch seconds (int) everywhere below the user interface; conversion to local
time happens only when something is shown to a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tier(StrEnum):
    VIP = "vip"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Channel(StrEnum):
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    YOUTUBE = "youtube"
    WORDPRESS = "wordpress"
    EMAIL = "email"
    IMPORT = "import"


class Kind(StrEnum):
    MENTION = "mention"
    COMMENT = "comment"
    REPLY = "reply"
    DM = "dm"
    EMAIL = "email"
    REVIEW = "review"


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    SNOOZED = "snoozed"
    DONE = "done"
    IGNORED = "ignored"


class SyncOutcome(StrEnum):
    OK = "ok"
    OFFLINE = "offline"  # no route, DNS
    DOWN = "down"  # 5xx, timeouts, maintenance pages
    RATE_LIMITED = "rate_limited"
    AUTH = "auth"  # token invalid or expired
    BLOCKED = "blocked"  # account suspended, action blocked
    BROKEN = "broken"  # a page that cannot be read at all


class AwayReason(StrEnum):
    AWAY = "away"
    SICK = "sick"
    OFFLINE = "offline"


class ReplyState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    HELD = "held"
    FAILED = "failed"
    DROPPED = "dropped"
    UNKNOWN = "unknown"  # may or may not have reached the platform: the manager decides


class OutboxAction(StrEnum):
    """What an outbox row sends: a reply (with its text) or a like of the item."""

    REPLY = "reply"
    LIKE = "like"


# The vocabularies as plain tuples of their values, in the order users see them.
TIERS = tuple(t.value for t in Tier)
# Default response-time targets per tier, in seconds (a client may override its own).
TIER_TARGETS = {"vip": 2 * 3600, "high": 4 * 3600, "normal": 24 * 3600, "low": 72 * 3600}

CHANNELS = tuple(c.value for c in Channel)
# Short names for narrow screens and the health bar.
CHANNEL_SHORT = {
    "mastodon": "mast",
    "bluesky": "bsky",
    "facebook": "fb",
    "instagram": "ig",
    "x": "x",
    "youtube": "yt",
    "wordpress": "wp",
    "email": "mail",
    "import": "imp",
}
KINDS = tuple(k.value for k in Kind)
STATUSES = tuple(s.value for s in Status)
# Statuses that still need the manager; "snoozed" comes back when its time passes.
OPEN_STATUSES = ("new", "open", "snoozed")
SYNC_OUTCOMES = tuple(o.value for o in SyncOutcome)
AWAY_REASONS = tuple(r.value for r in AwayReason)
REPLY_STATES = tuple(r.value for r in ReplyState)


@dataclass(slots=True)
class Client:
    name: str
    tier: str = "normal"
    target_s: int | None = None  # None: the tier's default target
    # Clients and accounts exist only as rows the store has written, so they have an id.
    id: int = field(kw_only=True)

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
    id: int = field(kw_only=True)
    removed_at: int | None = field(default=None, kw_only=True)  # removed: items kept


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
    link: str = ""  # where the sent reply can be seen
    id: int | None = None
