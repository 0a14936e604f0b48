"""Triage: an explainable urgency score per open interaction, and the order it gives.

The score is a sum of coefficient x factor terms, each visible (``sfogo why``), in the
spirit of Taskwarrior's urgency. Factors lie in [0, 1] unless a table in the config says
otherwise; coefficients come from ``[triage]`` (see backlog/settings.py)::

    pinned        1 when the manager pinned the item
    window        platform reply window (Facebook/Instagram DMs: 24 h after the message):
                  0 until its last ``window_warning`` hours, then rising to 1 as it closes
    unanswerable  1 once that window has closed (the coefficient is negative: such an item
                  is marked, never ranked first)
    tier          the client's tier factor (vip 1, high 0.65, normal 0.3, low 0)
    deadline      age / the client's response target, capped at 1 once the target passed
    kind          dm and email 1, review 0.6, comment and reply 0.5, mention 0.3
    words         1 when urgent or complaint words appear (English and Italian)
    question      1 for a question mark (or configured question words)
    gap           1 when the item arrived while sfogo could not see or the manager was away
    age           age / ``age_cap`` (7 days), capped at 1

The sum is taken with ``math.fsum`` so it is exact to the last bit whatever the order of the
terms: the index-served order below and a brute-force scoring agree bit for bit.

How the first page comes from an index (the design decision)
-------------------------------------------------------------
Every term is either *static* (pinned, tier, kind, words, question) or a *non-decreasing
function of the item's age* (window until it closes, deadline, age), or *constant after the
window closes* (unanswerable), or the gap flag. So:

1. Each open item stores ``triage_key`` = account id x 64 + pinned x 32 + kind x 4 + keyword
   flags (schema version 5). Items with the same key share every static factor (tier,
   target and reply window come from the account's client and channel at query time, so a
   tier change needs no rewrite). The partial index ``(triage_key, created_at)`` over
   new/open items holds one *stream* per key.
2. Within a stream, oldest first, the time terms can only fall: with ``now`` fixed, the
   score is non-increasing along ``created_at``. A stream with a reply window is split at
   ``now - window`` into the closed part and the open part, each monotone.
3. The gap flag depends on gaps recorded later (an away period entered afterwards), so it is
   not stored: a stream head's *bound* assumes it is in a gap; its exact score is computed
   (by bisecting the account's gap spans) when it is read.
4. A threshold merge (Fagin's TA, with sorted access only): a heap of stream heads keyed by
   (-bound, created_at, id) and a heap of read candidates keyed by (-score, created_at, id).
   A candidate is emitted once no unread item can beat it; otherwise the best head is read.
   The result is exactly the order of a full scoring (ties: older first, then lower id),
   while reading only the emitted items plus those within the gap coefficient of the
   threshold. A stream enters the heap unread, under its best possible score (its time
   terms at their highest, a gap assumed), and is read only when that could reach the page:
   at 1M items about 20 of 190 streams are read for the first page.
5. The gap flag of an item read is asked of the runs (:class:`ProbedSpans`: is the
   account's last run before it a failure?), one index probe each, instead of grouping
   every failed run into gaps first (thousands after a long outage).

Keys are computed by the store whenever an item is written (inbox/store/triage.py), with
the keyword lists the file records; :func:`apply_keywords` records the config's lists when
a command or the app starts (a write only when they changed), and reading never writes.
When the recorded lists differ from the settings' (another config), every item is scored
in memory; an item without a key (written by an older sfogo) is scored in memory too.
Statuses outside new/open (snoozed, done), search and tag filters are scored by brute force
over the matching rows: they are small, or rare, and exact anyway.

Window note: each incoming private message is its own item, and its window is counted from
its own arrival. An older message in a conversation whose newest message is still answerable
shows as unanswerable, while the newest one carries the conversation's live window.
"""

from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from sfogo.inbox.errors import StoreBusy, StoreDamaged, StoreReadOnly
from sfogo.inbox.i18n import _
from sfogo.inbox.model import STATUSES
from sfogo.inbox.rows import RankedRow
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.store.triage import ManyReader, StreamRequest, StreamRow
from sfogo.inbox.triage_keys import (  # noqa: F401 (KIND_CODES, encode_key: the key layout)
    CODE_KINDS,
    KEY_SPAN,
    KEYED_STATUSES,
    KIND_CODES,
    decode_key,
    encode_key,
)

from .gaps import Gap, away_gaps, find_gaps
from .settings import TERMS, Settings

INDEXED_STATUSES = KEYED_STATUSES  # exactly the partial index's WHERE

_T = {name: i for i, name in enumerate(TERMS)}


@dataclass(slots=True)
class Term:
    name: str
    factor: float
    coefficient: float
    contribution: float
    note: str = ""


@dataclass(slots=True)
class Breakdown:
    score: float
    terms: list[Term]
    deadline_at: int
    window_closes_at: int | None
    unanswerable: bool


class Ranked(NamedTuple):
    """One item in triage order: enough to page rows by id and show the score."""

    id: int
    score: float
    created_at: int
    account_id: int
    in_gap: bool
    unanswerable: bool


# -- keys --------------------------------------------------------------------------------


def key_for(settings: Settings, account_id: int, kind: str, pinned: bool | int, text: str) -> int:
    return settings.keywords.key(account_id, kind, pinned, text)


def keys_current(store: Store, settings: Settings) -> bool:
    """Whether the stored keys were computed with these keyword lists."""
    return store.triage.fingerprint() == settings.keywords.fingerprint


