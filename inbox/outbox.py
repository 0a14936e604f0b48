"""Replies waiting to be sent, and sending each exactly once.

A reply is queued with a stable idempotency key (a UUID made at queue time). Sending it:

1. a reply left in ``sending`` by an earlier attempt may have reached the server (a crash
   or a timeout after the platform accepted it): ask the connector to find it first
   (:meth:`Channel.find_reply`; Mastodon's Idempotency-Key covers the first hour too);
2. check what may have changed: the account blocked, the parent deleted, the reply window
   closed (:meth:`Channel.precheck`, and ``send_reply`` raising HoldReply): hold the reply
   with a reason the manager reads in ``sfogo outbox``;
3. mark it ``sending`` and count the attempt in a committed transaction, *then* post;
4. on success, mark it ``sent`` and store it as an outgoing item of the thread, in one
   transaction. A failure that proves the platform did not take it (refused connection,
   429, 401) puts it back in the queue; one that leaves it unknown (timeout, cut
   connection, unreadable answer) leaves it ``sending`` so step 1 runs next time; a refusal
   of the reply itself (a 4xx such as 422) marks it ``failed``.

Two senders (the watch loop and ``sfogo send``) never post the same reply: taking it is a
compare-and-set on its state, and a reply another live process is sending is left alone.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from .channels import connector_class
from .channels.base import Channel, ChannelError, HoldReply
from .clock import Clock
from .errors import NotFound, SfogoError
from .model import Interaction
from .rows import ItemRow, ReplyRow
from .store import Store
from .text import sanitize

PENDING = ("queued", "sending")
EDITABLE = ("queued", "held", "failed")
MAX_CHARS = 5000
# How long ``sfogo outbox`` keeps showing sent and dropped replies.
RECENT_S = 7 * 86400


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
        raise SfogoError("a reply needs some text")
    if len(clean) > MAX_CHARS:
        raise SfogoError(f"a reply can be at most {MAX_CHARS} characters")
    return clean


def queue_reply(store: Store, item_id: int, text: str, *, now: int) -> int:
    """Queue ``text`` as a reply to item ``item_id``; return the reply's id."""
    row = store.items.get(item_id)
    if connector_class(row["channel"]) is None:
        raise SfogoError(
            f"item {item_id} came from {str(row['channel'])!r}, which sfogo cannot "
            "reply to: answer it on its platform"
        )
    return store.outbox.add(item_id, _clean(text), idempotency_key=uuid.uuid4().hex, now=now)


def _allowed(store: Store, reply_id: int, allowed: tuple[str, ...], verb: str) -> ReplyRow:
    reply = get_reply(store, reply_id)
    if reply["state"] not in allowed:
        hint = (
            " (it may already have reached the platform: the next send finds out)"
            if reply["state"] == "sending"
            else ""
        )
        raise SfogoError(
            f"reply {reply_id} is {reply['state']}{hint}: only "
            f"{', '.join(allowed)} replies can be {verb}"
        )
    return reply


def edit_reply(store: Store, reply_id: int, text: str, *, now: int) -> ReplyRow:
    """New text for a reply not yet sent; it gets a new idempotency key (the old text was
    never accepted: queued, held and failed replies are known not to be on the platform)."""
    reply = _allowed(store, reply_id, EDITABLE, "edited")
    store.outbox.edit(
        reply_id,
        expect=reply["state"],
        text=_clean(text),
        idempotency_key=uuid.uuid4().hex,
        now=now,
    )
    return get_reply(store, reply_id)


def retry_reply(store: Store, reply_id: int, *, now: int) -> ReplyRow:
    """Put a held or failed reply back in the queue."""
    reply = _allowed(store, reply_id, ("held", "failed"), "retried")
    store.outbox.set_state(reply_id, "queued", "", now=now, expect=reply["state"])
    return get_reply(store, reply_id)


def drop_reply(store: Store, reply_id: int, *, now: int) -> ReplyRow:
    reply = _allowed(store, reply_id, EDITABLE, "dropped")
    store.outbox.set_state(reply_id, "dropped", None, now=now, expect=reply["state"])
    return get_reply(store, reply_id)


# -- sending -------------------------------------------------------------------------------


@dataclass(slots=True)
class SendSummary:
    sent: int = 0
    held: int = 0
    failed: int = 0
    waiting: int = 0  # still queued or sending: the platform could not be reached
    stopped: str = ""  # why sending stopped early for this account (rate limit, down …)

    def add(self, other: SendSummary) -> None:
        self.sent += other.sent
        self.held += other.held
        self.failed += other.failed
        self.waiting += other.waiting


