"""Sync and health: sync (once or --watch), health, and the check behind ``account test``.

The sync loop runs on the context's clock, so a test (or ``SFOGO_NOW``) sets its time.
"""

from __future__ import annotations

import itertools
import sys

import click

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.text import sanitize

from . import _output, _pager
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._progress import progress_bar
from ._table import cut, on_terminal, table_lines
from ._types import Duration

OUTCOME_WORDS = {
    "ok": "ok",
    "offline": "offline",
    "down": "down",
    "rate_limited": "rate limited",
    "auth": "auth failed",
    "blocked": "blocked",
    "broken": "broken",
}

topic = Topic("sync")


def wrapped(text: str) -> str:
    """One message, wrapped (not cut) to the terminal; continuation lines indented."""
    import textwrap

    return textwrap.fill(
        sanitize(text, single_line=True),
        _output.wrap_width(),
        subsequent_indent="    ",
        break_on_hyphens=False,
    )


def _short(h) -> str:
    from sfogo.inbox.model import CHANNEL_SHORT

    return f"{CHANNEL_SHORT.get(h.channel, h.channel)}:{h.handle}"


def _interval(seconds: int | None) -> int:
    from sfogo.inbox.health import DEFAULT_INTERVAL_S

    return seconds or DEFAULT_INTERVAL_S


def _clock(ts: int | None) -> str:
    if ts is None:
        return ""
    import datetime as dt

    return dt.datetime.fromtimestamp(ts).strftime("%H:%M")


def _next(ts: int | None, ref: int) -> str:
    if ts is None or ts <= ref:
        return "now"
    return f"in {_output.duration(ts - ref)}" + (f" ({_clock(ts)})" if ts - ref >= 3600 else "")


def syncer(ctx: Context, **kwargs):
    """A Syncer on the context's store, clock and config."""
    from sfogo.inbox.sync import Syncer

    return Syncer(ctx.store, clock=ctx.clock, config_path=ctx.config_path, **kwargs)


def _result_line(r) -> str:
    if not r.attempted:
        return _("{account}: not asked, {detail}").format(account=r.account, detail=r.detail)
    word = OUTCOME_WORDS.get(r.outcome, r.outcome)
    parts = [f"{r.account}: {word}", r.detail]
    if r.retry_at and r.outcome == "rate_limited":
        parts.append(_("next try at {clock}").format(clock=_clock(r.retry_at)))
    if r.lost:
        parts.append(f"LOST: {r.lost}")
    sent = ", ".join(
        f"{n} {w}" for n, w in ((r.sent, "sent"), (r.held, "held"), (r.failed, "failed")) if n
    )
    if sent:
        parts.append(f"replies: {sent}")
    return " · ".join(p for p in parts if p)


def _nothing_to_sync(ctx: Context) -> str:
    if any(a.settings.get("generated") for a in ctx.store.accounts.all()):
        return _("Nothing to sync: the demo's accounts are generated (try 'sfogo demo --live').")
    return _("No accounts to sync: sfogo account add CLIENT CHANNEL HANDLE --token-env VAR")


# -- sync ------------------------------------------------------------------------------------


@topic.command("sync", short_help=N_("pull new items from every account (once, or --watch)"))
@click.option(
    "--watch/--once",
    default=False,
    help=N_(
        "keep syncing, each account when due (Ctrl-C stops); or one pass over the "
        "accounts (default)"
    ),
)
@click.option("--account", "account_ref", metavar="HANDLE", help=N_("only this account"))
@click.option(
    "--interval", type=Duration(), metavar="DURATION", help=N_("--watch: time between syncs (2m)")
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=6,
    metavar="N",
    help=N_("accounts synced at the same time (6)"),
)
@json_flag(_("print each account's result as JSON"))
@pass_context
def sync(
    ctx: Context,
    watch: bool,
    account_ref: str | None,
    interval: int | None,
    concurrency: int,
    as_json: bool,
) -> int:
    """Pull new items from every account (or one), send queued replies and posts, and
    record each account's outcome; --watch keeps doing it every interval."""
    import asyncio

    if watch:
        return _watch(ctx, account_ref, _interval(interval), concurrency)
    loop = syncer(ctx, concurrency=concurrency)
    accounts = loop.accounts(account_ref)
    if not accounts:
        print(_nothing_to_sync(ctx))
        return 0
    # A bar over the accounts when a pass takes a while (a first sync backfills), with each
    # account's line printed above it as the account finishes.
    with progress_bar(0 if as_json else len(accounts), "Syncing") as progress:
        if not as_json:
            finished = itertools.count(1)

            def said(result) -> None:
                progress.say(wrapped(_result_line(result)))
                progress(next(finished))

            loop.on_result = said
        results = asyncio.run(loop.run_once(accounts))
    if as_json:
        _output.print_json([r.as_dict() for r in results])
    failed = [r for r in results if r.attempted and r.outcome != "ok"]
    if failed and not as_json:
        print(
            ngettext(
                "sfogo: {count} of {total} account failed; each failure is recorded as a gap "
                "('sfogo health', 'sfogo gaps')",
                "sfogo: {count} of {total} accounts failed; each failure is recorded as a gap "
                "('sfogo health', 'sfogo gaps')",
                len(results),
            ).format(count=len(failed), total=len(results)),
            file=sys.stderr,
        )
    return 1 if failed else 0


