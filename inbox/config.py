"""The one TOML config file: where it lives, reading it with clear errors, writing it safely.

Each layer reads its own tables (``[triage]`` in backlog, ``[views]`` and ``[keys]`` in the
app, ``[accounts."HANDLE"]`` credentials in the channels) and supplies its own defaults, so
a missing file means "all defaults". A file that holds secrets is written mode 0600, and
reading a world- or group-readable one that holds secrets warns once.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

from sfogo.inbox.i18n import _

from .errors import SfogoError

# Every top-level table some layer reads; anything else is a typo ("[triag]") and is refused.
KNOWN_TABLES = (
    "triage",
    "tiers",
    "kinds",
    "windows",
    "keywords",  # backlog/settings.py
    "work",
    "effort",
    "plan",  # backlog/plan.py, workhours.py
    "views",
    "keys",  # tui/views.py, tui/keymap.py
    "accounts",  # inbox/credentials.py
    "outbox",  # inbox/outbox.py
    "replies",  # inbox/canned.py
)
# Settings at the top level, outside any table (each layer checks its own value).
KNOWN_KEYS = (
    "notify",  # tui/arrivals.py: when the app rings the bell
    "theme",  # tui/theme_config.py: the theme last chosen in the app
    "language",  # inbox/i18n.py: the interface's language ("en", "it")
    "user",  # inbox/team.py: which team member this person is
)

# What an [accounts."CHANNEL:HANDLE"] table may hold (inbox/credentials.py reads it): a token
# or a password, or an OAuth refresh token with the app's client secret (X, YouTube).
ACCOUNT_KEYS = ("token", "password", "refresh_token", "client_secret")
# Keys whose values are secrets wherever they appear in the file.
SECRET_KEYS = (
    "token",
    "password",
    "app_password",
    "secret",
    "refresh_token",
    "access_token",
    "client_secret",
)
# Words that make a setting's name secret-like (``api_key``, ``X-Bearer``, ``appPassword``):
# such a setting is refused where only public settings belong (the data file).
SECRET_WORDS = (
    "key",
    "apikey",
    "bearer",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "credential",
    "credentials",
    "jwt",
    "cookie",
    "session",
    "auth_token",
)
_WORD_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])")


def is_secret_name(name: str) -> bool:
    """True for a name that says its value is a secret, in any case and with ``_``/``-``
    (``key``, ``API_KEY``, ``api-key``, ``apikey``, ``refreshToken``, ``app_password`` …)."""
    words = [w.lower() for w in _WORD_SPLIT.split(name.strip()) if w]
    joined = "".join(words)
    return any(w in SECRET_WORDS for w in words) or any(
        joined.endswith(w) for w in SECRET_WORDS if len(w) > 3
    )


def default_path() -> Path:
    """``SFOGO_CONFIG``, else ``config.toml`` in the user config directory."""
    env = os.environ.get("SFOGO_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("sfogo", appauthor=False) / "config.toml"


def _has_secrets(data: object) -> bool:
    """True when the file holds a secret; each secret value is remembered for redaction."""
    from .redact import remember

    found = False
    if isinstance(data, dict):
        for k, v in data.items():
            if k in SECRET_KEYS and v:
                remember(v)
                found = True
            found = _has_secrets(v) or found
    elif isinstance(data, list):
        for v in data:
            found = _has_secrets(v) or found
    return found


def load(
    path: str | os.PathLike | None = None, *, warn: Callable[[str], object] | None = None
) -> dict:
    """The config as a dict ({} when the file does not exist).

    Raises SfogoError naming the file, line and column when the TOML is malformed.
    """
    file = Path(path).expanduser() if path else default_path()
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        if path:  # a file the user named must exist
            raise SfogoError(
                _("no config file at {file}: create it or drop --config").format(file=file)
            ) from None
        return {}
    except IsADirectoryError:
        raise SfogoError(_("{file} is a folder, not a config file").format(file=file)) from None
    except OSError as exc:
        raise SfogoError(
            _("cannot read the config file {file}: {strerror}").format(
                file=file, strerror=exc.strerror
            )
        ) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SfogoError(_("the config file {file} is not UTF-8 text").format(file=file)) from None
    except tomllib.TOMLDecodeError as exc:
        raise SfogoError(
            _("the config file {file} is not valid TOML: {exc}").format(file=file, exc=exc)
        ) from None
    unknown = [name for name in data if name not in KNOWN_TABLES and name not in KNOWN_KEYS]
    if unknown:
        name = unknown[0]
        what = (
            _("table [{name}]").format(name=name)
            if isinstance(data[name], dict)
            else f"setting {name!r}"
        )
        raise SfogoError(
            _(
                "{file}: unknown {what}; the tables are {names}, and the settings "
                "outside them {names2}"
            ).format(
                file=file, what=what, names=", ".join(KNOWN_TABLES), names2=", ".join(KNOWN_KEYS)
            )
        )
    _check_accounts(file, data.get("accounts", {}))
    if _has_secrets(data):
        mode = file.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            message = _(
                "warning: {file} holds secrets and others can read it: run chmod 600 {file}"
            ).format(file=file)
            (warn or (lambda m: print(m, file=sys.stderr)))(message)
    return data


def _check_accounts(file: Path, accounts: object) -> None:
    """``[accounts."CHANNEL:HANDLE"]`` tables hold a token or a password, nothing else: a
    misspelt name would leave the secret unused and the account failing as 'auth'."""
    if not isinstance(accounts, dict):
        raise SfogoError(
            _('{file}: [accounts] must hold tables like [accounts."mastodon:@me"]').format(
                file=file
            )
        )
    for name, table in accounts.items():
        label = f"[accounts.{json.dumps(name)}]"
        if not isinstance(table, dict):
            raise SfogoError(
                _("{file}: {label} must be a table with {names}").format(
                    file=file, label=label, names=" or ".join(ACCOUNT_KEYS)
                )
            )
        for key, value in table.items():
            if key not in ACCOUNT_KEYS:
                raise SfogoError(
                    _("{file}: {label} has no setting {key!r}: use {names}").format(
                        file=file, label=label, key=key, names=", ".join(ACCOUNT_KEYS)
                    )
                )
            if not isinstance(value, str):
                raise SfogoError(
                    _("{file}: {label} {key} must be text").format(file=file, label=label, key=key)
                )


def save(data: dict, path: str | os.PathLike | None = None) -> Path:
    """Write the config atomically, mode 0600 (it may hold credentials)."""
    import tomli_w

    from .files import atomic_write

    file = Path(path).expanduser() if path else default_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(file, binary=True) as handle:
        tomli_w.dump(data, handle)
    return file


def save_account(path: str | os.PathLike, name: str, table: dict[str, str] | None) -> Path:
    """Set ``[accounts."NAME"]`` to ``table`` (None: remove it) in the config file, mode
    0600, replaced atomically.

    The rest of the file stays as it was written, comments included: the old table is cut
    out of the text and the new one appended. Where the file says it in another form (an
    inline table, a quoted key sfogo did not write) that edit does not give the expected
    contents, and the file is written out whole instead (its comments are then lost).
    Raises SfogoError for a file that cannot be read, OSError for one that cannot be written.
    """
    import tomli_w

    from .files import write_private

    file = Path(path).expanduser()
    old = ""
    if file.exists():
        try:
            old = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise SfogoError(_("cannot read the config file {file}").format(file=file)) from None
    try:
        expected = tomllib.loads(old)
    except tomllib.TOMLDecodeError as exc:
        raise SfogoError(
            _("the config file {file} is not valid TOML: {exc}").format(file=file, exc=exc)
        ) from None
    accounts = expected.setdefault("accounts", {})
    if not isinstance(accounts, dict):
        raise SfogoError(
            _('{file}: [accounts] must hold tables like [accounts."mastodon:@me"]').format(
                file=file
            )
        )
    accounts.pop(name, None)
    if table:
        accounts[name] = dict(table)
    elif not accounts and "[accounts]" not in old:
        del expected["accounts"]
    text = _cut_table(old, name)
    if table:
        text = text.rstrip("\n") + ("\n\n" if text.strip() else "")
        text += tomli_w.dumps({"accounts": {name: dict(table)}})
    try:
        edited = tomllib.loads(text) == expected
    except tomllib.TOMLDecodeError:
        edited = False
    if not edited:
        text = tomli_w.dumps(expected)
    file.parent.mkdir(parents=True, exist_ok=True)
    return write_private(file, text)


def _cut_table(text: str, name: str) -> str:
    """``text`` without the table ``[accounts."NAME"]`` (its header to the next header)."""
    quoted = (json.dumps(name), "'" + name + "'", name)
    header = re.compile(
        r"^\s*\[\s*accounts\s*\.\s*(?:" + "|".join(re.escape(q) for q in quoted) + r")\s*\]"
        r"\s*(?:#.*)?$"
    )
    kept: list[str] = []
    cutting = False
    for line in text.splitlines(keepends=True):
        if header.match(line):
            cutting = True
            continue
        if cutting and line.lstrip().startswith("["):
            cutting = False
        if not cutting:
            kept.append(line)
    return "".join(kept)


def section(data: dict, name: str) -> dict:
    """A table of the config, checked to be a table (``[triage]``, ``[work]`` …)."""
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise SfogoError(
            _("config: [{name}] must be a table, not {name2}").format(
                name=name, name2=type(value).__name__
            )
        )
    return value
