"""Replies and likes waiting to be sent, sending each exactly once, and settling those whose
fate was lost.

A reply is queued with a stable idempotency key (a UUID made at queue time). Sending it:

1. a reply left ``sending`` by an earlier attempt may have reached the server (a crash or a
   timeout after the platform accepted it): the connector looks for it
   (:meth:`Channel.find_reply`), back to when the reply was queued. Found: it is ``sent``.
   Certainly not there: it is sent again, under the same key. The look-up cannot tell
   (it cannot reach back that far): ``unknown``. The look-up itself fails: it is tried again
   at the next send, and after :data:`MAX_LOOKUPS` failures the reply is ``unknown``;
2. check what may have changed: the account blocked, the parent deleted, the reply window
   closed (:meth:`Channel.precheck`, and ``send_reply`` raising HoldReply): hold the reply
   with a reason the manager reads in ``sfogo outbox``;
3. mark it ``sending`` and count the attempt in a committed transaction, *then* post;
4. on success, in one transaction: the reply ``sent`` with its link, our reply stored as an
   outgoing item of the thread, and the item it answers ``done`` (``[outbox]
   reply_marks_done``; false: it stays open). A failure that proves the platform did not
   take it (refused connection, 429, 401) puts it back in the queue; one that leaves it
   unknown (timeout, cut connection, unreadable answer) leaves it ``sending`` so step 1
   runs next time; a refusal of the reply itself (a 4xx such as 422) marks it ``failed``.

``unknown`` is where a reply stops when nobody can tell whether the platform has it: it
never blocks the account's later replies. The manager checks the platform and answers
with ``sfogo outbox retry`` ("it is not there: send it") or ``sfogo outbox drop``.

Two senders (the watch loop and ``sfogo send``, or two workers of one process) never post
the same reply: taking it is a compare-and-set on its state, and a reply another live
sender is sending is left alone, unless its claim is older than :data:`STALE_S` (no send
takes that long: the sender is stuck or its process id was reused).

Per platform, how a reply that may have got through is found again (the details are in each
connector's docstring, or its replies module's: bluesky_reply, graph_reply, youtube_reply):

- Bluesky: the reply's record key is derived from its idempotency key and queue time;
  ``createRecord`` cannot write that key twice and ``getRecord`` answers for certain.
- Mastodon: the ``Idempotency-Key`` covers the first hour; the account's own statuses are
  read back to the queue time (past 2,000 statuses: unknown).
- X: the account's posts from ``start_time`` = the queue time (past the 3,200 newest posts
  the timeline serves: unknown).
- Facebook: the comment's replies, newest first, back to the queue time; a DM among the
  conversation's messages back to the queue time. Instagram: the comment's replies, read
  whole (past 20 pages: unknown).
- YouTube: the thread's replies, read whole (past 10,000: unknown).
- WordPress: our replies to the comment, newest first, back to the queue time; its
  ``comment_duplicate`` refusal is taken as "already there" and looked up.
- E-mail: the Message-ID is derived from the idempotency key and looked for in our own copy
  (``bcc_self``) or the sent mailbox; a copy missing ten minutes after the attempt means not
  sent; with neither a copy nor a sent mailbox: unknown.

The steps above hold for any action sfogo sends on the manager's behalf: posts of sfogo's
own queue and restores take them too (:mod:`sfogo.inbox.posts.send`, with
:func:`failure_state` and :class:`Claim`); what is reply-specific is the connector call and
the outgoing item.

**Likes** are outbox rows too (``action`` = ``like``, no text): queued by :func:`queue_likes`,
sent by the same steps through :meth:`Channel.send_like` and looked up with
:meth:`Channel.find_like`. A sent like stores no item and leaves the item's status alone
(liking is not answering). Where the platform has no like for the item (Instagram comments,
YouTube comments, WordPress, e-mail) :meth:`Channel.cannot_like` says so in one line and
nothing is queued. Per platform (:mod:`sfogo.inbox.channels.likes`): a Mastodon status says
whether we ``favourited`` it; X's like is idempotent (a resend is the look-up); Bluesky's like
record has a key derived like a reply's and ``getRecord`` confirms it; a Facebook comment says
whether the Page likes it (``user_likes``).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

from sfogo.inbox.i18n import _

from .channels import connector_class
from .channels.base import Channel, ChannelError, HoldReply, LookupUnsure
from .clock import Clock
from .config import section
from .errors import NotFound, SfogoError
from .model import Interaction, OutboxAction
from .rows import ItemRow, ReplyRow
from .store import Store
from .text import sanitize

PENDING = ("queued", "sending")  # what a send works on
# A reply of ours to an item, not out yet (the list marks such items).
WAITING = ("queued", "sending", "held", "failed", "unknown")
EDITABLE = ("queued", "held", "failed")
RETRYABLE = ("held", "failed", "unknown")
DROPPABLE = ("queued", "held", "failed", "unknown")
MAX_CHARS = 5000
# How long ``sfogo outbox`` keeps showing sent and dropped replies.
RECENT_S = 7 * 86400
# Failed look-ups before a reply that may have arrived is marked unknown: with a sync every
# few minutes, about a quarter of an hour of a platform that cannot answer.
MAX_LOOKUPS = 5
# A "sending" claim older than this is stale: a send (connect, post, read) is bounded by
# timeouts of seconds, so its sender is stuck or gone.
STALE_S = 15 * 60
# Failures that concern the whole account: sending stops for it until the next round.
ACCOUNT_WIDE = ("offline", "down", "rate_limited", "auth")


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    """The config file's ``[outbox]`` table."""

    reply_marks_done: bool = True  # a sent reply marks the item it answers done


