"""The watch loop: each account synced when it is due, for as long as its host runs it.

One loop, two hosts: ``sfogo sync --watch`` runs it in the foreground and the app in a
thread of its own (tui/autosync.py); the lock that makes it one loop per data file is
:mod:`.synclock`. Each round asks the accounts that are due (an interval after a success, at
a rate limit's reset, after the back-off that follows other failures: see :mod:`.health`),
sends their queued replies and due posts (:class:`~.sync.Syncer`), and then waits until the
next account or post is due. A host can wake the wait early or ask for a round of every
account now (the app's ``R``).

:func:`next_round_at` is the same schedule read from the file, so the app's health bar says
when the next round comes whichever process runs the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from .health import DEFAULT_INTERVAL_S, AccountHealth, account_health
from .model import Account
from .store import OPTIMIZE_EVERY_S, Store
from .sync import RunResult, Syncer

OnRound = Callable[[list[RunResult], list[AccountHealth]], object]


def due_accounts(
    store: Store,
    accounts: Sequence[Account],
    states: dict[int, AccountHealth],
    *,
    now: int,
) -> list[Account]:
    """The accounts to ask now: those whose next attempt has come, and healthy ones whose
    post of sfogo's own queue has come (it goes out with the account's round)."""
    posts_due = store.posts.due_counts(now)
    return [
        a
        for a in accounts
        if states[a.id].due(now)
        or (a.id in posts_due and states[a.id].last_outcome in ("ok", None))
    ]


def next_round_at(store: Store, states: Sequence[AccountHealth], *, now: int, interval: int) -> int:
    """When the loop wakes next: the first account's next attempt or the first post of our
    own queue to send, and never later than an interval from ``now``. (An account never
    synced is asked in the round it is first seen, so it sets no time of its own.)"""
    upcoming = [h.next_attempt_at for h in states if h.next_attempt_at is not None]
    next_post = store.posts.next_send_at(now)
    if next_post is not None:
        upcoming.append(next_post)
    return min(min(upcoming, default=now + interval), now + interval)


def _has_queued(health: AccountHealth, now: int) -> bool:
    """Replies or likes wait to go out (the outbox counts both), and the platform did not
    ask us to wait."""
    return health.queued_replies > 0 and not health.rate_limited(now)


class WatchLoop:
    """Runs ``syncer`` round after round.

    ``accounts()`` says which accounts the loop syncs (default: every account the syncer
    can, or the one named ``account_ref``); ``sleep`` waits between rounds (default:
    :meth:`pause`, the machine's time cut short by :meth:`wake`, :meth:`sync_now` and
    :meth:`send_now`; tests move their clock instead). Those three may be called from any
    thread once :meth:`run` started.
    """

    def __init__(
        self,
        syncer: Syncer,
        *,
        interval: int = DEFAULT_INTERVAL_S,
        account_ref: str | None = None,
        accounts: Callable[[], list[Account]] | None = None,
        on_round: OnRound | None = None,
        on_syncing: Callable[[bool], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.syncer = syncer
        self.interval = interval
        self._accounts = accounts or (lambda: syncer.accounts(account_ref))
        self.on_round = on_round
        self.on_syncing = on_syncing  # True when a round starts asking accounts, False after
        self._sleep = sleep or self.pause
        self._woken = asyncio.Event()
        self._forced = False
        self._sending = False  # send_now asked: accounts with replies queued are due
        self.last_forced = False  # the last round was one sync_now asked for
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def store(self) -> Store:
        return self.syncer.store

    async def run(self, *, rounds: int | None = None) -> None:
        """Sync each account when it is due, forever (or ``rounds`` rounds). A long-lived
        connection: the planner's statistics are refreshed now and then."""
        self._loop = asyncio.get_running_loop()
        clock = self.syncer.clock
        done = 0
        self.store.optimize(opening=True)
        optimized = clock.now()
        while rounds is None or done < rounds:
            now = clock.now()
            if now - optimized >= OPTIMIZE_EVERY_S:
                self.store.optimize()
                optimized = now
            wait = await self.round()
            done += 1
            await self._sleep(max(1, wait))

    async def round(self) -> int:
        """One round: the due accounts (every account after :meth:`sync_now`) are synced;
        returns how many seconds until the next one is due."""
        clock, store = self.syncer.clock, self.store
        now = clock.now()
        accounts = self._accounts()
        ids = [a.id for a in accounts]
        states = {
            h.account_id: h
            for h in account_health(store, now=now, interval=self.interval, account_ids=ids)
        }
        forced, self._forced = self._forced, False
        sending, self._sending = self._sending, False
        due = list(accounts) if forced else due_accounts(store, accounts, states, now=now)
        if sending:  # a reply was queued: its account's round now, not at its time
            due += [a for a in accounts if a not in due and _has_queued(states[a.id], now)]
        results = await self._sync(due) if due else []
        now = clock.now()
        after = account_health(store, now=now, interval=self.interval, account_ids=ids)
        self.last_forced = forced
        if self.on_round is not None:
            self.on_round(results, after)
        return next_round_at(store, after, now=now, interval=self.interval) - now

    async def _sync(self, accounts: list[Account]) -> list[RunResult]:
        if self.on_syncing is not None:
            self.on_syncing(True)
        try:
            return await self.syncer.run_once(accounts)
        finally:
            if self.on_syncing is not None:
                self.on_syncing(False)

    # -- what a host may ask -----------------------------------------------------------------

    def wake(self) -> None:
        """Look again now (whatever is due is synced; nothing else)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._woken.set)

    def sync_now(self) -> None:
        """A round of every account now (a rate limit is still honoured)."""
        self._forced = True
        self.wake()

    def send_now(self) -> None:
        """A round now of the accounts that have replies or likes queued (one was just
        queued), so they go out now rather than with each account's next round."""
        self._sending = True
        self.wake()

    async def pause(self, seconds: float) -> None:
        """Wait ``seconds`` of the machine's time, or until :meth:`wake` (the default wait
        between rounds)."""
        try:
            await asyncio.wait_for(self._woken.wait(), seconds)
        except TimeoutError:
            pass
        self._woken.clear()
