"""The per-client report: incidents, volumes, response times and the backlog, for one period.

:func:`build_report` gathers the facts once; ``report_text`` renders Markdown, ``report_html``
one self-contained HTML page, and :func:`write_csv` one row per interaction.

Definitions (they are printed at the foot of every report too):

- An *interaction* is an incoming item (not one of ours) of the client's accounts that
  arrived in [since, until).
- Its *response time* runs from its arrival to the first evidence that it was answered:
  our first outgoing item in the same account that replies to it (its ``parent_ref`` is the
  item, or, for private messages and e-mails, any later message of ours in the same
  conversation), or the moment the manager marked it done, whichever came first. The
  manager's "done" counts because many answers leave no trace we can fetch (a phone call, a
  reply from another tool). Ignored items owed no answer: they count in the volume, not in
  response times.
- Percentiles are nearest-rank: the median and the 90th percentile are response times that
  really happened, never an interpolation.
- An interaction is *in a gap* when it arrived while a gap touched its account; it is
  *backlog* when it arrived in a gap, or was still waiting when a gap began.
- Everything is judged as of the moment the report is made (``now``): an item from last
  week answered yesterday has its real response time.
"""

from __future__ import annotations

import bisect
import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import IO, Any

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import Client
from sfogo.inbox.rows import PeriodItem
from sfogo.inbox.store import Store
from sfogo.inbox.text import excerpt

from .gaps import Gap, find_gaps
from .settings import Settings
from .workhours import WorkHours

FORMATS = ("md", "html", "csv")
LANGS = ("en", "it")
WAITING_SHOWN = 12  # the oldest waiting items listed by name in md/html
MAX_DAY_BARS = 120  # longer periods are charted by week


def outcome(
    status: str, created: int, handled: int | None, replied: int | None
) -> tuple[int | None, str, int | None]:
    """(responded, via, resolved) of an incoming item; see the module docstring.

    ``responded``: our first reply or the manager's "done", whichever came first (None for
    ignored items, which owed no answer); ``resolved``: when it stopped waiting.
    """
    if status == "ignored":
        return None, "", max(created, handled if handled is not None else created)
    done = handled if status == "done" else None
    if replied is not None and (done is None or replied <= done):
        first = max(created, replied)
        return first, "reply", first
    if done is None:  # no reply and not done (or done without a time)
        return None, "", (created if status == "done" else None)
    first = max(created, done)
    return first, "done", first


@dataclass(slots=True)
class Item:
    """One incoming interaction with what the report says about it."""

    id: int
    account_id: int
    channel: str
    account: str
    kind: str
    created_at: int
    status: str
    handled_at: int | None
    responded_at: int | None  # None: no answer yet (or ignored)
    via: str  # "reply", "done", or "" (not answered)
    resolved_at: int | None  # when it stopped waiting (answered, or ignored)
    in_gap: bool
    gap_kinds: tuple[str, ...]
    backlog: bool
    late: bool
    window_closed: bool
    target_s: int
    author: str = ""
    text: str = ""

    @property
    def response_s(self) -> int | None:
        return None if self.responded_at is None else self.responded_at - self.created_at


@dataclass(slots=True)
class Incident:
    """Gaps of one kind that overlap, merged across the client's accounts."""

    kind: str
    source: str  # "sync" or "away"
    started_at: int
    ended_at: int | None
    accounts: list[str]  # "channel:handle"; empty: every account
    arrived: int = 0  # the client's interactions that arrived during it
    runs: int = 0
    detail: str = ""

    def duration(self, now: int) -> int:
        return max(0, (self.ended_at if self.ended_at is not None else now) - self.started_at)


@dataclass(slots=True)
class Stat:
    answered: int = 0
    median_s: int | None = None
    p90_s: int | None = None
    within_target: int = 0


@dataclass(slots=True)
class ChannelRow:
    channel: str
    received: int = 0
    answered: int = 0
    waiting: int = 0
    replies_sent: int = 0
    median_s: int | None = None


@dataclass(slots=True)
class Bucket:
    """One bar of the chart: a local day (or week)."""

    day: date
    start: int
    end: int
    received: int
    waiting: int  # still waiting at the bucket's end
    in_gap: bool  # an incident touched it


