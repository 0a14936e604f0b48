"""The backlog: what the gaps left behind, and how big it is per client.

An item is in the backlog when it is not yet done and it arrived during a gap, or arrived
before a gap and was still unanswered when the gap started. For one account that reduces
to a cutoff: every open item created before the end of the latest gap touching the
account (now, while a gap is still open) is backlog.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.triage_keys import KEY_SPAN, decode_key

from .gaps import Gap, find_gaps
from .settings import Settings


def cutoffs(store: Store, gaps: list[Gap], now: int) -> dict[int, int]:
    """Per account id: items created before this time (and still open) are backlog."""
    result: dict[int, int] = {}
    account_ids = store.accounts.ids()
    for gap in gaps:
        end = gap.end_or(now)
        for account_id in account_ids if gap.account_id is None else [gap.account_id]:
            if end > result.get(account_id, 0):
                result[account_id] = end
    return result


def backlog_filter(
    store: Store, *, now: int, gaps: list[Gap] | None = None, base: InboxFilter | None = None
) -> InboxFilter:
    """An InboxFilter (narrowing ``base``) that keeps only backlog items."""
    gaps = find_gaps(store, now=now) if gaps is None else gaps
    flt = base or InboxFilter(statuses=("new", "open", "snoozed"))
    return with_cutoffs(flt, cutoffs(store, gaps, now))


def with_cutoffs(flt: InboxFilter, limits: dict[int, int] | None) -> InboxFilter:
    """``flt`` narrowed to items older than their account's cutoff in ``limits`` (account
    id -> epoch seconds; an account not named keeps nothing); ``None``: ``flt`` as it is."""
    if limits is None:
        return flt
    if flt.before is not None:  # both limits hold: the earlier cutoff, on shared accounts
        limits = {acc: min(t, flt.before[acc]) for acc, t in limits.items() if acc in flt.before}
    return replace(flt, before=dict(limits))


@dataclass(slots=True)
class ClientBacklog:
    """One client's backlog: how big, of what, how old, how late, how much is lost."""

    client_id: int
    client: str
    tier: str
    target_s: int
    count: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    oldest_at: int | None = None
    past_target: int = 0  # older than the client's response target
    unanswerable: int = 0  # the platform's reply window has closed
    gaps: int = 0  # gaps that touched the client's accounts
    open_gaps: int = 0  # of which still open

    def add(self, channel: str, kind: str, count: int, oldest: int, past: int, closed: int) -> None:
        if not count:
            return
        self.count += count
        self.by_kind[kind] = self.by_kind.get(kind, 0) + count
        self.by_channel[channel] = self.by_channel.get(channel, 0) + count
        self.oldest_at = oldest if self.oldest_at is None else min(self.oldest_at, oldest)
        self.past_target += past
        self.unanswerable += closed

    def as_dict(self) -> dict:
        data = asdict(self)
        data["by_kind"] = dict(sorted(self.by_kind.items(), key=lambda kv: (-kv[1], kv[0])))
        data["by_channel"] = dict(sorted(self.by_channel.items(), key=lambda kv: (-kv[1], kv[0])))
        return data


def summarize(
    store: Store, settings: Settings | None = None, *, now: int, gaps: list[Gap] | None = None
) -> list[ClientBacklog]:
    """Per client (every client, by name): the backlog's size, kinds, channels, age, lateness.

    New and open items are counted from the triage index, one key range per account (the
    key carries account and kind, and stays right even when keyword lists change); items
    whose key is not computed yet and snoozed items are few and counted row by row.
    """
    settings = settings or Settings()
    gaps = find_gaps(store, now=now) if gaps is None else gaps
    limits = cutoffs(store, gaps, now)
    result = {
        c.id: ClientBacklog(c.id, c.name, c.tier, settings.target_s(c.tier, c.id, c.target_s))
        for c in store.clients.all()
    }
    accounts = {o.account_id: (o.client_id, o.channel) for o in store.accounts.owners()}
    for gap in gaps:
        for entry in result.values():
            if gap.client_id in (None, entry.client_id):
                entry.gaps += 1
                entry.open_gaps += gap.is_open

    triage = store.triage
    for aid, cutoff in limits.items():
        if aid not in accounts:
            continue
        cid, channel = accounts[aid]
        entry = result[cid]
        late = now - entry.target_s
        for key, count, oldest, past in triage.backlog_groups(
            aid, before=cutoff, late_before=late, key_span=KEY_SPAN
        ):
            kind = decode_key(key)[1]
            window = settings.window_s(channel, kind)
            closed = 0
            if window is not None:
                closed = triage.count_before(key, at_or_before=now - window, before=cutoff)
            entry.add(channel, kind, count, oldest, past, closed)
    # Items without a key yet (written by an older sfogo) and snoozed ones, row by row.
    for aid, kind, created in triage.unkeyed_brief():
        if aid not in accounts or created >= limits.get(aid, -1):
            continue
        cid, channel = accounts[aid]
        entry = result[cid]
        window = settings.window_s(channel, kind)
        entry.add(
            channel,
            kind,
            1,
            created,
            int(created <= now - entry.target_s),
            int(window is not None and created <= now - window),
        )
    return list(result.values())
