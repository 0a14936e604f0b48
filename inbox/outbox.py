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

from . import when
from .channels import connector_class
from .channels.base import Channel, ChannelError, HoldReply
from .errors import NotFound, SfogoError
from .model import Interaction
from .store import Store
from .text import sanitize

PENDING = ("queued", "sending")
EDITABLE = ("queued", "held", "failed")
MAX_CHARS = 5000

_SELECT = """
SELECT r.id, r.interaction_id, r.text, r.state, r.reason, r.created_at, r.updated_at,
       r.sent_at, r.attempts, r.idempotency_key, r.external_id,
       i.account_id, a.channel, a.handle, c.name, i.author_name, i.author_handle, i.text, i.kind
FROM replies r JOIN interactions i ON i.id = r.interaction_id
JOIN accounts a ON a.id = i.account_id JOIN clients c ON c.id = a.client_id
"""
_FIELDS = ("id", "item_id", "text", "state", "reason", "created_at", "updated_at", "sent_at",
           "attempts", "key", "external_id", "account_id", "channel", "handle", "client",
           "parent_author", "parent_handle", "parent_text", "parent_kind")


def _reply(row) -> dict:
    data = dict(zip(_FIELDS, row))
    data["account"] = f"{data['channel']}:{data['handle']}"
    return data


def get_reply(store: Store, reply_id: int) -> dict:
    row = store.conn.execute(_SELECT + " WHERE r.id = ?", (reply_id,)).fetchone()
    if row is None:
        raise NotFound(f"no reply with id {reply_id}: 'sfogo outbox' lists them")
    return _reply(row)


def list_replies(store: Store, *, states: tuple[str, ...] | None = None,
                 account_id: int | None = None, since: int | None = None) -> list[dict]:
    """Replies newest first; ``since`` keeps sent/dropped ones only if updated after it."""
    terms, params = [], []
    if states:
        terms.append(f"r.state IN ({', '.join('?' * len(states))})")
        params += states
    if account_id is not None:
        terms.append("i.account_id = ?")
        params.append(account_id)
    if since is not None:
        terms.append("(r.state NOT IN ('sent', 'dropped') OR r.updated_at >= ?)")
        params.append(since)
    where = f" WHERE {' AND '.join(terms)}" if terms else ""
    return [_reply(r) for r in store.conn.execute(
        _SELECT + where + " ORDER BY r.created_at DESC, r.id DESC", params)]


def _clean(text: str) -> str:
    clean = sanitize(text).strip()
    if not clean:
        raise SfogoError("a reply needs some text")
    if len(clean) > MAX_CHARS:
        raise SfogoError(f"a reply can be at most {MAX_CHARS} characters")
    return clean


def queue_reply(store: Store, item_id: int, text: str, *, now: int | None = None) -> int:
    """Queue ``text`` as a reply to item ``item_id``; return the reply's id."""
    row = store.row(item_id)
    if connector_class(row["channel"]) is None:
        raise SfogoError(f"item {item_id} came from {row['channel']!r}, which sfogo cannot "
                         "reply to: answer it on its platform")
    stamp = when.now() if now is None else now
    with store.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO replies (interaction_id, text, state, created_at, updated_at,"
            " idempotency_key) VALUES (?, ?, 'queued', ?, ?, ?)",
            (item_id, _clean(text), stamp, stamp, uuid.uuid4().hex),
        )
    return cur.lastrowid


def _change(store: Store, reply_id: int, allowed: tuple[str, ...], verb: str, sets: str,
            params: tuple) -> dict:
    reply = get_reply(store, reply_id)
    if reply["state"] not in allowed:
        hint = (" (it may already have reached the platform: the next send finds out)"
                if reply["state"] == "sending" else "")
        raise SfogoError(f"reply {reply_id} is {reply['state']}{hint}: only "
                         f"{', '.join(allowed)} replies can be {verb}")
    with store.transaction() as conn:
        conn.execute(f"UPDATE replies SET {sets} WHERE id = ? AND state = ?",
                     (*params, reply_id, reply["state"]))
    return get_reply(store, reply_id)


def edit_reply(store: Store, reply_id: int, text: str, *, now: int | None = None) -> dict:
    """New text for a reply not yet sent; it gets a new idempotency key (the old text was
    never accepted: queued, held and failed replies are known not to be on the platform)."""
    stamp = when.now() if now is None else now
    return _change(store, reply_id, EDITABLE, "edited",
                   "text = ?, idempotency_key = ?, updated_at = ?",
                   (_clean(text), uuid.uuid4().hex, stamp))


def retry_reply(store: Store, reply_id: int, *, now: int | None = None) -> dict:
    """Put a held or failed reply back in the queue."""
    stamp = when.now() if now is None else now
    return _change(store, reply_id, ("held", "failed"), "retried",
                   "state = 'queued', reason = '', updated_at = ?", (stamp,))