@dataclass(slots=True)
class Report:
    client: Client
    since: int
    until: int
    now: int
    tz_name: str
    target_s: int
    accounts: list[str]
    incidents: list[Incident]
    received: int
    answered: int
    ignored: int
    waiting_now: int
    late: int
    response: dict[str, Stat]  # "all", "gap", "outside"
    channels: list[ChannelRow]
    buckets: list[Bucket]
    weekly: bool
    affected_s: int  # time with at least one account in a gap (clipped to the period)
    affected_work_s: int  # ... of which working hours
    sync_s: int  # time in sync gaps (something could not be seen)
    away_s: int  # time the manager was away, sick or offline
    backlog_total: int
    backlog_answered: int
    backlog_open: int
    backlog_cleared_at: int | None
    eta: dict = field(default_factory=dict)  # {"status": "eta"|"never"|"none", "at": ts}
    waiting: list[Item] = field(default_factory=list)
    period_gaps: list[tuple[int, int]] = field(default_factory=list)  # merged, clipped
    posts: object = None  # the scheduled posts section (backlog/report_posts.py)


def nearest_rank(sorted_values: list[int], pct: float) -> int | None:
    """The nearest-rank percentile of an ascending list (an observed value), None if empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _stat(values: list[int], target_s: int) -> Stat:
    values.sort()
    return Stat(
        answered=len(values),
        median_s=nearest_rank(values, 50),
        p90_s=nearest_rank(values, 90),
        within_target=bisect.bisect_right(values, target_s),
    )


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(intervals):
        if hi <= lo:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


class _Rules:
    """The client's response target and the platforms' reply windows (triage settings)."""

    def __init__(self, client: Client, settings: Settings | None) -> None:
        settings = settings if settings is not None else Settings()
        self.target_s = settings.target_s(client.tier, client.id, client.target_s)
        self.windows = settings.windows

    def window_for(self, channel: str, kind: str, created_at: int) -> int | None:
        """When replying to this message stopped being possible (None: no window)."""
        seconds = self.windows.get((channel, kind))
        return None if seconds is None else created_at + seconds


class _Scope:
    """What every pass over the client's items shares: accounts, gaps, rules."""

    def __init__(
        self,
        store: Store,
        client: Client,
        since: int,
        until: int,
        now: int,
        settings: Settings | None,
    ) -> None:
        self.store, self.client, self.since, self.until, self.now = (
            store,
            client,
            since,
            until,
            now,
        )
        self.accounts = store.accounts.all(client.id, removed=True)  # the period's, all
        self.labels = {a.id: f"{a.channel}:{a.handle}" for a in self.accounts}
        self.channels = {a.id: a.channel for a in self.accounts}
        self.gaps = find_gaps(store, since=since, until=until, client_id=client.id, now=now)
        self.rules = _Rules(client, settings)
        # Per account: (start, end, kind) of every gap touching it, oldest first, and the
        # same merged into (starts, ends) for bisecting.
        self.account_gaps: dict[int, list[tuple[int, int, str]]] = {}
        self.index: dict[int, tuple[list[int], list[int]]] = {}
        for a in self.accounts:
            spans = [
                (g.started_at, g.end_or(now), g.kind)
                for g in self.gaps
                if g.touches(a.id) and g.started_at <= now
            ]
            self.account_gaps[a.id] = spans
            merged = _union([(lo, hi) for lo, hi, _k in spans])
            self.index[a.id] = ([lo for lo, _ in merged], [hi for _, hi in merged])

    def items(self, *, with_text: bool = False) -> Iterator[Item]:
        """The period's interactions, oldest first, each judged (CSV, the waiting list)."""
        import heapq

        reports = self.store.reports
        if with_text:
            streams = [
                self._judge(a.id, reports.period_texts(a.id, self.since, self.until), True)
                for a in self.accounts
            ]
        else:
            streams = [
                self._judge(a.id, reports.period_items(a.id, self.since, self.until), False)
                for a in self.accounts
            ]
        yield from heapq.merge(*streams, key=lambda it: (it.created_at, it.id))

    def _judge(
        self, account_id: int, cur: Iterable[tuple[Any, ...]], with_text: bool
    ) -> Iterator[Item]:
        channel = self.channels[account_id]
        label = self.labels[account_id]
        gaps = self.account_gaps[account_id]
        starts, ends = self.index[account_id]
        now = self.now
        target = self.rules.target_s
        for rec in cur:
            item_id, kind, created, status, handled = rec[:5]
            responded, via, resolved = outcome(status, created, handled, rec[-1])
            author = text = ""
            if with_text:
                handle, name, text = rec[5:8]
                author = name or handle
            in_gap, backlog = _flags(starts, ends, created, now if resolved is None else resolved)
            window = self.rules.window_for(channel, kind, created)
            answer = now if responded is None else responded  # still waiting: judged now
            late = status != "ignored" and answer - created > target
            closed = window is not None and status != "ignored" and answer > window
            yield Item(
                id=item_id,
                account_id=account_id,
                channel=channel,
                account=label,
                kind=kind,
                created_at=created,
                status=status,
                handled_at=handled,
                responded_at=responded,
                via=via,
                resolved_at=resolved,
                in_gap=in_gap,
                gap_kinds=tuple(dict.fromkeys(k for lo, hi, k in gaps if lo <= created < hi)),
                backlog=backlog,
                late=late,
                window_closed=closed,
                target_s=target,
                author=author,
                text=text,
            )


