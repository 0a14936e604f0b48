"""What the config file says about the app: triage settings, saved views, the keymap, canned
replies and when the bell rings (``notify``).

Read once when the app starts. Each mistake is one line shown at startup and that part falls
back to its defaults; the app always opens.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _

from .views import View

if TYPE_CHECKING:  # load_app_config imports them when it runs
    from sfogo.backlog.settings import Settings
    from sfogo.inbox.canned import Canned


def read_config(config_path: str | Path | None) -> tuple[dict, list[str]]:
    """The config as a dict, and the one-line error if it cannot be read (then {})."""
    from sfogo.inbox import config

    path = config_path
    if (
        path
        and not os.path.exists(os.path.expanduser(path))
        and (os.fspath(path) == os.environ.get("SFOGO_CONFIG"))
    ):
        return {}, []  # SFOGO_CONFIG may name a file not written yet: all defaults
    try:
        return config.load(path, warn=lambda _m: None), []
    except SfogoError as exc:
        return {}, [f"{exc} (using the defaults)"]


def load_config(config_path: str | Path | None) -> dict:
    """The config as ``sfogo plan`` reads it: a file named on purpose must exist; the
    default one (or ``SFOGO_CONFIG`` naming a file not written yet) may be missing.
    Raises SfogoError (the backlog screen shows it in the part it stops)."""
    from sfogo.inbox import config

    path = config_path
    if (
        path
        and os.fspath(path) == os.environ.get("SFOGO_CONFIG")
        and not (Path(path).expanduser().exists())
    ):
        path = None
    return config.load(path)


@dataclass(slots=True)
class AppConfig:
    settings_base: Settings  # before each client's own target
    views: list[View]
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    replies: list[Canned] = field(default_factory=list)  # [[replies]]
    notify: str = "vip"  # the bell for arrivals: "vip", "all" or "off" (tui/arrivals.py)
    theme: str | None = None  # the theme last chosen (tui/theme_config.py)
    user: str = ""  # the team member this person is ('' : by the login role, or nobody)
    errors: list[str] = field(default_factory=list)  # one line each, shown at startup


def load_app_config(
    config_path: str | Path | None, known_bindings: dict[str, tuple[str, str]]
) -> AppConfig:
    """The app's part of the config; ``known_bindings`` are the ids ``[keys]`` may rebind."""
    from sfogo.backlog.settings import Settings, from_dict
    from sfogo.inbox.canned import from_config
    from sfogo.inbox.i18n import check_language
    from sfogo.inbox.team import configured_user

    from .arrivals import parse_notify
    from .keymap import parse_keys
    from .theme_config import parse_theme
    from .views import parse_views

    data, errors = read_config(config_path)
    try:
        settings_base = from_dict(data)
    except SfogoError as exc:
        errors.append(_("{exc} (triage uses the defaults)").format(exc=exc))
        settings_base = Settings()
    views, view_errors = parse_views(data)
    keymap, key_errors = parse_keys(data, known_bindings)
    replies, reply_errors = from_config(data)
    notify, notify_errors = parse_notify(data)
    theme, theme_errors = parse_theme(data)
    try:
        user = configured_user(data)
    except SfogoError as exc:
        errors.append(str(exc))
        user = ""
    language = check_language(data.get("language"))  # chosen before the app (tui/cli)
    theme_errors += [language] if language else []
    return AppConfig(
        settings_base,
        views,
        keymap,
        replies,
        notify=notify,
        theme=theme,
        user=user,
        errors=errors + view_errors + key_errors + reply_errors + notify_errors + theme_errors,
    )
