"""The theme the manager picks (ctrl+p, "Change theme") is kept in the config file as
``theme = "NAME"`` and comes back when the app starts.

The config is a file people write by hand, with comments: saving the theme changes that one
line (or adds it above the first table) and leaves every other byte alone, where rewriting
the whole file through a TOML writer would drop the comments. The result is parsed before it
replaces the file (atomically, mode 0600); a file that is not valid TOML is left as it is
and the app says why the theme was not saved.
"""

from __future__ import annotations

import os
import re
import threading
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _

if TYPE_CHECKING:
    from textual.app import App
    from textual.theme import Theme

_TABLE = re.compile(r"\s*\[")  # a table header: the top-level settings end there
_THEME = re.compile(r"\s*theme\s*=")


def parse_theme(data: dict) -> tuple[str | None, list[str]]:
    """The config's ``theme`` (None when it names none), and a one-line error if it is
    not a name."""
    theme = data.get("theme")
    if theme is None:
        return None, []
    if not isinstance(theme, str) or not theme.strip():
        return None, ['config: theme must be a theme\'s name, like theme = "nord"']
    return theme, []


def check_theme(name: str, available: Collection[str]) -> str | None:
    """The one-line error for a theme this app does not have, else None."""
    if name in available:
        return None
    return _("config: no theme {name!r}; pick one with ctrl+p, Change theme (it is saved)").format(
        name=name
    )


def line_of(name: str) -> str:
    """The TOML value for a theme's name (quoted as TOML wants it)."""
    import tomli_w

    return tomli_w.dumps({"theme": name}).strip().split("=", 1)[1].strip()


def with_theme(text: str, name: str) -> str:
    """The config text with ``theme`` set to ``name``; nothing else changes."""
    line = _("theme = {line_of}").format(line_of=line_of(name))
    lines = text.splitlines(keepends=True)
    top = next((i for i, each in enumerate(lines) if _TABLE.match(each)), len(lines))
    for i in range(top):
        if _THEME.match(lines[i]):
            ending = "\n" if lines[i].endswith("\n") else ""
            lines[i] = line + ending
            return "".join(lines)
    if lines and top == len(lines) and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines.insert(top, line + ("\n\n" if top < len(lines) else "\n"))
    return "".join(lines)


def save_theme(config_path: str | os.PathLike | None, name: str) -> Path:
    """Write ``theme = NAME`` into the config file (created if missing). Raises SfogoError
    when the file cannot be read as TOML or written."""
    from sfogo.inbox import config
    from sfogo.inbox.files import write_private

    path = Path(config_path).expanduser() if config_path else config.default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise SfogoError(
            _("the theme was not saved: cannot read {path} ({exc})").format(path=path, exc=exc)
        ) from None
    new = with_theme(text, name)
    try:
        if tomllib.loads(new).get("theme") != name:
            raise SfogoError(
                _(
                    "the theme was not saved: {path} sets theme in a form sfogo cannot "
                    "edit; write theme = {line_of} by hand"
                ).format(path=path, line_of=line_of(name))
            )
    except tomllib.TOMLDecodeError as exc:
        raise SfogoError(
            _("the theme was not saved: {path} is not valid TOML ({exc})").format(
                path=path, exc=exc
            )
        ) from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_private(path, new)
    except OSError as exc:
        raise SfogoError(
            _("the theme was not saved: cannot write {path} ({exc})").format(path=path, exc=exc)
        ) from None


def keep_theme(app: App, config_path: str | os.PathLike | None, name: str | None) -> None:
    """Start the app in the config's theme, and save the theme whenever it changes."""
    if name is not None:
        error = check_theme(name, app.available_themes)
        if error is None:
            app.theme = name
        else:
            app.notify(error, markup=False, severity="error", timeout=15)

    lock = threading.Lock()  # one save at a time, each writing the theme of that moment
    saved = [name]

    def save() -> None:
        with lock:
            theme = app.theme
            if theme == saved[0]:
                return  # browsing the themes and back to where it was, or a save behind
            try:
                save_theme(config_path, theme)
            except SfogoError as exc:
                app.call_from_thread(
                    app.notify, str(exc), markup=False, severity="error", timeout=10
                )
            else:
                saved[0] = theme

    def chosen(_theme: Theme) -> None:
        app.run_worker(
            save, name="theme-save", group="theme-save", thread=True, exit_on_error=False
        )

    app.theme_changed_signal.subscribe(app, chosen)