def outbox_settings(config: dict) -> OutboxSettings:
    """``[outbox]`` from the config, checked: unknown keys and non-booleans are refused."""
    table = section(config, "outbox")
    for key, value in table.items():
        if key != "reply_marks_done":
            raise SfogoError(
                _("config: [outbox] has no key {key!r}; the one key is reply_marks_done").format(
                    key=key
                )
            )
        if not isinstance(value, bool):
            raise SfogoError(_("config: [outbox] reply_marks_done must be true or false"))
    return OutboxSettings(reply_marks_done=table.get("reply_marks_done", True))


def get_reply(store: Store, reply_id: int) -> ReplyRow:
    return store.outbox.get(reply_id)


def list_replies(
    store: Store,
    *,
    states: tuple[str, ...] | None = None,
    account_id: int | None = None,
    since: int | None = None,
) -> list[ReplyRow]:
    """Replies newest first; ``since`` keeps sent/dropped ones only if updated after it."""
    return store.outbox.replies(states=states, account_id=account_id, since=since)


def _clean(text: str) -> str:
    clean = sanitize(text).strip()
    if not clean:
        raise SfogoError(_("a reply needs some text"))
    if len(clean) > MAX_CHARS:
        raise SfogoError(
            _("a reply can be at most {max_chars} characters").format(max_chars=MAX_CHARS)
        )
    return clean


def queue_reply(store: Store, item_id: int, text: str, *, now: int) -> int:
    """Queue ``text`` as a reply to item ``item_id``; return the reply's id."""
    row = store.items.get(item_id)
    connector = connector_class(row["channel"])
    if connector is None:
        raise SfogoError(
            _(
                "item {item_id} came from {value!r}, which sfogo cannot reply to: "
                "answer it on its platform"
            ).format(item_id=item_id, value=str(row["channel"]))
        )
    if refusal := connector.cannot_reply(row):
        raise SfogoError(_("item {item_id}: {refusal}").format(item_id=item_id, refusal=refusal))
    return store.outbox.add(item_id, _clean(text), idempotency_key=uuid.uuid4().hex, now=now)


@dataclass(frozen=True, slots=True)
class Liked:
    """What :func:`queue_likes` did: the likes it queued (item id -> like id), and the items
    it left alone because a like of ours is already there or on its way."""

    queued: dict[int, int]
    already: tuple[int, ...]


def cannot_like(row: ItemRow) -> str:
    """Why sfogo cannot like the item ``row`` ('' when it can): one line."""
    connector = connector_class(row["channel"])
    if connector is None:
        return (
            f"item {row['id']} came from {str(row['channel'])!r}, which sfogo cannot like: "
            "like it on its platform"
        )
    if row["outgoing"]:
        return f"item {row['id']} is one of ours: sfogo likes what others wrote"
    return connector.cannot_like(row)


def queue_likes(store: Store, item_ids: list[int], *, now: int) -> Liked:
    """Queue a like of each item; all or nothing: an item that cannot be liked (the platform
    has no like for it) raises SfogoError with the reason and nothing is queued. Items
    liked already (a like not dropped nor failed) are left alone."""
    rows = [store.items.get(item_id) for item_id in dict.fromkeys(item_ids)]
    for row in rows:
        if refusal := cannot_like(row):
            raise SfogoError(refusal)
    liked = store.outbox.likes_for([row["id"] for row in rows])
    already = tuple(r["id"] for r in rows if liked.get(r["id"]) not in (None, "failed"))
    queued = {}
    with store.transaction():
        for row in rows:
            if row["id"] not in already:
                queued[row["id"]] = store.outbox.add(
                    row["id"],
                    "",
                    idempotency_key=uuid.uuid4().hex,
                    now=now,
                    action=OutboxAction.LIKE,
                )
    return Liked(queued, already)


