"""``account login`` and ``account logout``: an account's secrets, typed at a prompt.

A secret is never an argument or an option (it would stay in the shell's history and in
``ps``): the login prompts for it on the terminal without echo, or reads it from standard
input when that is not a terminal (``pass show mastodon | sfogo account login @me``), one
line per thing asked, in order. What each channel asks for and where it is kept: :mod:`inbox.login`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sfogo.inbox import login
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.model import Account
from sfogo.inbox.text import sanitize

from ._context import Context
from ._group import SfogoCommand, pass_context


def _config_file(ctx: Context) -> Path:
    from sfogo.inbox import config

    return Path(ctx.config_path).expanduser() if ctx.config_path else config.default_path()


class _Answers:
    """Where the login's answers come from: the terminal, without echo, or stdin's lines."""

    def __init__(self) -> None:
        self.tty = sys.stdin.isatty()

    def ask(self, label: str, *, hide: bool, optional: bool = False) -> str:
        if self.tty:
            value = click.prompt(
                label, hide_input=hide, default="" if optional else None, show_default=False
            )
        else:
            value = sys.stdin.readline().rstrip("\r\n")
        value = value.strip()
        if not value and not optional:
            raise SfogoError(_("no {label} given: nothing was stored").format(label=label))
        return value


def _client_id(ctx: Context, account: Account, answers: _Answers, given: str | None) -> None:
    """X and YouTube need the app's client id (not a secret): kept in the account."""
    value = (given or "").strip()
    if not value and not login.needs_client_id(account):
        return
    if not value:
        value = answers.ask(
            _("{channel} OAuth client id").format(channel=account.channel), hide=False
        )
    value = sanitize(value, single_line=True)
    ctx.store.accounts.update(account.id, settings={**account.settings, "client_id": value})
    account.settings["client_id"] = value


@click.command(
    "login", cls=SfogoCommand, short_help=N_("store an account's token or password (prompted)")
)
@click.argument("handle", metavar="HANDLE")
@click.option(
    "--file",
    "to_file",
    is_flag=True,
    help=N_("keep it in the config file (mode 0600) even where a system keyring exists"),
)
@click.option("--client-id", metavar="ID", help=N_("X, YouTube: the app's OAuth client id"))
@pass_context
def account_login(ctx: Context, handle: str, to_file: bool, client_id: str | None) -> int:
    """Store the credentials of the account HANDLE (or channel:handle), typed at a prompt
    that does not echo: in the system keyring (service sfogo) where there is one, else in
    the config file, mode 0600. X and YouTube take a refresh token."""
    account = ctx.store.accounts.get(handle)
    asks = login.asks(account)  # SfogoError for an account without credentials
    answers = _Answers()
    _client_id(ctx, account, answers, client_id)
    values = {a.key: answers.ask(a.label, hide=True, optional=a.optional) for a in asks}
    where = login.store(account, values, config_path=_config_file(ctx), keyring=not to_file)
    name = login.account_key(account)
    print(
        _("{name}: stored in {where}; 'sfogo account test {name}' checks it").format(
            name=name, where=where
        )
    )
    shadow = login.shadowing_env(account, os.environ)
    if shadow:
        print(
            _("note: ${shadow} is set here and is read first").format(shadow=shadow),
            file=sys.stderr,
        )
    if where.startswith("the system keyring"):  # a bare [accounts."HANDLE"] table stays
        for table in login.config_tables(account, _config_file(ctx)):
            print(
                _('note: [accounts."{table}"] in the config file is read first').format(
                    table=table
                ),
                file=sys.stderr,
            )
    return 0


@click.command("logout", cls=SfogoCommand, short_help=N_("forget an account's stored credentials"))
@click.argument("handle", metavar="HANDLE")
@pass_context
def account_logout(ctx: Context, handle: str) -> int:
    """Remove the account's secrets from the system keyring and the config file, and its
    login session or OAuth grant."""
    account = ctx.store.accounts.get(handle)
    removed = login.remove(account, config_path=_config_file(ctx))
    name = login.account_key(account)
    print(
        _("{name}: removed from {names}").format(name=name, names=" and ".join(removed))
        if removed
        else _("{name}: none stored").format(name=name)
    )
    return 0
