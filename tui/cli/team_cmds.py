"""A team on one inbox: team (list, add, edit, remove), assign, unassign.

Who you are comes from the config's ``user = "NAME"``, else (PostgreSQL) the member whose
login role you connected as (inbox/team.py); ``me`` names that member where a command takes
a member's name.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.rows import ItemRow, MemberRow
from sfogo.inbox.store import Store

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._types import ItemIds, unique_ids
from .clients_cmds import confirmed, yes_flag

topic = Topic("team")

NOBODY = ("nobody", "none")  # sfogo assign ID... nobody: take the items off whoever has them


def _me(ctx: Context) -> MemberRow | None:
    from sfogo.inbox.team import identity
    from sfogo.tui.app_config import load_config

    return identity(ctx.store, load_config(ctx.config_path))


def member_named(ctx: Context, name: str) -> MemberRow:
    """The member ``name`` names; ``me`` is the person running the command."""
    if name.strip().lower() == "me":
        me = _me(ctx)
        if me is None:
            raise SfogoError(
                _(
                    'sfogo does not know who you are: set user = "NAME" in the config '
                    "(or log in to PostgreSQL with your own role)"
                )
            )
        return me
    return ctx.store.team.get(name.strip())


def with_owners(store: Store, rows: Iterable[ItemRow], chunk: int = 500) -> Iterator[ItemRow]:
    """``rows`` with each one's ``owner`` ('' : nobody) on a team's inbox, looked up a chunk
    at a time (a listing streams); with no team, ``rows`` as they are."""
    if not store.team.count():
        yield from rows
        return
    stream = iter(rows)
    while batch := list(itertools.islice(stream, chunk)):
        owners = store.team.assignees([r["id"] for r in batch])
        for row in batch:
            held = owners.get(row["id"])
            row["owner"] = "" if held is None else held.name
            yield row


def team_facts(store: Store, row: ItemRow, *, now: int) -> list[tuple[str, str]]:
    """What ``sfogo show`` says of the item on a team's inbox: its owner, who is replying."""
    item_id = row["id"]
    held = store.team.assignees([item_id]).get(item_id)
    facts = [(_("Owner"), held.name)] if held is not None else []
    claim = store.team.replying([item_id], now=now).get(item_id)
    if claim is not None:
        since = _output.ago(claim.since, ref=now)
        facts.append(
            (_("Replying"), _("{name}, since {since}").format(name=claim.name, since=since))
        )
    return facts


def _hours_checked(days: str, hours: str, timezone: str) -> tuple[str, str, str]:
    """The working-time options, checked as [work] checks its settings."""
    from sfogo.backlog.team_hours import member_hours

    clean = tuple(" ".join((v or "").split()) for v in (days, hours, timezone))
    try:
        member_hours(MemberRow(0, "", "", *clean), {})
    except SfogoError as exc:
        raise SfogoError(str(exc).replace("config: [work] ", "")) from None
    return clean  # type: ignore[return-value]  # three strings


def _hours_options(f):
    f = click.option(
        "--timezone", metavar="ZONE", help=N_("their IANA time zone (default: [work]'s)")
    )(f)
    f = click.option(
        "--days", metavar="DAYS", help=N_("their working days: mon,tue,wed (default: [work]'s)")
    )(f)
    return click.option(
        "--hours",
        metavar="RANGES",
        help=N_("their working hours: 09:00-13:00,14:00-18:00 (default: [work]'s)"),
    )(f)


@topic.group("team", invoke_without_command=True, short_help=N_("the people sharing the inbox"))
@json_flag()
@pass_context
def team(ctx: Context, as_json: bool) -> int | None:
    """The team sharing this inbox: each member's login role, working time, open items
    and whether they are away now (the same as 'sfogo team list')."""
    if click.get_current_context().invoked_subcommand is not None:
        return None
    return _list_team(ctx, as_json)


@team.command("list", short_help=N_("the members, their hours and open items"))
@json_flag()
@pass_context
def team_list(ctx: Context, as_json: bool) -> int:
    """List the team: each member's login role, working time, open items and whether they
    are away now; '(you)' marks who this config or login role says you are."""
    return _list_team(ctx, as_json)


def _list_team(ctx: Context, as_json: bool) -> int:
    from sfogo.backlog.team_hours import member_hours
    from sfogo.tui.app_config import load_config

    store = ctx.store
    work = load_config(ctx.config_path).get("work")
    counts = store.team.open_counts()
    try:
        me, problem = _me(ctx), ""
    except SfogoError as exc:  # a config naming nobody on the team: list it all the same
        me, problem = None, str(exc)
    records: list[dict[str, Any]] = []
    for m in store.team.members():
        away = store.away.current(m.id)
        records.append(
            {
                "name": m.name,
                "login_role": m.login_role,
                "hours": member_hours(m, work).describe(),
                "open_items": counts.get(m.id, 0),
                "away": away.reason.value if away else "",
                "you": me is not None and me.id == m.id,
            }
        )
    if as_json:
        _output.print_json(records)
    elif not records:
        print(_("No team yet: sfogo team add NAME [--role ROLE] adds a member."))
    else:
        _output.table(
            [
                (
                    r["name"] + (_(" (you)") if r["you"] else ""),
                    r["login_role"] or "-",
                    str(r["open_items"]),
                    r["away"] or "-",
                    r["hours"],
                )
                for r in records
            ],
            (_("NAME"), _("ROLE"), _("OPEN"), _("AWAY"), _("HOURS")),
            flex=4,
        )
    if problem:
        click.echo(f"sfogo: {problem}", err=True)
    return 0


