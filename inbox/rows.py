"""What the store's queries return: typed rows.

Rows that callers index by name (``row["status"]``) are TypedDicts, so the names are checked
by a type checker and a row is still a plain dict (``--json`` prints it as it is). Small
records read in loops are NamedTuples. Vocabulary fields hold the StrEnums of
:mod:`sfogo.inbox.model`, which compare equal to their strings.

Field names of :class:`ItemRow` are the documented fields of ``sfogo list --json``: ``client``
is the client's name and ``account`` the account's handle, with ``client_id`` and
``account_id`` beside them for the ids.
"""

from __future__ import annotations

from typing import NamedTuple, NotRequired, TypedDict

from .model import (
    AwayReason,
    Channel,
    Kind,
    OutboxAction,
    ReplyState,
    Status,
    SyncOutcome,
    Tier,
)


class ItemRow(TypedDict):
    """An interaction with its account and client: what every listing shows."""

    id: int
    client: str  # the client's name
    tier: Tier
    channel: Channel
    account: str  # the account's handle
    kind: Kind
    author_name: str
    author_handle: str
    text: str
    url: str
    created_at: int
    fetched_at: int
    status: Status
    snoozed_until: int | None
    handled_at: int | None
    pinned: bool
    outgoing: bool
    thread_ref: str
    parent_ref: str
    external_id: str
    account_id: int
    client_id: int
    tags: list[str]
    # The list's rows only: the state of a reply of ours to it not yet out ('' when none),
    # and whether a reply is being written to it (a draft is kept).
    reply: NotRequired[str]
    # The list's rows only: the state of our like of it ('' when none, or dropped).
    liked: NotRequired[str]
    draft: NotRequired[bool]
    # The list's rows only: the team member it is assigned to ('' : nobody), and who else is
    # writing a reply to it now ('' : nobody).
    owner: NotRequired[str]
    replying: NotRequired[str]


class RankedRow(ItemRow):
    """An item row in triage order, with what its score says."""

    target_s: int
    score: float
    in_gap: bool
    unanswerable: bool
    deadline_at: int
    window_closes_at: int | None


class ReplyRow(TypedDict):
    """A reply in the outbox, with the item it answers and that item's account."""

    id: int
    item_id: int
    text: str
    state: ReplyState
    reason: str
    created_at: int
    updated_at: int
    sent_at: int | None
    attempts: int
    idempotency_key: str
    external_id: str
    link: str  # where the sent reply can be seen ('' when the platform has no page for it)
    lookups: int  # failed look-ups for a reply that may have reached the platform
    attempted_at: int | None  # when it was last handed to the platform
    account_id: int
    channel: Channel
    handle: str  # the account's handle
    client: str  # the client's name
    parent_author: str
    parent_handle: str
    parent_text: str
    parent_kind: Kind
    account: str  # "channel:handle"
    action: OutboxAction  # a reply, or a like (whose text is empty)


class DraftRow(TypedDict):
    """A reply being written, kept per item until it is queued or discarded."""

    item_id: int
    text: str
    updated_at: int


class CannedRow(TypedDict):
    """A canned reply added with ``sfogo replies add`` (the config's come from the config)."""

    id: int
    name: str
    text: str
    language: str  # '' for any language
    client: str  # a client's name, '' for any client
    created_at: int


class SyncRunRow(TypedDict):
    """One sync attempt of one account."""

    id: int
    account_id: int
    started_at: int
    ended_at: int | None
    outcome: SyncOutcome
    detail: str
    items: int
    retry_at: int | None
    lost: str


class Stats(TypedDict):
    """Counts for ``sfogo stats``: every status is present in ``by_status`` and per client."""

    total: int
    by_status: dict[str, int]
    by_client: dict[str, dict[str, int]]
    by_channel: dict[str, int]
    by_kind: dict[str, int]


class AccountOwner(NamedTuple):
    """An account with the client it belongs to (what scoring and reports need of both)."""

    account_id: int
    client_id: int
    client: str  # the client's name
    tier: Tier
    own_target_s: int | None  # the client's own response target, None: its tier's
    channel: Channel
    handle: str
    removed: bool = False  # the account was removed; its items stay

    @property
    def label(self) -> str:
        return f"{self.channel}:{self.handle}"