def _sender_tag() -> str:
    return f"sending from process {os.getpid()}"


def _taken_elsewhere(reason: str) -> bool:
    """True when another live process on this machine is sending this reply right now."""
    prefix = "sending from process "
    if not reason.startswith(prefix):
        return False
    try:
        pid = int(reason[len(prefix) :].split()[0])
    except (ValueError, IndexError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _set(
    store: Store, reply_id: int, state: str, reason: str, now: int, *, expect: str | None = None
) -> bool:
    return store.outbox.set_state(
        reply_id, state, sanitize(reason, single_line=True)[:300], now=now, expect=expect
    )


def _take(store: Store, reply: ReplyRow, now: int) -> bool:
    """Mark the reply sending and count the attempt, committed before any request."""
    return store.outbox.take(
        reply["id"],
        expect=reply["state"],
        attempts=reply["attempts"],
        reason=_sender_tag(),
        now=now,
    )


def _mark_sent(
    store: Store, reply: ReplyRow, parent: ItemRow, external_id: str, now: int, display_name: str
) -> None:
    """Sent, and stored in the thread as our own item, in one transaction."""
    outgoing = Interaction(
        account_id=parent["account_id"],
        external_id=sanitize(external_id, single_line=True),
        kind="dm" if parent["kind"] == "dm" else "reply",
        created_at=now,
        text=reply["text"],
        author_name=display_name or parent["account"],
        author_handle=parent["account"],
        thread_ref=parent["thread_ref"] or parent["external_id"],
        parent_ref=parent["external_id"],
        outgoing=True,
        status="done",
        handled_at=now,
    )
    with store.transaction():
        store.outbox.mark_sent(reply["id"], outgoing.external_id, now=now)
        store.items.upsert([outgoing], now=now)


async def send_account_replies(
    store: Store, connector: Channel, *, clock: Clock, blocked: str = ""
) -> SendSummary:
    """Send the account's queued replies (and settle those left ``sending``).

    ``blocked``: the account's last sync said it is blocked; replies are held with that.
    Stops at the first failure that concerns the whole account (unreachable, rate
    limited, credentials); the rest wait for the next send. Each step is stamped with the
    time it happened (``clock``), as sending takes a while.
    """
    summary = SendSummary()
    account = connector.account
    for reply in list_replies(store, states=PENDING, account_id=account.id)[::-1]:
        if summary.stopped:
            summary.waiting += 1
            continue
        if reply["state"] == "sending" and _taken_elsewhere(reply["reason"]):
            summary.waiting += 1
            continue
        try:
            parent = store.items.get(reply["item_id"])
        except NotFound:
            _set(
                store,
                reply["id"],
                "failed",
                "the item it answers is no longer in sfogo",
                clock.now(),
            )
            summary.failed += 1
            continue
        await _send_one(store, connector, reply, parent, clock, blocked, summary)
    return summary


async def _send_one(
    store: Store,
    connector: Channel,
    reply: ReplyRow,
    parent: ItemRow,
    clock: Clock,
    blocked: str,
    summary: SendSummary,
) -> None:
    """Settle, check and post one reply (the steps of the module docstring)."""
    account = connector.account
    key = reply["idempotency_key"]
    try:
        if reply["state"] == "sending":
            found = await connector.find_reply(parent, reply["text"], key=key)
            if found:
                _mark_sent(store, reply, parent, found, clock.now(), account.display_name)
                summary.sent += 1
                return
        if blocked:
            _set(store, reply["id"], "held", f"the account is blocked: {blocked}", clock.now())
            summary.held += 1
            return
        await connector.precheck(parent)
    except HoldReply as hold:
        _set(store, reply["id"], "held", str(hold), clock.now())
        summary.held += 1
        return
    except ChannelError as exc:
        summary.stopped = exc.detail
        summary.waiting += 1
        return
    if not _take(store, reply, clock.now()):
        summary.waiting += 1  # another sender took it between our read and now
        return
    try:
        external_id = await connector.send_reply(parent, reply["text"], key=key)
    except HoldReply as hold:
        _set(store, reply["id"], "held", str(hold), clock.now())
        summary.held += 1
        return
    except ChannelError as exc:
        _settle_failure(store, reply, exc, clock.now(), summary)
        return
    _mark_sent(store, reply, parent, external_id, clock.now(), account.display_name)
    summary.sent += 1


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
    store: Store, reply: ReplyRow, exc: ChannelError, now: int, summary: SendSummary
) -> None:
    """Where a failed post leaves the reply (:func:`failure_state`)."""
    state, reason = failure_state(exc)
    _set(store, reply["id"], state, reason, now)
    count_failure(state, exc, summary)