@team.command("add", short_help=N_("add a member"))
@click.argument("name", metavar="NAME")
@click.option("--role", default="", metavar="ROLE", help=N_("their PostgreSQL login role"))
@_hours_options
@pass_context
def team_add(
    ctx: Context, name: str, role: str, hours: str | None, days: str | None, timezone: str | None
) -> int:
    """Add NAME to the team. With --role, an app that logs in to PostgreSQL as ROLE knows
    it is NAME's; otherwise NAME's config says user = "NAME"."""
    from sfogo.inbox.team import check_name

    clean = check_name(name)
    d, h, z = _hours_checked(days or "", hours or "", timezone or "")
    ctx.store.team.add(
        clean, login_role=role.strip(), days=d, hours=h, timezone=z, now=ctx.clock.now()
    )
    print(
        _("added {name} to the team: sfogo assign ID... {name} gives them items").format(name=clean)
    )
    return 0


@team.command("edit", short_help=N_("change a member's name, role or hours"))
@click.argument("name", metavar="NAME")
@click.option("--name", "new_name", metavar="NEW", help=N_("their new name"))
@click.option("--role", metavar="ROLE", help=N_("their PostgreSQL login role ('' for none)"))
@_hours_options
@pass_context
def team_edit(
    ctx: Context,
    name: str,
    new_name: str | None,
    role: str | None,
    hours: str | None,
    days: str | None,
    timezone: str | None,
) -> int:
    """Change what the team knows of NAME; what is not given stays."""
    from sfogo.inbox.team import check_name

    member = member_named(ctx, name)
    changes: dict[str, str] = {}
    if new_name is not None:
        changes["name"] = check_name(new_name)
    if role is not None:
        changes["login_role"] = role.strip()
    if hours is not None or days is not None or timezone is not None:
        d, h, z = _hours_checked(
            member.days if days is None else days,
            member.hours if hours is None else hours,
            member.timezone if timezone is None else timezone,
        )
        changes.update(days=d, hours=h, timezone=z)
    if not changes:
        raise SfogoError(_("nothing to change: give --name, --role, --hours, --days or --timezone"))
    edited = ctx.store.team.edit(member, **changes)
    print(_("changed team member {name}").format(name=edited.name))
    return 0


@team.command("remove", short_help=N_("take a member off the team"))
@click.argument("name", metavar="NAME")
@yes_flag()
@pass_context
def team_remove(ctx: Context, name: str, yes: bool) -> int:
    """Take NAME off the team: their items become unassigned, their away periods go."""
    member = member_named(ctx, name)
    owned = ctx.store.team.open_counts().get(member.id, 0)
    question = _("Remove {name} from the team ({n} open items become unassigned)?").format(
        name=member.name, n=owned
    )
    if not confirmed(question, yes):
        print(_("nothing removed"))
        return 1
    ctx.store.team.remove(member)
    print(_("removed {name} from the team").format(name=member.name))
    return 0


# -- assign ----------------------------------------------------------------------------------


@topic.command("assign", short_help=N_("give items to a team member"))
@click.argument("id_groups", metavar="ID...", nargs=-1, required=True, type=ItemIds())
@click.argument("name", metavar="NAME")
@pass_context
def assign(ctx: Context, id_groups, name: str) -> int:
    """Give the items to team member NAME (me: yourself; nobody: take them off whoever has
    them). IDs may be separated by spaces or commas."""
    ids = unique_ids(id_groups)
    for item_id in ids:
        ctx.store.items.get(item_id)  # a one-line error for an id that does not exist
    if name.strip().lower() in NOBODY:
        ctx.store.team.assign(ids, None, now=ctx.clock.now())
        print(
            ngettext("unassigned %(n)d item", "unassigned %(n)d items", len(ids)) % {"n": len(ids)}
        )
        return 0
    member = member_named(ctx, name)
    ctx.store.team.assign(ids, member.id, now=ctx.clock.now())
    print(
        ngettext("assigned %(n)d item to %(name)s", "assigned %(n)d items to %(name)s", len(ids))
        % {"n": len(ids), "name": member.name}
    )
    return 0


@topic.command("unassign", short_help=N_("take items off whoever has them"))
@click.argument("id_groups", metavar="ID...", nargs=-1, required=True, type=ItemIds())
@pass_context
def unassign(ctx: Context, id_groups) -> int:
    """Take the items off whoever has them: nobody owns them any more."""
    return _unassign(ctx, unique_ids(id_groups))


def _unassign(ctx: Context, ids: list[int]) -> int:
    ctx.store.team.assign(ids, None, now=ctx.clock.now())
    print(ngettext("unassigned %(n)d item", "unassigned %(n)d items", len(ids)) % {"n": len(ids)})
    return 0
