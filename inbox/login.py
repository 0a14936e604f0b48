"""``sfogo account login`` and ``logout``: what each channel's login asks for, and where it
is kept.

=====================  ===========================================  ============================
channel                asks for                                     kept as
=====================  ===========================================  ============================
mastodon               an access token (the app's, or Preferences   ``token``
                       › Development)
bluesky                an app password                              ``password``
email                  the password (or the provider's app          ``password``
                       password)
wordpress              an application password                      ``password``
facebook, instagram    a long-lived Page access token               ``token``
x                      the client secret (empty for a public        ``client_secret``,
                       client) and a refresh token (OAuth 2.0 with  ``refresh_token``
                       ``offline.access``)
youtube                the OAuth client secret and a refresh        ``client_secret``,
                       token; with ``auth=key``, an API key         ``refresh_token``; ``token``
=====================  ===========================================  ============================

X and YouTube also need the app's client id, which is not a secret: the login asks for it
when the account has none and keeps it in the account's settings (``client_id``).

Where: the system keyring where there is one (:mod:`inbox.system_keyring`: service
``sfogo``, user ``CHANNEL:HANDLE``; one secret as text, several as a JSON object), else the
config file's ``[accounts."CHANNEL:HANDLE"]`` table (mode 0600). A login leaves one copy:
it removes the account's table from the config file when it stores in the keyring (the file
would win over the keyring), and the keyring entry when it stores in the file. A new login
also forgets the old one's session or OAuth grant (``sessions.json``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sfogo.inbox.i18n import _

from . import redact
from . import system_keyring as keyring_mod
from .errors import SfogoError
from .model import Account


@dataclass(frozen=True, slots=True)
class Ask:
    """One thing a login asks for: where it is kept, and the prompt's words."""

    key: str  # token, password, refresh_token, client_secret
    label: str
    optional: bool = False  # an empty answer is allowed (a public client has no secret)


_TOKEN = {
    "mastodon": Ask("token", "Mastodon access token"),
    "bluesky": Ask("password", "Bluesky app password"),
    "email": Ask("password", "e-mail password (or app password)"),
    "wordpress": Ask("password", "WordPress application password"),
    "facebook": Ask("token", "long-lived Page access token"),
    "instagram": Ask("token", "long-lived Page access token (with Instagram permissions)"),
}
_OAUTH = {
    "x": (
        Ask("client_secret", "X client secret (empty for a public client)", optional=True),
        Ask("refresh_token", "X refresh token (OAuth 2.0, offline.access)"),
    ),
    "youtube": (
        Ask("client_secret", "Google OAuth client secret"),
        Ask("refresh_token", "Google refresh token"),
    ),
}


def account_key(account: Account) -> str:
    return f"{account.channel}:{account.handle}"


def login_command(account: Account) -> str:
    """The command that stores this account's credentials, ready to paste."""
    return _("sfogo account login {quote}").format(quote=shlex.quote(account_key(account)))


def uses_oauth(account: Account) -> bool:
    """True for accounts whose login is a refresh token (X; YouTube unless ``auth=key``)."""
    if account.channel == "youtube":
        return account.settings.get("auth") != "key"
    return account.channel in _OAUTH


def asks(account: Account) -> tuple[Ask, ...]:
    """What the login of ``account`` asks for, in order (SfogoError for ``import``)."""
    if uses_oauth(account):
        return _OAUTH[account.channel]
    if account.channel == "youtube":
        return (Ask("token", _("YouTube API key (reading only)")),)
    if account.channel not in _TOKEN:
        raise SfogoError(
            _("{account_key} has no credentials: its items come from 'sfogo import'").format(
                account_key=account_key(account)
            )
        )
    return (_TOKEN[account.channel],)


def needs_client_id(account: Account) -> bool:
    return uses_oauth(account) and not str(account.settings.get("client_id") or "").strip()


def _table(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def store(
    account: Account, values: dict[str, str], *, config_path: Path, keyring: bool = True
) -> str:
    """Keep the login's ``values`` (key -> secret) in the keyring, else (or with
    ``keyring=False``) in the config file; return where, in words. Raises SfogoError when
    neither can take them."""
    table = _table(values)
    redact.remember(*table.values())
    name = account_key(account)
    if keyring and keyring_mod.available():
        try:
            if uses_oauth(account):
                keyring_mod.put_entry(name, dict(table))
            else:
                keyring_mod.put(name, next(iter(table.values())))
        except keyring_mod.KeyringUnavailable as exc:
            raise SfogoError(
                _("the system keyring did not store it ({exc}): try again with --file").format(
                    exc=exc
                )
            ) from None
        _drop_from_config(account, config_path)
        where = _("the system keyring ({available}: service sfogo, user {name})").format(
            available=keyring_mod.available(), name=name
        )
    else:
        from .config import save_account

        try:
            save_account(config_path, name, table)
        except OSError as exc:
            raise SfogoError(
                _("cannot write {config_path}: {value}").format(
                    config_path=config_path, value=exc.strerror or exc
                )
            ) from None
        keyring_mod.delete(name)
        where = _("{config_path} (mode 0600)").format(config_path=config_path)
    forget_session(account, config_path.parent)
    return where


def config_tables(account: Account, config_path: Path) -> list[str]:
    """The config file's tables that hold secrets for ``account``, in the order sync reads
    them: ``[accounts."CHANNEL:HANDLE"]``, then a bare ``[accounts."HANDLE"]``."""
    from . import config as config_mod

    if not config_path.exists():
        return []
    accounts = config_mod.load(config_path, warn=lambda _m: None).get("accounts", {})
    return [n for n in (account_key(account), account.handle) if accounts.get(n)]


def _drop_from_config(account: Account, config_path: Path) -> bool:
    """Remove the account's ``[accounts."CHANNEL:HANDLE"]`` table; True when there was one.
    A bare ``[accounts."HANDLE"]`` may serve other accounts of that handle: it stays."""
    from .config import save_account

    name = account_key(account)
    if name not in config_tables(account, config_path):
        return False
    try:
        save_account(config_path, name, None)
    except OSError as exc:
        raise SfogoError(
            _("cannot write {config_path}: {value}").format(
                config_path=config_path, value=exc.strerror or exc
            )
        ) from None
    return True


def forget_session(account: Account, folder: Path) -> None:
    """Forget the account's login session or OAuth grant, on disk and in this process."""
    from .grants import SESSIONS, GrantFile, KeyringGrant, MemoryGrant, update_session

    name = account_key(account)
    for grant in (GrantFile(folder, name), KeyringGrant(name, folder), MemoryGrant(name)):
        grant.forget()
    try:
        update_session(folder / SESSIONS, name, None)
    except OSError:
        pass  # no sessions file to change: nothing to forget


def remove(account: Account, *, config_path: Path) -> list[str]:
    """``logout``: remove the account's secrets from the keyring and the config file, and
    its session; return where something was removed (in words)."""
    removed = []
    name = account_key(account)
    if keyring_mod.delete(name):
        removed.append(_("the system keyring"))
    if _drop_from_config(account, config_path):
        removed.append(str(config_path))
    forget_session(account, config_path.parent)
    return removed


def shadowing_env(account: Account, env: Mapping[str, str]) -> str:
    """The variable named by the account (``token_env``/``password_env``) when it is set:
    sync reads it before the keyring and the config file. '' when none is."""
    for setting in ("token_env", "password_env"):
        var = account.settings.get(setting)
        if var and env.get(var):
            return str(var)
    return ""
