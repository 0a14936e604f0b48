"""``sfogo serve [--port]``: the full-screen app in a browser, through textual-serve.

textual-serve starts one app process per browser visit (the same ``sfogo`` command, on the
same data file and config) and has no authentication of its own, so it listens on this
machine's loopback only: reach it from elsewhere through SSH port forwarding (README). Each
visit's app takes part in the file's one sync loop like any other (inbox/synclock.py).

textual-serve is an optional extra (``pip install 'sfogo[serve]'``): it brings aiohttp and
jinja2, which the terminal app does not need.
"""

from __future__ import annotations

import shlex
import sys

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _

from ._context import Context
from ._group import Topic, pass_context

HOST = "localhost"  # never another interface: the served app has no login
DEFAULT_PORT = 8000
INSTALL = "pip install 'sfogo[serve]'"
APP_EXIT_S = 10.0  # how long a visit's app may take to exit once told to quit
# The app, as each visit's process starts it (textual-serve runs it through the shell).
APP = "import sys; from sfogo.tui.cli import main; sys.exit(main())"

topic = Topic("serve")


def app_command(ctx: Context) -> str:
    """The shell command that opens the app on this context's data file and config."""
    where = ctx.db_path
    db = where if isinstance(where, str) else str(where.resolve())  # a URL stays as it is
    words = [sys.executable, "-c", APP, "--db", db]
    if ctx.config_path:
        words += ["--config", str(click.format_filename(ctx.config_path))]
    if not ctx.mouse:
        words.append("--no-mouse")
    return shlex.join(words)


@topic.command("serve", short_help=N_("the app in a browser, on this machine only"))
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help=N_("the local port to listen on"),
)
@pass_context
def serve(ctx: Context, port: int) -> int:
    """Serve the full-screen app at http://localhost:PORT until Ctrl+C. It listens on this
    machine only; from another one, forward the port over SSH:

    \b
      ssh -L 8000:localhost:8000 me@server 'sfogo serve'
      then open http://localhost:8000 here
    """
    import asyncio

    try:
        from textual_serve import server as served
        from textual_serve.app_service import AppService
    except ImportError:
        raise SfogoError(
            _("sfogo serve needs textual-serve: {install}").format(install=INSTALL)
        ) from None
    ctx.store  # noqa: B018 (opening is the check: a bad file fails here, not in the browser)
    _check_port(port)

    class WaitedAppService(AppService):
        """Its stop also waits for the visit's app process to exit (killed after
        :data:`APP_EXIT_S`). textual-serve's own stops when the app closes its output, a
        moment before the process ends: a Ctrl+C then could close the event loop between
        the two, and asyncio's child watcher, told of the exit in a thread, printed a
        traceback ("Event loop is closed") on stderr."""

        async def stop(self) -> None:
            await super().stop()
            process = self._process
            if process is None or process.returncode is not None:
                return
            try:
                await asyncio.wait_for(process.wait(), APP_EXIT_S)
            except TimeoutError:
                process.kill()
                await process.wait()

    # textual-serve makes each visit's app service by this name, its module's own import.
    served.AppService = WaitedAppService  # type: ignore[attr-defined]

    class Quiet(served.Server):
        async def on_startup(self, app) -> None:
            # One line of our own instead of textual-serve's logo and the long command.
            print(
                _(
                    "sfogo: serving the app at {public_url} (this machine only); Ctrl+C stops"
                ).format(public_url=self.public_url),
                flush=True,
            )

    try:
        Quiet(app_command(ctx), host=HOST, port=port, title="sfogo").serve()
    except OSError as exc:  # taken since the check
        raise SfogoError(_busy(port, exc)) from None
    print(_("sfogo serve: stopped"), flush=True)
    return 0


def _check_port(port: int) -> None:
    """Refuse a port something on this machine already listens on, before saying we serve
    (textual-serve announces itself before it binds)."""
    import socket

    for family, *_rest, address in socket.getaddrinfo(HOST, port, type=socket.SOCK_STREAM):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            try:
                probe.bind(address)
            except OSError as exc:
                raise SfogoError(_busy(port, exc)) from None


def _busy(port: int, exc: OSError) -> str:
    return _("cannot listen on localhost:{port} ({strerror}): choose another --port").format(
        port=port, strerror=exc.strerror
    )
