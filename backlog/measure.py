"""The backlog: what the gaps left behind, and how big it is per client.

An item is in the backlog when it is not yet done and it arrived during a gap, or arrived
before a gap and was still unanswered when the gap started. For one account that reduces
to a cutoff: every open item created before the end of the latest gap touching the
account (now, while a gap is still open) is backlog.
"""
from __future__ import annotations

from inbox import when
from inbox.store import InboxFilter, Store

from .gaps import Gap, find_gaps


def cutoffs(store: Store, gaps: list[Gap], now: int) -> dict[int, int]:
    """Per account id: items created before this time (and still open) are backlog."""
    result: dict[int, int] = {}
    account_ids = [r[0] for r in store.conn.execute("SELECT id FROM accounts")]
    for gap in gaps:
        end = gap.end_or(now)
        for account_id in (account_ids if gap.account_id is None else [gap.account_id]):
            if end > result.get(account_id, 0):
                result[account_id] = end
    return result


def backlog_filter(store: Store, *, now: int | None = None, gaps: list[Gap] | None = None,
                   base: InboxFilter | None = None) -> InboxFilter:
    """An InboxFilter (narrowing ``base``) that keeps only backlog items."""
    now = when.now() if now is None else now
    gaps = find_gaps(store, now=now) if gaps is None else gaps
    flt = base or InboxFilter(statuses=("new", "open", "snoozed"))
    limits = cutoffs(store, gaps, now)
    if not limits:
        flt.extra_where.append("0")
        return flt
    terms = " OR ".join("(i.account_id = ? AND i.created_at < ?)" for _ in limits)
    flt.extra_where.append(f"({terms})")
    for account_id, cutoff in sorted(limits.items()):
        flt.extra_params += [account_id, cutoff]
    return flt
