"""Expected posts as the manager and the client see them: with ``at risk``, which needs the
gaps, derived here (the inbox layer stores the facts and cannot see backlog's gaps).

A post still expected (``scheduled`` or ``rescheduled``) whose time fell inside a gap of its
own account (failed syncs: sfogo could not see whether it went out) is shown ``at_risk``
with that gap, until a sync after the gap settles it (inbox/posts/watchdog.py). Away periods
do not put posts at risk: the platforms publish whether the manager is in or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sfogo.inbox.posts.states import AT_RISK, NEEDS_DECISION, PENDING
from sfogo.inbox.rows import PostEvent, PostRow
from sfogo.inbox.store import Store

from .gaps import Gap, find_gaps

# The health bar and the inbox header count decisions about posts due in this window: an old
# problem is still listed by 'sfogo posts', but no longer shouts.
DECISION_WINDOW_S = 14 * 86400


@dataclass(slots=True)
class ShownPost:
    """A post with its shown state (``at_risk`` derived) and, if any, the gap it fell in."""

    row: PostRow
    state: str
    gap: Gap | None = None
    history: list[PostEvent] | None = None

    @property
    def needs_decision(self) -> bool:
        return self.state == AT_RISK or self.state in NEEDS_DECISION

    def as_dict(self) -> dict:
        """The documented JSON fields of ``sfogo posts --json``."""
        row = self.row
        delay = row["published_at"] - row["at"] if row["published_at"] is not None else None
        out = {
            "id": row["id"],
            "client": row["client"],
            "account": row["account"],
            "channel": str(row["channel"]),
            "at": row["at"],
            "text": row["text"],
            "media": row["media"],
            "notes": row["notes"],
            "state": self.state,
            "stored_state": row["state"],
            "reason": row["reason"],
            "source": row["source"],
            "platform_id": row["platform_id"],
            "published_at": row["published_at"],
            "delay_s": delay,
            "url": row["url"],
            "expires_at": row["expires_at"],
            "send_state": row["send_state"],
            "gap": None
            if self.gap is None
            else {
                "kind": self.gap.kind,
                "started_at": self.gap.started_at,
                "ended_at": self.gap.ended_at,
            },
        }
        if self.history is not None:
            out["history"] = [
                {
                    "at": e.at,
                    "state": e.state,
                    "reason": e.reason,
                    "old_at": e.old_at,
                    "new_at": e.new_at,
                    "detail": e.detail,
                }
                for e in self.history
            ]
        return out


def gap_at(gaps: Sequence[Gap], account_id: int, at: int, now: int) -> Gap | None:
    """The sync gap of this account that ``at`` fell inside, if any."""
    for gap in gaps:
        if (
            gap.source == "sync"
            and gap.account_id == account_id
            and gap.started_at <= at < gap.end_or(now)
        ):
            return gap
    return None


def shown(store: Store, rows: Sequence[PostRow], *, now: int) -> list[ShownPost]:
    """Each row with its shown state (at risk when a gap hid its time)."""
    due = [r["at"] for r in rows if r["state"] in PENDING and r["at"] <= now]
    gaps = find_gaps(store, since=min(due), now=now) if due else []
    out = []
    for row in rows:
        gap = None
        if row["state"] in PENDING and row["at"] <= now:
            gap = gap_at(gaps, row["account_id"], row["at"], now)
        out.append(ShownPost(row, AT_RISK if gap is not None else str(row["state"]), gap))
    return out


def list_posts(
    store: Store,
    *,
    now: int,
    client_id: int | None = None,
    states: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    history: bool = False,
    limit: int | None = None,
) -> list[ShownPost]:
    """Posts by time, with their shown state; ``states`` may name ``at_risk`` (only posts
    still expected whose time has come can be at risk, so only those are read for it)."""

    def read(wanted: Sequence[str] | None, before: int | None) -> list[PostRow]:
        return store.posts.listing(
            client_id=client_id, since=since, limit=limit, states=wanted, until=before
        )

    if not states:
        rows = read(None, until)
    else:
        rows = []
        stored = [s for s in states if s != AT_RISK]
        if stored:
            rows += read(stored, until)
        if AT_RISK in states and not set(PENDING) <= set(stored):
            due = now + 1 if until is None else min(until, now + 1)
            rows += read(PENDING, due)
            rows.sort(key=lambda r: (r["at"], r["id"]))
    posts = shown(store, rows, now=now)
    if states:
        posts = [p for p in posts if p.state in states]
    if history:
        events = store.posts.history(p.row["id"] for p in posts)
        for p in posts:
            p.history = events[p.row["id"]]
    return posts


def decision_counts(store: Store, *, now: int) -> dict[str, int]:
    """Posts needing a decision, by shown state, due in the last DECISION_WINDOW_S (the
    health bar: "2 missed · 6 vanished"; the inbox header's call to look)."""
    since = now - DECISION_WINDOW_S
    counts = {
        state: n
        for state, n in store.posts.state_counts(since=since).items()
        if state in NEEDS_DECISION and n
    }
    due = store.posts.pending_due(now)
    due = [d for d in due if d[2] >= since]
    if due:
        gaps = find_gaps(store, since=min(d[2] for d in due), now=now)
        risky = sum(1 for _pid, account, at in due if gap_at(gaps, account, at, now))
        if risky:
            counts[AT_RISK] = risky
    return counts
