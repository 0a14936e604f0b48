"""The inbox commands: list, show, done, snooze, reopen, clients, accounts, import, export, stats.

Every listing prints an 80-column table for people and, with ``--json``, stable field names
for scripts (documented in the README). Expected errors raise SfogoError: one line, exit 1.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import CHANNEL_SHORT, CHANNELS, KINDS, STATUSES, TIERS
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.text import excerpt, sanitize

from . import _output

DEFAULT_LIMIT = 50
# Caps keep the metadata columns from eating the text column on an 80-column terminal.
CLIENT_WIDTH = 12
AUTHOR_WIDTH = 14
LIST_HEADERS = ("ID", "AGE", "CLIENT", "CH", "KIND", "AUTHOR", "TEXT")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")


# -- parsing arguments the way a person types them -------------------------------------------


def _split(values: Sequence[str] | None) -> list[str]:
    """``--kind dm,email --kind mention`` → ['dm', 'email', 'mention']."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def _check(values: list[str], allowed: Sequence[str], what: str) -> list[str]:
    for value in values:
        if value not in allowed:
            raise SfogoError(f"unknown {what} {value!r}: use one of {', '.join(allowed)}")
    return values


def parse_statuses(text: str) -> tuple[str, ...]:
    """``new,open`` → ('new', 'open'); ``all`` → every status."""
    values = _split([text])
    if "all" in values:
        return STATUSES
    for value in values:
        if value not in STATUSES:
            raise SfogoError(f"unknown status {value!r}: use one of {', '.join(STATUSES)}, or all")
    if not values:
        raise SfogoError(f"--status needs a value: one of {', '.join(STATUSES)}, or all")
    return tuple(values)


def parse_ids(values: Sequence[str]) -> list[int]:
    """Item ids as typed: ``12``, ``#12`` or ``12,13``; duplicates dropped, order kept."""
    ids: dict[int, None] = {}
    for value in _split(values):
        text = value.lstrip("#")
        if not text.isdigit():
            raise SfogoError(f"bad id {value!r}: ids are whole numbers ('sfogo list' shows them)")
        ids[int(text)] = None
    if not ids:
        raise SfogoError("no id given: 'sfogo list' shows the ids")
    return list(ids)


def parse_limit(text: str) -> int | None:
    if not text.strip().isdigit():
        raise SfogoError(f"bad --limit {text!r}: use a whole number (0 shows everything)")
    return int(text) or None


def local_time(ts: int) -> str:
    """A moment as the manager's wall clock shows it: 'Thu 27 Nov 2026 10:02'."""
    return datetime.fromtimestamp(ts).astimezone().strftime("%a %d %b %Y %H:%M")


# -- list ------------------------------------------------------------------------------------


def build_filter(args: argparse.Namespace, store: Store, now: int) -> InboxFilter:
    """The InboxFilter for ``list``'s options; unknown names are one-line errors."""
    flt = InboxFilter(
        statuses=parse_statuses(args.status),
        client_ids=[store.clients.get(name).id for name in args.client or ()],
        channels=_check(_split(args.channel), CHANNELS, "channel"),
        kinds=_check(_split(args.kind), KINDS, "kind"),
        search=(args.search or "").strip(),
    )
    from .backlog_cmds import backlog_narrowed  # list --backlog (backlog owns the rule)

    return backlog_narrowed(args, store, flt, now)


def ordered_rows(args: argparse.Namespace, store: Store, flt: InboxFilter,
                 limit: int | None, now: int) -> Iterator[dict]:
    """The rows ``list`` shows, in the order it shows them: the one place that decides it.

    Most urgent first for waiting items (a threshold merge over the triage index, see
    backlog/triage.py), else newest first (created_at, then id, descending); both are
    served by indexes, so the first page costs the same on a million rows as on a hundred.
    """
    from .backlog_cmds import sort_order, triage_list_rows

    if sort_order(args, flt) == "score":  # most urgent first (backlog/triage.py)
        return triage_list_rows(args, store, flt, limit, now)
    return store.items.iter_rows(flt, limit=limit)


def _author(row: dict) -> str:
    if row["outgoing"]:
        return "you"
    return row["author_name"] or row["author_handle"]


def _list_cells(row: dict, ref: int) -> tuple[str, ...]:
    return (
        str(row["id"]), _output.ago(row["created_at"], ref=ref),
        excerpt(row["client"], CLIENT_WIDTH), CHANNEL_SHORT.get(row["channel"], row["channel"]),
        row["kind"], excerpt(_author(row), AUTHOR_WIDTH), row["text"],
    )