def apply_keywords(store: Store, settings: Settings) -> int:
    """Record the settings' keyword lists in the file, recomputing the open items' keys if
    they changed; return how many keys were computed (0: nothing was written).

    A write: run it where the config is read when a command or the app starts, never on a
    read path. A file that cannot take the write (read-only, damaged, busy) keeps the keys
    it has, and reads rank with them: a read-only inbox still lists.
    """
    try:
        return store.triage.set_keywords(settings.keywords)
    except (StoreReadOnly, StoreDamaged, StoreBusy):
        return 0


# -- gaps per account --------------------------------------------------------------------


class GapSpans:
    """Which accounts could not be seen when: ``covers(account_id, t)``."""

    def __init__(self, gaps: Sequence[Gap]) -> None:
        self._everyone: list[tuple[int, float]] = []
        self._per: dict[int, list[tuple[int, float]]] = {}
        for gap in gaps:
            span = (gap.started_at, math.inf if gap.ended_at is None else gap.ended_at)
            if gap.account_id is None:
                self._everyone.append(span)
            else:
                self._per.setdefault(gap.account_id, []).append(span)
        self._merged: dict[int, tuple[list[int], list[float]]] = {}
        self._all = self._merge(self._everyone)

    @staticmethod
    def _merge(spans: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
        starts: list[int] = []
        ends: list[float] = []
        for start, end in sorted(spans):
            if end <= start:
                continue
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        return starts, ends

    def _spans(self, account_id: int) -> tuple[list[int], list[float]]:
        spans = self._merged.get(account_id)
        if spans is None:
            own = self._per.get(account_id)
            spans = self._merge(self._everyone + own) if own else self._all
            self._merged[account_id] = spans
        return spans

    def covers(self, account_id: int, t: int) -> bool:
        starts, ends = self._spans(account_id)
        i = bisect_right(starts, t) - 1
        return i >= 0 and t < ends[i]

    def horizon(self, account_id: int) -> float:
        """A time from which on no item of the account lies in a gap (-inf: none does)."""
        ends = self._spans(account_id)[1]
        return ends[-1] if ends else -math.inf

    def probe_before(self, account_id: int) -> int:
        """Before when the store should say whether the account was failing: never here
        (these spans know every gap)."""
        return -_MAX_T

    def covers_known(self, account_id: int, t: int, failing: bool | int | None) -> bool:
        """:meth:`covers`, given what the store said (unused here)."""
        return self.covers(account_id, t)


def gap_spans(store: Store, now: int, gaps: Sequence[Gap] | None = None) -> GapSpans:
    return GapSpans(find_gaps(store, now=now) if gaps is None else gaps)


class ProbedSpans:
    """``covers`` as :class:`GapSpans` answers it for the file's gaps, by asking the store
    about each item instead of reading every failed run first.

    A first page asks about a couple of hundred items, while the runs hold thousands of
    failures (a long outage, retried every few minutes): one index probe per item (is the
    account's last run before it a failure?) costs a fraction of grouping them all, and
    each probe also says until when its answer holds, so nearby items ask none. An
    item's time inside a sync gap is exactly that: from a failed run up to the next
    successful one. Away periods (few) are read once; times after ``now`` (a gap is
    counted up to ``now``) fall back to the full spans.
    """

    def __init__(
        self, store: Store, now: int, horizons: dict[int, int | None] | None = None
    ) -> None:
        self._store = store
        self._now = now
        self._away = GapSpans(away_gaps(store))
        self._full: GapSpans | None = None
        self._sync = horizons  # store.triage.gap_horizons(), read on first use if not given
        # Per account, spans of time already asked: (from, until, in a sync gap).
        self._known: dict[int, list[tuple[int, float, bool]]] = {}

    def covers(self, account_id: int, t: int) -> bool:
        if t > self._now:
            if self._full is None:
                self._full = gap_spans(self._store, self._now)
            return self._full.covers(account_id, t)
        return self._away.covers(account_id, t) or self._failing_at(account_id, t)

    def probe_before(self, account_id: int) -> int:
        """Before when a stream read should ask whether the account was failing: its sync
        horizon (items after it lie in no sync gap)."""
        if self._sync is None:
            self._sync = self._store.triage.gap_horizons()
        if account_id not in self._sync:
            return -_MAX_T
        end = self._sync[account_id]
        return _MAX_T if end is None else end

    def covers_known(self, account_id: int, t: int, failing: bool | int | None) -> bool:
        """:meth:`covers`, where the stream read already said whether the account's last
        run by ``t`` failed (``failing``, asked before :meth:`probe_before`)."""
        if t > self._now:
            return self.covers(account_id, t)
        return bool(failing) or self._away.covers(account_id, t)

    def _failing_at(self, account_id: int, t: int) -> bool:
        """``store.runs.failing_at``, remembering the span its answer holds for: items of
        one account near each other in time cost one probe."""
        known = self._known.setdefault(account_id, [])
        for lo, hi, failing in known:
            if lo <= t < hi:
                return failing
        state = self._store.triage.run_state(account_id, t)
        if state is None:
            return False
        failing, lo, until = state
        known.append((lo, math.inf if until is None else until, failing))
        return failing

    def horizon(self, account_id: int) -> float:
        """As :meth:`GapSpans.horizon`: past the account's last gap and every away period
        (one statement for all accounts, on first use)."""
        if self._sync is None:
            self._sync = self._store.triage.gap_horizons()
        sync = self._sync.get(account_id, -math.inf)
        return max(math.inf if sync is None else sync, self._away.horizon(account_id))


# -- the score ---------------------------------------------------------------------------


def _coefficients(settings: Settings) -> tuple[float, ...]:
    return tuple(float(settings.coefficients[name]) for name in TERMS)


def _clamp(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def _factors(
    now: int,
    created_at: int,
    *,
    pinned: bool,
    tier_f: float,
    kind_f: float,
    words: bool,
    question: bool,
    in_gap: bool,
    target: int,
    window: int | None,
    settings: Settings,
) -> tuple[float, ...]:
    """The factors in TERMS order. Both ``explain`` and the indexed order use this."""
    age = now - created_at
    window_f = closed = 0.0
    if window is not None:
        remaining = created_at + window - now
        if remaining <= 0:
            closed = 1.0
        else:
            warning = min(settings.window_warning_s, window)
            window_f = _clamp(1.0 - remaining / warning)
    return (
        1.0 if pinned else 0.0,
        window_f,
        closed,
        tier_f,
        _clamp(age / target),
        kind_f,
        1.0 if words else 0.0,
        1.0 if question else 0.0,
        1.0 if in_gap else 0.0,
        _clamp(age / settings.age_cap_s),
    )


def _score(coefficients: tuple[float, ...], factors: tuple[float, ...]) -> float:
    return math.fsum([c * f for c, f in zip(coefficients, factors, strict=True)])


def deadline_at(row: Mapping, settings: Settings) -> int:
    """When the client's response target for this item runs out."""
    return int(row["created_at"]) + _target(row, settings)


def window_closes_at(row: Mapping, settings: Settings) -> int | None:
    """When the platform stops accepting a reply, or None for channels without a window."""
    window = settings.window_s(row["channel"], row["kind"])
    return None if window is None else int(row["created_at"]) + window


def _target(row: Mapping, settings: Settings) -> int:
    return settings.target_s(row["tier"], row.get("client_id"), row.get("target_s"))


def span(seconds: float) -> str:
    """A short duration for notes: '45 minutes', '3 hours 20 minutes', '2 days 4 hours'."""
    from sfogo.inbox.timefmt import span_precise

    return span_precise(seconds)


def _notes(
    row: Mapping,
    settings: Settings,
    now: int,
    *,
    in_gap: bool,
    urgent: Sequence[str],
    questions: Sequence[str],
    target: int,
) -> dict[str, str]:
    """A line of words for each term of the score: why it counts as much as it does."""
    created = int(row["created_at"])
    tier, kind, channel = row["tier"], row["kind"], row["channel"]
    window = settings.window_s(channel, kind)
    due = created + target
    closes = None if window is None else created + window
    age = now - created
    notes = {
        "pinned": _("pinned by you") if row.get("pinned") else _("not pinned"),
        "tier": _("{tier} client").format(tier=tier),
        "deadline": (
            _("target {span}: ").format(span=span(target))
            + (
                _("passed {span} ago").format(span=span(now - due))
                if due <= now
                else _("due in {span}").format(span=span(due - now))
            )
        ),
        "kind": (_("{kind}, private") if kind in ("dm", "email") else _("{kind}, public")).format(
            kind=kind
        ),
        "words": ", ".join(urgent) if urgent else _("no urgent or complaint words"),
        "question": ", ".join(questions) if questions else _("no question"),
        "gap": (
            _("arrived while sfogo could not see or you were away")
            if in_gap
            else _("arrived outside any gap")
        ),
        "age": (
            _("{span} old").format(span=span(age))
            + (
                _(" (capped at {span})").format(span=span(settings.age_cap_s))
                if age >= settings.age_cap_s
                else ""
            )
            if age > 0
            else _("just arrived")
        ),
    }
    if window is None or closes is None:  # the one is None exactly when the other is
        notes["window"] = (
            _("no reply window for e-mail")
            if kind == "email"
            else _("no reply window for a {channel} {kind}").format(channel=channel, kind=kind)
        )
        notes["unanswerable"] = _("can always be answered")
    elif closes <= now:
        notes["window"] = _("the reply window ({span}) closed {span2} ago").format(
            span=span(window), span2=span(now - closes)
        )
        notes["unanswerable"] = _(
            "UNANSWERABLE: {channel} refuses replies {span} after the message"
        ).format(channel=channel, span=span(window))
    else:
        notes["window"] = _("{channel} reply window closes in {span}").format(
            channel=channel, span=span(closes - now)
        )
        notes["unanswerable"] = _("still answerable")
    return notes


def explain(row: Mapping, settings: Settings, now: int, *, in_gap: bool | None = None) -> Breakdown:
    """Every term of the item's score, with its factor, coefficient and contribution.

    ``row`` is a Store row dict. ``in_gap`` says whether the item arrived during a gap
    (None: the row's own ``in_gap`` key, else no). The client's own response target is
    ``row["target_s"]`` if present, else ``settings.client_targets`` (``settings.load``
    with a store fills it), else the tier's.
    """
    if in_gap is None:
        in_gap = bool(row.get("in_gap", False))
    text = row.get("text") or ""
    created = int(row["created_at"])
    tier, kind, channel = row["tier"], row["kind"], row["channel"]
    target = _target(row, settings)
    window = settings.window_s(channel, kind)
    urgent = settings.matches("urgent", text)
    questions = settings.matches("question", text)
    tier_f = float(settings.tier_factors.get(tier, 0.0))
    kind_f = float(settings.kind_factors.get(kind, 0.0))
    factors = _factors(
        now,
        created,
        pinned=bool(row.get("pinned")),
        tier_f=tier_f,
        kind_f=kind_f,
        words=bool(urgent),
        question=bool(questions),
        in_gap=in_gap,
        target=target,
        window=window,
        settings=settings,
    )
    coefficients = _coefficients(settings)
    due = created + target
    closes = None if window is None else created + window
    unanswerable = closes is not None and closes <= now
    notes = _notes(
        row, settings, now, in_gap=in_gap, urgent=urgent, questions=questions, target=target
    )
    terms = [
        Term(name, f, c, c * f, notes.get(name, ""))
        for name, f, c in zip(TERMS, factors, coefficients, strict=True)
    ]
    return Breakdown(
        score=_score(coefficients, factors),
        terms=terms,
        deadline_at=due,
        window_closes_at=closes,
        unanswerable=unanswerable,
    )


# -- the order ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Account:
    client_id: int
    channel: str
    tier: str
    target: int
    tier_f: float


def _accounts(store: Store, settings: Settings) -> dict[int, _Account]:
    return {
        o.account_id: _Account(
            o.client_id,
            o.channel,
            o.tier,
            settings.target_s(o.tier, o.client_id, o.own_target_s),
            float(settings.tier_factors.get(o.tier, 0.0)),
        )
        for o in store.accounts.owners()
    }


# What a triage key says: (account id, kind, _factors' static kwargs, reply window).
_KeyInfo = tuple[int, str, dict[str, Any], int | None]


class _Scorer:
    """Scores (key, created_at) pairs for one ``now``, caching each key's static part."""

    def __init__(
        self,
        settings: Settings,
        accounts: dict[int, _Account],
        spans: GapSpans | ProbedSpans,
        now: int,
    ) -> None:
        self.settings = settings
        self.accounts = accounts
        self.spans = spans
        self.now = now
        self.coefficients = _coefficients(settings)
        self.gap_bonus = max(0.0, self.coefficients[_T["gap"]])
        self._info: dict[int, _KeyInfo | None] = {}
        self._terms_of: dict[int, _KeyTerms] = {}
        self._horizons: dict[int, float] = {}
        self._parts: dict[tuple[int, int], list[tuple[int, float]]] = {}
        self._flags: dict[int, float] = {}

    def info(self, key: int) -> _KeyInfo | None:
        """(account id, kind, static kwargs, window) for a key, None if its account is gone."""
        if key not in self._info:
            account_id, kind, pinned, words, question = decode_key(key)
            acc = self.accounts.get(account_id)
            if acc is None:
                self._info[key] = None
            else:
                static = dict(
                    pinned=pinned,
                    tier_f=acc.tier_f,
                    kind_f=float(self.settings.kind_factors.get(kind, 0.0)),
                    words=words,
                    question=question,
                    target=acc.target,
                    settings=self.settings,
                )
                self._info[key] = (
                    account_id,
                    kind,
                    static,
                    self.settings.window_s(acc.channel, kind),
                )
        return self._info[key]

    def known(self, key: int) -> _KeyInfo:
        """:meth:`info` of a key its callers have checked (they skip keys whose account is gone)."""
        info = self.info(key)
        assert info is not None, "a key of a removed account"
        return info

    def terms(self, key: int) -> _KeyTerms:
        """What scoring an item of this key needs besides its time and gap flag."""
        terms = self._terms_of.get(key)
        if terms is None:
            account_id, kind, pinned, words, question = decode_key(key)
            acc = self.accounts[account_id]  # callers skip keys whose account is gone
            window = self.settings.window_s(acc.channel, kind)
            c = self.coefficients
            fixed = [  # each static term's coefficient x factor, as _factors gives them
                c[_T["pinned"]] * (1.0 if pinned else 0.0),
                c[_T["tier"]] * acc.tier_f,
                c[_T["kind"]] * float(self.settings.kind_factors.get(kind, 0.0)),
                c[_T["words"]] * (1.0 if words else 0.0),
                c[_T["question"]] * (1.0 if question else 0.0),
            ]
            warning = None if window is None else min(self.settings.window_warning_s, window)
            terms = _KeyTerms(account_id, fixed, acc.target, window, warning, sum(fixed))
            self._terms_of[key] = terms
        return terms

    def _score_at(self, terms: _KeyTerms, created_at: int, in_gap: bool) -> float:
        """:func:`_score` of :func:`_factors`, with the key's static products made once
        (``fsum`` is exact, so the same products give the same bits in any grouping)."""
        c = self.coefficients
        age = self.now - created_at
        window_f = closed = 0.0
        if terms.window is not None:
            remaining = created_at + terms.window - self.now
            if remaining <= 0:
                closed = 1.0
            else:
                window_f = _clamp(1.0 - remaining / terms.warning)  # type: ignore[operator]
        return math.fsum(
            [
                *terms.fixed,
                c[_T["window"]] * window_f,
                c[_T["unanswerable"]] * closed,
                c[_T["deadline"]] * _clamp(age / terms.target),
                c[_T["gap"]] * (1.0 if in_gap else 0.0),
                c[_T["age"]] * _clamp(age / self.settings.age_cap_s),
            ]
        )

    def horizon(self, account_id: int) -> float:
        """From this time on, no item of the account lies in a gap."""
        h = self._horizons.get(account_id)
        if h is None:
            h = self._horizons[account_id] = self.spans.horizon(account_id)
        return h

    def exact(self, key: int, created_at: int) -> tuple[float, bool, bool]:
        """(score, in_gap, unanswerable); the gaps are asked only before the horizon."""
        terms = self.terms(key)
        account_id = terms.account_id
        in_gap = created_at < self.horizon(account_id) and self.spans.covers(account_id, created_at)
        window = terms.window
        unanswerable = window is not None and created_at + window <= self.now
        return self._score_at(terms, created_at, in_gap), in_gap, unanswerable

    def probe_before(self, key: int) -> int:
        """Before when a read of this key's stream asks whether the account was failing."""
        return self.spans.probe_before(key // KEY_SPAN)

    def exact_read(
        self, key: int, created_at: int, failing: bool | int | None
    ) -> tuple[float, bool, bool]:
        """:meth:`exact` of an item a stream read, with what the read said of its gap."""
        terms = self.terms(key)
        account_id = terms.account_id
        in_gap = created_at < self.horizon(account_id) and self.spans.covers_known(
            account_id, created_at, failing
        )
        window = terms.window
        unanswerable = window is not None and created_at + window <= self.now
        return self._score_at(terms, created_at, in_gap), in_gap, unanswerable

    def bound(self, key: int, created_at: int) -> float:
        """The best score an item of this key created then or later could have: its own
        score with a gap assumed while one is possible (before the account's horizon), and
        exactly its score after it (so ties after the horizon cost no extra reads)."""
        terms = self.terms(key)
        gap = self.gap_bonus > 0 and created_at < self.horizon(terms.account_id)
        return self._score_at(terms, created_at, gap)

    def bound_after(self, key: int, created_at: int, exact: tuple[float, bool, bool]) -> float:
        """:meth:`bound` from the item's :meth:`exact` score, without scoring it again: the
        score itself where no later item can gain a gap term, else raised by it (and by
        far more than any rounding)."""
        score, in_gap = exact[0], exact[1]
        if in_gap:
            return score if self.coefficients[_T["gap"]] >= 0 else self.bound(key, created_at)
        if self.gap_bonus > 0 and created_at < self.horizon(key // KEY_SPAN):
            raised = score + self.gap_bonus
            return raised + 1e-9 * (1.0 + abs(raised))
        return score

    def unread_parts(self, key: int) -> list[tuple[int, float]]:
        """The key's stream parts as (lo, bound at lo): one, or two for a key with a reply
        window (closed, then open). Bounds summed plainly (they only order unread streams)
        and raised far above any rounding; made from per-account and per-flag parts, as
        every open key is asked on every page."""
        account_id, low = divmod(key, KEY_SPAN)
        kind_code = (low >> 2) & 7
        parts = self._parts.get((account_id, kind_code))
        if parts is None:
            parts = self._parts[(account_id, kind_code)] = self._account_parts(
                account_id, kind_code
            )
        flags = self._flags.get(low)
        if flags is None:
            _acc, kind, pinned, words, question = decode_key(low)
            c = self.coefficients
            flags = self._flags[low] = (
                c[_T["pinned"]] * (1.0 if pinned else 0.0)
                + c[_T["kind"]] * float(self.settings.kind_factors.get(kind, 0.0))
                + c[_T["words"]] * (1.0 if words else 0.0)
                + c[_T["question"]] * (1.0 if question else 0.0)
            )
        return [(lo, total + flags + 1e-9 * (1.0 + abs(total + flags))) for lo, total in parts]

    def _account_parts(self, account_id: int, kind_code: int) -> list[tuple[int, float]]:
        """:meth:`unread_parts` without the flags' terms."""
        acc = self.accounts[account_id]
        window = self.settings.window_s(acc.channel, CODE_KINDS.get(kind_code, ""))
        c = self.coefficients
        tier = c[_T["tier"]] * acc.tier_f
        horizon = self.horizon(account_id)
        gap = self.gap_bonus
        # Before any window part, age is unbounded: deadline and age are at their caps.
        capped = tier + c[_T["deadline"]] + c[_T["age"]] + (gap if horizon > -_MAX_T else 0.0)
        if window is None:
            return [(-_MAX_T, capped)]
        lo = self.now - window + 1  # the open part's oldest: its window closes in a second
        warning = min(self.settings.window_warning_s, window)
        age = window - 1
        open_part = (
            tier
            + c[_T["window"]] * _clamp(1.0 - 1 / warning)
            + c[_T["deadline"]] * _clamp(age / acc.target)
            + c[_T["age"]] * _clamp(age / self.settings.age_cap_s)
            + (gap if lo < horizon else 0.0)
        )
        return [(-_MAX_T, capped + c[_T["unanswerable"]]), (lo, open_part)]


class _KeyTerms(NamedTuple):
    """What scoring an item of one key needs besides its time and gap flag."""

    account_id: int
    fixed: list[float]
    target: int
    window: int | None
    warning: int | None
    fixed_sum: float  # sum(fixed), plainly: for bounds only


class _Stream:
    """One key's items in [lo, hi] of created_at, oldest first, read in growing chunks
    from [start, end] (which holds [lo, hi]: the rows outside it are left out)."""

    __slots__ = (
        "buf",
        "chunk",
        "done",
        "end",
        "head",
        "hi",
        "key",
        "last_id",
        "last_t",
        "lo",
        "pos",
        "probe",
        "start",
    )

    def __init__(
        self,
        key: int,
        lo: int,
        hi: int,
        probe: int,
        chunk: int = 4,
        start: int | None = None,
        end: int | None = None,
    ) -> None:
        self.key, self.lo, self.hi, self.probe = key, lo, hi, probe
        self.start = lo if start is None else start
        self.end = hi if end is None else end
        self.last_t, self.last_id = self.start - 1, -1  # the last row read (not yet taken)
        self.buf: list[StreamRow] = []
        self.head: tuple[float, int, int] = (0.0, _UNREAD, _UNREAD)  # its entry in the heap
        self.pos = 0
        self.chunk = chunk
        self.done = False

    def wants(self) -> bool:
        """Whether :meth:`next` must read first."""
        return self.pos >= len(self.buf) and not self.done

    def low(self) -> bool:
        """Whether half the rows read are taken: worth reading on with another stream."""
        return 2 * self.pos >= len(self.buf) and not self.done

    def request(self) -> StreamRequest:
        return (self.key, self.start, self.end, self.last_t, self.last_id, self.chunk, self.probe)

    def fill(self, rows: list[StreamRow]) -> None:
        """Take the rows read for :meth:`request`, after those not taken yet."""
        if rows:
            self.last_id, self.last_t = rows[-1][0], rows[-1][1]
        if len(rows) < self.chunk:
            self.done = True
        self.chunk = min(self.chunk * 4, 1024)
        if rows and (rows[0][1] < self.lo or rows[-1][1] > self.hi):
            rows = [r for r in rows if self.lo <= r[1] <= self.hi]
        self.buf, self.pos = self.buf[self.pos :] + rows, 0

    def next(self, read: ManyReader) -> StreamRow | None:
        while self.wants():  # a read whose rows all lay outside [lo, hi] reads on
            self.fill(read([self.request()])[0])
        if self.pos >= len(self.buf):
            return None
        item = self.buf[self.pos]
        self.pos += 1
        return item


_MAX_T = 2**62
_BATCH = 32  # streams opened by one read at most (the store's ``open_batch``)
_CUT_STEP = 60  # seconds: a reply window's parts are read from and to whole minutes
_UNREAD = -(2**63)  # a head's created_at and id before its stream is read: sorts first
_OPEN_AND_SNOOZED = InboxFilter(statuses=("new", "open", "snoozed"))


def _split_statuses(flt: InboxFilter) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(statuses the index serves, statuses scored by brute force)."""
    wanted = tuple(flt.statuses) or STATUSES
    return (
        tuple(s for s in INDEXED_STATUSES if s in wanted),
        tuple(s for s in STATUSES if s in wanted and s not in INDEXED_STATUSES),
    )


def _both_cutoffs(
    a: Mapping[int, int] | None, b: Mapping[int, int] | None
) -> Mapping[int, int] | None:
    """Two per-account cutoff maps that must both hold (None: no limit)."""
    if a is None or b is None:
        return b if a is None else a
    return {acc: min(t, b[acc]) for acc, t in a.items() if acc in b}


def rank_all(
    store: Store,
    settings: Settings,
    now: int,
    gaps: Sequence[Gap] | None = None,
    *,
    before: dict[int, int] | None = None,
) -> list[tuple[int, float, int, int, str]]:
    """Every open item (or, with ``before``, those created before their account's cutoff)
    in triage order, as (id, score, created_at, account_id, kind).

    The same scores and order as :func:`iter_triage` (a test holds them equal), for callers
    that need every item rather than the first page (the catch-up plan): reading the
    covering index once and scoring each (key, created_at), then one sort, is about three
    times faster than draining the threshold merge (0.45 s against 1.7 s for 116k items).
    """
    index = store.triage
    if keys_current(store, settings):
        rows = index.keyed_open()
        unkeyed = index.unkeyed()
    else:  # keys of other keyword lists: every item is keyed here
        rows = []
        unkeyed = index.scoring_rows(_OPEN_AND_SNOOZED)
    for item_id, account_id, kind, pinned, text, created in unkeyed:
        rows.append((item_id, key_for(settings, account_id, kind, pinned, text), created))
    scorer = _Scorer(settings, _accounts(store, settings), gap_spans(store, now, gaps), now)
    exact = scorer.exact
    scored = []
    for item_id, key, created in rows:
        account_id = key // KEY_SPAN
        if before is not None and created >= before.get(account_id, -math.inf):
            continue
        if scorer.info(key) is None:  # its account is gone
            continue
        scored.append((-exact(key, created)[0], created, item_id, key))
    scored.sort()  # the tie-break of iter_triage: older first, then lower id
    kinds = {key: decode_key(key)[1] for key in {k for *_, k in scored}}
    return [
        (item_id, -neg, created, key // KEY_SPAN, kinds[key])
        for neg, created, item_id, key in scored
    ]


def iter_triage(
    store: Store,
    flt: InboxFilter | None,
    settings: Settings | None,
    now: int,
    *,
    before: Mapping[int, int] | None = None,
    gaps: Sequence[Gap] | None = None,
) -> Iterator[Ranked]:
    """Items matching ``flt`` in triage order (highest score first), lazily.

    ``before`` (account id -> time) keeps only items created before that time on those
    accounts (the backlog's cutoffs; accounts not named are left out), as ``flt.before``
    does. Taking the first page reads the streams that could reach it; exhausting the
    iterator scores them all. Reading never writes.
    """
    settings = settings or Settings()
    flt = flt or InboxFilter()
    before = _both_cutoffs(before, flt.before)
    indexed, brute = _split_statuses(flt)
    # The overview first: a server engine sends the two reads after it along with it, and
    # the first streams this kind of page read last time (used if asked again exactly).
    page_kind = repr((_stream_status(indexed), flt, before, gaps is None))
    overview = store.triage.overview(
        then_accounts=True, then_away=gaps is None, first_read=page_kind
    )
    accounts = _accounts(store, settings)
    spans = ProbedSpans(store, now, overview.horizons) if gaps is None else GapSpans(gaps)
    scorer = _Scorer(settings, accounts, spans, now)
    candidates: list[tuple] = []
    owned = flt.assignee is not None or flt.unassigned
    current = overview.fingerprint == settings.keywords.fingerprint
    if flt.search or flt.tag or owned or not current:
        # The full-text, tag or owner match runs once here (per stream it would run per
        # chunk); keys of other keyword lists cannot be trusted at all.
        candidates = _brute(store, flt, scorer, before, stored_keys=current)
        indexed = ()
    else:
        if indexed and overview.missing:  # only the missing keys are scored here
            candidates = _brute(
                store, replace(flt, statuses=indexed), scorer, before, unkeyed_only=True
            )
        if brute:
            candidates += _brute(store, replace(flt, statuses=brute), scorer, before)
    heapq.heapify(candidates)
    heads: list[tuple] = []
    if indexed:
        heads = _open_streams(overview.keys, flt, scorer, before)
    read = store.triage.many_reader(_stream_status(indexed), first_read=page_kind)
    index = store.triage
    yield from _merge(
        read, scorer, candidates, heads, index.first_chunk, index.read_ahead, index.open_batch
    )


def _stream_status(indexed: tuple[str, ...]) -> str | None:
    """The one indexed status wanted, or None for both."""
    return indexed[0] if indexed and len(indexed) < len(INDEXED_STATUSES) else None


def _allowed(flt: InboxFilter, scorer: _Scorer, key: int, before: Mapping[int, int] | None) -> bool:
    info = scorer.info(key)
    if info is None:
        return False
    account_id, kind, static, _window = info
    acc = scorer.accounts[account_id]
    if before is not None and account_id not in before:
        return False
    if flt.client_ids and acc.client_id not in flt.client_ids:
        return False
    if flt.channels and acc.channel not in flt.channels:
        return False
    if flt.kinds and kind not in flt.kinds:
        return False
    return flt.pinned is None or bool(flt.pinned) == static["pinned"]


def _open_streams(
    keys: list[int],
    flt: InboxFilter,
    scorer: _Scorer,
    before: Mapping[int, int] | None,
) -> list[tuple]:
    """The streams, unread, as a heap of (-bound, _UNREAD, _UNREAD, seq, (key, lo, hi)):
    a stream is made when it is first read (most never are)."""
    heads: list[tuple] = []
    narrowed = bool(flt.client_ids or flt.channels or flt.kinds or flt.pinned is not None)
    accounts = scorer.accounts
    seq = itertools.count()
    for key in keys:
        if narrowed or before is not None:
            if not _allowed(flt, scorer, key, before):
                continue
        elif key // KEY_SPAN not in accounts:  # its account is gone
            continue
        hi = _MAX_T if before is None else before[key // KEY_SPAN] - 1
        # Closed windows come first in time but score lower: such a key has two monotone
        # parts, the closed one ending where the open one starts. That start moves with
        # the clock; each part is read as far as the minute it falls in (the rows past it
        # are the other part's, left out when read), so the reads a page asks stay the same
        # for a minute: a server engine can send them ahead (``first_read``).
        parts = scorer.unread_parts(key)
        for n, (lo, bound) in enumerate(parts):
            top, end = hi, hi
            if n + 1 < len(parts):
                cut = parts[n + 1][0]
                top, end = min(hi, cut - 1), min(hi, cut - cut % _CUT_STEP + _CUT_STEP - 1)
            if lo > top:
                continue
            start = lo if n == 0 else lo - lo % _CUT_STEP
            # Not read yet: the stream's best possible score (its time terms are highest at
            # ``lo``) stands for it, so a stream that cannot reach the page is never read.
            heads.append((-bound, _UNREAD, _UNREAD, next(seq), (key, lo, top, start, end)))
    heapq.heapify(heads)
    return heads


def _merge(
    read: ManyReader,
    scorer: _Scorer,
    candidates: list[tuple],
    heads: list[tuple],
    first_chunk: int = 4,
    read_ahead: bool = False,
    open_batch: int = _BATCH,
) -> Iterator[Ranked]:
    """The threshold merge: emit a candidate once no unread head can beat it.

    Reads are batched, one statement for several streams: an unread stream at the top is
    opened with the unread ones after it that must be read before the best candidate can be
    emitted (with no candidate yet, the next ones by bound), up to ``open_batch``; a stream
    that needs its next chunk is read alone. With ``read_ahead`` (where a statement costs a
    round trip) a stream's next chunk comes with every opened stream that has taken half of
    what it read, and opening streams opens the next ones by bound up to ``open_batch``.
    """
    push, pop = heapq.heappush, heapq.heappop
    live: list[_Stream] = []  # opened streams with more to read

    def advance(stream: _Stream) -> None:
        item = stream.next(read)
        if item is None:
            return
        item_id, t, failing = item
        exact = scorer.exact_read(stream.key, t, failing)
        stream.head = (-scorer.bound_after(stream.key, t, exact), t, item_id)
        push(heads, (*stream.head, exact, stream))

    while candidates or heads:
        if candidates and (not heads or candidates[0][:3] < heads[0][:3]):
            neg, t, item_id, account_id, in_gap, closed = pop(candidates)
            yield Ranked(item_id, -neg, t, account_id, in_gap, closed)
            continue
        _neg_bound, t, item_id, exact, stream = pop(heads)
        floor = candidates[0][:3] if candidates else None
        if t == _UNREAD:
            payloads = [stream]
            if read_ahead:  # a statement is a round trip: open the next streams by bound too
                payloads += _take_unread(heads, open_batch - 1)
            while (
                heads
                and heads[0][1] == _UNREAD
                and len(payloads) < open_batch
                and (floor is None or heads[0][:3] < floor)
            ):
                payloads.append(pop(heads)[4])
            batch = [
                _Stream(key, lo, hi, scorer.probe_before(key), first_chunk, start, end)
                for key, lo, hi, start, end in payloads
            ]
        else:
            score, in_gap, closed = exact
            push(candidates, (-score, t, item_id, stream.key // KEY_SPAN, in_gap, closed))
            if not stream.wants():
                advance(stream)
                continue
            batch = [stream]
            if read_ahead:
                batch += [s for s in live if s is not stream and s.low()]
        for opened, rows in zip(batch, read([b.request() for b in batch]), strict=True):
            opened.fill(rows)
        live = [s for s in live if not s.done]
        for opened in batch:
            if not opened.done and opened not in live:
                live.append(opened)
            if opened is stream or t == _UNREAD:
                advance(opened)


def _take_unread(heads: list[tuple], n: int) -> list[tuple[int, int, int, int, int]]:
    """The ``n`` best unread streams' payloads, taken out of ``heads`` (read streams'
    heads lie between them in the heap: a walk over it, a few hundred entries at most)."""
    unread = [h for h in heads if h[1] == _UNREAD]
    if not unread:
        return []
    taken = heapq.nsmallest(n, unread)
    chosen = {h[3] for h in taken}  # an unread head's sequence number
    heads[:] = [h for h in heads if h[1] != _UNREAD or h[3] not in chosen]
    heapq.heapify(heads)
    return [h[4] for h in taken]


def _brute(
    store: Store,
    flt: InboxFilter,
    scorer: _Scorer,
    before: Mapping[int, int] | None,
    *,
    unkeyed_only: bool = False,
    stored_keys: bool = False,
) -> list[tuple]:
    """Score every matching row in memory (snoozed/done items, searches, unkeyed items);
    ``stored_keys``: the stored keys are current, so only items without one are keyed here."""
    out = []
    settings = scorer.settings
    rows: Iterable[tuple] = (
        store.triage.keyed_scoring_rows(flt)
        if stored_keys and not unkeyed_only
        else store.triage.scoring_rows(flt, unkeyed_only=unkeyed_only)
    )
    for item_id, account_id, kind, pinned, text, created, *stored in rows:
        if before is not None and created >= before.get(account_id, -_MAX_T):
            continue
        key = stored[0] if stored and stored[0] is not None else None
        if key is None:
            key = key_for(settings, account_id, kind, pinned, text or "")
        if scorer.info(key) is None:
            continue
        score, in_gap, closed = scorer.exact(key, created)
        out.append((-score, created, item_id, account_id, in_gap, closed))
    return out


def triage_ids(
    store: Store,
    flt: InboxFilter | None,
    settings: Settings | None,
    now: int,
    limit: int | None = 100,
    offset: int = 0,
    *,
    before: Mapping[int, int] | None = None,
    gaps: Sequence[Gap] | None = None,
) -> list[int]:
    """Ids in triage order (``limit`` None: all of them)."""
    return [r.id for r in _slice(store, flt, settings, now, limit, offset, before, gaps)]


def triage_ranked(
    store: Store,
    flt: InboxFilter | None,
    settings: Settings | None,
    now: int,
    limit: int | None = 100,
    offset: int = 0,
    *,
    before: Mapping[int, int] | None = None,
    gaps: Sequence[Gap] | None = None,
) -> list[Ranked]:
    return _slice(store, flt, settings, now, limit, offset, before, gaps)


def _slice(
    store: Store,
    flt: InboxFilter | None,
    settings: Settings | None,
    now: int,
    limit: int | None,
    offset: int,
    before: Mapping[int, int] | None,
    gaps: Sequence[Gap] | None,
) -> list[Ranked]:
    it = iter_triage(store, flt, settings, now, before=before, gaps=gaps)
    out: list[Ranked] = []
    for n, ranked in enumerate(it):
        if n < offset:
            continue
        if limit is not None and len(out) >= limit:
            break
        out.append(ranked)
    return out


def triage_rows(
    store: Store,
    flt: InboxFilter | None,
    settings: Settings | None,
    now: int,
    limit: int | None = 100,
    offset: int = 0,
    *,
    before: Mapping[int, int] | None = None,
    gaps: Sequence[Gap] | None = None,
) -> list[RankedRow]:
    """Store rows in triage order, each with ``score``, ``in_gap``, ``unanswerable``,
    ``target_s``, ``deadline_at`` and ``window_closes_at`` added."""
    settings = settings or Settings()
    ranked = _slice(store, flt, settings, now, limit, offset, before, gaps)
    return decorate(store, ranked, settings)


def decorate(store: Store, ranked: Sequence[Ranked], settings: Settings) -> list[RankedRow]:
    """The rows of ``ranked`` (fetched by id) with their triage fields, in that order."""
    rows, targets = store.triage.rows_and_targets([r.id for r in ranked])
    out = []
    for r in ranked:
        row = rows.get(r.id)
        if row is None:  # deleted meanwhile
            continue
        ranked_row: RankedRow = row  # type: ignore[assignment]  # the fields are added below
        ranked_row["target_s"] = settings.target_s(
            row["tier"], row["client_id"], targets.get(row["client_id"])
        )
        ranked_row["score"] = round(r.score, 4)
        ranked_row["in_gap"] = r.in_gap
        ranked_row["unanswerable"] = r.unanswerable
        ranked_row["deadline_at"] = deadline_at(row, settings)
        ranked_row["window_closes_at"] = window_closes_at(row, settings)
        out.append(ranked_row)
    return out


def iter_rows(
    store: Store,
    flt: InboxFilter | None,
    settings: Settings | None,
    now: int,
    *,
    limit: int | None = None,
    before: Mapping[int, int] | None = None,
    batch: int = 500,
) -> Iterator[RankedRow]:
    """Decorated rows in triage order, fetched by id in batches (``list --limit 0``)."""
    settings = settings or Settings()
    ranked: Iterator[Ranked] = iter_triage(store, flt, settings, now, before=before)
    if limit is not None:
        ranked = itertools.islice(ranked, limit)
    chunk: list[Ranked] = []
    for r in ranked:
        chunk.append(r)
        if len(chunk) >= batch:
            yield from decorate(store, chunk, settings)
            chunk = []
    if chunk:
        yield from decorate(store, chunk, settings)