def drop_reply(store: Store, reply_id: int, *, now: int | None = None) -> dict:
    stamp = when.now() if now is None else now
    return _change(store, reply_id, EDITABLE, "dropped",
                   "state = 'dropped', updated_at = ?", (stamp,))


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
        pid = int(reason[len(prefix):].split()[0])
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


def _set(store: Store, reply_id: int, state: str, reason: str, now: int,
         *, expect: str | None = None) -> bool:
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE replies SET state = ?, reason = ?, updated_at = ? WHERE id = ?"
            + (" AND state = ?" if expect else ""),
            (state, sanitize(reason, single_line=True)[:300], now, reply_id,
             *((expect,) if expect else ())),
        )
    return cur.rowcount == 1


def _take(store: Store, reply: dict, now: int) -> bool:
    """Mark the reply sending and count the attempt, committed before any request."""
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE replies SET state = 'sending', attempts = attempts + 1, reason = ?,"
            " updated_at = ? WHERE id = ? AND state = ? AND attempts = ?",
            (_sender_tag(), now, reply["id"], reply["state"], reply["attempts"]),
        )
    return cur.rowcount == 1


def _mark_sent(store: Store, reply: dict, parent: dict, external_id: str, now: int,
               display_name: str) -> None:
    """Sent, and stored in the thread as our own item, in one transaction."""
    outgoing = Interaction(
        account_id=parent["account_id"], external_id=sanitize(external_id, single_line=True),
        kind="dm" if parent["kind"] == "dm" else "reply", created_at=now, text=reply["text"],
        author_name=display_name or parent["account"], author_handle=parent["account"],
        thread_ref=parent["thread_ref"] or parent["external_id"],
        parent_ref=parent["external_id"], outgoing=True, status="done", handled_at=now,
    )
    with store.transaction() as conn:
        conn.execute(
            "UPDATE replies SET state = 'sent', reason = '', sent_at = ?, updated_at = ?,"
            " external_id = ? WHERE id = ?",
            (now, now, outgoing.external_id, reply["id"]),
        )
        store.upsert_interactions([outgoing], now=now)


async def send_account_replies(store: Store, connector: Channel, *, now=when.now,
                               blocked: str = "") -> SendSummary:
    """Send the account's queued replies (and settle those left ``sending``).

    ``blocked``: the account's last sync said it is blocked; replies are held with that.
    Stops at the first failure that concerns the whole account (unreachable, rate
    limited, credentials); the rest wait for the next send.
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
            parent = store.row(reply["item_id"])
        except NotFound:
            _set(store, reply["id"], "failed", "the item it answers is no longer in sfogo", now())
            summary.failed += 1
            continue
        try:
            if reply["state"] == "sending":
                found = await connector.find_reply(parent, reply["text"], key=reply["key"])
                if found:
                    _mark_sent(store, reply, parent, found, now(), account.display_name)
                    summary.sent += 1
                    continue
            if blocked:
                _set(store, reply["id"], "held", f"the account is blocked: {blocked}", now())
                summary.held += 1
                continue
            await connector.precheck(parent)
        except HoldReply as hold:
            _set(store, reply["id"], "held", str(hold), now())
            summary.held += 1
            continue
        except ChannelError as exc:
            summary.stopped = exc.detail
            summary.waiting += 1
            continue
        if not _take(store, reply, now()):
            summary.waiting += 1  # another sender took it between our read and now
            continue
        try:
            external_id = await connector.send_reply(parent, reply["text"], key=reply["key"])
        except HoldReply as hold:
            _set(store, reply["id"], "held", str(hold), now())
            summary.held += 1
            continue
        except ChannelError as exc:
            if exc.outcome in ("offline", "rate_limited", "auth"):
                # Provably not taken: the connection was refused or the platform said no.
                _set(store, reply["id"], "queued", exc.detail, now())
                summary.stopped = exc.detail
                summary.waiting += 1
            elif exc.outcome == "blocked":
                _set(store, reply["id"], "held", f"the platform refused: {exc.detail}", now())
                summary.held += 1
            elif exc.outcome == "broken" and exc.status is not None and 400 <= exc.status < 500:
                _set(store, reply["id"], "failed", exc.detail, now())
                summary.failed += 1
            else:
                # Unknown whether the platform took it: stay "sending" so the next attempt
                # looks for it before posting again.
                _set(store, reply["id"], "sending", f"unknown whether it arrived: {exc.detail}",
                     now())
                summary.stopped = exc.detail
                summary.waiting += 1
            continue
        _mark_sent(store, reply, parent, external_id, now(), account.display_name)
        summary.sent += 1
    return summary