def cmd_list(args: argparse.Namespace, ctx) -> int:
    store = ctx.store
    store.marks.wake_snoozed(now=ctx.clock.now())
    flt = build_filter(args, store, ctx.clock.now())
    limit = parse_limit(args.limit)
    rows = ordered_rows(args, store, flt, limit, ctx.clock.now())
    if args.json:
        _output.print_json_array(rows)
        return 0
    total = store.items.count(flt)
    what = ", ".join(flt.statuses) if set(flt.statuses) != set(STATUSES) else "any status"
    if total == 0:
        if not store.accounts.all():
            print("The inbox is empty. Try the demo: sfogo demo; or add a client and an account:"
                  "\n  sfogo client add NAME --tier normal\n  sfogo account add NAME CHANNEL HANDLE")
        else:
            print(f"Nothing to show ({what}).")
        return 0
    ref = ctx.clock.now()
    _output.table((_list_cells(r, ref) for r in rows), LIST_HEADERS)
    shown = total if limit is None else min(limit, total)
    more = "; --limit 0 shows all" if shown < total else ""
    from .backlog_cmds import sort_order

    order = "most urgent first" if sort_order(args, flt) == "score" else "newest first"
    print(f"{shown:,} of {total:,} items ({what}), {order}{more}")
    return 0


# -- show, done, snooze, reopen --------------------------------------------------------------


def cmd_show(args: argparse.Namespace, ctx) -> int:
    store = ctx.store
    (item_id,) = parse_ids([args.id])
    row = store.items.get(item_id)
    thread = store.items.thread(row)
    if args.json:
        _output.print_json({"item": row, "thread": thread})
        return 0
    width = _output.width()
    ref = ctx.clock.now()
    print(f"#{row['id']} · {row['kind']} · {row['status']}" + (" · pinned" if row["pinned"] else ""))
    facts = [
        ("Client", f"{row['client']} ({row['tier']})"),
        ("Account", f"{row['channel']} {row['account']}"),
        ("From", "you" if row["outgoing"] else
         " ".join(p for p in (row["author_name"], row["author_handle"]) if p)),
        ("Arrived", f"{local_time(row['created_at'])} ({_output.ago(row['created_at'], ref=ref)})"),
        ("Tags", ", ".join(row["tags"])),
    ]
    if row["snoozed_until"]:
        facts.append(("Snoozed", f"until {local_time(row['snoozed_until'])} "
                                 f"({_output.ago(row['snoozed_until'], ref=ref)})"))
    if row["handled_at"]:
        facts.append(("Handled", f"{local_time(row['handled_at'])} "
                                 f"({_output.ago(row['handled_at'], ref=ref)})"))
    for label, value in facts:
        if value:
            print(f"{label:<8} {excerpt(sanitize(value, single_line=True), width - 9)}")
    if row["url"]:  # never cut: a shortened link is a broken link
        print(f"{'Link':<8} {sanitize(row['url'], single_line=True)}")
    print()
    for paragraph in sanitize(row["text"]).split("\n"):
        print(textwrap.fill(paragraph, width, initial_indent="  ", subsequent_indent="  ")
              if paragraph.strip() else "")
    if len(thread) > 1:
        print(f"\nThread · {len(thread)} items")
        _output.table(
            [("▶" if t["id"] == row["id"] else "", str(t["id"]),
              _output.ago(t["created_at"], ref=ref), excerpt(_author(t), AUTHOR_WIDTH),
              t["text"]) for t in thread],
            ("", "ID", "AGE", "AUTHOR", "TEXT"),
        )
    return 0


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def cmd_done(args: argparse.Namespace, ctx) -> int:
    n = ctx.store.marks.set_status(parse_ids(args.ids), "done", now=ctx.clock.now())
    print(f"marked {_items(n)} done")
    return 0


def cmd_reopen(args: argparse.Namespace, ctx) -> int:
    n = ctx.store.marks.set_status(parse_ids(args.ids), "open", now=ctx.clock.now())
    print(f"reopened {_items(n)}")
    return 0


def cmd_snooze(args: argparse.Namespace, ctx) -> int:
    if not args.until:
        raise SfogoError("snooze needs --until WHEN: 2h, 'tomorrow 9:00' or ISO 8601")
    ids = parse_ids(args.ids)
    now = ctx.clock.now()
    until = when.parse_when(args.until, ref=now)
    n = ctx.store.marks.set_status(ids, "snoozed", until=until, now=now)
    print(f"snoozed {_items(n)} until {local_time(until)} ({_output.ago(until, ref=now)})")
    return 0


