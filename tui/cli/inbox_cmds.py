"""The inbox commands: list, show, done, snooze, reopen, stats.

Every listing prints an 80-column table for people and, with ``--json``, stable field names
for scripts (documented in the README). Expected errors raise SfogoError: one line, exit 1.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from datetime import datetime

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.model import CHANNEL_SHORT, CHANNELS, KINDS, STATUSES
from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import InboxFilter
from sfogo.inbox.text import sanitize
from sfogo.inbox.timefmt import strftime

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._table import cut, on_terminal
from ._types import ItemId, ItemIds, Limit, Names, Statuses, When, unique_ids

DEFAULT_LIMIT = 50
# Caps keep the metadata columns from eating the text column on an 80-column terminal.
CLIENT_WIDTH = 12
AUTHOR_WIDTH = 14
LIST_HEADERS = ("ID", "AGE", "CLIENT", "CH", "KIND", "AUTHOR", "TEXT")
# On a terminal, long client and author names leave room for the text.
LIST_CAPS = {2: CLIENT_WIDTH, 5: AUTHOR_WIDTH}

topic = Topic("inbox")


def local_time(ts: int) -> str:
    """A moment as the manager's wall clock shows it: 'Thu 27 Nov 2026 10:02'."""
    return strftime(datetime.fromtimestamp(ts).astimezone(), "%a %d %b %Y %H:%M")


def author(row: ItemRow) -> str:
    if row["outgoing"]:
        return "you"
    return row["author_name"] or row["author_handle"]


def _items(n: int) -> str:
    return ngettext("{n} item", "{n} items", n).format(n=n)


def _flat(groups: Sequence[Sequence[str]]) -> list[str]:
    return [name for group in groups for name in group]


# -- list ------------------------------------------------------------------------------------


def ordered_rows(
    ctx: Context, flt: InboxFilter, *, order: str, limit: int | None, backlog: bool, now: int
) -> Iterator[ItemRow]:
    """The rows ``list`` shows, in the order it shows them: the one place that decides it.

    Most urgent first for waiting items (a threshold merge over the triage index, see
    backlog/triage.py), else newest first (created_at, then id, descending); both are
    served by indexes, so the first page costs the same on a million rows as on a hundred.
    """
    if order == "score":
        from .triage_cmds import triage_list_rows

        return triage_list_rows(ctx, flt, limit=limit, backlog=backlog, now=now)
    return ctx.store.items.iter_rows(flt, limit=limit)


def _json_row(row: ItemRow, removed: frozenset[int]) -> dict[str, object]:
    """A row of ``list --json``: ``account_removed`` always; ``owner`` (null: nobody) on a
    team's inbox, where ``with_owners`` has looked it up."""
    out: dict[str, object] = {**row, "account_removed": row["account_id"] in removed}
    if "owner" in row:
        out["owner"] = row["owner"] or None
    return out


def _list_cells(row: ItemRow, ref: int, removed: frozenset[int] = frozenset()) -> tuple[str, ...]:
    """A row of ``list``; an item whose account is in ``removed`` says so before its text."""
    text = row["text"]
    if row["account_id"] in removed:
        text = _("(account removed) {text}").format(text=text)
    owner = row.get("owner")  # a team's inbox: the text starts with its owner's name
    if owner:
        text = f"{owner}› {text}"
    return (
        str(row["id"]),
        _output.ago(row["created_at"], ref=ref),
        row["client"],
        CHANNEL_SHORT.get(row["channel"], row["channel"]),
        row["kind"],
        author(row),
        text,
    )


def _print_empty(ctx: Context, what: str) -> None:
    if not ctx.store.accounts.all():
        print(
            _(
                "The inbox is empty. Try the demo: sfogo demo; or add a client and an account:"
                "\n  sfogo client add NAME --tier normal\n  sfogo account add NAME CHANNEL HANDLE"
            )
        )
    else:
        print(_("Nothing to show ({what}).").format(what=what))