def _flags(starts: list[int], ends: list[int], created: int, stop: int) -> tuple[bool, bool]:
    """(arrived in a gap, is backlog): in a gap, or still waiting when the next one began."""
    k = bisect.bisect_right(starts, created)
    if k and created < ends[k - 1]:
        return True, True
    return False, k < len(starts) and starts[k] < stop


def resolve_period(
    since_text: str, until_text: str | None, *, now: int, tz: tzinfo | None = None
) -> tuple[int, int]:
    """``--since``/``--until`` as epoch seconds (durations count back from now)."""
    since = when.parse_when(since_text, ref=now, past=True, tz=tz)
    if since >= now:
        raise SfogoError("--since is in the future: a report covers what already happened")
    until = now if until_text is None else when.parse_when(until_text, ref=now, past=True, tz=tz)
    if until <= since:
        raise SfogoError("--until must come after --since")
    return since, min(until, now)  # the future has nothing to report yet


def _incidents(scope: _Scope) -> list[Incident]:
    """Merge each kind's overlapping gaps across accounts: one outage, one incident."""
    groups: dict[tuple[str, str], list[Gap]] = {}
    for gap in scope.gaps:
        groups.setdefault((gap.source, gap.kind), []).append(gap)
    incidents: list[Incident] = []
    reports = scope.store.reports
    for (source, kind), gaps in groups.items():
        gaps.sort(key=lambda g: g.started_at)
        current: Incident | None = None
        current_end = 0
        for gap in gaps:
            end = gap.end_or(scope.now)
            if current is None or gap.started_at > current_end:
                current = Incident(
                    kind=kind,
                    source=source,
                    started_at=gap.started_at,
                    ended_at=gap.ended_at,
                    accounts=[],
                )
                current_end = end
                incidents.append(current)
            else:
                if gap.ended_at is None or current.ended_at is None:
                    current.ended_at = None
                else:
                    current.ended_at = max(current.ended_at, gap.ended_at)
                current_end = max(current_end, end)
            if gap.account_id is not None and gap.account not in current.accounts:
                current.accounts.append(gap.account)
            current.runs += gap.runs
            current.detail = gap.detail or current.detail
            ids = [gap.account_id] if gap.account_id is not None else list(scope.labels)
            for account_id in ids:
                current.arrived += reports.incoming_between(account_id, gap.started_at, end)
    incidents.sort(key=lambda i: (i.started_at, i.kind))
    return incidents


def _buckets(
    work: WorkHours,
    since: int,
    until: int,
    created: list[int],
    resolved: list[int],
    gaps: list[tuple[int, int]],
) -> tuple[list[Bucket], bool]:
    tz = work.tz
    first = datetime.fromtimestamp(since, tz).date()
    last = datetime.fromtimestamp(until - 1, tz).date()
    days = (last - first).days + 1
    weekly = days > MAX_DAY_BARS
    step = 7 if weekly else 1
    buckets = []
    day = first
    while day <= last:
        start = max(since, int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()))
        nxt = day + timedelta(days=step)
        end = min(until, int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).timestamp()))
        received = bisect.bisect_left(created, end) - bisect.bisect_left(created, start)
        waiting = bisect.bisect_left(created, end) - bisect.bisect_left(resolved, end)
        touched = any(lo < end and hi > start for lo, hi in gaps)
        buckets.append(Bucket(day, start, end, received, waiting, touched))
        day = nxt
    return buckets, weekly