# -- clients and accounts --------------------------------------------------------------------


def cmd_clients(args: argparse.Namespace, ctx) -> int:
    store = ctx.store
    accounts: dict[int, int] = {}
    for account in store.accounts.all():
        accounts[account.client_id] = accounts.get(account.client_id, 0) + 1
    records = [
        {"id": c.id, "name": c.name, "tier": c.tier, "target_s": c.effective_target_s,
         "target_is_default": c.target_s is None, "accounts": accounts.get(c.id, 0)}
        for c in store.clients.all()
    ]
    if args.json:
        _output.print_json(records)
        return 0
    if not records:
        print("No clients yet: sfogo client add NAME --tier vip|high|normal|low")
        return 0
    _output.table(
        [(str(r["id"]), r["name"], r["tier"],
          _output.duration(r["target_s"]) + (" (tier)" if r["target_is_default"] else ""),
          str(r["accounts"])) for r in records],
        ("ID", "CLIENT", "TIER", "REPLY WITHIN", "ACCOUNTS"), flex=1,
    )
    return 0


def cmd_client_add(args: argparse.Namespace, ctx) -> int:
    if args.tier not in TIERS:
        raise SfogoError(f"unknown tier {args.tier!r}: use one of {', '.join(TIERS)}")
    target = when.parse_duration(args.target) if args.target else None
    client = ctx.store.clients.add(sanitize(args.name, single_line=True), args.tier, target,
                                   now=ctx.clock.now())
    print(f"added client {client.name!r} ({client.tier}, replies within "
          f"{_output.duration(client.effective_target_s)}), id {client.id}")
    return 0


def _public_settings(settings: dict) -> dict:
    """Account settings minus anything that looks like a secret (they should hold none)."""
    from sfogo.inbox.config import SECRET_KEYS

    return {k: v for k, v in settings.items() if k not in SECRET_KEYS}


def cmd_accounts(args: argparse.Namespace, ctx) -> int:
    store = ctx.store
    clients = {c.id: c.name for c in store.clients.all()}
    runs = store.runs.last_per_account()
    records = []
    for a in store.accounts.all():
        run = runs.get(a.id)
        records.append({
            "id": a.id, "client": clients.get(a.client_id, ""), "client_id": a.client_id,
            "channel": a.channel, "handle": a.handle, "display_name": a.display_name,
            "settings": _public_settings(a.settings),
            "last_sync": None if run is None else {
                k: run[k] for k in ("outcome", "started_at", "ended_at", "detail")},
        })
    if args.json:
        _output.print_json(records)
        return 0
    if not records:
        print("No accounts yet: sfogo account add CLIENT CHANNEL HANDLE")
        return 0
    ref = ctx.clock.now()
    _output.table(
        [(str(r["id"]), excerpt(r["client"], CLIENT_WIDTH), r["channel"], r["handle"],
          "never synced" if r["last_sync"] is None else
          f"{r['last_sync']['outcome']} {_output.ago(r['last_sync']['started_at'], ref=ref)}")
         for r in records],
        ("ID", "CLIENT", "CHANNEL", "HANDLE", "LAST SYNC"), flex=3,
    )
    return 0


# URL schemes each kind of server address may use.
_WEB_SCHEMES = ("http", "https")
_IMAP_SCHEMES = ("imap", "imaps")
_SMTP_SCHEMES = ("smtp", "smtps")


def _check_url(url: str, option: str = "--url", schemes=_WEB_SCHEMES) -> str:
    from urllib.parse import urlsplit

    # The address is never echoed back: a pasted URL may carry a password.
    parts = urlsplit(url)
    if "@" in parts.netloc or parts.username or parts.password:
        raise SfogoError(f"{option} must not hold a user or password: use --user, and "
                         "--token-env/--password-env for the name of the variable that holds "
                         "the secret")
    if parts.query or parts.fragment:  # a base address never needs one; a token might hide there
        raise SfogoError(f"{option} takes a bare address, without ?query or #fragment")
    if parts.scheme not in schemes or not parts.hostname:
        example = {"--smtp-url": "smtps://mail.example.com"}.get(
            option, "imaps://mail.example.com" if schemes == _IMAP_SCHEMES
            else "https://mastodon.social")
        raise SfogoError(f"bad {option}: give the server's address, like {example}")
    return url.rstrip("/")