def _watch(ctx: Context, account_ref: str | None, interval: int, concurrency: int) -> int:
    import asyncio

    from sfogo.inbox.watch import WatchLoop

    loop = syncer(ctx, concurrency=concurrency)
    accounts = loop.accounts(account_ref)
    if not accounts:
        print(_nothing_to_sync(ctx))
        return 0
    tty = sys.stdout.isatty()
    drawn = 0
    every = _every(interval)
    print(
        ngettext(
            "sfogo sync: {count} account, every {every}; Ctrl-C stops",
            "sfogo sync: {count} accounts, every {every}; Ctrl-C stops",
            len(accounts),
        ).format(count=len(accounts), every=every),
        flush=True,
    )

    def show(results, states) -> None:
        nonlocal drawn
        ref = ctx.clock.now()
        # Cut, not wrapped: the redraw moves up exactly one row per account.
        lines = [cut(health_line(h, ref), _output.width() - 1) for h in states]
        if tty:
            if drawn:
                sys.stdout.write(f"\x1b[{drawn}F\x1b[J")
            sys.stdout.write("\n".join(lines) + "\n")
            drawn = len(lines)
        else:  # a log file: one line per account that was just asked
            for r in results:
                print(f"{when.iso(r.ended_at)} {wrapped(_result_line(r))}")
        sys.stdout.flush()

    watch = WatchLoop(loop, interval=interval, account_ref=account_ref, on_round=show)
    try:
        asyncio.run(_hold_and_watch(ctx, watch, whole_file=account_ref is None))
    except KeyboardInterrupt:
        print(_("sfogo sync: stopped"), flush=True)
    return 0


async def _hold_and_watch(ctx: Context, watch, *, whole_file: bool) -> None:
    """Run the loop once this process holds the file's sync lock (inbox/synclock.py): while
    the app or another watch holds it, wait and take over when it stops. One account watched
    on its own takes no lock, so the file's loop goes on beside it. SIGUSR1 (the app's R)
    asks for a round now (on PostgreSQL, a NOTIFY)."""
    import asyncio
    import os

    from sfogo.inbox import synclock

    if synclock.ROUND_SIGNAL is not None:
        asyncio.get_running_loop().add_signal_handler(synclock.ROUND_SIGNAL, watch.sync_now)
    where = ctx.store.location
    lock = synclock.SyncLock(where) if whole_file and synclock.available(where) else None
    waited = False

    def waiting(who) -> None:
        nonlocal waited
        waited = True
        name = who.describe() if who is not None else _("another process")
        print(
            _("sfogo sync: {name} syncs this file; taking over when it stops").format(name=name),
            flush=True,
        )

    if lock is not None:
        me = synclock.Holder(os.getpid(), _("sfogo sync --watch"), watch.interval, ctx.clock.now())
        await synclock.acquire(lock, me, waiting=waiting, on_round=watch.sync_now)
        if waited:
            print(_("sfogo sync: took over the sync loop"), flush=True)
    try:
        await watch.run()
    finally:
        if lock is not None:
            lock.release()


def health_line(h, ref: int) -> str:
    """One account's live line: last result and its age, items, gap, next attempt."""
    if h.last_outcome is None:
        return _("{account}: never synced · next {next}").format(
            account=h.account, next=_next(h.next_attempt_at, ref)
        )
    word = OUTCOME_WORDS.get(h.last_outcome, h.last_outcome)
    parts = [f"{h.account}: {word} {_output.ago(h.last_ended_at, ref=ref)}"]
    if h.last_outcome == "ok":
        parts.append(f"{h.last_items} new")
    parts.append(f"next {_next(h.next_attempt_at, ref)}")
    if h.gap_since is not None:
        parts.append(
            _("gap since {ago} ({failures} tries)").format(
                ago=_output.ago(h.gap_since, ref=ref), failures=h.failures
            )
        )
    if h.queued_replies or h.held_replies:
        parts.append(
            _("outbox {queued_replies} queued, {held_replies} held").format(
                queued_replies=h.queued_replies, held_replies=h.held_replies
            )
        )
    if h.skipped:
        parts.append(_("{skipped} skipped in 24 h").format(skipped=h.skipped))
    if h.token_warning:
        parts.append(h.token_warning)
    return " · ".join(parts)


# -- health ----------------------------------------------------------------------------------


def _iso_fields(record: dict) -> dict:
    return {
        k: (when.iso(v) if (k.endswith("_at") or k == "gap_since") and isinstance(v, int) else v)
        for k, v in record.items()
    }