@dataclass(slots=True)
class _Tally:
    """One tight pass per account over bare tuples (a full period can be 250k rows)."""

    now: int
    target_s: int
    created: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    in_gap: list[int] = field(default_factory=list)  # response times
    outside: list[int] = field(default_factory=list)
    by_channel: dict[str, ChannelRow] = field(default_factory=dict)
    channel_times: dict[str, list[int]] = field(default_factory=dict)
    answered: int = 0
    ignored: int = 0
    waiting_now: int = 0
    late: int = 0
    backlog_total: int = 0
    backlog_open: int = 0
    backlog_cleared: int = 0

    def account(
        self, channel: str, starts: list[int], ends: list[int], rows: Iterable[PeriodItem]
    ) -> None:
        """Count one account's items (``store.reports.period_items`` tuples)."""
        now, target_s, bisect_right = self.now, self.target_s, bisect.bisect_right
        n_gaps = len(starts)
        row = self.by_channel.setdefault(channel, ChannelRow(channel))
        ch_times = self.channel_times.setdefault(channel, [])
        created, resolved = self.created, self.resolved
        in_times, out_times = self.in_gap, self.outside
        answered = ignored = waiting_now = late = backlog_total = backlog_open = 0
        backlog_cleared = self.backlog_cleared
        for _id, _kind, c, status, handled, replied in rows:
            responded, _via, res = outcome(status, c, handled, replied)
            created.append(c)
            row.received += 1
            k = bisect_right(starts, c)
            in_gap = bool(k) and c < ends[k - 1]
            stop = now if res is None else res
            if status == "ignored":
                ignored += 1
            elif responded is not None:
                seconds = responded - c
                answered += 1
                row.answered += 1
                (in_times if in_gap else out_times).append(seconds)
                ch_times.append(seconds)
                late += seconds > target_s
            elif res is None:
                late += now - c > target_s
                waiting_now += 1
                row.waiting += 1
            if res is not None:
                resolved.append(res)
            if in_gap or (k < n_gaps and starts[k] < stop):
                backlog_total += 1
                if res is None:
                    backlog_open += 1
                elif res > backlog_cleared:
                    backlog_cleared = res
        self.answered += answered
        self.ignored += ignored
        self.waiting_now += waiting_now
        self.late += late
        self.backlog_total += backlog_total
        self.backlog_open += backlog_open
        self.backlog_cleared = backlog_cleared


def build_report(
    store: Store,
    client_ref: str | int,
    *,
    since: int,
    until: int,
    now: int,
    work: WorkHours | None = None,
    settings: Settings | None = None,
    eta: dict | None = None,
) -> Report:
    """Gather everything the report says about ``client_ref`` in [since, until)."""
    work = work or WorkHours.from_config({})
    client = store.clients.get(client_ref)
    scope = _Scope(store, client, since, until, now, settings)
    incidents = _incidents(scope)
    target_s = scope.rules.target_s
    tally = _Tally(now, target_s)
    for account in scope.accounts:
        starts, ends = scope.index[account.id]
        tally.account(
            account.channel,
            starts,
            ends,
            store.reports.period_items(account.id, since, until, ordered=False),
        )
    tally.resolved.sort()
    tally.created.sort()
    times = {"all": tally.in_gap + tally.outside, "gap": tally.in_gap, "outside": tally.outside}
    response = {key: _stat(values, target_s) for key, values in times.items()}
    by_channel = tally.by_channel
    for channel, values in tally.channel_times.items():
        values.sort()
        by_channel[channel].median_s = nearest_rank(values, 50)
    for account in scope.accounts:  # ours = all - incoming (reading `outgoing` costs)
        by_channel[account.channel].replies_sent += _all_items(scope, account.id)
    for row in by_channel.values():
        row.replies_sent -= row.received
    by_channel = {k: v for k, v in by_channel.items() if v.received or v.replies_sent}

    merged, sync, away = _spans(incidents, since, until, now)
    buckets, weekly = _buckets(work, since, until, tally.created, tally.resolved, merged)
    backlog_total, backlog_open = tally.backlog_total, tally.backlog_open
    report = Report(
        client=client,
        since=since,
        until=until,
        now=now,
        tz_name=work.tz.key,
        target_s=target_s,
        accounts=list(scope.labels.values()),
        incidents=incidents,
        received=len(tally.created),
        answered=tally.answered,
        ignored=tally.ignored,
        waiting_now=tally.waiting_now,
        late=tally.late,
        response=response,
        channels=sorted(by_channel.values(), key=lambda r: (-r.received, r.channel)),
        buckets=buckets,
        weekly=weekly,
        affected_s=sum(hi - lo for lo, hi in merged),
        affected_work_s=sum(work.seconds_between(lo, hi) for lo, hi in merged),
        sync_s=sum(hi - lo for lo, hi in sync),
        away_s=sum(hi - lo for lo, hi in away),
        backlog_total=backlog_total,
        backlog_answered=backlog_total - backlog_open,
        backlog_open=backlog_open,
        backlog_cleared_at=(tally.backlog_cleared if backlog_total and not backlog_open else None),
        eta=eta or {"status": "none", "at": None},
        waiting=_oldest_waiting(scope),
        period_gaps=merged,
    )
    from .report_posts import build_section  # it reads this module's Report

    report.posts = build_section(store, report)
    return report


