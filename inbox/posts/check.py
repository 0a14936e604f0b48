"""One account's watchdog step at a sync: read the platform's queue and the account's own
timeline, compare (:mod:`.watchdog`), write what changed in one transaction.

The queue is read at every sync where the platform has one (that is how new entries and
vanished ones are seen). The timeline is read only when a watched post needs it: its time
(less :data:`~.states.MATCH_BEFORE_S`) has come and it is not more than
:data:`~.states.MATCH_AFTER_S` old; it is read back to the oldest such post. A failed read
changes nothing: nothing is called missed on a timeline that could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..channels.base import Channel, ChannelError
from ..channels.posting import poster
from ..rows import PostRow
from ..store import Store
from .states import MATCH_AFTER_S, MATCH_BEFORE_S
from .watchdog import MATCHABLE, SENDING, compare


@dataclass(slots=True)
class CheckResult:
    """What one account's check did, for the sync run's detail."""

    checked: bool = False
    new: int = 0
    changed: int = 0
    error: str = ""

    def note(self) -> str:
        if self.error:
            return f"posts not checked: {self.error}"
        parts = []
        if self.new:
            parts.append(f"{self.new} new in the queue")
        if self.changed:
            parts.append(f"{self.changed} changed")
        return f"posts: {', '.join(parts)}" if parts else ""


def timeline_since(posts: list[PostRow], now: int) -> int | None:
    """How far back the timeline must be read for these posts; None: it need not be."""
    wanted = [
        p["at"]
        for p in posts
        if p["state"] in MATCHABLE
        and p["send_state"] not in SENDING
        and p["at"] - MATCH_BEFORE_S <= now <= p["at"] + MATCH_AFTER_S
    ]
    return min(wanted) - MATCH_BEFORE_S if wanted else None


async def check_account_posts(
    store: Store, connector: Channel, *, now_fn: Callable[[], int]
) -> CheckResult:
    """Read, compare and record one account's posts; ``now_fn`` gives the time (reads
    take a while, so the comparison uses the time after them)."""
    result = CheckResult()
    side = poster(connector)
    if side is None:
        return result
    account_id = connector.account.id
    posts = store.posts.watched(account_id)
    try:
        queue = await side.queue() if side.has_queue else None
        since = timeline_since(posts, now_fn())
        timeline = await side.timeline(since) if since is not None else None
    except ChannelError as exc:
        result.error = exc.detail
        return result
    if queue is None and timeline is None:
        result.checked = True
        return result
    watched_ids = {p["platform_id"] for p in posts if p["platform_id"]}
    known = store.posts.platform_ids(account_id) - watched_ids if queue else set()
    now = now_fn()
    outcome = compare(
        posts,
        queue,
        timeline,
        now=now,
        known=known,
        where=side.name,
        account_id=account_id,
        shown=side.shown,
    )
    with store.transaction():
        if outcome.new:
            store.posts.add(outcome.new, now=now)
        changed = store.posts.apply(outcome.changes, now=now) if outcome.changes else 0
    result.checked = True
    result.new = len(outcome.new)
    result.changed = len({c.post_id for c in outcome.changes if c.event}) if changed else 0
    return result