class AwayPeriodRow(NamedTuple):
    id: int
    started_at: int
    ended_at: int | None
    reason: AwayReason
    note: str
    member_id: int | None = None  # whose period it is (None: the whole inbox's)


# Warn this long before an account's credentials expire (inbox/health.py): a week leaves a
# weekend and a few working days to renew a Page token that lives 60 days.
TOKEN_WARN_S = 7 * 86400


class TokenCheck(NamedTuple):
    """What the platform said about when an account's credentials stop working."""

    checked_at: int  # when it was asked (a check that costs a request is made once a day)
    expires_at: int | None  # None: they do not expire, or the platform does not say


# A failed sync run as the gaps read them: (id, started_at, outcome, detail). A bare tuple:
# every triage page reads every failure (2,000 after the demo's outage), and an enum and a
# NamedTuple per run measured 4 ms of a 10 ms page.
FailedRun = tuple[int, int, str, str]


# A report's incoming item with the first reply of ours to it, as a bare tuple (a period can
# hold 250k of them; a NamedTuple per row measured ~10% of the report's time):
# (id, kind, created_at, status, handled_at, replied_at), and with text
# (id, kind, created_at, status, handled_at, author_handle, author_name, text, replied_at).
PeriodItem = tuple[int, str, int, str, "int | None", "int | None"]
PeriodText = tuple[int, str, int, str, "int | None", str, str, str, "int | None"]


class WaitingItem(NamedTuple):
    """An open incoming item of a report's period (the oldest first)."""

    id: int
    account_id: int
    kind: Kind
    created_at: int
    author_handle: str
    author_name: str
    text: str
    replied_at: int | None  # answered by us, though not marked done


class PostRow(TypedDict):
    """An expected post with its account and client (``sfogo posts --json`` adds
    ``history`` and the derived state; inbox/posts/ holds the rules)."""

    id: int
    client: str  # the client's name
    client_id: int
    account_id: int
    account: str  # the account's handle
    channel: Channel
    at: int  # when it must go out (the platform's time, once it has one)
    text: str  # the last text seen (restore uses it)
    media: str  # a note about its media, never the media
    notes: str
    source: str  # queue, plan, sfogo (inbox/posts/states.py)
    platform_id: str  # its id in the platform's queue (or sfogo's post, once sent)
    state: str  # inbox/posts/states.py PostState
    reason: str  # why it is in that state (the last transition's reason)
    in_queue: bool  # the last read of the platform's queue held it
    seen_at: int | None  # when a read of the queue last held it
    published_id: str
    published_at: int | None
    url: str
    expires_at: int | None
    send_action: str  # "", publish, schedule
    send_state: str  # "" or the outbox's states (queued, sending, sent, held, failed, unknown,
    # dropped)
    send_reason: str
    attempts: int
    idempotency_key: str
    created_at: int
    updated_at: int


class PostEvent(NamedTuple):
    """One transition of a post: the state it entered, when and why (never rewritten)."""

    id: int
    post_id: int
    at: int
    state: str
    reason: str
    old_at: int | None  # rescheduled: the time before ...
    new_at: int | None  # ... and after
    detail: str  # what changed besides the state (an edited text, an old platform id)


class AccessRow(TypedDict):
    """A role of a shared PostgreSQL inbox and the clients it sees (``sfogo access list``)."""

    role: str
    exists: bool  # False: granted clients, but the server has no such role (any longer)
    login: bool  # the role can log in (a person), else a group
    every_client: bool  # the owner's member (or a superuser): sees every client
    clients: list[str]  # the clients granted by name, by name


class MemberRow(NamedTuple):
    """A member of the team (``sfogo team``): their name, PostgreSQL login role ('' when
    none) and working time ('' where [work]'s applies)."""

    id: int
    name: str
    login_role: str
    days: str  # "mon,tue,wed" ('' : [work] days)
    hours: str  # "09:00-13:00,14:00-18:00" ('' : [work] hours)
    timezone: str  # an IANA name ('' : [work] timezone)


class Presence(NamedTuple):
    """Someone writing a reply to an item: who, since when, last renewed when."""

    interaction_id: int
    member_id: int
    name: str
    since: int
    renewed_at: int
