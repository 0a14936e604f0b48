"""Sync, health and the outbox: sync, health, reply, send, outbox, account test."""
from __future__ import annotations

import argparse
import sys

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.text import excerpt, sanitize

from . import _output

OUTCOME_WORDS = {
    "ok": "ok", "offline": "offline", "down": "down", "rate_limited": "rate limited",
    "auth": "auth failed", "blocked": "blocked", "broken": "broken",
}


def _line(text: str) -> str:
    """One message, wrapped (not cut) to the terminal; continuation lines indented."""
    import textwrap

    return textwrap.fill(sanitize(text, single_line=True), _output.width(),
                         subsequent_indent="    ", break_on_hyphens=False)


def _ago(ts: int | None, ref: int) -> str:
    return "just now" if ts is not None and 0 <= ref - ts < 60 else _output.ago(ts, ref=ref)


def _short(h) -> str:
    from sfogo.inbox.model import CHANNEL_SHORT

    return f"{CHANNEL_SHORT.get(h.channel, h.channel)}:{h.handle}"


def _interval(text: str | None) -> int:
    from sfogo.inbox.health import DEFAULT_INTERVAL_S

    return when.parse_duration(text) if text else DEFAULT_INTERVAL_S


def _clock(ts: int | None) -> str:
    if ts is None:
        return ""
    import datetime as dt

    return dt.datetime.fromtimestamp(ts).strftime("%H:%M")


def _next(ts: int | None, ref: int) -> str:
    if ts is None or ts <= ref:
        return "now"
    return f"in {_output.duration(ts - ref)}" + (f" ({_clock(ts)})" if ts - ref >= 3600 else "")


def _syncer(ctx, args, **kwargs):
    from sfogo.inbox.sync import Syncer

    return Syncer(ctx.store, clock=ctx.clock, config_path=ctx.config_path, **kwargs)


def _result_line(r) -> str:
    if not r.attempted:
        return f"{r.account}: not asked, {r.detail}"
    word = OUTCOME_WORDS.get(r.outcome, r.outcome)
    parts = [f"{r.account}: {word}", r.detail]
    if r.retry_at and r.outcome == "rate_limited":
        parts.append(f"next try at {_clock(r.retry_at)}")
    if r.lost:
        parts.append(f"LOST: {r.lost}")
    sent = ", ".join(f"{n} {w}" for n, w in ((r.sent, "sent"), (r.held, "held"),
                                             (r.failed, "failed")) if n)
    if sent:
        parts.append(f"replies: {sent}")
    return " · ".join(p for p in parts if p)


# -- sync --------------------------------------------------------------------------------------


def cmd_sync(args: argparse.Namespace, ctx) -> int:
    import asyncio

    if args.watch:
        return _watch(args, ctx)
    syncer = _syncer(ctx, args, concurrency=args.concurrency,
                     on_result=None if args.json else lambda r: print(_line(_result_line(r)),
                                                                      flush=True))
    accounts = syncer.accounts(args.account)
    if not accounts:
        print(_nothing_to_sync(ctx))
        return 0
    results = asyncio.run(syncer.run_once(accounts))
    if args.json:
        _output.print_json([r.as_dict() for r in results])
    failed = [r for r in results if r.attempted and r.outcome != "ok"]
    if failed and not args.json:
        print(f"sfogo: {len(failed)} of {len(results)} account"
              f"{'' if len(results) == 1 else 's'} failed; each failure is recorded as a gap "
              "('sfogo health', 'sfogo gaps')", file=sys.stderr)
    return 1 if failed else 0


def _nothing_to_sync(ctx) -> str:
    if any(a.settings.get("generated") for a in ctx.store.accounts.all()):
        return "Nothing to sync: the demo's accounts are generated (try 'sfogo demo --live')."
    return "No accounts to sync: sfogo account add CLIENT CHANNEL HANDLE --token-env VAR"


def _watch(args: argparse.Namespace, ctx) -> int:
    import asyncio

    interval = _interval(args.interval)
    syncer = _syncer(ctx, args, concurrency=args.concurrency)
    accounts = syncer.accounts(args.account)
    if not accounts:
        print(_nothing_to_sync(ctx))
        return 0
    tty = sys.stdout.isatty()
    drawn = 0
    every = f"{interval // 60} min" if interval % 60 == 0 else f"{interval} s"
    print(f"sfogo sync: {len(accounts)} account{'' if len(accounts) == 1 else 's'}, every "
          f"{every}; Ctrl-C stops", flush=True)

    def show(results, states) -> None:
        nonlocal drawn
        ref = syncer.clock.now()
        # Cut, not wrapped: the redraw moves up exactly one row per account.
        lines = [excerpt(sanitize(health_line(h, ref), single_line=True), _output.width() - 1)
                 for h in states]
        if tty:
            if drawn:
                sys.stdout.write(f"\x1b[{drawn}F\x1b[J")
            sys.stdout.write("\n".join(lines) + "\n")
            drawn = len(lines)
        else:  # a log file: one line per account that was just asked
            for r in results:
                print(f"{when.iso(r.ended_at)} {_line(_result_line(r))}")
        sys.stdout.flush()

    try:
        asyncio.run(syncer.watch(interval=interval, account_ref=args.account, on_round=show))
    except KeyboardInterrupt:
        print("sfogo sync: stopped", flush=True)
    return 0