def _spans(incidents: list[Incident], since: int, until: int, now: int) -> tuple[list, list, list]:
    """The incidents clipped to the period and merged: all of them, the sync ones, the away."""
    clip = [
        (max(since, i.started_at), min(until, i.ended_at if i.ended_at is not None else now))
        for i in incidents
    ]
    sync = _union([c for c, i in zip(clip, incidents, strict=True) if i.source == "sync"])
    away = _union([c for c, i in zip(clip, incidents, strict=True) if i.source == "away"])
    return _union(clip), sync, away


def _all_items(scope: _Scope, account_id: int) -> int:
    """Every item of the account in the period, ours included (an index-only count)."""
    return scope.store.reports.all_between(account_id, scope.since, scope.until)


def _oldest_waiting(scope: _Scope) -> list[Item]:
    """The period's oldest interactions still waiting for an answer, with their text."""
    found = []
    for w in scope.store.reports.oldest_waiting(
        list(scope.labels), scope.since, scope.until, WAITING_SHOWN * 4
    ):
        if w.replied_at is not None:  # answered, though not marked done
            continue
        found.append(
            Item(
                id=w.id,
                account_id=w.account_id,
                channel=scope.channels[w.account_id],
                account=scope.labels[w.account_id],
                kind=w.kind,
                created_at=w.created_at,
                status="open",
                handled_at=None,
                responded_at=None,
                via="",
                resolved_at=None,
                in_gap=False,
                gap_kinds=(),
                backlog=False,
                late=False,
                window_closed=False,
                target_s=scope.rules.target_s,
                author=w.author_name or w.author_handle,
                text=w.text,
            )
        )
    return found[:WAITING_SHOWN]


# -- CSV ------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "received_at",
    "received_local",
    "channel",
    "account",
    "kind",
    "author",
    "status",
    "responded_at",
    "response_min",
    "response_via",
    "target_min",
    "late",
    "in_gap",
    "gap_kinds",
    "backlog",
    "window_closed",
    "text",
)
CSV_COLUMNS_IT = (
    "id",
    "ricevuto_il",
    "ricevuto_ora_locale",
    "canale",
    "account",
    "tipo",
    "autore",
    "stato",
    "risposto_il",
    "minuti_risposta",
    "risposta_tramite",
    "obiettivo_min",
    "in_ritardo",
    "durante_interruzione",
    "tipi_interruzione",
    "arretrato",
    "finestra_chiusa",
    "testo",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A cell a spreadsheet will not run: text starting with = + - @ gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(
    store: Store,
    client_ref: str | int,
    out: IO[str],
    *,
    since: int,
    until: int,
    now: int,
    work: WorkHours | None = None,
    settings: Settings | None = None,
    lang: str = "en",
) -> int:
    """Stream one row per interaction of the period, then one per scheduled post due in it
    (backlog/report_posts.py); return how many rows were written."""
    work = work or WorkHours.from_config({})
    client = store.clients.get(client_ref)
    scope = _Scope(store, client, since, until, now, settings)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS_IT if lang == "it" else CSV_COLUMNS)
    count = 0
    tz = work.tz
    for it in scope.items(with_text=True):
        local = datetime.fromtimestamp(it.created_at, tz).strftime("%Y-%m-%d %H:%M")
        response = it.response_s
        writer.writerow(
            [
                csv_safe(v)
                for v in (
                    it.id,
                    when.iso(it.created_at),
                    local,
                    it.channel,
                    it.account,
                    it.kind,
                    " ".join(it.author.split()),
                    it.status,
                    when.iso(it.responded_at) or "",
                    "" if response is None else round(response / 60, 1),
                    it.via,
                    round(it.target_s / 60),
                    int(it.late),
                    int(it.in_gap),
                    "+".join(it.gap_kinds),
                    int(it.backlog),
                    int(it.window_closed),
                    excerpt(it.text, 500),
                )
            ]
        )
        count += 1
    from .report_posts import csv_rows  # the scheduled posts follow the interactions

    for row in csv_rows(store, client.id, (since, until), now, _incidents(scope), tz):
        writer.writerow(row)
        count += 1
    return count
