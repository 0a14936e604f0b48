"""The ``sfogo`` command line: one parser, subcommands registered by topic.

Each topic module (``inbox_cmds``, ``demo_cmd``, …) has ``register(subparsers)`` and sets
``func`` on its parsers; a handler takes ``(args, ctx)`` and returns an exit code. Heavy
imports (textual, httpx, sqlite-utils) happen inside the handlers that need them, so quick
commands start quickly.
"""
from __future__ import annotations

import argparse
import os
import sys

from sfogo.inbox.errors import SfogoError

from . import _context

TOPICS = ("inbox_cmds", "demo_cmd", "backlog_cmds", "report_cmds", "sync_cmds")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfogo",
        description="A unified inbox for social media managers: every client, every channel, "
        "every gap recorded.",
    )
    parser.add_argument("--db", metavar="PATH",
                        help="the data file (default: $SFOGO_DB, else sfogo.db in the user data folder)")
    parser.add_argument("--config", metavar="PATH",
                        help="the config file (default: $SFOGO_CONFIG, else config.toml in the user config folder)")
    parser.add_argument("--no-mouse", action="store_true", help="full-screen app: ignore the mouse")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for topic in TOPICS:
        try:
            module = importlib.import_module(f"{__name__}.{topic}")
        except ModuleNotFoundError as exc:  # a topic not built yet
            if exc.name != f"{__name__}.{topic}":
                raise
            continue
        module.register(sub)
    _accept_globals_anywhere(sub)
    return parser


def _accept_globals_anywhere(sub: argparse._SubParsersAction) -> None:
    """Let ``--db``/``--config`` also follow the subcommand (``sfogo demo --db x.db``).

    SUPPRESS as the default keeps a subcommand from overwriting the global value with None.
    """
    for parser in set(sub.choices.values()):
        known = {s for a in parser._actions for s in a.option_strings}
        if "--db" not in known:
            parser.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                                help="the data file")
        if "--config" not in known:
            parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                                help="the config file")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_globals_anywhere(action)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = _context.Context(db=args.db, config=args.config)
    try:
        if args.command is None:
            from .app_cmd import run_app

            return run_app(args, ctx)
        return args.func(args, ctx) or 0
    except SfogoError as exc:
        message = str(exc)
        if message.startswith("config: "):  # a value's error: say which file holds it
            from sfogo.inbox.config import default_path

            message = f"{ctx.config_path or default_path()}: {message[len('config: '):]}"
        print(f"sfogo: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sfogo list | head`: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