def _allowed(store: Store, reply_id: int, allowed: tuple[str, ...], verb: str) -> ReplyRow:
    reply = get_reply(store, reply_id)
    if reply["state"] not in allowed:
        hint = (
            " (it may already have reached the platform: the next send finds out)"
            if reply["state"] == "sending"
            else ""
        )
        raise SfogoError(
            _("{action} {reply_id} is {state}{hint}: only {names} {value} can be {verb}").format(
                action=reply["action"],
                reply_id=reply_id,
                state=reply["state"],
                hint=hint,
                names=", ".join(allowed),
                value="likes" if reply["action"] == "like" else "replies",
                verb=verb,
            )
        )
    return reply


def edit_reply(store: Store, reply_id: int, text: str, *, now: int) -> ReplyRow:
    """New text for a reply not yet sent; it gets a new idempotency key (the old text was
    never accepted: queued, held and failed replies are known not to be on the platform;
    an unknown one may be, so it cannot be edited, only retried or dropped)."""
    reply = _allowed(store, reply_id, EDITABLE, "edited")
    if reply["action"] == OutboxAction.LIKE:
        raise SfogoError(
            _("{reply_id} is a like: it has no text to edit").format(reply_id=reply_id)
        )
    store.outbox.edit(
        reply_id,
        expect=reply["state"],
        text=_clean(text),
        idempotency_key=uuid.uuid4().hex,
        now=now,
    )
    return get_reply(store, reply_id)


def retry_reply(store: Store, reply_id: int, *, now: int) -> ReplyRow:
    """Put a held, failed or unknown reply back in the queue. For an unknown one the manager
    says "I checked: it is not there"; it keeps its key, so where the platform has one
    (Bluesky's record key, Mastodon's Idempotency-Key within the hour) a wrong guess still
    cannot post it twice."""
    reply = _allowed(store, reply_id, RETRYABLE, "retried")
    store.outbox.set_state(reply_id, "queued", "", now=now, expect=reply["state"])
    return get_reply(store, reply_id)


def drop_reply(store: Store, reply_id: int, *, now: int) -> ReplyRow:
    reply = _allowed(store, reply_id, DROPPABLE, "dropped")
    store.outbox.set_state(reply_id, "dropped", None, now=now, expect=reply["state"])
    return get_reply(store, reply_id)


# -- sending -------------------------------------------------------------------------------


@dataclass(slots=True)
class SendSummary:
    sent: int = 0
    held: int = 0
    failed: int = 0
    unknown: int = 0  # nobody can tell whether the platform has them: the manager decides
    waiting: int = 0  # still queued or sending: the platform could not be reached
    stopped: str = ""  # why sending stopped early for this account (rate limit, down …)

    def add(self, other: SendSummary) -> None:
        self.sent += other.sent
        self.held += other.held
        self.failed += other.failed
        self.unknown += other.unknown
        self.waiting += other.waiting


_PREFIX = "sending from process "
_ACTIVE: set[str] = set()  # this process's claims at work (two workers of one app)


class Claim:
    """One sender's mark on what it takes (a reply, or a post of sfogo's own queue:
    inbox/posts/send.py), written as the reason of what it is sending: its process id and a
    token of its own, so another sender can tell a live claim from a stale one. Used as a
    context manager around the sending, so this process knows which of its claims are live."""

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex[:12]
        self.tag = f"{_PREFIX}{os.getpid()} ({self.token})"

    def __enter__(self) -> Claim:
        _ACTIVE.add(self.token)
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.discard(self.token)

    def taken_elsewhere(self, reason: str, attempted_at: int | None, now: int) -> bool:
        """True when another live sender is sending it right now: ``reason`` is another
        sender's claim, made less than :data:`STALE_S` ago (``attempted_at``)."""
        if not reason.startswith(_PREFIX):
            return False
        if attempted_at is not None and now - attempted_at >= STALE_S:
            return False
        try:
            pid_text, _, rest = reason[len(_PREFIX) :].partition(" ")
            pid, token = int(pid_text), rest.strip("()")
        except ValueError:
            return False
        if pid == os.getpid():
            return token != self.token and token in _ACTIVE
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