@topic.command(
    "list",
    short_help=N_("the inbox, most urgent first"),
    help=N_(
        "List interactions, most urgent first (new and open by default); "
        "'sfogo why ID' explains an item's score."
    ),
)
@click.option(
    "--status",
    "statuses",
    type=Statuses(STATUSES),
    default="new,open",
    metavar="S",
    help=_("{names} (comma-separated) or all; default new,open").format(names=", ".join(STATUSES)),
)
@click.option(
    "--client", "clients", multiple=True, metavar="C", help=N_("a client's name or id (repeatable)")
)
@click.option(
    "--channel",
    "channels",
    type=Names(CHANNELS, "channel"),
    multiple=True,
    metavar="CH",
    help=_("{names} (comma-separated, repeatable)").format(names=", ".join(CHANNELS)),
)
@click.option(
    "--kind",
    "kinds",
    type=Names(KINDS, "kind"),
    multiple=True,
    metavar="K",
    help=_("{names} (comma-separated, repeatable)").format(names=", ".join(KINDS)),
)
@click.option("--search", metavar="TEXT", help=N_("words in the text, author name or handle"))
@click.option(
    "--limit",
    type=Limit(),
    default=str(DEFAULT_LIMIT),
    metavar="N",
    help=_("at most N items (default {default_limit}; 0 for all)").format(
        default_limit=DEFAULT_LIMIT
    ),
)
@click.option(
    "--sort",
    type=click.Choice(("score", "newest")),
    help=N_(
        "score: most urgent first (default while only waiting items are listed); "
        "newest: newest first (default with done or ignored)"
    ),
)
@click.option(
    "--backlog",
    is_flag=True,
    help=N_("only the backlog: what arrived during a gap, or before one unanswered"),
)
@click.option(
    "--assignee",
    metavar="NAME",
    help=N_("only the items of team member NAME (me: yours; nobody: the unassigned)"),
)
@json_flag()
@pass_context
def list_items(
    ctx: Context,
    statuses,
    clients,
    channels,
    kinds,
    search,
    limit,
    sort,
    backlog,
    assignee,
    as_json,
) -> int:
    from .triage_cmds import backlog_narrowed, list_order

    store = ctx.store
    now = ctx.clock.now()
    store.marks.wake_snoozed(now=now)
    flt = InboxFilter(
        statuses=statuses,
        client_ids=[store.clients.get(c).id for c in clients],
        channels=_flat(channels),
        kinds=_flat(kinds),
        search=(search or "").strip(),
    )
    if assignee is not None:
        from .team_cmds import NOBODY, member_named

        if assignee.strip().lower() in NOBODY:
            flt.unassigned = True
        else:
            flt.assignee = member_named(ctx, assignee).id
    if backlog:
        flt = backlog_narrowed(ctx, flt, now=now)
    order = list_order(sort, flt)
    rows = ordered_rows(ctx, flt, order=order, limit=limit, backlog=backlog, now=now)
    from .team_cmds import with_owners

    gone = frozenset(o.account_id for o in store.accounts.owners() if o.removed)
    if as_json:
        _output.print_json_array(_json_row(r, gone) for r in with_owners(store, rows))
        return 0
    total = store.items.count(flt)
    what = ", ".join(flt.statuses) if set(flt.statuses) != set(STATUSES) else _("any status")
    if total == 0:
        _print_empty(ctx, what)
        return 0
    shown = total if limit is None else min(limit, total)
    more = _("; --limit 0 shows all") if shown < total else ""
    order_text = _("most urgent first") if order == "score" else _("newest first")
    # On a terminal an item of a removed account says so; piped, the text stays its value.
    removed = gone if on_terminal() else frozenset()
    _output.table(
        (_list_cells(r, now, removed) for r in with_owners(store, rows)),
        LIST_HEADERS,
        caps=LIST_CAPS,
        footer=[
            _("{shown:,} of {total:,} items ({what}), {order}{more}").format(
                shown=shown, total=total, what=what, order=order_text, more=more
            )
        ],
    )
    return 0


# -- show ------------------------------------------------------------------------------------


def _facts(row: ItemRow, ref: int, *, removed: bool = False) -> list[tuple[str, str]]:
    facts = [
        ("Client", f"{row['client']} ({row['tier']})"),
        ("Account", f"{row['channel']} {row['account']}" + (" (removed)" if removed else "")),
        (
            "From",
            "you"
            if row["outgoing"]
            else " ".join(p for p in (row["author_name"], row["author_handle"]) if p),
        ),
        ("Arrived", f"{local_time(row['created_at'])} ({_output.ago(row['created_at'], ref=ref)})"),
        ("Tags", ", ".join(row["tags"])),
    ]
    if row["snoozed_until"]:
        facts.append(
            (
                "Snoozed",
                _("until {local_time} ({ago})").format(
                    local_time=local_time(row["snoozed_until"]),
                    ago=_output.ago(row["snoozed_until"], ref=ref),
                ),
            )
        )
    if row["handled_at"]:
        facts.append(
            (
                "Handled",
                f"{local_time(row['handled_at'])} ({_output.ago(row['handled_at'], ref=ref)})",
            )
        )
    return facts


