"""Where an account's secrets come from, and where login sessions are kept.

Secrets are looked up, in order, in the environment variable the account names
(``settings["token_env"]``), in the config file's ``[accounts."CHANNEL:HANDLE"]`` table
(``token``, ``password``, ``refresh_token``, ``client_secret``; a bare
``[accounts."HANDLE"]`` works too), and in the system keyring when the ``keyring`` package has
a usable backend (service ``sfogo``, user ``CHANNEL:HANDLE``:
:mod:`inbox.system_keyring`). ``sfogo account login`` puts them in the keyring or the file
(:mod:`inbox.login`). Never from the interactions file: accounts there hold only the *name*
of a variable.

An OAuth account's live grant (X rotates its refresh token at every refresh) is kept where
its refresh token came from: in its keyring entry, else in ``sessions.json``
(:mod:`inbox.grants`).

Sessions (Bluesky's access and refresh JWTs) live in memory for the process and in
``sessions.json`` beside the config file, written mode 0600, so a cron job that runs
``sfogo sync --once`` every few minutes does not log in every time (createSession allows
about 30 logins per 5 minutes and a few hundred a day).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from sfogo.inbox.i18n import _

from . import config as config_mod
from . import redact as redact_mod
from . import system_keyring
from .channels.base import ChannelError, GrantSlot, Secrets
from .errors import SfogoError
from .grants import GrantFile, KeyringGrant, MemoryGrant, read_sessions, update_session
from .login import account_key, login_command
from .model import Account

KEYRING_SERVICE = system_keyring.SERVICE
# Settings that name an environment variable holding a secret.
ENV_SETTINGS = {"token_env": "token", "password_env": "password"}
SECRET_FIELDS = config_mod.ACCOUNT_KEYS  # token, password, refresh_token, client_secret


def _config_table(config: dict, account: Account) -> dict:
    accounts = config.get("accounts", {})
    if not isinstance(accounts, dict):
        raise SfogoError(_("config: [accounts] must be a table of accounts"))
    for name in (account_key(account), account.handle):
        table = accounts.get(name)
        if isinstance(table, dict):
            return table
    return {}


def _keyring_secrets(name: str) -> dict[str, str]:
    """The keyring's secrets for ``name`` by field ({} without a keyring or an entry): a
    text entry is a token; a JSON one (written by ``account login``) names its fields."""
    entry = system_keyring.entry(name)
    if "secret" in entry:
        return {"token": str(entry["secret"])}
    return {k: v for k, v in entry.items() if k in SECRET_FIELDS and isinstance(v, str) and v}


def resolve(
    account: Account,
    config: dict | None = None,
    *,
    env: Mapping[str, str] | None = None,
    session_dir: Path | None = None,
) -> Secrets:
    """The account's secrets (possibly empty: the connector then reports 'auth')."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    for setting, field in ENV_SETTINGS.items():
        name = account.settings.get(setting)
        if name and env.get(name):
            found[field] = env[name]
    table = _config_table(config or {}, account)
    for field in SECRET_FIELDS:
        if field not in found and isinstance(table.get(field), str) and table[field]:
            found[field] = table[field]
    key = account_key(account)
    grant: GrantSlot | None = None
    if found.get("refresh_token"):
        grant = GrantFile(session_dir, key) if session_dir else MemoryGrant(key)
    elif not found:
        found = _keyring_secrets(key)
        if found.get("refresh_token"):
            grant = KeyringGrant(key, session_dir)
    extra = {k: v for k, v in table.items() if k not in SECRET_FIELDS and isinstance(v, str | int)}
    redact_mod.remember(
        *found.values(), *(v for k, v in extra.items() if config_mod.is_secret_name(k))
    )
    session = SessionFile(session_dir, key) if session_dir else MemorySession(key)
    return Secrets(
        token=found.get("token", ""),
        password=found.get("password", ""),
        extra=extra,
        session=session,
        refresh_token=found.get("refresh_token", ""),
        client_secret=found.get("client_secret", ""),
        grant=grant,
    )


