"""``ctrl+e`` in the composer: the draft in ``$VISUAL`` or ``$EDITOR``, as git does.

The app steps aside (``App.suspend``) while the editor has the terminal. The draft goes
through a temporary file only its owner can read (mode 0600: ``mkstemp``), removed
afterwards; what comes back is sanitised like everything typed or pasted, so an editor
plugin cannot put escape sequences on the screen. Without a terminal to hand over (an app
run headless, in tests or a script) the editor runs as a plain child process; in a browser
(``sfogo serve``) there is no terminal at all, and the composer says so.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

from sfogo.inbox.i18n import _
from sfogo.inbox.text import sanitize

READ_MAX = 1_000_000  # characters read back; a reply is far shorter


def editor_command() -> list[str] | None:
    """The editor to run, split like a shell would (``code --wait``), or None."""
    value = (os.environ.get("VISUAL") or os.environ.get("EDITOR") or "").strip()
    try:
        return shlex.split(value) or None
    except ValueError:  # an unbalanced quote
        return None


def edit_in_editor(app: App, text: str) -> tuple[str | None, str | None]:
    """(the edited text, None) or (None, why not: one line)."""
    command = editor_command()
    if command is None:
        return None, _("Set $EDITOR to write in your editor (e.g. export EDITOR=nano).")
    fd, name = tempfile.mkstemp(prefix="sfogo-reply-", suffix=".txt")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        code = _run(app, [*command, str(path)])
        if isinstance(code, str):
            return None, code
        if code != 0:
            return None, _("{v0} exited with code {code}: the reply is as it was.").format(
                v0=command[0], code=code
            )
        with path.open(encoding="utf-8", errors="replace") as handle:
            edited = handle.read(READ_MAX)
    finally:
        path.unlink(missing_ok=True)
    return sanitize(edited).expandtabs(4).rstrip("\n"), None


def _run(app: App, argv: list[str]) -> int | str:
    """Run the editor with the terminal handed over; its exit code, or why it did not run."""
    try:
        with app.suspend():
            return _call(argv, quiet=False)
    except SuspendNotSupported:
        if not app.is_headless:
            return _("ctrl+e needs a terminal: the editor cannot open in a browser.")
        return _call(argv, quiet=True)


def _call(argv: list[str], *, quiet: bool) -> int | str:
    """The editor's exit code; errors are caught here, inside the suspended block, so the
    app always takes the terminal back."""
    quiet_io = subprocess.DEVNULL if quiet else None
    try:
        return subprocess.call(argv, stdin=quiet_io, stdout=quiet_io, stderr=quiet_io)
    except FileNotFoundError:
        return _("no editor {v0!r}: check $EDITOR.").format(v0=argv[0])
    except OSError as exc:
        return _("cannot run {v0!r}: {strerror}").format(v0=argv[0], strerror=exc.strerror)