@topic.command("show", short_help=N_("one item with its conversation"))
@click.argument("item_id", metavar="ID", type=ItemId())
@json_flag()
@pass_context
def show(ctx: Context, item_id: int, as_json: bool) -> int:
    """Show one item in full (client, account, author, times, links, text) with the
    conversation it belongs to. ID is the number 'sfogo list' prints (a leading # is fine)."""
    store = ctx.store
    row = store.items.get(item_id)
    thread = store.items.thread(row)
    if as_json:
        _output.print_json({"item": row, "thread": thread})
        return 0
    width = _output.width()
    ref = ctx.clock.now()
    pinned = _(" · pinned") if row["pinned"] else ""
    print(f"#{row['id']} · {row['kind']} · {row['status']}{pinned}")
    removed = store.accounts.get(row["account_id"], removed=True).removed_at is not None
    from .team_cmds import team_facts

    for label, value in _facts(row, ref, removed=removed) + team_facts(store, row, now=ref):
        if value:
            print(f"{label:<8} {cut(value, width - 9)}")
    if row["url"]:  # never cut: a shortened link is a broken link
        print(f"{'Link':<8} {sanitize(row['url'], single_line=True)}")
    print()
    for paragraph in sanitize(row["text"]).split("\n"):
        print(
            textwrap.fill(
                paragraph, _output.wrap_width(), initial_indent="  ", subsequent_indent="  "
            )
            if paragraph.strip()
            else ""
        )
    if len(thread) > 1:
        print(_("\nThread · {count} items").format(count=len(thread)))
        _output.table(
            [
                (
                    "▶" if t["id"] == row["id"] else "",
                    str(t["id"]),
                    _output.ago(t["created_at"], ref=ref),
                    author(t),
                    t["text"],
                )
                for t in thread
            ],
            ("", "ID", "AGE", "AUTHOR", "TEXT"),
            caps={3: AUTHOR_WIDTH},
            page=False,
        )
    return 0


# -- done, snooze, reopen --------------------------------------------------------------------

_IDS = click.argument("id_groups", metavar="ID...", nargs=-1, required=True, type=ItemIds())


@topic.command("done", short_help=N_("mark items done"))
@_IDS
@pass_context
def done(ctx: Context, id_groups) -> int:
    """Mark items done: they leave the inbox ('sfogo reopen' brings them back). IDs may be
    separated by spaces or commas."""
    n = ctx.store.marks.set_status(unique_ids(id_groups), "done", now=ctx.clock.now())
    print(_("marked {items} done").format(items=_items(n)))
    return 0


@topic.command("snooze", short_help=N_("hide items until a time"))
@_IDS
@click.option(
    "--until", type=When(), metavar="WHEN", help=N_("2h, 3d, 'tomorrow 9:00', monday, ISO 8601")
)
@pass_context
def snooze(ctx: Context, id_groups, until: int | None) -> int:
    """Hide items until a time; when it comes, they are back in the inbox, as open."""
    if until is None:
        raise SfogoError(_("snooze needs --until WHEN: 2h, 'tomorrow 9:00' or ISO 8601"))
    now = ctx.clock.now()
    n = ctx.store.marks.set_status(unique_ids(id_groups), "snoozed", until=until, now=now)
    print(
        _("snoozed {items} until {local_time} ({ago})").format(
            items=_items(n), local_time=local_time(until), ago=_output.ago(until, ref=now)
        )
    )
    return 0


@topic.command("reopen", short_help=N_("bring done, ignored or snoozed items back"))
@_IDS
@pass_context
def reopen(ctx: Context, id_groups) -> int:
    """Bring done, ignored or snoozed items back into the inbox, as open."""
    n = ctx.store.marks.set_status(unique_ids(id_groups), "open", now=ctx.clock.now())
    print(_("reopened {items}").format(items=_items(n)))
    return 0


# -- stats -----------------------------------------------------------------------------------


@topic.command("stats", short_help=N_("counts by client, channel, kind and status"))
@json_flag()
@pass_context
def stats(ctx: Context, as_json: bool) -> int:
    """Count the items by status, and by client, channel and kind."""
    store = ctx.store
    store.marks.wake_snoozed(now=ctx.clock.now())
    data = store.items.stats()
    if as_json:
        _output.print_json(data)
        return 0
    by_status = data["by_status"]
    print(
        _("{total:,} items · ").format(total=data["total"])
        + " · ".join(f"{s} {by_status[s]:,}" for s in STATUSES)
    )
    if data["by_client"]:
        print()
        _output.table(
            [
                (name, *(f"{counts[s]:,}" for s in STATUSES), f"{sum(counts.values()):,}")
                for name, counts in data["by_client"].items()
            ],
            ("CLIENT", *(s.upper() for s in STATUSES), "TOTAL"),
            flex=0,
            page=False,
        )
    for title, counts in (("CHANNEL", data["by_channel"]), ("KIND", data["by_kind"])):
        if counts:
            print()
            _output.table(
                [(k, f"{n:,}") for k, n in counts.items()], (title, "ITEMS"), flex=0, page=False
            )
    return 0