@topic.command("health", short_help=N_("each account's sync state: last result, gap, next try"))
@json_flag()
@click.option(
    "--interval",
    type=Duration(),
    metavar="DURATION",
    help=N_("the sync interval to plan with (2m)"),
)
@pass_context
def health(ctx: Context, as_json: bool, interval: int | None) -> int:
    """Each account's sync state: the last result, an open gap and since when, and when
    the next try is due."""
    from sfogo.inbox.health import account_health, skipped_line

    ref = ctx.clock.now()
    states = account_health(ctx.store, now=ref, interval=_interval(interval))
    if as_json:
        _output.print_json([_iso_fields({**h.as_dict(), "due": h.due(ref)}) for h in states])
        return 0
    if not states:
        print(_("No accounts to sync: sfogo account add CLIENT CHANNEL HANDLE --token-env VAR"))
        return 0
    rows = []
    for h in states:
        last = (
            "never"
            if h.last_outcome is None
            else f"{OUTCOME_WORDS.get(h.last_outcome, h.last_outcome)}, "
            f"{_output.ago(h.last_ended_at, ref=ref)}"
        )
        gap = "" if h.gap_since is None else _output.ago(h.gap_since, ref=ref)
        rows.append(
            (
                _short(h),
                last,
                str(h.last_items) if h.last_outcome == "ok" else "",
                gap,
                _next(h.next_attempt_at, ref),
            )
        )
    details = [who_syncs(ctx)]
    for h in states:
        if h.last_outcome not in (None, "ok") and h.last_detail:
            details.append(wrapped(f"{h.account}: {h.last_detail}"))
        if h.last_lost:
            details.append(
                wrapped(
                    _("{account}: lost: {last_lost}").format(
                        account=h.account, last_lost=h.last_lost
                    )
                )
            )
        if h.skipped:
            details.append(
                wrapped(
                    _("{account}: {skipped_line} (in the last 24 hours)").format(
                        account=h.account, skipped_line=skipped_line(h.skips)
                    )
                )
            )
        if h.token_warning:
            details.append(wrapped(f"{h.account}: {h.token_warning}: {_renew(h)}"))
    headers = ("ACCOUNT", "LAST", "NEW", "GAP SINCE", "NEXT TRY")
    if not on_terminal():  # piped: the table's rows, then the lines, as they are
        _output.table(rows, headers, flex=0, page=False)
        for text in details:
            print(text)
        return 0
    # On a terminal the table and its detail lines are one listing: paged when long.
    lines = [line for text in details for line in text.split("\n")]
    _pager.emit(itertools.chain(table_lines(rows, headers, flex=0), lines))
    return 0


def who_syncs(ctx: Context) -> str:
    """Whether a sync loop runs on the file (inbox/synclock.py): the next tries come only
    then."""
    from sfogo.inbox import synclock

    lock = synclock.SyncLock(ctx.store.location)
    if not lock.held_elsewhere():
        return _(
            "Nothing syncs this file now: the next tries come when the app or "
            "'sfogo sync --watch' runs."
        )
    who = lock.holder()
    if who is None:
        return _("Another process syncs this file.")
    return _("{describe} syncs this file, every {every}.").format(
        describe=who.describe(), every=_every(who.interval)
    )


def _every(interval: int) -> str:
    return f"{interval // 60} min" if interval % 60 == 0 else f"{interval} s"


def _renew(h) -> str:
    """How to renew an account's credentials before they expire."""
    from sfogo.inbox.login import login_command
    from sfogo.inbox.model import Account

    command = login_command(Account(0, h.channel, h.handle, id=h.account_id))
    if h.channel in ("facebook", "instagram"):
        return _("get a new long-lived Page token and store it with {command}").format(
            command=command
        )
    return _("log in again before then: {command}").format(command=command)


# -- account test ----------------------------------------------------------------------------


def check_account(ctx: Context, handle: str) -> str:
    """``account test``: ask the platform whether the account's credentials work; the line
    to print (secrets redacted). A refusal raises SfogoError."""
    import asyncio

    from sfogo.inbox.channels.base import ChannelError
    from sfogo.inbox.credentials import missing_hint, redact

    loop = syncer(ctx, send_replies=False)
    account = loop.accounts(handle)[0]
    secrets = loop.secrets(account)
    if not secrets.known:
        raise SfogoError(missing_hint(account))

    async def check() -> str:
        async with loop._client() as http:
            return await loop.connector(account, http).check()

    try:
        line = asyncio.run(check())
    except ChannelError as exc:
        word = OUTCOME_WORDS.get(exc.outcome, exc.outcome)
        raise SfogoError(
            redact(f"{account.channel}:{account.handle}: {word}: {exc.detail}", secrets)
        ) from None
    return wrapped(
        redact(
            _("{channel}:{handle}: ok, {line}").format(
                channel=account.channel, handle=account.handle, line=line
            ),
            secrets,
        )
    )
