"""Pull every account, page by page, and record what happened.

One :class:`Syncer` run uses one ``httpx.AsyncClient`` (explicit timeouts) and syncs the
accounts concurrently under a limit. For each account, every page of items commits in one
transaction with the account's new cursor, so a cursor never runs ahead of its items and a
failure half-way keeps what was read. Every attempt writes a sync run: its outcome (ok,
offline, down, rate_limited, auth, blocked, broken), how many new items, a one-line
detail, a rate limit's reset, what the platform could no longer give back (``lost``) and
the entries it sent that could not be stored, by reason (``skips``: one bad entry is
counted there, never a reason to fail the account).
Consecutive failed runs are the account's open gap (backlog/gaps.py reads them); the next
success closes it and, because it starts from the stored cursor, backfills what arrived.

When the account's pages are in, its expected posts are checked against its queue and
timeline (:mod:`inbox.posts.check`), and its queued replies and due posts are sent
(:mod:`inbox.outbox`, :mod:`inbox.posts.send`). The loop that runs this round after round
(``sfogo sync --watch``, the app) is :mod:`inbox.watch`.

The store is synchronous and shared by the account tasks on the event loop: a page commit
is a few milliseconds at most and no transaction spans an ``await``, so tasks cannot
interleave inside one.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sfogo.inbox.i18n import _

from . import credentials, redact, when
from .channels import connector_class
from .channels.base import Channel, ChannelError, Secrets
from .clock import Clock
from .errors import SfogoError, StoreError
from .health import RATE_LIMIT_DEFAULT_S, AccountHealth, account_health, skipped_line
from .model import Account
from .outbox import SendSummary, outbox_settings, send_account_replies
from .store import Store

if TYPE_CHECKING:
    import ssl

    import httpx

log = redact.logger("sfogo.sync")

DEFAULT_CONCURRENCY = 6
# Shape errors a connector did not catch itself: the platform sent something unexpected.
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass(slots=True)
class RunResult:
    """One account's attempt (or why it was not attempted)."""

    account_id: int
    account: str
    outcome: str
    items: int = 0
    pages: int = 0
    skipped: int = 0  # entries read but not stored; why, in skips
    skips: dict[str, int] = field(default_factory=dict)
    detail: str = ""
    lost: str = ""
    retry_at: int | None = None
    started_at: int = 0
    ended_at: int = 0
    attempted: bool = True  # False: not asked (rate limited until retry_at)
    sent: int = 0
    held: int = 0
    failed: int = 0
    unknown: int = 0
    waiting: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def add_sent(self, summary: SendSummary) -> None:
        """What sending did for this account (replies and posts)."""
        self.sent, self.held, self.failed = summary.sent, summary.held, summary.failed
        self.unknown, self.waiting = summary.unknown, summary.waiting


def record_run(store: Store, result: RunResult) -> int:
    """Write one sync run (the gap history and the health bar read these)."""
    return store.runs.add(
        result.account_id,
        result.started_at,
        result.ended_at,
        result.outcome,
        result.detail[:500],
        result.items,
        result.retry_at,
        result.lost[:500],
        skipped=result.skips,
    )