def _env_name(value: str, option: str) -> str:
    if not _ENV_NAME.match(value):
        # Only the NAME of a variable is stored, never a secret: a value with lower-case
        # letters, dots or dashes is far more likely a pasted secret than a variable name.
        raise SfogoError(f"{option} takes the NAME of an environment variable that holds "
                         "the secret (like SFOGO_MASTODON_TOKEN), not the secret itself")
    return value


def _setting_value(text: str):
    """``--set`` values: true/false become booleans; ids stay text (they can be huge)."""
    low = text.strip().lower()
    return low == "true" if low in ("true", "false") else text.strip()


def cmd_account_add(args: argparse.Namespace, ctx) -> int:
    from sfogo.inbox.config import SECRET_KEYS

    settings: dict = {}
    if args.url:
        schemes = _IMAP_SCHEMES if args.channel == "email" else _WEB_SCHEMES
        settings["url"] = _check_url(args.url.strip(), "--url", schemes)
    if args.smtp_url:
        settings["smtp_url"] = _check_url(args.smtp_url.strip(), "--smtp-url", _SMTP_SCHEMES)
    if args.user:
        settings["user"] = sanitize(args.user, single_line=True).strip()
    if args.token_env:
        settings["token_env"] = _env_name(args.token_env, "--token-env")
    if args.password_env:
        settings["password_env"] = _env_name(args.password_env, "--password-env")
    if args.sender:
        settings["from"] = sanitize(args.sender, single_line=True).strip()
    if args.mailbox:
        settings["mailboxes"] = [sanitize(m, single_line=True) for m in args.mailbox]
    for pair in args.set or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SfogoError(f"bad --set {pair!r}: use KEY=VALUE, like page_id=1234")
        if key in SECRET_KEYS or key.endswith(("token", "password", "secret")):
            raise SfogoError(f"--set {key}=…: secrets never go into the data file; put the "
                             "NAME of a variable in --token-env or --password-env")
        settings[key] = _setting_value(sanitize(value, single_line=True))
    account = ctx.store.accounts.add(
        args.client, args.channel, sanitize(args.handle, single_line=True),
        sanitize(args.name or "", single_line=True).strip(), settings, now=ctx.clock.now()
    )
    owner = ctx.store.clients.get(account.client_id)
    print(f"added {account.channel} account {account.handle!r} for {owner.name!r}, id {account.id}")
    if args.token_env and not os.environ.get(args.token_env):
        print(f"note: ${args.token_env} is not set here; sync will need it", file=sys.stderr)
    return 0


# -- import, export, stats -------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, ctx) -> int:
    from sfogo.inbox.jsonl import import_file

    if args.file != "-" and not Path(args.file).exists():
        raise SfogoError(f"no file {args.file!r} to import")
    result = import_file(ctx.store, args.file, now=ctx.clock.now())
    for name in result.created_clients:
        print(f"created client {name!r}")
    for name in result.created_accounts:
        print(f"created account {name}")
    print(f"imported {result.added} new {'item' if result.added == 1 else 'items'}, "
          f"{result.existing} already there"
          + (f", {result.bad} bad lines skipped" if result.bad else ""))
    for number, reason in result.errors[:20]:
        print(f"sfogo: line {number}: {reason}", file=sys.stderr)
    if result.bad > 20:
        print(f"sfogo: … and {result.bad - 20} more bad lines", file=sys.stderr)
    return 1 if result.bad else 0


def cmd_export(args: argparse.Namespace, ctx) -> int:
    from sfogo.inbox.jsonl import export_csv, export_jsonl

    fmt = args.format
    if fmt is None:
        fmt = "csv" if args.output and args.output.lower().endswith(".csv") else "jsonl"
    if fmt not in ("jsonl", "csv"):
        raise SfogoError(f"unknown format {fmt!r}: use jsonl or csv")
    write = export_csv if fmt == "csv" else export_jsonl
    store = ctx.store
    if not args.output or args.output == "-":
        write(store, sys.stdout)
        return 0
    target = Path(args.output).expanduser()
    if target.is_dir():
        raise SfogoError(f"{args.output!r} is a folder: give a file name to -o")
    partial = target.with_name(target.name + ".part")  # a failed export leaves no half file
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            n = write(store, out)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise SfogoError(f"cannot write {args.output!r}: {exc.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    print(f"exported {_items(n)} to {target}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace, ctx) -> int:
    store = ctx.store
    store.marks.wake_snoozed(now=ctx.clock.now())
    stats = store.items.stats()
    if args.json:
        _output.print_json(stats)
        return 0
    by_status = stats["by_status"]
    print(f"{stats['total']:,} items · "
          + " · ".join(f"{s} {by_status[s]:,}" for s in STATUSES))
    if stats["by_client"]:
        print()
        _output.table(
            [(name, *(f"{counts[s]:,}" for s in STATUSES), f"{sum(counts.values()):,}")
             for name, counts in stats["by_client"].items()],
            ("CLIENT", *(s.upper() for s in STATUSES), "TOTAL"), flex=0,
        )
    for title, counts in (("CHANNEL", stats["by_channel"]), ("KIND", stats["by_kind"])):
        if counts:
            print()
            _output.table([(k, f"{n:,}") for k, n in counts.items()], (title, "ITEMS"), flex=0)
    return 0


