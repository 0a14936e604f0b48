"""Clients and their accounts: list, add, rename, edit and remove them; test an account,
log in and out (:mod:`.login_cmds`).

Secrets never go into the data file: an account names the environment variable that holds
its token or password, and addresses that carry a user, a password or a query are refused.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.model import CHANNELS, TIERS
from sfogo.inbox.text import sanitize

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._table import on_terminal
from ._types import Duration, OneOf
from .login_cmds import account_login, account_logout

CLIENT_WIDTH = 12
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
# URL schemes each kind of server address may use.
_WEB_SCHEMES = ("http", "https")
_IMAP_SCHEMES = ("imap", "imaps")
_SMTP_SCHEMES = ("smtp", "smtps")

topic = Topic("clients")


# -- clients ---------------------------------------------------------------------------------


@topic.command("clients", short_help=N_("the clients, their tier and reply target"))
@json_flag()
@pass_context
def clients(ctx: Context, as_json: bool) -> int:
    """List the clients with their tier, their reply target (their own or the tier's)
    and how many accounts each has."""
    store = ctx.store
    accounts: dict[int, int] = {}
    for account in store.accounts.all():
        accounts[account.client_id] = accounts.get(account.client_id, 0) + 1
    records: list[dict[str, Any]] = [  # what --json prints
        {
            "id": c.id,
            "name": c.name,
            "tier": c.tier,
            "target_s": c.effective_target_s,
            "target_is_default": c.target_s is None,
            "accounts": accounts.get(c.id, 0),
        }
        for c in store.clients.all()
    ]
    if as_json:
        _output.print_json(records)
        return 0
    if not records:
        print(_("No clients yet: sfogo client add NAME --tier vip|high|normal|low"))
        return 0
    _output.table(
        [
            (
                str(r["id"]),
                r["name"],
                r["tier"],
                _output.duration(r["target_s"]) + (" (tier)" if r["target_is_default"] else ""),
                str(r["accounts"]),
            )
            for r in records
        ],
        ("ID", "CLIENT", "TIER", "REPLY WITHIN", "ACCOUNTS"),
        flex=1,
    )
    return 0


@topic.group("client", short_help=N_("add, rename, edit or remove a client"))
def client() -> None:
    """Add a client, rename it, change its tier or reply target, or remove one added by
    mistake."""


@client.command("add", short_help=N_("add a client"))
@click.argument("name", metavar="NAME")
@click.option(
    "--tier",
    type=OneOf(TIERS, "tier"),
    default="normal",
    metavar="TIER",
    help=_("{names} (default normal)").format(names=", ".join(TIERS)),
)
@click.option(
    "--target",
    type=Duration(),
    metavar="DURATION",
    help=N_("reply within this long (default: the tier's, e.g. vip 2h)"),
)
@pass_context
def client_add(ctx: Context, name: str, tier: str, target: int | None) -> int:
    """Add a client, with a tier (vip, high, normal, low) that sets how urgent its items
    are and how soon they should be answered."""
    added = ctx.store.clients.add(
        sanitize(name, single_line=True), tier, target, now=ctx.clock.now()
    )
    print(
        _("added client {name!r} ({tier}, replies within {duration}), id {id}").format(
            name=added.name,
            tier=added.tier,
            duration=_output.duration(added.effective_target_s),
            id=added.id,
        )
    )
    return 0


@client.command("rename", short_help=N_("give a client a new name"))
@click.argument("client_ref", metavar="CLIENT")
@click.argument("name", metavar="NEW_NAME")
@pass_context
def client_rename(ctx: Context, client_ref: str, name: str) -> int:
    """Give a client a new name; its accounts and items follow it. CLIENT is the client's
    name or id."""
    old = ctx.store.clients.get(client_ref)
    renamed = ctx.store.clients.edit(old.id, name=sanitize(name, single_line=True))
    print(_("renamed client {name!r} to {name2!r}").format(name=old.name, name2=renamed.name))
    return 0


@client.command("edit", short_help=N_("change a client's tier or reply target"))
@click.argument("client_ref", metavar="CLIENT")
@click.option("--tier", type=OneOf(TIERS, "tier"), metavar="TIER", help=", ".join(TIERS))
@click.option("--target", type=Duration(), metavar="DURATION", help=N_("reply within this long"))
@click.option(
    "--tier-target", is_flag=True, help=N_("drop the client's own target: the tier's applies")
)
@pass_context
def client_edit(
    ctx: Context, client_ref: str, tier: str | None, target: int | None, tier_target: bool
) -> int:
    """Change a client's tier (how urgent its items are) or its own reply target."""
    if tier is None and target is None and not tier_target:
        raise SfogoError(_("nothing to change: give --tier, --target or --tier-target"))
    edited = ctx.store.clients.edit(client_ref, tier=tier, target_s=target, tier_target=tier_target)
    own = "" if edited.target_s is None else _(", its own target")
    print(
        _("client {name!r}: {tier}, replies within {duration}{own}").format(
            name=edited.name,
            tier=edited.tier,
            duration=_output.duration(edited.effective_target_s),
            own=own,
        )
    )
    return 0


def yes_flag():
    return click.option("--yes", "-y", is_flag=True, help=N_("do not ask first (for scripts)"))


def confirmed(question: str, yes: bool) -> bool:
    """Whether to go ahead: ``--yes``, or the person at the terminal says so. Without a
    terminal to ask on, ``--yes`` is required: a script never removes by accident."""
    if yes:
        return True
    if not (on_terminal(sys.stdin) and on_terminal()):
        raise SfogoError(_("removing asks first: add --yes to remove without asking"))
    return click.confirm(question, default=False)


@client.command("remove", short_help=N_("remove a client that has no accounts"))
@click.argument("client_ref", metavar="CLIENT")
@yes_flag()
@pass_context
def client_remove(ctx: Context, client_ref: str, yes: bool) -> int:
    """Remove a client added by mistake. A client with accounts is refused: remove its
    accounts first; one whose removed accounts left items is kept for them."""
    found = ctx.store.clients.get(client_ref)
    if not confirmed(_("Remove the client {name!r}?").format(name=found.name), yes):
        print(_("nothing removed"))
        return 1
    removed = ctx.store.clients.remove(found.id)
    print(_("removed client {name!r}").format(name=removed.name))
    return 0


# -- accounts --------------------------------------------------------------------------------


def _public_settings(settings: dict) -> dict:
    """Account settings minus anything that looks like a secret (they should hold none)."""
    from sfogo.inbox.config import SECRET_KEYS

    return {k: v for k, v in settings.items() if k not in SECRET_KEYS}


@topic.command("accounts", short_help=N_("the accounts and their last sync"))
@click.option("--all", "everything", is_flag=True, help=N_("removed accounts too"))
@json_flag()
@pass_context
def accounts(ctx: Context, everything: bool, as_json: bool) -> int:
    """List the accounts with their client, channel, handle and the outcome of their last
    sync."""
    store = ctx.store
    names = {c.id: c.name for c in store.clients.all()}
    runs = store.runs.last_per_account()
    records: list[dict[str, Any]] = []  # what --json prints
    for a in store.accounts.all(removed=everything):
        run = runs.get(a.id)
        records.append(
            {
                "id": a.id,
                "client": names.get(a.client_id, ""),
                "client_id": a.client_id,
                "channel": a.channel,
                "handle": a.handle,
                "display_name": a.display_name,
                "settings": _public_settings(a.settings),
                "last_sync": None
                if run is None
                else {k: run[k] for k in ("outcome", "started_at", "ended_at", "detail")},
                "removed_at": a.removed_at,
            }
        )
    if as_json:
        _output.print_json(records)
        return 0
    if not records:
        print(_("No accounts yet: sfogo account add CLIENT CHANNEL HANDLE"))
        return 0
    ref = ctx.clock.now()

    def last_sync(run: dict | None, removed_at: int | None) -> str:
        if removed_at is not None:
            return f"removed {_output.ago(removed_at, ref=ref)}"
        if run is None:
            return _("never synced")
        return f"{run['outcome']} {_output.ago(run['started_at'], ref=ref)}"

    _output.table(
        [
            (
                str(r["id"]),
                r["client"],
                r["channel"],
                r["handle"],
                last_sync(r["last_sync"], r["removed_at"]),
            )
            for r in records
        ],
        ("ID", "CLIENT", "CHANNEL", "HANDLE", "LAST SYNC"),
        flex=3,
        caps={1: CLIENT_WIDTH},
    )
    return 0


def _check_url(url: str, option: str = "--url", schemes=_WEB_SCHEMES) -> str:
    from urllib.parse import urlsplit

    # The address is never echoed back: a pasted URL may carry a password.
    parts = urlsplit(url)
    if "@" in parts.netloc or parts.username or parts.password:
        raise SfogoError(
            _(
                "{option} must not hold a user or password: use --user, and --token-"
                "env/--password-env for the name of the variable that holds the secret"
            ).format(option=option)
        )
    if parts.query or parts.fragment:  # a base address never needs one; a token might hide there
        raise SfogoError(
            _("{option} takes a bare address, without ?query or #fragment").format(option=option)
        )
    if parts.scheme not in schemes or not parts.hostname:
        example = {"--smtp-url": "smtps://mail.example.com"}.get(
            option,
            "imaps://mail.example.com" if schemes == _IMAP_SCHEMES else "https://mastodon.social",
        )
        raise SfogoError(
            _("bad {option}: give the server's address, like {example}").format(
                option=option, example=example
            )
        )
    return url.rstrip("/")


def _env_name(value: str, option: str) -> str:
    if not _ENV_NAME.match(value):
        # Only the NAME of a variable is stored, never a secret: a value with lower-case
        # letters, dots or dashes is far more likely a pasted secret than a variable name.
        raise SfogoError(
            _(
                "{option} takes the NAME of an environment variable that holds the "
                "secret (like SFOGO_MASTODON_TOKEN), not the secret itself"
            ).format(option=option)
        )
    return value


def _setting_value(text: str):
    """``--set`` values: true/false become booleans; ids stay text (they can be huge)."""
    low = text.strip().lower()
    return low == "true" if low in ("true", "false") else text.strip()


def _line(text: str) -> str:
    return sanitize(text, single_line=True).strip()


def account_settings(channel: str, opts: dict) -> dict:
    """The settings ``account add`` stores, from its options; never a secret."""
    settings: dict = {}
    if opts["url"]:
        schemes = _IMAP_SCHEMES if channel == "email" else _WEB_SCHEMES
        settings["url"] = _check_url(opts["url"].strip(), "--url", schemes)
    if opts["smtp_url"]:
        settings["smtp_url"] = _check_url(opts["smtp_url"].strip(), "--smtp-url", _SMTP_SCHEMES)
    if opts["user"]:
        settings["user"] = _line(opts["user"])
    for key in ("token_env", "password_env"):
        if opts[key]:
            settings[key] = _env_name(opts[key], "--" + key.replace("_", "-"))
    if opts["sender"]:
        settings["from"] = _line(opts["sender"])
    if opts["mailboxes"]:
        settings["mailboxes"] = [sanitize(m, single_line=True) for m in opts["mailboxes"]]
    for pair in opts["pairs"]:
        key, sep, value = pair.partition("=")
        key = _line(key)
        if not sep or not key:
            raise SfogoError(
                _("bad --set {pair!r}: use KEY=VALUE, like page_id=1234").format(pair=pair)
            )
        settings[_set_key(channel, key)] = _setting_value(sanitize(value, single_line=True))
    return settings


def _set_key(channel: str, key: str) -> str:
    """A ``--set`` name the channel declares (inbox/channels SETTINGS), never a secret's."""
    from sfogo.inbox.channels import OPTION_SETTINGS, SETTINGS
    from sfogo.inbox.config import SECRET_KEYS, is_secret_name

    if key in SECRET_KEYS or is_secret_name(key):
        raise SfogoError(
            _(
                "--set {key}=…: secrets never go into the data file; put the NAME of a "
                "variable in --token-env or --password-env"
            ).format(key=key)
        )
    if key in OPTION_SETTINGS:
        option = {"from": "from", "mailboxes": "mailbox"}.get(key, key.replace("_", "-"))
        raise SfogoError(_("--set {key}=…: use --{option} for it").format(key=key, option=option))
    known = SETTINGS.get(channel, {})
    if key not in known:
        allowed = ", ".join(known) if known else "none"
        raise SfogoError(
            _("--set {key}=…: {channel} has no setting {key!r} (its settings: {allowed})").format(
                key=key, channel=channel, allowed=allowed
            )
        )
    return key


def account_options(command):
    """The options that describe an account (``account add`` and ``account edit``)."""
    options = (
        click.option("--name", help=N_("display name")),
        click.option(
            "--url", metavar="BASE_URL", help=N_("the server's address (Mastodon, WordPress …)")
        ),
        click.option("--user", help=N_("the login user, where the platform has one")),
        click.option(
            "--token-env",
            metavar="VAR",
            help=N_("the NAME of the environment variable that holds the token"),
        ),
        click.option(
            "--password-env",
            metavar="VAR",
            help=N_("the NAME of the environment variable that holds the password"),
        ),
        click.option(
            "--smtp-url", metavar="URL", help=N_("e-mail: the SMTP server (smtps://host)")
        ),
        click.option("--from", "sender", metavar="ADDRESS", help=N_("e-mail: the From address")),
        click.option(
            "--mailbox",
            "mailboxes",
            multiple=True,
            metavar="NAME",
            help=N_("e-mail: a mailbox to read (repeat it; default INBOX)"),
        ),
        click.option(
            "--set",
            "pairs",
            multiple=True,
            metavar="KEY=VALUE",
            help=N_(
                "a channel setting, e.g. page_id=…, ig_user_id=…, user_id=…, "
                "channel_id=… (see the README); never a secret"
            ),
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


@topic.group("account", short_help=N_("add, log in, test, rename, edit or remove an account"))
def account() -> None:
    """Add an account to a client; store, test or forget its credentials; give it a new
    handle, change its settings or client, or remove it (its items stay)."""


account.add_command(account_login)
account.add_command(account_logout)


@account.command(
    "add",
    short_help=N_("add an account to a client"),
    help=_("Add an account to a client. CHANNEL: {names}.").format(names=", ".join(CHANNELS)),
)
@click.argument("client_ref", metavar="CLIENT")
@click.argument("channel", metavar="CHANNEL", type=OneOf(CHANNELS, "channel"))
@click.argument("handle", metavar="HANDLE")
@account_options
@pass_context
def account_add(
    ctx: Context, client_ref: str, channel: str, handle: str, name: str | None, **opts
) -> int:
    settings = account_settings(channel, opts)
    store = ctx.store
    added = store.accounts.add(
        client_ref,
        channel,
        sanitize(handle, single_line=True),
        _line(name or ""),
        settings,
        now=ctx.clock.now(),
    )
    owner = store.clients.get(added.client_id)
    print(
        _("added {channel} account {handle!r} for {name!r}, id {id}").format(
            channel=added.channel, handle=added.handle, name=owner.name, id=added.id
        )
    )
    if opts["token_env"] and not os.environ.get(opts["token_env"]):
        print(
            _("note: ${token_env} is not set here; sync will need it").format(
                token_env=opts["token_env"]
            ),
            file=sys.stderr,
        )
    return 0


@account.command("test", short_help=N_("check an account's credentials"))
@click.argument("handle", metavar="HANDLE")
@pass_context
def account_test(ctx: Context, handle: str) -> int:
    """Ask the platform whether the account's credentials work. HANDLE is the account's
    handle, or channel:handle."""
    from .sync_cmds import check_account

    print(check_account(ctx, handle))
    return 0


@account.command("rename", short_help=N_("give an account its new handle"))
@click.argument("account_ref", metavar="ACCOUNT")
@click.argument("handle", metavar="NEW_HANDLE")
@pass_context
def account_rename(ctx: Context, account_ref: str, handle: str) -> int:
    """Give an account its new handle, after it changed on the platform; its items and
    cursor stay. ACCOUNT is the account's id, handle, or channel:handle."""
    store = ctx.store
    old = store.accounts.get(account_ref)
    renamed = store.accounts.rename(old.id, sanitize(handle, single_line=True))
    print(
        _("renamed {channel} account {handle!r} to {handle2!r}").format(
            channel=old.channel, handle=old.handle, handle2=renamed.handle
        )
    )
    return 0


@account.command("edit", short_help=N_("change an account's settings, name or client"))
@click.argument("account_ref", metavar="ACCOUNT")
@click.option("--client", "client_ref", metavar="CLIENT", help=N_("give it to another client"))
@account_options
@click.option(
    "--unset", "unset", multiple=True, metavar="KEY", help=N_("drop a setting (repeat it)")
)
@pass_context
def account_edit(
    ctx: Context,
    account_ref: str,
    client_ref: str | None,
    name: str | None,
    unset: tuple[str, ...],
    **opts,
) -> int:
    """Change an account's settings (the same options as 'account add'), its display name
    or its client. Settings not named stay as they are; --unset drops one."""
    store = ctx.store
    found = store.accounts.get(account_ref)
    changes = account_settings(found.channel, opts)
    unknown = [key for key in unset if key not in found.settings]
    if unknown:
        raise SfogoError(_("--unset {v0}: the account has no setting {v0!r}").format(v0=unknown[0]))
    if not (changes or unset or name is not None or client_ref):
        raise SfogoError(_("nothing to change: give the options to change (see --help)"))
    settings = {k: v for k, v in {**found.settings, **changes}.items() if k not in unset}
    display = None if name is None else _line(name)
    store.accounts.update(found.id, settings=settings, display_name=display)
    if client_ref:
        store.accounts.move(found.id, client_ref)
    owner = store.clients.get(store.accounts.get(found.id).client_id)
    print(
        _("edited {channel} account {handle!r} of {name!r}").format(
            channel=found.channel, handle=found.handle, name=owner.name
        )
    )
    token_env = opts.get("token_env")
    if token_env and not os.environ.get(token_env):
        print(
            _("note: ${token_env} is not set here; sync will need it").format(token_env=token_env),
            file=sys.stderr,
        )
    return 0


@account.command("remove", short_help=N_("remove an account; its items stay"))
@click.argument("account_ref", metavar="ACCOUNT")
@yes_flag()
@pass_context
def account_remove(ctx: Context, account_ref: str, yes: bool) -> int:
    """Remove an account: it is no longer synced or listed, and its replies and posts not
    sent yet stay unsent. Its items stay readable, marked as from a removed account.
    Adding the same channel and handle again brings it back. Asks first."""
    store = ctx.store
    found = store.accounts.get(account_ref)
    owner = store.clients.get(found.client_id)
    items = store.accounts.item_count(found.id)
    question = _(
        "Remove the {channel} account {handle!r} of {name!r}? Its {items:,} "
        "items stay, marked as from a removed account."
    ).format(channel=found.channel, handle=found.handle, name=owner.name, items=items)
    if not confirmed(question, yes):
        print(_("nothing removed"))
        return 1
    store.accounts.remove(found.id, now=ctx.clock.now())
    print(
        _("removed {channel} account {handle!r}; its {items:,} items stay").format(
            channel=found.channel, handle=found.handle, items=items
        )
    )
    return 0
