"""Who may see which client of a shared PostgreSQL inbox: access role add, grant, revoke,
list.

The server enforces it (row-level security, :mod:`sfogo.inbox.store.pg.access`): a role
sees the clients it was granted, through sfogo and through ``psql`` alike. A password is
read from a prompt or an environment variable, never echoed, and never stored by sfogo:
the server keeps its verifier. On a SQLite inbox every command says, in one line, that
access control needs a PostgreSQL inbox.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _, ngettext

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context

PASSWORD_ENV = "SFOGO_ROLE_PASSWORD"

topic = Topic("access")


def _access(ctx: Context):
    from sfogo.inbox.store.pg.access import access_of

    return access_of(ctx.store)


@topic.group("access", short_help=_("who may see which client (PostgreSQL)"))
def access() -> None:
    """Who may see which client of a shared PostgreSQL inbox. The database enforces it: a
    role granted some clients sees only theirs, in sfogo and in psql. The inbox's owner (and
    every role granted --all) sees every client and runs the sync loop."""


@access.group("role", short_help=_("login roles for the team"))
def role() -> None:
    """The PostgreSQL login roles of the team (one per person)."""


@role.command("add", short_help=_("create a login role for a member"))
@click.argument("name")
@click.option(
    "--password-env",
    metavar="VAR",
    default=PASSWORD_ENV,
    show_default=True,
    help=_("the environment variable that holds the password (else it is asked for)"),
)
@pass_context
def role_add(ctx: Context, name: str, password_env: str) -> int:
    """Create NAME, a PostgreSQL login role in the members' group, which sees no client
    until 'sfogo access grant NAME CLIENT…'. Needs a role that may create roles
    (CREATEROLE): the inbox's owner, as the README's "For a team" sets it up."""
    from sfogo.inbox.store.pg.access import check_role_name

    access = _access(ctx)
    check_role_name(name)
    password = os.environ.get(password_env, "")
    if not password:
        if not sys.stdin.isatty():
            raise SfogoError(
                _("no password for %(role)s: set %(var)s, or run this on a terminal")
                % {"role": name, "var": password_env}
            )
        password = click.prompt(
            _("Password for %(role)s") % {"role": name},
            hide_input=True,
            confirmation_prompt=True,
            err=True,
        )
    access.add_role(name, password)
    print(
        _("Created role %(role)s: it sees no client yet ('sfogo access grant %(role)s CLIENT…').")
        % {"role": name}
    )
    return 0


@access.command("grant", short_help=_("let a role see some clients (or --all)"))
@click.argument("name")
@click.argument("clients", nargs=-1)
@click.option("--all", "every", is_flag=True, help=_("every client, now and later (a lead)"))
@pass_context
def grant(ctx: Context, name: str, clients: tuple[str, ...], every: bool) -> int:
    """Let the role NAME see CLIENTS (names or ids): their items, threads, gaps, outbox,
    posts, drafts and reports. --all makes it a member of the inbox owner's role: every
    client, now and later, and the owner's powers (a lead who runs the sync loop)."""
    access = _access(ctx)
    if every == bool(clients):
        raise SfogoError(_("name the clients to grant, or --all (not both)"))
    if every:
        access.grant_every_client(name)
        print(_("%(role)s sees every client.") % {"role": name})
        return 0
    access.check_owner(_("grant access"))
    ids = access.client_ids(list(clients))
    added = access.grant(name, ids, now=ctx.clock.now())
    print(
        ngettext("%(role)s sees %(n)d more client.", "%(role)s sees %(n)d more clients.", added)
        % {"role": name, "n": added}
    )
    return 0


@access.command("revoke", short_help=_("take clients from a role (or --all)"))
@click.argument("name")
@click.argument("clients", nargs=-1)
@click.option("--all", "every", is_flag=True, help=_("every client, and --all's membership"))
@pass_context
def revoke(ctx: Context, name: str, clients: tuple[str, ...], every: bool) -> int:
    """Take CLIENTS (names or ids) from the role NAME; --all takes every client it was
    granted, and the membership 'grant --all' gave. The role itself stays (drop it on the
    server when the person leaves: DROP ROLE NAME)."""
    access = _access(ctx)
    if every == bool(clients):
        raise SfogoError(_("name the clients to revoke, or --all (not both)"))
    access.check_owner(_("revoke access"))
    taken = access.revoke(name, None if every else access.client_ids(list(clients)))
    print(
        ngettext("%(role)s lost %(n)d client.", "%(role)s lost %(n)d clients.", taken)
        % {"role": name, "n": taken}
    )
    return 0


@access.command("list", short_help=_("the roles and the clients each sees"))
@json_flag()
@pass_context
def list_(ctx: Context, as_json: bool) -> int:
    """The team's roles and the clients each sees. A role that sees only some clients lists
    only itself."""
    access = _access(ctx)
    rows = access.roles()
    records: list[dict[str, Any]] = [dict(r) for r in rows]  # what --json prints
    if as_json:
        _output.print_json(records)
        return 0
    if not rows:
        print(_("No member roles yet: sfogo access role add NAME"))
        return 0
    _output.table(
        [
            (
                r["role"] + ("" if r["exists"] else " " + _("(no such role)")),
                _("yes") if r["login"] else _("no"),
                _("every client") if r["every_client"] else ", ".join(r["clients"]) or "-",
            )
            for r in rows
        ],
        (_("ROLE"), _("LOGIN"), _("SEES")),
        flex=2,
    )
    return 0