# -- registration ----------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="the inbox, most urgent first",
                       description="List interactions, most urgent first (new and open by "
                       "default); 'sfogo why ID' explains an item's score.")
    p.add_argument("--status", default="new,open", metavar="S",
                   help=f"{', '.join(STATUSES)} (comma-separated) or all; default new,open")
    p.add_argument("--client", action="append", metavar="C", help="a client's name or id (repeatable)")
    p.add_argument("--channel", action="append", metavar="CH",
                   help=f"{', '.join(CHANNELS)} (comma-separated, repeatable)")
    p.add_argument("--kind", action="append", metavar="K",
                   help=f"{', '.join(KINDS)} (comma-separated, repeatable)")
    p.add_argument("--search", metavar="TEXT", help="words in the text, author name or handle")
    p.add_argument("--limit", default=str(DEFAULT_LIMIT), metavar="N",
                   help=f"at most N items (default {DEFAULT_LIMIT}; 0 for all)")
    p.add_argument("--sort", choices=("score", "newest"), default=None,
                   help="score: most urgent first (default while only waiting items are "
                   "listed); newest: newest first (default with done or ignored)")
    p.add_argument("--backlog", action="store_true",
                   help="only the backlog: what arrived during a gap, or before one unanswered")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="one item with its conversation")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("done", help="mark items done")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.set_defaults(func=cmd_done)

    p = sub.add_parser("snooze", help="hide items until a time")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--until", metavar="WHEN", help="2h, 3d, 'tomorrow 9:00', monday, ISO 8601")
    p.set_defaults(func=cmd_snooze)

    p = sub.add_parser("reopen", help="bring done, ignored or snoozed items back")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.set_defaults(func=cmd_reopen)

    p = sub.add_parser("clients", help="the clients, their tier and reply target")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_clients)

    p = sub.add_parser("client", help="add a client")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="add a client")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--tier", default="normal", metavar="TIER",
                   help=f"{', '.join(TIERS)} (default normal)")
    a.add_argument("--target", metavar="DURATION",
                   help="reply within this long (default: the tier's, e.g. vip 2h)")
    a.set_defaults(func=cmd_client_add)

    p = sub.add_parser("accounts", help="the accounts and their last sync")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_accounts)

    p = sub.add_parser("account", help="add an account")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="add an account to a client")
    a.add_argument("client", metavar="CLIENT")
    a.add_argument("channel", metavar="CHANNEL", help=", ".join(CHANNELS))
    a.add_argument("handle", metavar="HANDLE")
    a.add_argument("--name", help="display name")
    a.add_argument("--url", metavar="BASE_URL", help="the server's address (Mastodon, WordPress …)")
    a.add_argument("--user", help="the login user, where the platform has one")
    a.add_argument("--token-env", metavar="VAR",
                   help="the NAME of the environment variable that holds the token")
    a.add_argument("--password-env", metavar="VAR",
                   help="the NAME of the environment variable that holds the password")
    a.add_argument("--smtp-url", metavar="URL", help="e-mail: the SMTP server (smtps://host)")
    a.add_argument("--from", dest="sender", metavar="ADDRESS", help="e-mail: the From address")
    a.add_argument("--mailbox", action="append", metavar="NAME",
                   help="e-mail: a mailbox to read (repeat it; default INBOX)")
    a.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="a channel setting, e.g. page_id=…, ig_user_id=…, user_id=…, "
                   "channel_id=… (see the README); never a secret")
    a.set_defaults(func=cmd_account_add)

    p = sub.add_parser("import", help="read interactions from a JSON Lines file")
    p.add_argument("file", metavar="FILE", help="a .jsonl file, or - for standard input")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write every interaction as JSON Lines or CSV")
    p.add_argument("--format", metavar="FORMAT", help="jsonl (default) or csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="counts by client, channel, kind and status")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)