class _Sender:
    """One run of sending for one account: its claim, its stores, its clock."""

    def __init__(
        self, store: Store, connector: Channel, clock: Clock, settings: OutboxSettings
    ) -> None:
        self.store, self.connector, self.clock, self.settings = store, connector, clock, settings
        self.claim = Claim()

    def taken_elsewhere(self, reply: ReplyRow) -> bool:
        """True when another live sender is sending this reply right now."""
        return self.claim.taken_elsewhere(reply["reason"], reply["attempted_at"], self.clock.now())

    def set(self, reply: ReplyRow, state: str, reason: str, *, expect: str | None = None) -> bool:
        return self.store.outbox.set_state(
            reply["id"],
            state,
            sanitize(reason, single_line=True)[:300],
            now=self.clock.now(),
            expect=expect,
        )

    def take(self, reply: ReplyRow) -> bool:
        """Mark the reply sending and count the attempt, committed before any request."""
        return self.store.outbox.take(
            reply["id"],
            expect=reply["state"],
            attempts=reply["attempts"],
            reason=self.claim.tag,
            now=self.clock.now(),
        )

    async def mark_sent(self, reply: ReplyRow, parent: ItemRow, sent: str) -> None:
        """Sent, stored in the thread as our own item and the item answered, in one
        transaction; then its link, if the platform's answer did not hold it. A like is
        only marked sent: it is no item, and it answers nothing."""
        now = self.clock.now()
        if reply["action"] == OutboxAction.LIKE:
            external_id = sanitize(str(sent), single_line=True)
            self.store.outbox.mark_sent(reply["id"], external_id, now=now)
            return
        link = _web_link(getattr(sent, "link", ""))
        outgoing = _outgoing(reply, parent, sent, link, now, self.connector.account.display_name)
        store = self.store
        with store.transaction():
            store.outbox.mark_sent(reply["id"], outgoing.external_id, link=link, now=now)
            store.items.upsert([outgoing], now=now)
            if self.settings.reply_marks_done:
                if parent["status"] not in ("done", "ignored"):
                    store.marks.set_status([parent["id"]], "done", now=now)
            else:
                store.marks.mark_seen(parent["id"])
        if not link:
            await self._fetch_link(reply, parent, outgoing)

    async def _fetch_link(self, reply: ReplyRow, parent: ItemRow, outgoing: Interaction) -> None:
        try:
            link = _web_link(await self.connector.reply_link(parent, outgoing.external_id))
        except (ChannelError, KeyError, TypeError, ValueError):
            return  # the reply is out; only its link is missing
        if link:
            outgoing.url = link
            with self.store.transaction():
                self.store.outbox.set_link(reply["id"], link)
                self.store.items.upsert([outgoing], now=self.clock.now())


def _web_link(value: Any) -> str:
    """A link from a platform, if it is a web address (it is shown and opened)."""
    link = sanitize(value or "", single_line=True).strip()
    return link if link.startswith(("https://", "http://")) and " " not in link else ""


def _outgoing(
    reply: ReplyRow, parent: ItemRow, sent: str, link: str, now: int, display_name: str
) -> Interaction:
    return Interaction(
        account_id=parent["account_id"],
        external_id=sanitize(str(sent), single_line=True),
        kind="dm" if parent["kind"] == "dm" else "reply",
        created_at=now,
        text=reply["text"],
        author_name=display_name or parent["account"],
        author_handle=parent["account"],
        url=link,
        thread_ref=parent["thread_ref"] or parent["external_id"],
        parent_ref=parent["external_id"],
        outgoing=True,
        status="done",
        handled_at=now,
    )


async def send_account_replies(
    store: Store,
    connector: Channel,
    *,
    clock: Clock,
    blocked: str = "",
    settings: OutboxSettings | None = None,
) -> SendSummary:
    """Send the account's queued replies (and settle those left ``sending``).

    ``blocked``: the account's last sync said it is blocked; replies are held with that.
    Stops at the first failure that concerns the whole account (unreachable, rate
    limited, credentials); the rest wait for the next send. Each step is stamped with the
    time it happened (``clock``), as sending takes a while.
    """
    summary = SendSummary()
    sender = _Sender(store, connector, clock, settings or OutboxSettings())
    with sender.claim:
        account = connector.account
        for reply in list_replies(store, states=PENDING, account_id=account.id)[::-1]:
            if summary.stopped:
                summary.waiting += 1
                continue
            if reply["state"] == "sending" and sender.taken_elsewhere(reply):
                summary.waiting += 1
                continue
            try:
                parent = store.items.get(reply["item_id"])
            except NotFound:
                sender.set(reply, "failed", "the item it answers is no longer in sfogo")
                summary.failed += 1
                continue
            await _send_one(sender, reply, parent, blocked, summary)
    return summary


