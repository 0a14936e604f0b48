"""What the manager does to expected posts: queue one, edit, publish now, cancel, restore.

Each action is one compare-and-set change with its line of history; whatever must happen on
the platform (publishing, putting a post back on a queue) is left to the outbox
(:mod:`.send`), which the next sync or ``sfogo send`` runs, exactly once.

Restore re-creates a post on the platform's own queue where its API allows it and the time
is still far enough ahead (Mastodon: 5 minutes; Facebook: 10 minutes to 30 days; WordPress;
YouTube only re-arms a video that still exists), and otherwise puts it in sfogo's own queue,
which publishes it at its time (at once if its time has passed: the report then counts it
late, from the time it was due). X, Bluesky and Instagram have no public queue: their posts
always come back through sfogo's own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sfogo.inbox.i18n import _

from ..channels.posting import Poster, poster_class
from ..errors import SfogoError
from ..model import Account
from ..rows import PostRow
from ..store import Store
from ..store.posts import Change, NewPost
from ..text import sanitize
from ..timefmt import span_words
from .states import (
    MAX_CHARS,
    PENDING,
    RESTORABLE,
    SEND_PENDING,
    SEND_UNSURE,
    PostSource,
    PostState,
    SendAction,
)

SENDING = SEND_PENDING


def clean_text(text: str, *, limit: int = MAX_CHARS, where: str = "") -> str:
    clean = sanitize(text).strip()
    if not clean:
        raise SfogoError(_("a post needs some text"))
    if len(clean) > limit:
        raise SfogoError(
            _("{value} takes at most {limit} characters ({count})").format(
                value=where or "a post", limit=limit, count=len(clean)
            )
        )
    return clean


def _poster_for(store: Store, account_id: int) -> tuple[Account, type[Poster]]:
    account = store.accounts.get(account_id)
    cls = poster_class(account.channel)
    if cls is None:
        raise SfogoError(
            _("{channel}:{handle} has no timeline sfogo can watch or post to").format(
                channel=account.channel, handle=account.handle
            )
        )
    return account, cls


def queue_post(
    store: Store,
    account_ref: str | int,
    text: str,
    *,
    at: int,
    now: int,
    expires_s: int | None = None,
    client_ref: str | int | None = None,
) -> int:
    """Queue ``text`` for sfogo to publish on the account at ``at``; return the post's id.

    ``expires_s``: if the channel is unreachable until ``at`` plus this long, the post is
    held for a decision instead of going out late (a live post that goes stale)."""
    account = store.accounts.get(account_ref)
    if client_ref is not None:
        client = store.clients.get(client_ref)
        if account.client_id != client.id:
            raise SfogoError(
                _(
                    "{channel}:{handle} is not an account of {name}: 'sfogo accounts' lists them"
                ).format(channel=account.channel, handle=account.handle, name=client.name)
            )
    _poster, cls = _poster_for(store, account.id)
    if cls.cannot_publish:
        raise SfogoError(cls.cannot_publish)
    if at < now - 60:
        raise SfogoError(
            _("that time passed {span_words} ago: give --at now, or a time ahead").format(
                span_words=span_words(now - at)
            )
        )
    body = clean_text(text, limit=cls.max_chars, where=f"a {cls.name} post")
    (post_id,) = store.posts.add(
        [
            NewPost(
                account_id=account.id,
                at=max(at, now),
                text=body,
                source=PostSource.SFOGO,
                expires_at=None if expires_s is None else max(at, now) + expires_s,
                send_action=SendAction.PUBLISH,
                send_state="queued",
                idempotency_key=uuid.uuid4().hex,
                reason=_("queued in sfogo"),
            )
        ],
        now=now,
    )
    return post_id


def _allowed(post: PostRow, states: Sequence[str], verb: str) -> None:
    if post["state"] not in states:
        raise SfogoError(
            _("post {id} is {state}: only {names} posts can be {verb}").format(
                id=post["id"],
                state=post["state"],
                names=", ".join(str(s) for s in states),
                verb=verb,
            )
        )
    if post["send_state"] in SEND_UNSURE:
        raise SfogoError(
            _(
                "post {id} is being sent (it may already be on the platform: the next "
                "send finds out); try again after it"
            ).format(id=post["id"])
        )


def edit_post(store: Store, post_id: int, text: str, *, now: int) -> PostRow:
    """New text for a post sfogo will publish, or one from a plan file not yet on a queue.
    A post in a platform's queue is edited there (the next sync reads the new text)."""
    post = store.posts.get(post_id)
    editable = (*PENDING, PostState.HELD, PostState.FAILED, PostState.MISSED, PostState.VANISHED)
    _allowed(post, editable, "edited")
    if post["in_queue"]:
        raise SfogoError(
            _(
                "post {post_id} is in {channel}'s queue: edit it there; sfogo shows the"
                " new text after the next sync"
            ).format(post_id=post_id, channel=post["channel"])
        )
    _poster, cls = _poster_for(store, post["account_id"])
    body = clean_text(text, limit=cls.max_chars, where=f"a {cls.name} post")
    fields: dict = {"text": body}
    if post["send_action"]:  # new text, new key: the old text was never accepted
        fields["idempotency_key"] = uuid.uuid4().hex
    store.posts.change(
        Change(
            post_id,
            reason=_("text edited in sfogo"),
            fields=fields,
            detail=f"before: {post['text']}",
            expect=(post["state"],),
        ),
        now=now,
    )
    return store.posts.get(post_id)


