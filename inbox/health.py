"""Each account's sync state, and when it may be asked again: read from the sync runs.

One function, :func:`account_health`, serves ``sfogo health``, the watch loop's schedule and
the TUI's health bar, so they never disagree. Everything is derived from the ``sync_runs``
rows, so a new process honours a rate limit or a back-off that an earlier one recorded.

Scheduling: after a success, the next attempt is one interval later. After a rate limit,
exactly at the reset the platform gave (never before). After other failures, exponential
back-off from 30 s, doubled per consecutive failure, with ±25% jitter, capped at 30 minutes;
the jitter is derived from the account and the failure count, so every process computes the
same next attempt. Auth and blocked failures need a person, so they wait at least an
interval too.

Credentials that expire (a Graph token's ``expires_at``, a Google refresh token of
time-based access) are warned of from :data:`TOKEN_WARN_S` before they stop working:
"token expires in 5 days" (:func:`token_warning`), before sync fails.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from .rows import TOKEN_WARN_S
from .store import Store
from .timefmt import span_words

DEFAULT_INTERVAL_S = 120
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 30 * 60
# A 429 without any reset header: wait this long.
RATE_LIMIT_DEFAULT_S = 300
NEEDS_PERSON = ("auth", "blocked")
SKIP_WINDOW_S = 24 * 3600


def token_warning(expires_at: int | None, *, now: int) -> str:
    """'token expires in 5 days', 'token expired 2 days ago'; '' when it is further than
    :data:`TOKEN_WARN_S` away or does not expire."""
    if expires_at is None:
        return ""
    left = expires_at - now
    if left > TOKEN_WARN_S:
        return ""
    if left <= 0:
        return f"token expired {span_words(-left)} ago"
    return f"token expires in {span_words(left)}"


def skipped_line(skips: Mapping[str, int]) -> str:
    """``3 skipped: no time``, or ``4 skipped: 3 no time, 1 no id`` (most first); "" if none."""
    total = sum(skips.values())
    if not total:
        return ""
    ordered = sorted(skips.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ordered) == 1:
        return f"{total} skipped: {ordered[0][0]}"
    return f"{total} skipped: " + ", ".join(f"{n} {why}" for why, n in ordered)


def backoff_s(account_id: int, failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures (exponential, jittered, capped)."""
    if failures <= 0:
        return 0
    base = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(failures - 1, 20))
    jitter = random.Random(f"{account_id}:{failures}").uniform(0.75, 1.25)
    return int(min(BACKOFF_CAP_S, base * jitter))


@dataclass(slots=True)
class AccountHealth:
    """What the health bar and ``sfogo health`` show for one account."""

    account_id: int
    account: str  # "channel:handle"
    channel: str
    handle: str
    client: str
    state: str  # "ok", "failing", "rate_limited", "never synced"
    last_outcome: str | None = None
    last_started_at: int | None = None
    last_ended_at: int | None = None
    last_detail: str = ""
    last_items: int = 0
    last_lost: str = ""
    failures: int = 0  # consecutive failed runs
    gap_since: int | None = None  # first failure of the open gap
    retry_at: int | None = None  # a rate limit's reset
    next_attempt_at: int | None = None  # None: now
    queued_replies: int = 0
    held_replies: int = 0
    skipped: int = 0  # entries skipped in the last SKIP_WINDOW_S
    skips: dict[str, int] = field(default_factory=dict)  # the same, by reason
    token_expires_at: int | None = None  # when the credentials stop working, if they do
    token_warning: str = ""  # "token expires in 5 days" (TOKEN_WARN_S before), else ''

    def due(self, now: int) -> bool:
        return self.next_attempt_at is None or self.next_attempt_at <= now

    def rate_limited(self, now: int) -> bool:
        """Inside a rate limit the platform set: not to be asked, even by ``--once``."""
        return (
            self.last_outcome == "rate_limited"
            and self.retry_at is not None
            and self.retry_at > now
        )

    def as_dict(self) -> dict:
        return asdict(self)


def next_attempt(
    account_id: int,
    outcome: str | None,
    ended_at: int | None,
    failures: int,
    retry_at: int | None,
    interval: int,
) -> int | None:
    """When an account whose last run ended so may be asked again (None: now)."""
    if outcome is None or ended_at is None:
        return None
    if outcome == "ok":
        return ended_at + interval
    if outcome == "rate_limited":
        return retry_at if retry_at is not None else ended_at + RATE_LIMIT_DEFAULT_S
    wait = backoff_s(account_id, failures)
    if outcome in NEEDS_PERSON:
        wait = max(wait, interval)
    due = ended_at + wait
    return max(due, retry_at) if retry_at is not None else due  # a maintenance Retry-After


def account_health(
    store: Store,
    *,
    now: int,
    interval: int = DEFAULT_INTERVAL_S,
    account_ids: list[int] | None = None,
) -> list[AccountHealth]:
    """Every syncable account's state (accounts of the 'import' channel have none)."""
    owners = sorted(
        (o for o in store.accounts.owners() if o.channel != "import" and not o.removed),
        key=lambda o: o.account_id,
    )
    if account_ids is not None:
        owners = [o for o in owners if o.account_id in account_ids]
    waiting = store.outbox.waiting_counts()
    checks = store.runs.token_checks()
    facts = store.runs.health_facts([o.account_id for o in owners], skips_since=now - SKIP_WINDOW_S)
    result = []
    for owner, fact in zip(owners, facts, strict=True):
        account_id = owner.account_id
        health = AccountHealth(
            account_id, owner.label, owner.channel, owner.handle, owner.client, state="never synced"
        )
        health.queued_replies = waiting.get((account_id, "queued"), 0) + waiting.get(
            (account_id, "sending"), 0
        )
        # Held and unknown replies both wait for the manager to decide.
        health.held_replies = waiting.get((account_id, "held"), 0) + waiting.get(
            (account_id, "unknown"), 0
        )
        check = checks.get(account_id)
        if check is not None and check.expires_at is not None:
            health.token_expires_at = check.expires_at
            health.token_warning = token_warning(check.expires_at, now=now)
        last = fact.last
        if last is not None:
            outcome, retry_at = last["outcome"], last["retry_at"]
            health.last_outcome, health.last_started_at = outcome, last["started_at"]
            ended = last["ended_at"]
            health.last_ended_at = ended if ended is not None else last["started_at"]
            health.last_detail, health.last_items = last["detail"], last["items"]
            health.last_lost = last["lost"]
            if outcome != "ok":
                health.failures, health.gap_since = fact.failures, fact.gap_since
                health.retry_at = retry_at
            health.state = (
                "ok"
                if outcome == "ok"
                else "rate_limited"
                if outcome == "rate_limited" and retry_at and retry_at > now
                else "failing"
            )
            health.next_attempt_at = next_attempt(
                account_id, outcome, health.last_ended_at, health.failures, retry_at, interval
            )
            health.skips = fact.skips
            health.skipped = sum(health.skips.values())
        result.append(health)
    return result
