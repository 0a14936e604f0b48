"""The command line's language: chosen before a command is parsed, and spoken by click too.

The language is read before click parses anything (``--help`` and usage errors are already
text): the config's ``language`` (the file ``--config`` or ``SFOGO_CONFIG`` names, else the
default one), else the environment (:mod:`sfogo.inbox.i18n`).

Click writes its own words ("Usage:", "Show this message and exit.", its errors) through the
standard library's global ``gettext``, bound in each of its modules as ``_`` and
``ngettext``. :func:`speak_through_ours` rebinds those names to sfogo's functions, so click's
words come from sfogo's catalogue, in the language sfogo chose (the global gettext domain
would follow the environment alone and ignore the config). The words a person can meet are
listed below so that extraction puts them in the catalogue; a test checks each is still one
click says.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from sfogo.inbox import i18n
from sfogo.inbox.i18n import N_

CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "shell_completion",
    "termui",
    "types",
    "utils",
)

# Click's own words, as click writes them (its msgids).
CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("Confirm the action without prompting."),
    N_("Do you want to continue?"),
    N_("Repeat for confirmation"),
    N_("Aborted!"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("No such command {name!r}."),
    N_("No such option {name!r}."),
    N_("Did you mean {possibility}?"),
    N_("(Did you mean one of: {possibilities}?)"),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing command."),
    N_("Missing {param_type}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Option {name!r} requires an argument."),
    N_("Option {name!r} requires {nargs} arguments."),
    N_("Got unexpected extra argument ({args})"),
    N_("Got unexpected extra arguments ({args})"),
    N_("{value!r} is not {choice}."),
    N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value} is not in the range {range}."),
    N_("{value!r} does not match the format {format}."),
    N_("{value!r} does not match the formats {formats}."),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("Could not open file {filename!r}: {message}"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{editor}: Editing failed"),
    N_("{editor}: Editing failed: {e}"),
)


def speak_through_ours() -> None:
    """Make click say its words through :mod:`sfogo.inbox.i18n` (idempotent)."""
    from importlib import import_module

    for name in CLICK_MODULES:
        module = import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = i18n._  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def _config_file(argv: Sequence[str], environ: Mapping[str, str]) -> Path | None:
    """The config file this run reads: the last ``--config`` on the command line, else
    ``SFOGO_CONFIG``, else the default one."""
    named = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--config" and i + 1 < len(argv):
            named = argv[i + 1]
        elif arg.startswith("--config="):
            named = arg.partition("=")[2]
    named = named or environ.get("SFOGO_CONFIG")
    if named:
        return Path(named).expanduser()
    from sfogo.inbox.config import default_path

    return default_path()


def configured_language(argv: Sequence[str], environ: Mapping[str, str]) -> tuple[object, Path]:
    """The config's ``language`` (None when it says none) and the file's path. A file that
    cannot be read says nothing here: the command that reads it reports what is wrong."""
    file = _config_file(argv, environ)
    try:
        data = tomllib.loads(file.read_text("utf-8")) if file else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    return data.get("language"), file or Path("config.toml")


def choose(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Speak the language the config or the environment asks for, from here on; a language
    sfogo does not speak is a one-line warning on stderr and English."""
    env = os.environ if environ is None else environ
    configured, file = configured_language(sys.argv[1:] if argv is None else argv, env)
    i18n.use(i18n.choose(configured, env))
    speak_through_ours()
    complaint = i18n.check_language(configured)
    if complaint:
        print(f"sfogo: warning: {file}: {complaint}", file=sys.stderr)