async def _send_one(
    sender: _Sender, reply: ReplyRow, parent: ItemRow, blocked: str, summary: SendSummary
) -> None:
    """Settle, check and post one reply (the steps of the module docstring)."""
    connector = sender.connector
    try:
        if reply["state"] == "sending" and not await _settle(sender, reply, parent, summary):
            return
        if blocked:
            sender.set(reply, "held", f"the account is blocked: {blocked}")
            summary.held += 1
            return
        if reply["action"] == OutboxAction.REPLY:  # a reply window does not bound a like
            await connector.precheck(parent)
    except HoldReply as hold:
        sender.set(reply, "held", str(hold))
        summary.held += 1
        return
    except ChannelError as exc:
        summary.stopped = exc.detail
        summary.waiting += 1
        return
    if not sender.take(reply):
        summary.waiting += 1  # another sender took it between our read and now
        return
    try:
        if reply["action"] == OutboxAction.LIKE:
            sent = await connector.send_like(
                parent, key=reply["idempotency_key"], queued_at=reply["created_at"]
            )
        else:
            sent = await connector.send_reply(
                parent, reply["text"], key=reply["idempotency_key"], queued_at=reply["created_at"]
            )
    except HoldReply as hold:
        sender.set(reply, "held", str(hold))
        summary.held += 1
        return
    except ChannelError as exc:
        _settle_failure(sender, reply, exc, summary)
        return
    await sender.mark_sent(reply, parent, sent)
    summary.sent += 1


async def _settle(sender: _Sender, reply: ReplyRow, parent: ItemRow, summary: SendSummary) -> bool:
    """A reply left ``sending`` may be on the platform: find out. True when it is certainly
    not there (send it again); otherwise it is settled here, or waits for the next look."""
    key, queued_at, attempted_at = (
        reply["idempotency_key"],
        reply["created_at"],
        reply["attempted_at"],
    )
    try:
        if reply["action"] == OutboxAction.LIKE:
            found = await sender.connector.find_like(
                parent, key=key, queued_at=queued_at, attempted_at=attempted_at
            )
        else:
            found = await sender.connector.find_reply(
                parent, reply["text"], key=key, queued_at=queued_at, attempted_at=attempted_at
            )
    except LookupUnsure as unsure:
        sender.set(reply, "unknown", f"sfogo cannot tell whether it arrived: {unsure}")
        summary.unknown += 1
        return False
    except ChannelError as exc:
        # Without a route the platform was not asked: that is no failed look-up.
        lookups = reply["lookups"] + (0 if exc.outcome == "offline" else 1)
        last = lookups >= MAX_LOOKUPS
        reason = (
            f"sfogo cannot tell whether it arrived: {lookups} look-ups failed, the last: "
            if last
            else "unknown whether it arrived (look-up failed: "
        )
        sender.store.outbox.looked_up(
            reply["id"],
            lookups=lookups,
            reason=sanitize(reason + exc.detail + ("" if last else ")"), single_line=True),
            now=sender.clock.now(),
            state="unknown" if last else "sending",
        )
        if last:
            summary.unknown += 1
        else:
            summary.waiting += 1
        if exc.outcome in ACCOUNT_WIDE:
            summary.stopped = exc.detail
        return False
    if found:
        await sender.mark_sent(reply, parent, found)
        summary.sent += 1
        return False
    return True


def failure_state(exc: ChannelError) -> tuple[str, str]:
    """Where a failed post leaves what was being sent (a reply, or a post of sfogo's own
    queue: inbox/posts/send.py): its next state and reason. What the failure proves decides."""
    if exc.outcome in ("offline", "rate_limited", "auth"):
        # Provably not taken: the connection was refused or the platform said no.
        return "queued", exc.detail
    if exc.outcome == "blocked":
        return "held", f"the platform refused: {exc.detail}"
    if exc.outcome == "broken" and exc.status is not None and 400 <= exc.status < 500:
        return "failed", exc.detail
    # Unknown whether the platform took it: stay "sending" so the next attempt looks for
    # it before posting again.
    return "sending", f"unknown whether it arrived: {exc.detail}"


def count_failure(state: str, exc: ChannelError, summary: SendSummary) -> None:
    """Count a failure's outcome; one that leaves the send waiting stops the account."""
    if state == "held":
        summary.held += 1
    elif state == "failed":
        summary.failed += 1
    else:
        summary.stopped = exc.detail
        summary.waiting += 1


def _settle_failure(
    sender: _Sender, reply: ReplyRow, exc: ChannelError, summary: SendSummary
) -> None:
    """Where a failed post leaves the reply (:func:`failure_state`)."""
    state, reason = failure_state(exc)
    sender.set(reply, state, reason)
    count_failure(state, exc, summary)