def health_line(h, ref: int) -> str:
    """One account's live line: last result and its age, items, gap, next attempt."""
    if h.last_outcome is None:
        return f"{h.account}: never synced · next {_next(h.next_attempt_at, ref)}"
    word = OUTCOME_WORDS.get(h.last_outcome, h.last_outcome)
    parts = [f"{h.account}: {word} {_ago(h.last_ended_at, ref)}"]
    if h.last_outcome == "ok":
        parts.append(f"{h.last_items} new")
    parts.append(f"next {_next(h.next_attempt_at, ref)}")
    if h.gap_since is not None:
        parts.append(f"gap since {_ago(h.gap_since, ref)} ({h.failures} tries)")
    if h.queued_replies or h.held_replies:
        parts.append(f"outbox {h.queued_replies} queued, {h.held_replies} held")
    return " · ".join(parts)


# -- health ------------------------------------------------------------------------------------


def _iso_fields(record: dict) -> dict:
    return {k: (when.iso(v) if (k.endswith("_at") or k == "gap_since") and isinstance(v, int)
                else v) for k, v in record.items()}


def cmd_health(args: argparse.Namespace, ctx) -> int:
    from sfogo.inbox.health import account_health

    ref = ctx.clock.now()
    states = account_health(ctx.store, now=ref, interval=_interval(args.interval))
    if args.json:
        _output.print_json([_iso_fields({**h.as_dict(), "due": h.due(ref)}) for h in states])
        return 0
    if not states:
        print("No accounts to sync: sfogo account add CLIENT CHANNEL HANDLE --token-env VAR")
        return 0
    rows = []
    for h in states:
        last = ("never" if h.last_outcome is None else
                f"{OUTCOME_WORDS.get(h.last_outcome, h.last_outcome)}, "
                f"{_ago(h.last_ended_at, ref)}")
        gap = "" if h.gap_since is None else _ago(h.gap_since, ref)
        rows.append((_short(h), last, str(h.last_items) if h.last_outcome == "ok" else "",
                     gap, _next(h.next_attempt_at, ref)))
    _output.table(rows, ("ACCOUNT", "LAST", "NEW", "GAP SINCE", "NEXT TRY"), flex=0)
    for h in states:
        if h.last_outcome not in (None, "ok") and h.last_detail:
            print(_line(f"{h.account}: {h.last_detail}"))
        if h.last_lost:
            print(_line(f"{h.account}: lost: {h.last_lost}"))
    return 0


# -- replies and the outbox ------------------------------------------------------------------


def cmd_reply(args: argparse.Namespace, ctx) -> int:
    from sfogo.inbox.outbox import get_reply, queue_reply

    reply_id = queue_reply(ctx.store, args.id, " ".join(args.text), now=ctx.clock.now())
    reply = get_reply(ctx.store, reply_id)
    print(f"queued reply {reply_id} to item {args.id} ({reply['account']}); it goes out with "
          "the next sync, or now with 'sfogo send'")
    return 0


def cmd_send(args: argparse.Namespace, ctx) -> int:
    import asyncio

    syncer = _syncer(ctx, args)
    results = asyncio.run(syncer.send_once(syncer.accounts(args.account)))
    if args.json:
        _output.print_json([r.as_dict() for r in results])
        return 0
    if not results:
        print("Nothing to send: the outbox is empty")
        return 0
    for r in results:
        if not r.attempted:
            print(_line(f"{r.account}: not sent, {r.detail}"))
            continue
        counts = ", ".join(f"{n} {w}" for n, w in ((r.sent, "sent"), (r.held, "held"),
                                                   (r.failed, "failed"), (r.waiting, "waiting"))
                           if n) or "nothing to send"
        print(_line(f"{r.account}: {counts}" + (f" · {r.detail}" if r.detail else "")))
    if any(r.held or r.failed for r in results):
        print("see why with 'sfogo outbox'", file=sys.stderr)
    return 0


def _reply_record(r: dict) -> dict:
    return {k: r[k] for k in ("id", "item_id", "account", "client", "state", "reason", "text",
                              "attempts", "created_at", "updated_at", "sent_at", "external_id",
                              "parent_handle", "parent_text")}


