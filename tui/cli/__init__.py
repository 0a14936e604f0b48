"""The ``sfogo`` command line: click commands grouped by topic around one context object.

Each topic module (``inbox_cmds``, ``triage_cmds``, …) collects its commands in a
:class:`~._group.Topic`; the root command imports a topic when one of its commands runs,
and with no command opens the full-screen app. Every command receives the one
:class:`~._context.Context` (clock, files, store). Heavy imports (textual, httpx,
sqlite-utils) happen inside the commands that need them, so quick commands start quickly.
"""

from __future__ import annotations

import sys

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import _

from ._context import Context
from ._group import Root, pass_context

__all__ = ["COMMANDS", "Context", "cli", "main"]

# Each command and the topic module that holds it, in the order `sfogo --help` lists them.
# A module is imported when one of its commands runs (a test checks the two agree).
COMMANDS = {
    **dict.fromkeys(("list", "show", "done", "snooze", "reopen", "stats"), "inbox_cmds"),
    **dict.fromkeys(("next", "why"), "triage_cmds"),
    **dict.fromkeys(("clients", "client", "accounts", "account"), "clients_cmds"),
    **dict.fromkeys(("import", "export"), "transfer_cmds"),
    "demo": "demo_cmd",
    **dict.fromkeys(("away", "back", "gaps", "backlog"), "backlog_cmds"),
    **dict.fromkeys(("plan", "report"), "report_cmds"),
    **dict.fromkeys(("sync", "health"), "sync_cmds"),
    **dict.fromkeys(("reply", "like", "send", "outbox"), "outbox_cmds"),
    "replies": "replies_cmds",
    **dict.fromkeys(("team", "assign", "unassign"), "team_cmds"),
    **dict.fromkeys(("post", "posts"), "posts_cmds"),
    "db": "db_cmds",
    "completion": "completion_cmd",
    "serve": "serve_cmd",
    "access": "access",
}


@click.group(
    cls=Root,
    lazy=COMMANDS,
    package=__name__,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="sfogo", prog_name="sfogo", message="%(prog)s %(version)s")
@pass_context
def cli(ctx: Context) -> int | None:
    """A unified inbox for social media managers: every client, every channel, every gap
    recorded. Without a command, sfogo opens the full-screen app on your inbox."""
    if click.get_current_context().invoked_subcommand is not None:
        return None
    from .app_cmd import open_app

    return open_app(ctx)


def _message(exc: SfogoError, ctx: Context) -> str:
    message = str(exc)
    if message.startswith("config: "):  # a value's error: say which file holds it
        from sfogo.inbox.config import default_path

        message = f"{ctx.config_path or default_path()}: {message[len('config: ') :]}"
    return message


def main(argv: list[str] | None = None, *, context: Context | None = None) -> int:
    """Run ``sfogo ARGV`` (default: the process's arguments); return the exit code.

    Tests pass a ``context`` holding their clock. Expected errors are one line
    ``sfogo: …`` on stderr with exit code 1; usage errors are one line with exit code 2.
    """
    from sfogo.inbox.redact import RedactingStream, redact

    from . import _language

    _language.choose(argv)  # before click writes a word (--help, usage errors)
    try:
        ctx = context if context is not None else Context()
    except SfogoError as exc:  # SFOGO_NOW that is not a time
        print(f"sfogo: {exc}", file=sys.stderr)
        return 1
    # Whatever a command prints, a secret this process knows comes out as ***.
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(out), RedactingStream(err)
    try:
        code = cli.main(args=argv, prog_name="sfogo", obj=ctx, standalone_mode=False)
        if ctx.damage is not None:  # a read of a file found damaged earlier: say so after it
            print(f"sfogo: {ctx.damage}", file=sys.stderr)
            return 1
        return code if isinstance(code, int) else 0
    except SfogoError as exc:
        print(f"sfogo: {redact(_message(exc, ctx))}", file=sys.stderr)
        return 1
    except click.exceptions.NoArgsIsHelpError as exc:  # `sfogo db`: which action?
        exc.show()
        return exc.exit_code
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx is not None else "sfogo"
        see = _("(see '{command} --help')").format(command=path)
        print(f"sfogo: {exc.format_message()} {see}", file=sys.stderr)
        return exc.exit_code
    except click.ClickException as exc:
        print(f"sfogo: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except click.Abort:  # Ctrl-C
        return 130
    except Exception as exc:
        error = ctx.failure(exc)  # the data file busy, damaged, read-only or full
        if error is None:
            raise  # a bug: its traceback is what gets it fixed
        print(f"sfogo: {error}", file=sys.stderr)
        return 1
    finally:
        sys.stdout, sys.stderr = out, err
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
