"""Gaps and the backlog: away, back, gaps, backlog.

Human output fits 80 columns; ``--json`` prints stable field names (times in ISO 8601 UTC).
Backlog modules are imported inside the commands so ``sfogo --help`` stays quick.
"""

from __future__ import annotations

from datetime import datetime

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.model import AWAY_REASONS

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._table import cut
from ._types import When
from .triage_cmds import settings_for

# Sync gaps of one kind that began and ended within one sync interval of each other are
# one outage seen by many accounts.
SAME_OUTAGE_S = 900

topic = Topic("backlog")


def _local(ts: int) -> str:
    """'2026-11-27 10:02' in the manager's time zone."""
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


# -- away, back ------------------------------------------------------------------------------

# A team member's own period: it takes their hours out of the plan; the inbox has no gap.
_MEMBER = click.option(
    "--member",
    metavar="NAME",
    help=N_("a team member's own period (default: the whole inbox's)"),
)


@topic.command(
    "away",
    short_help=N_("record time you cannot work (away, sick, offline)"),
    help=N_(
        "Record an away period; without --until it lasts until 'sfogo back'. "
        "Items that arrive meanwhile count as backlog."
    ),
)
@click.option(
    "--reason",
    type=click.Choice(AWAY_REASONS),
    default="away",
    help=N_("away (default), sick or offline"),
)
@click.option(
    "--from",
    "start",
    type=When(past=True),
    metavar="WHEN",
    help=N_("when it began (default now): 2d, monday, 'yesterday 9:00', ISO 8601"),
)
@click.option(
    "--until",
    "end",
    type=When(),
    metavar="WHEN",
    help=N_("when it ends (default: open until 'back')"),
)
@click.option("--note", metavar="TEXT", help=N_("a note for yourself and the reports"))
@_MEMBER
@pass_context
def away(
    ctx: Context,
    reason: str,
    start: int | None,
    end: int | None,
    note: str | None,
    member: str | None,
) -> int:
    from sfogo.backlog.gaps import record_away
    from sfogo.backlog.triage import span

    now = ctx.clock.now()
    member_id = ctx.store.team.get(member).id if member else None
    if start is not None and start > now:
        raise SfogoError(_("--from is in the future: an away period starts now or earlier"))
    record_away(
        ctx.store,
        reason,
        start=start,
        end=end,
        note=" ".join(note.split()) if note else "",
        member_id=member_id,
        now=now,
    )
    begin = now if start is None else start
    if end is None:
        print(
            _("Recorded: {reason} since {local}. 'sfogo back' ends it.").format(
                reason=reason, local=_local(begin)
            )
        )
    else:
        print(
            _("Recorded: {reason} from {local} to {local2} ({span}).").format(
                reason=reason, local=_local(begin), local2=_local(end), span=span(end - begin)
            )
        )
    return 0


@topic.command("back", short_help=N_("end the open away period"))
@_MEMBER
@pass_context
def back(ctx: Context, member: str | None) -> int:
    """End the open away period: from now on, time counts as working time again."""
    from sfogo.backlog.gaps import end_away
    from sfogo.backlog.triage import span

    member_id = ctx.store.team.get(member).id if member else None
    _id, started, ended, reason = end_away(ctx.store, member_id=member_id, now=ctx.clock.now())
    print(
        _(
            "Welcome back: {reason} for {span}, since {local}.\n'sfogo backlog' "
            "shows what piled up."
        ).format(reason=reason, span=span(ended - started), local=_local(started))
    )
    return 0


# -- gaps ------------------------------------------------------------------------------------


def gap_duration(gap, now: int) -> str:
    """'30 hours', '5 days, still open'."""
    from sfogo.backlog.triage import span

    text = span(gap.duration(now))
    return _("{text}, still open").format(text=text) if gap.is_open else text


def _gap_json(gap, now: int) -> dict:
    return {
        "kind": gap.kind,
        "source": gap.source,
        "scope": gap.scope,
        "started_at": gap.started_at,
        "ended_at": gap.ended_at,
        "open": gap.is_open,
        "duration_s": gap.duration(now),
        "account_id": gap.account_id,
        "account": gap.account or None,
        "client_id": gap.client_id,
        "client": gap.client or None,
        "runs": gap.runs,
        "outcomes": dict(gap.kinds),
        "detail": gap.detail,
    }


def _same_outage(gap, first) -> bool:
    return (
        gap.source == first.source == "sync"
        and gap.kind == first.kind
        and abs(gap.started_at - first.started_at) <= SAME_OUTAGE_S
        and (gap.ended_at is None) == (first.ended_at is None)
        and (gap.ended_at is None or abs(gap.ended_at - first.ended_at) <= SAME_OUTAGE_S)
    )


def _grouped(gaps: list) -> list[list]:
    """Gaps of one outage share a line."""
    groups: list[list] = []
    for gap in gaps:
        for group in groups:
            if _same_outage(gap, group[0]):
                group.append(gap)
                break
        else:
            groups.append([gap])
    return groups


