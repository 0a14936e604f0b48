"""The watchdog's comparison: what the platform holds against what we expect, for one account.

A pure function of its inputs (the account's watched posts, one read of the platform's queue,
one read of its timeline, and ``now``), so it is tested without a network and measured in
bench/ (``posts_check_ms``). It returns the changes and the queue entries seen for the first
time; :mod:`.check` reads the platform and writes them.

The rules, in order:

1. **The queue.** An entry with a known platform id is its post: a different time is
   ``rescheduled`` (old and new time kept in the history), a different text is recorded
   (the old text in the history; the post keeps the last text seen). An unknown entry is
   linked to an expected post without an id (from a plan file) by text and time
   (:mod:`.match`), or becomes a new post of source ``queue``.
2. **The timeline.** A published post matches an expected one by id (the queue's id where
   the platform keeps it, the published id once known), else by text and time. Matched:
   ``published``, or ``late`` when it appeared more than ``LATE_S`` after its time (the
   delay is kept). A ``missed`` or ``vanished`` post found later becomes ``late`` too.
3. **Vanished.** A post that was in the queue, is not any more, was not published, and
   whose time has not come: it ``vanished`` (sfogo did not remove it: a post sfogo takes off
   a queue is ``cancelled`` first, and cancelled posts are not watched).
4. **Missed.** A post whose time plus ``GRACE_S`` has passed, not on a timeline read
   completely back to its time: ``missed`` (the reason says if the platform still holds it
   in its queue: a stalled publisher).

Posts the outbox is still sending (sfogo's own queue, a restore on its way) are left to the
outbox: it looks them up on the timeline itself before any resend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..channels.posting.base import Published, QueueEntry, Timeline
from ..rows import PostRow
from ..store.posts import Change, NewPost
from ..timefmt import span_words
from .match import TextIndex
from .states import (
    GRACE_S,
    LATE_S,
    MATCH_AFTER_S,
    MATCH_BEFORE_S,
    PENDING,
    SEND_PENDING,
    PostSource,
    PostState,
)

# States a timeline match can still settle (a missed post published after all is late).
MATCHABLE = (*PENDING, PostState.MISSED, PostState.VANISHED, PostState.HELD)
SENDING = SEND_PENDING  # the outbox decides about these


@dataclass(slots=True)
class Outcome:
    changes: list[Change] = field(default_factory=list)
    new: list[NewPost] = field(default_factory=list)


def _published(post: PostRow, entry: Published) -> Change:
    delay = entry.at - post["at"]
    late = delay > LATE_S
    if late:
        reason = f"published {span_words(delay)} late"
    elif delay < -60:
        reason = f"published {span_words(-delay)} early"
    else:
        reason = "published on time"
    return Change(
        post["id"],
        PostState.LATE if late else PostState.PUBLISHED,
        reason,
        fields={
            "published_id": entry.platform_id,
            "published_at": entry.at,
            "url": entry.url,
            "in_queue": False,
        },
    )


def compare(
    posts: Sequence[PostRow],
    queue: Sequence[QueueEntry] | None,
    timeline: Timeline | None,
    *,
    now: int,
    known: set[str] | frozenset[str] = frozenset(),
    where: str = "the platform",
    account_id: int | None = None,
    shown: Callable[[str], str] = str,
) -> Outcome:
    """Compare one account's ``posts`` with its ``queue`` and ``timeline`` (None: not read
    or no such thing on this platform); ``known``: platform ids of posts not watched any
    more (settled ones), which must not come back as new posts; ``shown``: what the
    platform shows of a text (WordPress: the title)."""
    out = Outcome()
    watched = [p for p in posts if p["send_state"] not in SENDING]
    by_pid = {p["platform_id"]: p for p in watched if p["platform_id"]}
    decided: set[int] = set()  # posts that got a new state in this pass
    queued: set[str] = set()
    if queue is not None:
        queued = _read_queue(watched, by_pid, queue, now, known, where, account_id, shown, out)
    if timeline is not None:
        decided |= _read_timeline(watched, by_pid, timeline, shown, out)
    if queue is not None:
        for p in watched:
            if not p["in_queue"] or p["platform_id"] in queued or p["id"] in decided:
                continue
            if p["state"] in PENDING and now < p["at"]:
                ahead = span_words(p["at"] - now)
                out.changes.append(
                    Change(
                        p["id"],
                        PostState.VANISHED,
                        f"gone from {where}'s queue {ahead} before its time, not published;"
                        " sfogo did not remove it",
                        fields={"in_queue": False},
                    )
                )
                decided.add(p["id"])
            else:
                out.changes.append(Change(p["id"], fields={"in_queue": False}, event=False))
    if timeline is not None:
        for p in watched:
            if p["id"] in decided or p["state"] not in PENDING:
                continue
            if now > p["at"] + GRACE_S and p["at"] >= timeline.since:
                still = p["in_queue"] and (queue is None or p["platform_id"] in queued)
                why = (
                    f"still in {where}'s queue {span_words(now - p['at'])} after its time"
                    if still
                    else f"not on the timeline {span_words(now - p['at'])} after its time"
                )
                out.changes.append(Change(p["id"], PostState.MISSED, why))
    out.new.sort(key=lambda n: (n.at, n.platform_id))
    return out


def _read_queue(
    watched: list[PostRow],
    by_pid: dict[str, PostRow],
    queue: Sequence[QueueEntry],
    now: int,
    known: set[str] | frozenset[str],
    where: str,
    account_id: int | None,
    shown: Callable[[str], str],
    out: Outcome,
) -> set[str]:
    """Rule 1; returns the platform ids the queue holds."""
    unlinked: TextIndex[PostRow] | None = None  # built on the first entry nobody knows
    queued = set()
    for entry in queue:
        queued.add(entry.platform_id)
        post = by_pid.get(entry.platform_id)
        if post is None:
            if entry.platform_id in known:
                continue
            if unlinked is None:
                unlinked = TextIndex[PostRow]()
                for p in watched:
                    if not p["platform_id"] and p["state"] in PENDING:
                        unlinked.add(shown(p["text"]), p["at"], p)
            found = unlinked.take(entry.text, entry.at)
            if found is None:
                out.new.append(
                    NewPost(
                        account_id=account_id or 0,
                        at=entry.at,
                        text=entry.text,
                        source=PostSource.QUEUE,
                        media=entry.media,
                        platform_id=entry.platform_id,
                        in_queue=True,
                        reason=f"read from {where}'s queue",
                    )
                )
                continue
            post = found
            out.changes.append(
                Change(
                    post["id"],
                    reason=f"found in {where}'s queue",
                    fields={"platform_id": entry.platform_id, "in_queue": True, "seen_at": now},
                )
            )
            by_pid[entry.platform_id] = post
            post = post | {"platform_id": entry.platform_id, "in_queue": True}
        out.changes += _queued_changes(post, entry, now, where, shown)
    return queued


def _queued_changes(
    post: PostRow, entry: QueueEntry, now: int, where: str, shown: Callable[[str], str]
) -> list[Change]:
    """What one queue entry says about its post (time moved, text edited, back again)."""
    changes = []
    fields: dict = {}
    if not post["in_queue"]:
        fields = {"in_queue": True, "seen_at": post["seen_at"] or now}
    if post["state"] not in PENDING:  # vanished or missed, yet the queue holds it again
        changes.append(
            Change(
                post["id"],
                PostState.SCHEDULED if entry.at == post["at"] else PostState.RESCHEDULED,
                f"back in {where}'s queue",
                fields={**fields, "at": entry.at},
                old_at=post["at"] if entry.at != post["at"] else None,
                new_at=entry.at if entry.at != post["at"] else None,
            )
        )
        fields = {}
    elif entry.at != post["at"]:
        changes.append(
            Change(
                post["id"],
                PostState.RESCHEDULED,
                f"{where} moved it",
                fields={**fields, "at": entry.at},
                old_at=post["at"],
                new_at=entry.at,
            )
        )
        fields = {}
    if entry.text and entry.text != shown(post["text"]):
        changes.append(
            Change(
                post["id"],
                reason=f"its text changed on {where}",
                fields={**fields, "text": entry.text},
                detail=f"before: {post['text']}",
            )
        )
        fields = {}
    if fields:
        changes.append(Change(post["id"], fields=fields, event=False))
    return changes


def _read_timeline(
    watched: list[PostRow],
    by_pid: dict[str, PostRow],
    timeline: Timeline,
    shown: Callable[[str], str],
    out: Outcome,
) -> set[int]:
    """Rule 2; returns the ids of the posts it settled."""
    candidates = {p["id"]: p for p in watched if p["state"] in MATCHABLE}
    by_pub = {p["published_id"]: p for p in candidates.values() if p["published_id"]}
    settled: dict[int, Published] = {}
    rest = []
    for entry in timeline.entries:
        post = by_pid.get(entry.queue_id) if entry.queue_id else None
        post = post or by_pub.get(entry.platform_id)
        if post is not None and post["id"] in candidates and post["id"] not in settled:
            settled[post["id"]] = entry
        else:
            rest.append(entry)
    # Only posts a remaining entry could match in time are indexed by text.
    index = TextIndex[PostRow]()
    if rest:
        first, last = min(e.at for e in rest), max(e.at for e in rest)
        for p in candidates.values():
            if (
                p["id"] not in settled
                and p["at"] - MATCH_BEFORE_S <= last
                and p["at"] + MATCH_AFTER_S >= first
            ):
                index.add(shown(p["text"]), p["at"], p)
    for entry in reversed(rest):  # oldest first: an early copy does not steal a later match
        found = index.take(entry.text, entry.at)
        if found is not None:
            settled[found["id"]] = entry
    for post_id, entry in settled.items():
        out.changes.append(_published(candidates[post_id], entry))
    return set(settled)