def cancel_post(store: Store, post_id: int, *, now: int) -> PostRow:
    """Stop expecting a post (and stop sfogo from sending it)."""
    post = store.posts.get(post_id)
    _allowed(post, (*PENDING, *RESTORABLE), "cancelled")
    fields = {"send_state": "dropped"} if post["send_state"] in (*SENDING, "unknown") else {}
    store.posts.change(
        Change(
            post_id,
            PostState.CANCELLED,
            _("cancelled in sfogo"),
            fields=fields,
            expect=(post["state"],),
        ),
        now=now,
    )
    return store.posts.get(post_id)


def publish_now(store: Store, post_id: int, *, now: int) -> PostRow:
    """Let sfogo publish a post at the next send: a held or failed one, one that was missed
    or vanished, or one of its own queue ahead of its time."""
    post = store.posts.get(post_id)
    _allowed(post, (*PENDING, *RESTORABLE), _("published now"))
    _poster, cls = _poster_for(store, post["account_id"])
    if cls.cannot_publish:
        raise SfogoError(cls.cannot_publish)
    if post["in_queue"]:
        raise SfogoError(
            _(
                "post {post_id} is still in {name}'s queue: publish it there, or cancel"
                " it first (sfogo would publish it twice)"
            ).format(post_id=post_id, name=cls.name)
        )
    fields: dict = {
        "send_action": SendAction.PUBLISH,
        "send_state": "queued",
        "send_reason": "",
        # An unknown post may be on the platform after all: its key stays, so where the
        # platform has one (Bluesky's record key) a wrong guess still cannot post it twice.
        "idempotency_key": (
            post["idempotency_key"] if post["send_state"] == "unknown" else uuid.uuid4().hex
        ),
        "expires_at": None,  # the manager decided: late is better than never
    }
    change = Change(
        post_id,
        PostState.SCHEDULED,
        _("publish now: sfogo sends it at the next sync"),
        fields=fields,
    )
    if post["at"] > now:  # ahead of its time: it is due now
        fields["at"] = now
        change.old_at, change.new_at = post["at"], now
    change.expect = (post["state"],)
    if not store.posts.change(change, now=now):
        raise SfogoError(
            _("post {post_id} changed meanwhile: look again with 'sfogo posts'").format(
                post_id=post_id
            )
        )
    return store.posts.get(post_id)


def restore_post(store: Store, post_id: int, *, now: int) -> PostRow:
    """Bring back a missed, vanished, failed or held post (see the module docstring)."""
    post = store.posts.get(post_id)
    _allowed(post, RESTORABLE, "restored")
    _poster, cls = _poster_for(store, post["account_id"])
    ahead = post["at"] - now
    if cls.can_schedule and cls.min_ahead_s <= ahead <= cls.max_ahead_s:
        action = SendAction.SCHEDULE
        reason = _("restore: back on {name}'s queue at the next sync").format(name=cls.name)
    elif cls.cannot_publish:
        raise SfogoError(
            _("post {post_id} cannot be restored by sfogo: {cannot_publish}").format(
                post_id=post_id, cannot_publish=cls.cannot_publish
            )
        )
    else:
        action = SendAction.PUBLISH
        reason = (
            _("restore: sfogo publishes it at its time, in {span_words}").format(
                span_words=span_words(ahead)
            )
            if ahead > 0
            else _("restore: its time has passed, sfogo publishes it at the next sync")
        )
    change = Change(
        post_id,
        PostState.SCHEDULED,
        reason,
        fields={
            "send_action": action,
            "send_state": "queued",
            "send_reason": "",
            "idempotency_key": uuid.uuid4().hex,
            "expires_at": None,
        },
        expect=(post["state"],),
    )
    if not store.posts.change(change, now=now):
        raise SfogoError(
            _("post {post_id} changed meanwhile: look again with 'sfogo posts'").format(
                post_id=post_id
            )
        )
    return store.posts.get(post_id)