def _scope(group: list, accounts: int) -> str:
    gap = group[0]
    if gap.source == "away":
        return "you" + (f": {gap.detail}" if gap.detail else "")
    if len(group) == 1:
        return f"{gap.account} ({gap.client})"
    if len(group) == accounts:
        return _("every account ({count})").format(count=len(group))
    clients = {g.client for g in group}
    if len(clients) == 1:
        return _("{count} accounts of {client}").format(count=len(group), client=gap.client)
    return _("{count} of {accounts} accounts ({count2} clients)").format(
        count=len(group), accounts=accounts, count2=len(clients)
    )


@topic.command(
    "gaps",
    short_help=N_("when sfogo could not see, or you were away"),
    help=N_("Every gap: failed sync runs per account and away periods."),
)
@click.option(
    "--since",
    type=When(past=True),
    metavar="WHEN",
    help=N_("only gaps since then: 7d, monday, ISO 8601"),
)
@click.option("--until", type=When(past=True), metavar="WHEN", help=N_("only gaps until then"))
@click.option("--client", "client_ref", metavar="C", help=N_("only gaps that touched this client"))
@json_flag(N_("print JSON, one object per gap"))
@pass_context
def gaps(
    ctx: Context, since: int | None, until: int | None, client_ref: str | None, as_json: bool
) -> int:
    from sfogo.backlog.gaps import find_gaps

    store = ctx.store
    now = ctx.clock.now()
    client_id = store.clients.get(client_ref).id if client_ref else None
    found = find_gaps(store, since=since, until=until, client_id=client_id, now=now)
    if as_json:
        _output.print_json([_gap_json(g, now) for g in found])
        return 0
    if not found:
        print(
            _("No gaps: sfogo could see every account, and you were never away.")
            if since is None
            else _("No gaps since {local}.").format(local=_local(since))
        )
        return 0
    accounts = len(store.accounts.all(client_id))
    rows = [
        (
            _local(group[0].started_at),
            gap_duration(group[0], now),
            group[0].kind,
            _scope(group, accounts),
        )
        for group in _grouped(found)
    ]
    still = sum(g.is_open for g in found)
    total = (
        f"{len(found)} gap{'s' * (len(found) != 1)}"
        + (_(", {still} still open").format(still=still) if still else "")
        + (_("; --json lists every account's gap") if len(rows) < len(found) else "")
    )
    _output.table(rows, ("STARTED", "LASTED", "KIND", "WHAT"), footer=[total])
    return 0


# -- backlog ---------------------------------------------------------------------------------


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in counts.items())


def _print_backlog(summary: list, gap_list: list, now: int) -> None:
    total = sum(s.count for s in summary)
    still = sum(g.is_open for g in gap_list)
    print(
        ngettext("Backlog: {total:,} item", "Backlog: {total:,} items", total).format(total=total)
        + ngettext(" left by {count} gap", " left by {count} gaps", len(gap_list)).format(
            count=len(gap_list)
        )
        + (_(" ({still} still open)").format(still=still) if still else "")
    )
    print()
    rows = [
        (
            s.client,
            s.tier,
            f"{s.count:,}",
            f"{s.past_target:,}",
            f"{s.unanswerable:,}",
            _output.ago(s.oldest_at, ref=now) if s.oldest_at else "-",
        )
        for s in summary
    ]
    _output.table(
        rows,
        ("CLIENT", "TIER", "ITEMS", "PAST TARGET", "UNANSWERABLE", "OLDEST"),
        flex=0,
        page=False,
    )
    width = _output.width()
    for s in summary:
        if not s.count:
            continue
        print()
        print(
            cut(
                ngettext("{client}: {count:,} item", "{client}: {count:,} items", s.count).format(
                    client=s.client, count=s.count
                ),
                width,
            )
        )
        data = s.as_dict()
        print("  " + cut(_("by kind: {counts}").format(counts=_counts(data["by_kind"])), width - 2))
        print(
            "  "
            + cut(_("by channel: {counts}").format(counts=_counts(data["by_channel"])), width - 2)
        )
        if s.unanswerable:
            print(
                "  "
                + cut(
                    _(
                        "{unanswerable:,} can no longer be answered (the platform's reply "
                        "window closed)"
                    ).format(unanswerable=s.unanswerable),
                    width - 2,
                )
            )


@topic.command("backlog", short_help=N_("what the gaps left behind, per client"))
@click.option("--client", "client_ref", metavar="C", help=N_("only this client"))
@json_flag()
@pass_context
def backlog(ctx: Context, client_ref: str | None, as_json: bool) -> int:
    """Per client, what the gaps left behind: the items that arrived while sfogo could not
    see or you were away, how many are past their target, and which can no longer be
    answered."""
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.measure import summarize

    store = ctx.store
    now = ctx.clock.now()
    settings = settings_for(ctx)
    gap_list = find_gaps(store, now=now)
    summary = summarize(store, settings, now=now, gaps=gap_list)
    if client_ref:
        wanted = store.clients.get(client_ref).id
        summary = [s for s in summary if s.client_id == wanted]
    if as_json:
        _output.print_json([s.as_dict() for s in summary])
        return 0
    if not gap_list:
        print(_("No backlog: no gaps recorded, so nothing piled up unseen."))
        return 0
    _print_backlog(summary, gap_list, now)
    return 0
