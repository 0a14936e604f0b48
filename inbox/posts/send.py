"""Posts that sfogo itself must send, through the outbox's machinery: exactly once.

Two actions go this way: **publish** (a post of sfogo's own queue, once its time has come;
a restore into sfogo's queue) and **schedule** (a restore onto the platform's queue). Each
takes the outbox's steps (:mod:`sfogo.inbox.outbox`): a post left ``sending`` by an earlier
attempt is looked up on the platform first (the account's own timeline, or its queue); a
blocked account or a stale post is held for a decision; the post is marked ``sending`` and
its attempt counted in a committed transaction *before* the request; what a failure proves
decides where it goes (:func:`~sfogo.inbox.outbox.failure_state`); and two senders never
take the same post (compare-and-set on its send state).

Where the platform has an idempotency key it carries the post's stable key (Mastodon's
``Idempotency-Key``; Bluesky's record key is derived from it, so a resend names the same
record); elsewhere the look-up before a resend is what keeps it single.

A post whose ``expires_at`` has passed when it could finally go out is not sent late: it is
``held`` with the reason, for the manager to publish now or cancel.
"""

from __future__ import annotations

from ..channels.base import Channel, ChannelError, LookupUnsure
from ..channels.posting import CannotPost, Poster, Published, QueueEntry, poster
from ..clock import Clock
from ..outbox import Claim, SendSummary, count_failure, failure_state
from ..rows import PostRow
from ..store import Store
from ..store.posts import OLD_ID, Change
from ..text import sanitize
from ..timefmt import span_words
from .states import LATE_S, SEND_UNSURE, PostState, SendAction


def _line(text: str) -> str:
    return sanitize(text, single_line=True)[:300]


async def send_account_posts(
    store: Store, connector: Channel, *, clock: Clock, blocked: str = ""
) -> SendSummary:
    """Send the account's due posts (and settle those left ``sending``); stops at the first
    failure that concerns the whole account, like the replies."""
    summary = SendSummary()
    side = poster(connector)
    if side is None:
        return summary
    with Claim() as claim:
        for post in store.posts.to_send(connector.account.id, clock.now()):
            if summary.stopped:
                summary.waiting += 1
                continue
            # A post keeps no attempt time of its own: its last change is at least as
            # recent, so a claim is never taken for stale too early.
            if post["send_state"] in SEND_UNSURE and claim.taken_elsewhere(
                post["send_reason"], post["updated_at"], clock.now()
            ):
                summary.waiting += 1
                continue
            await _send_one(store, side, post, clock, blocked, summary, claim)
    return summary


async def _send_one(
    store: Store,
    side: Poster,
    post: PostRow,
    clock: Clock,
    blocked: str,
    summary: SendSummary,
    claim: Claim,
) -> None:
    """Settle, check and send one post (the steps of the module docstring)."""
    schedule = post["send_action"] == SendAction.SCHEDULE
    key = post["idempotency_key"]
    try:
        if post["send_state"] in SEND_UNSURE:
            try:
                found = await (
                    side.find_scheduled(post["text"], post["at"])
                    if schedule
                    else side.find(post["text"], key=key, queued_at=post["at"])
                )
            except LookupUnsure as unsure:
                reason = (
                    f"sfogo cannot tell whether it went out: {unsure}; check {side.name},"
                    " then publish it now or cancel it"
                )
                _settle(store, post, "unknown", reason, clock.now())
                summary.unknown += 1
                return
            if found is not None:
                _done(store, side, post, found, clock.now())
                summary.sent += 1
                return
        if blocked:
            _hold(store, post, f"the account is blocked: {blocked}", clock.now())
            summary.held += 1
            return
        now = clock.now()
        if not schedule and post["expires_at"] is not None and now > post["expires_at"]:
            late = span_words(now - post["at"])
            _hold(
                store,
                post,
                f"not sent: {late} after its time it is stale (it expired"
                f" {span_words(now - post['expires_at'])} ago); publish it now or cancel it",
                now,
            )
            summary.held += 1
            return
    except ChannelError as exc:
        summary.stopped = exc.detail
        summary.waiting += 1
        return
    if not store.posts.take(
        post["id"],
        expect=post["send_state"],
        attempts=post["attempts"],
        reason=claim.tag,
        now=clock.now(),
    ):
        summary.waiting += 1  # another sender took it between our read and now
        return
    try:
        if schedule:
            done: Published | QueueEntry = await side.schedule(
                post["text"], post["at"], key=key, platform_id=post["platform_id"]
            )
        else:
            done = await side.publish(post["text"], key=key, queued_at=post["at"])
    except CannotPost as exc:
        _settle(store, post, "failed", str(exc), clock.now())
        summary.failed += 1
        return
    except ChannelError as exc:
        state, reason = failure_state(exc)
        _settle(store, post, state, reason, clock.now())
        count_failure(state, exc, summary)
        return
    _done(store, side, post, done, clock.now())
    summary.sent += 1


def _hold(store: Store, post: PostRow, reason: str, now: int) -> None:
    _settle(store, post, "held", reason, now)


def _settle(store: Store, post: PostRow, send_state: str, reason: str, now: int) -> None:
    """The send's new state; held, failed and unknown sends are the post's state too (a
    decision: an unknown one is held)."""
    reason = _line(reason)
    if send_state in ("held", "failed", "unknown"):
        state = PostState.FAILED if send_state == "failed" else PostState.HELD
        store.posts.change(
            Change(
                post["id"],
                state,
                reason,
                fields={"send_state": send_state, "send_reason": reason},
            ),
            now=now,
        )
    else:
        store.posts.set_send(post["id"], send_state, reason, now=now)


def _done(
    store: Store, side: Poster, post: PostRow, done: Published | QueueEntry, now: int
) -> None:
    """The platform took it: published (with its delay), or back on the platform's queue."""
    if isinstance(done, QueueEntry):
        fields = {
            "platform_id": done.platform_id,
            "in_queue": True,
            "seen_at": now,
            "send_state": "sent",
            "send_reason": "",
        }
        old = post["platform_id"]
        store.posts.change(
            Change(
                post["id"],
                PostState.SCHEDULED,
                f"back on {side.name}'s queue",
                fields=fields,
                detail=f"{OLD_ID}{old}" if old and old != done.platform_id else "",
            ),
            now=now,
        )
        return
    delay = done.at - post["at"]
    late = delay > LATE_S
    store.posts.change(
        Change(
            post["id"],
            PostState.LATE if late else PostState.PUBLISHED,
            f"sfogo published it {span_words(delay)} late" if late else "sfogo published it",
            fields={
                "published_id": done.platform_id,
                "published_at": done.at,
                "url": done.url,
                "in_queue": False,
                "send_state": "sent",
                "send_reason": "",
            },
        ),
        now=now,
    )