def missing_hint(account: Account) -> str:
    """One line telling the user how to give sfogo this account's secret."""
    if account.settings.get("token_env"):
        return _("no credentials: set ${token_env}, or store them with {login_command}").format(
            token_env=account.settings["token_env"], login_command=login_command(account)
        )
    return _("no credentials: store them with {login_command}").format(
        login_command=login_command(account)
    )


# Refusals that only new credentials fix: an HTTP 401, Graph's error 190 (token expired,
# revoked, password changed).
REFUSED_STATUS = 401
REFUSED_CODES = (190,)


def refused_detail(account: Account, error: ChannelError) -> str:
    """An ``auth`` failure's line, ending with the command that stores new credentials
    when the platform refused the ones it has (and the line does not say so already)."""
    detail = error.detail
    refused = error.status == REFUSED_STATUS or error.code in REFUSED_CODES
    if error.outcome != "auth" or not refused or "sfogo account login" in detail:
        return detail
    return _("{detail}: log in again: {login_command}").format(
        detail=detail, login_command=login_command(account)
    )


def redact(text: str, secrets: Secrets) -> str:
    """``text`` with the account's secrets (and anything secret-like) replaced by ***,
    before it is printed or stored (:func:`inbox.redact.redact`)."""
    return redact_mod.redact(
        text,
        (
            secrets.token,
            secrets.password,
            secrets.refresh_token,
            secrets.client_secret,
            *secrets.extra.values(),
        ),
    )


def _remember_session(data: dict | None) -> None:
    """A login session's tokens are secrets too (Bluesky's access and refresh JWTs)."""
    if data:
        redact_mod.remember(*(v for k, v in data.items() if config_mod.is_secret_name(k)))


# -- sessions ----------------------------------------------------------------------------

_MEMORY: dict[tuple[str, str], dict] = {}
_LOCK = threading.Lock()


class MemorySession:
    """A session kept for this process only."""

    def __init__(self, key: str, scope: str = "") -> None:
        self._key = (scope, key)

    def load(self) -> dict | None:
        with _LOCK:
            data = _MEMORY.get(self._key)
        _remember_session(data)
        return dict(data) if data else None

    def save(self, data: dict | None) -> None:
        _remember_session(data)
        with _LOCK:
            if data:
                _MEMORY[self._key] = dict(data)
            else:
                _MEMORY.pop(self._key, None)

    def __repr__(self) -> str:
        return "Session(<hidden>)"


class SessionFile(MemorySession):
    """A session kept in memory and in ``DIR/sessions.json`` (mode 0600), by account."""

    def __init__(self, folder: Path, key: str) -> None:
        self.path = Path(folder) / "sessions.json"
        super().__init__(key, scope=str(self.path))
        self._name = key

    def load(self) -> dict | None:
        data = super().load()
        if data:
            return data
        stored = read_sessions(self.path).get(self._name)
        if isinstance(stored, dict) and stored:
            _remember_session(stored)
            super().save(stored)
            return dict(stored)
        return None

    def save(self, data: dict | None) -> None:
        super().save(data)
        try:
            update_session(self.path, self._name, data)
        except OSError:
            pass  # the in-memory session still works; the next process logs in again


def session_dir(config_path: str | os.PathLike | None) -> Path:
    """The folder of the config file: sessions.json lives beside it."""
    path = Path(config_path).expanduser() if config_path else config_mod.default_path()
    return path.parent


def load_config(
    config_path: str | os.PathLike | None, *, warn: Callable[[str], object] | None = None
) -> dict:
    """The config file's contents ({} when there is none); warns if it is world-readable."""
    path = Path(config_path).expanduser() if config_path else None
    if path is not None and not path.exists():
        return {}  # SFOGO_CONFIG may name a file not created yet
    return config_mod.load(path, warn=warn)