_SSL: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle takes ~30 ms, too much
    to repeat for every round of ``--watch``. It is httpx's default (its CA bundle, or
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set), built once."""
    global _SSL
    if _SSL is None:
        import httpx

        _SSL = httpx.create_ssl_context()
    return _SSL


def _label(account: Account) -> str:
    return f"{account.channel}:{account.handle}"


def syncable(store: Store) -> list[Account]:
    """Every account sfogo can sync: those with a connector and a server behind them (the
    generated demo's accounts have none: syncing them would only record made-up failures)."""
    return [
        a
        for a in store.accounts.all()
        if connector_class(a.channel) is not None and not a.settings.get("generated")
    ]


@dataclass
class Syncer:
    """Syncs the accounts of one data file, once (the loop around it is :mod:`.watch`). The
    ``clock`` is injected, so tests run a 30-hour outage on a manual clock."""

    store: Store
    clock: Clock = field(kw_only=True)
    config_path: str | Path | None = None
    config: dict | None = None  # default: read from config_path (or the default file)
    concurrency: int = DEFAULT_CONCURRENCY
    timeout: httpx.Timeout | None = None  # default: channels.base.TIMEOUT
    env: Mapping[str, str] | None = None  # where token_env variables are read (default os.environ)
    send_replies: bool = True
    watch_posts: bool = True  # check expected posts at each successful sync (inbox/posts)
    on_result: Callable[[RunResult], None] | None = None
    _secrets: dict[int, Secrets] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.config is None:
            self.config = credentials.load_config(self.config_path)
        self._session_dir = credentials.session_dir(self.config_path)
        self._outbox = outbox_settings(self.config)

    # -- what to sync ------------------------------------------------------------------------

    def accounts(self, ref: str | None = None) -> list[Account]:
        """Accounts sfogo can sync (:func:`syncable`), or the one named ``ref``."""
        if ref is not None:
            account = self.store.accounts.get(ref)
            if connector_class(account.channel) is None:
                raise SfogoError(
                    _("{label} has no connector: its items come from 'sfogo import'").format(
                        label=_label(account)
                    )
                )
            if account.settings.get("generated"):
                raise SfogoError(
                    _("{label} is a generated demo account: nothing to sync").format(
                        label=_label(account)
                    )
                )
            return [account]
        return syncable(self.store)

    def secrets(self, account: Account) -> Secrets:
        if account.id not in self._secrets:
            self._secrets[account.id] = credentials.resolve(
                account, self.config, env=self.env, session_dir=self._session_dir
            )
        return self._secrets[account.id]

    def has_secrets(self, account: Account) -> bool:
        """True when this process can read the account's secret (the environment, the config
        file or the keyring); without one a sync of it can only fail as 'auth'."""
        return self.secrets(account).known

    def connector(self, account: Account, http: httpx.AsyncClient) -> Channel:
        cls = connector_class(account.channel)
        if cls is None:  # accounts() offers only accounts that have a connector
            raise SfogoError(_("{label} has no connector").format(label=_label(account)))
        return cls(account, http, self.secrets(account), clock=self.clock)

    def _client(self) -> httpx.AsyncClient:
        import httpx

        from .channels.base import TIMEOUT

        return httpx.AsyncClient(
            timeout=self.timeout or TIMEOUT,
            follow_redirects=False,
            verify=_ssl_context(),
            limits=httpx.Limits(max_connections=max(10, self.concurrency * 2)),
            headers={"User-Agent": "sfogo"},
        )

    # -- one account -------------------------------------------------------------------------

    async def sync_account(self, http: httpx.AsyncClient, account: Account) -> RunResult:
        """Fetch every new page of one account, commit each, record the run, send replies."""
        result = RunResult(account.id, _label(account), "ok", started_at=self.clock.now())
        secrets = self.secrets(account)
        lost: list[str] = []
        skips: Counter[str] = Counter()
        host = account.settings.get("url") or account.channel
        try:
            if not secrets.known:
                raise ChannelError("auth", credentials.missing_hint(account))
            connector = self.connector(account, http)
            async for page in connector.pages(dict(account.cursor)):
                # Measured: a page commit (40 items, FTS included) takes ~1.5 ms; a writer
                # thread with its own connection was slower (the GIL changes hands at
                # every row), so the loop commits directly.
                with self.store.transaction():
                    new = self.store.items.upsert(page.items, now=self.clock.now())
                    self.store.accounts.update(account.id, cursor=page.cursor)
                account.cursor = page.cursor
                result.items += new
                result.pages += 1
                skips.update(page.skipped)
                if page.lost:
                    lost.append(page.lost)
            await self.check_token(connector, account)
        except StoreError:
            raise  # the data file (full, busy, damaged, read-only), not the platform: no run
        except ChannelError as exc:
            result.outcome, result.retry_at = exc.outcome, exc.retry_at
            result.detail = credentials.refused_detail(account, exc)
            if exc.outcome == "rate_limited" and exc.retry_at is None:
                result.retry_at = self.clock.now() + RATE_LIMIT_DEFAULT_S
        except SHAPE_ERRORS as exc:
            result.outcome = "broken"
            result.detail = f"{host} sent data sfogo could not read ({type(exc).__name__})"
            log.warning("%s: unreadable answer", result.account, exc_info=True)
        except Exception as exc:  # a bug must not stop the other accounts' sync
            stored = self.store.failure(exc)
            if stored is not None:  # a read of the file failed: never the platform's gap
                raise stored from None
            result.outcome = "broken"
            result.detail = f"sfogo failed reading this account ({type(exc).__name__})"
            log.exception("%s: sync failed", result.account)
        result.lost = "; ".join(lost)
        result.skips = dict(skips.most_common())
        result.skipped = skips.total()
        notes = []
        if result.outcome == "ok":
            notes.append(
                "nothing new"
                if not result.items
                else f"{result.items} new in {result.pages} page{'' if result.pages == 1 else 's'}"
            )
        if result.outcome == "ok" and self.watch_posts:
            notes.append(await self.check_posts(http, account))
        if result.skipped:
            notes.append(skipped_line(result.skips))
        result.detail = credentials.redact(
            "; ".join(filter(None, [result.detail, *notes])), secrets
        )
        result.ended_at = self.clock.now()
        record_run(self.store, result)
        log.info("%s: %s, %d new", result.account, result.outcome, result.items)
        if self.send_replies and result.outcome in ("ok", "blocked"):
            # Blocked: the queued replies are held with the reason instead of waiting mutely.
            blocked = result.detail if result.outcome == "blocked" else ""
            result.add_sent(await self.send_for(http, account, blocked=blocked))
        return result

    async def check_token(self, connector: Channel, account: Account) -> None:
        """Ask when the account's credentials expire and keep the answer (the health bar
        warns before); a check that fails is logged and never fails the sync."""
        last = self.store.runs.token_check(account.id)
        try:
            check = await connector.token_check(last)
        except ChannelError as exc:
            log.info("%s: token check failed: %s", _label(account), exc.detail)
            return
        except SHAPE_ERRORS:
            log.warning("%s: token check unreadable", _label(account), exc_info=True)
            return
        if check is not None and check != last:
            self.store.runs.set_token_check(account.id, check)

    async def check_posts(self, http: httpx.AsyncClient, account: Account) -> str:
        """The account's expected posts against its queue and timeline; a note for the run."""
        from .posts.check import check_account_posts

        try:
            checked = await check_account_posts(
                self.store, self.connector(account, http), now_fn=self.clock.now
            )
        except Exception:
            log.exception("%s: checking posts failed", _label(account))
            return "posts not checked: see the log"
        return credentials.redact(checked.note(), self.secrets(account))

    async def send_for(
        self, http: httpx.AsyncClient, account: Account, *, blocked: str = ""
    ) -> SendSummary:
        from .posts.send import send_account_posts

        secrets = self.secrets(account)
        try:
            connector = self.connector(account, http)
            summary = await send_account_replies(
                self.store, connector, clock=self.clock, blocked=blocked, settings=self._outbox
            )
            if not summary.stopped:  # the posts due now go the same way (inbox/posts/send)
                posts = await send_account_posts(
                    self.store, connector, clock=self.clock, blocked=blocked
                )
                summary.add(posts)
                summary.stopped = posts.stopped
        except Exception:
            log.exception("%s: sending replies failed", _label(account))
            return SendSummary(stopped="sending failed: see the log")
        summary.stopped = credentials.redact(summary.stopped, secrets)
        return summary

    # -- many accounts -----------------------------------------------------------------------

    def _not_now(self, health: AccountHealth, now: int) -> RunResult:
        return RunResult(
            health.account_id,
            health.account,
            health.last_outcome or "",
            detail=f"rate limited until {when.iso(health.retry_at)}",
            retry_at=health.retry_at,
            attempted=False,
            started_at=now,
            ended_at=now,
        )

    async def run_once(
        self, accounts: list[Account] | None = None, *, http: httpx.AsyncClient | None = None
    ) -> list[RunResult]:
        """Sync ``accounts`` (default: all) once, concurrently; an account still inside a
        rate limit is not asked (the platform said when it may be)."""
        accounts = self.accounts() if accounts is None else accounts
        if not accounts:
            return []
        now = self.clock.now()
        states = {
            h.account_id: h
            for h in account_health(self.store, now=now, account_ids=[a.id for a in accounts])
        }
        limit = asyncio.Semaphore(max(1, self.concurrency))

        async def one(client: httpx.AsyncClient, account: Account) -> RunResult:
            health = states.get(account.id)
            if health is not None and health.rate_limited(self.clock.now()):
                result = self._not_now(health, self.clock.now())
            else:
                async with limit:
                    result = await self.sync_account(client, account)
            if self.on_result is not None:
                self.on_result(result)
            return result

        if http is not None:
            return list(await asyncio.gather(*(one(http, a) for a in accounts)))
        async with self._client() as client:
            return list(await asyncio.gather(*(one(client, a) for a in accounts)))

    async def send_once(self, accounts: list[Account] | None = None) -> list[RunResult]:
        """Send queued replies without fetching (``sfogo send``)."""
        accounts = self.accounts() if accounts is None else accounts
        now = self.clock.now()
        states = {
            h.account_id: h
            for h in account_health(self.store, now=now, account_ids=[a.id for a in accounts])
        }
        results = []
        posts_due = self.store.posts.due_counts(now)
        async with self._client() as client:
            for account in accounts:
                health = states.get(account.id)
                if health is not None and not health.queued_replies and account.id not in posts_due:
                    continue
                if health is not None and health.rate_limited(now):
                    results.append(self._not_now(health, now))
                    continue
                blocked = (
                    health.last_detail
                    if health is not None and health.last_outcome == "blocked"
                    else ""
                )
                result = RunResult(account.id, _label(account), "ok", started_at=now)
                summary = await self.send_for(client, account, blocked=blocked)
                result.add_sent(summary)
                result.detail, result.ended_at = summary.stopped, self.clock.now()
                results.append(result)
        return results


def sync_once(
    store: Store, *, clock: Clock, account_ref: str | None = None, **kwargs: Any
) -> list[RunResult]:
    """Synchronous helper: one pass over every account (or the one named)."""
    syncer = Syncer(store, clock=clock, **kwargs)
    return asyncio.run(syncer.run_once(syncer.accounts(account_ref)))