def cmd_outbox(args: argparse.Namespace, ctx) -> int:
    from sfogo.inbox.outbox import RECENT_S, drop_reply, edit_reply, list_replies, retry_reply

    store = ctx.store
    action = getattr(args, "action", None)
    if action == "edit":
        reply = edit_reply(store, args.id, " ".join(args.text), now=ctx.clock.now())
        hint = " ('sfogo outbox retry' queues it again)" if reply["state"] in ("held", "failed") else ""
        print(f"edited reply {args.id}, still {reply['state']}{hint}")
        return 0
    if action == "retry":
        retry_reply(store, args.id, now=ctx.clock.now())
        print(f"reply {args.id} is queued again; it goes out with the next sync or 'sfogo send'")
        return 0
    if action == "drop":
        drop_reply(store, args.id, now=ctx.clock.now())
        print(f"dropped reply {args.id}")
        return 0
    ref = ctx.clock.now()
    replies = list_replies(store, since=None if args.all else ref - RECENT_S)
    if not args.all:
        replies = [r for r in replies if r["state"] != "dropped"]
    if args.json:
        _output.print_json([_reply_record(r) for r in replies])
        return 0
    if not replies:
        print("The outbox is empty. Queue a reply with: sfogo reply ID TEXT")
        return 0
    rows = []
    for r in replies:
        state = r["state"] if r["state"] != "sent" else f"sent {_output.ago(r['sent_at'], ref=ref)}"
        rows.append((str(r["id"]), str(r["item_id"]), state, r["account"], r["text"]))
    _output.table(rows, ("ID", "ITEM", "STATE", "ACCOUNT", "REPLY"), flex=4)
    # Reasons are what the manager acts on: never cut them to fit a column.
    for r in replies:
        if r["reason"] and r["state"] in ("queued", "sending", "held", "failed"):
            print(sanitize(f"reply {r['id']} {r['state']}: {r['reason']}", single_line=True))
    return 0


# -- account test ------------------------------------------------------------------------------


def cmd_account_test(args: argparse.Namespace, ctx) -> int:
    import asyncio

    from sfogo.inbox.channels.base import ChannelError
    from sfogo.inbox.credentials import missing_hint, redact

    syncer = _syncer(ctx, args, send_replies=False)
    account = syncer.accounts(args.handle)[0]
    secrets = syncer.secrets(account)
    if not (secrets.token or secrets.password):
        raise SfogoError(missing_hint(account))

    async def check() -> str:
        async with syncer._client() as http:
            return await syncer.connector(account, http).check()

    try:
        line = asyncio.run(check())
    except ChannelError as exc:
        word = OUTCOME_WORDS.get(exc.outcome, exc.outcome)
        raise SfogoError(redact(f"{account.channel}:{account.handle}: {word}: {exc.detail}",
                                secrets)) from None
    print(_line(redact(f"{account.channel}:{account.handle}: ok, {line}", secrets)))
    return 0


# -- registration ------------------------------------------------------------------------------


def _account_actions(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The ``account`` command's actions (``account add`` lives in inbox_cmds)."""
    parser = sub.choices.get("account")
    if parser is None:
        parser = sub.add_parser("account", help="add or test an account")
        return parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest="action", metavar="ACTION", required=True)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="pull new items from every account (once, or --watch)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pass over the accounts (default)")
    mode.add_argument("--watch", action="store_true",
                      help="keep syncing, each account when due; Ctrl-C stops")
    p.add_argument("--account", metavar="HANDLE", help="only this account")
    p.add_argument("--interval", metavar="DURATION", help="--watch: time between syncs (2m)")
    p.add_argument("--concurrency", type=int, default=6, metavar="N",
                   help="accounts synced at the same time (6)")
    p.add_argument("--json", action="store_true", help="print each account's result as JSON")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("health", help="each account's sync state: last result, gap, next try")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--interval", metavar="DURATION", help="the sync interval to plan with (2m)")
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("reply", help="queue a reply to an item (sent by sync or 'sfogo send')")
    p.add_argument("id", type=int, metavar="ID", help="the item to answer")
    p.add_argument("text", nargs="+", metavar="TEXT", help="the reply")
    p.set_defaults(func=cmd_reply)

    p = sub.add_parser("send", help="send queued replies now")
    p.add_argument("--account", metavar="HANDLE", help="only this account's replies")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_send)

    p = sub.add_parser("outbox", help="replies queued, sent, held or failed, with reasons")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", help="include dropped and older sent replies")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser("edit", help="change the text of a reply not sent yet")
    a.add_argument("id", type=int, metavar="ID")
    a.add_argument("text", nargs="+", metavar="TEXT")
    a = actions.add_parser("retry", help="queue a held or failed reply again")
    a.add_argument("id", type=int, metavar="ID")
    a = actions.add_parser("drop", help="give up on a reply not sent yet")
    a.add_argument("id", type=int, metavar="ID")
    p.set_defaults(func=cmd_outbox)

    a = _account_actions(sub).add_parser("test", help="check an account's credentials")
    a.add_argument("handle", metavar="HANDLE", help="the account (handle or channel:handle)")
    a.set_defaults(func=cmd_account_test)
