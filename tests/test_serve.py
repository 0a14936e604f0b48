"""``sfogo serve``: the app in a browser through textual-serve, on loopback only; without
textual-serve, one line says how to install it."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import textual_serve
from child import Lines

from sfogo.inbox.clock import NOW_ENV
from sfogo.tui.cli.serve_cmd import INSTALL

SERVE_FILES = Path(textual_serve.__file__).parent
CLI = "import sys; from sfogo.tui.cli import main; sys.exit(main())"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_on_loopback_with_the_app_page_and_stops_on_ctrl_c(demo_db, tmp_path, clock):
    port = free_port()
    env = {**os.environ, NOW_ENV: str(clock.now()), "SFOGO_DB": str(demo_db)}
    err = tmp_path / "serve.err"
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=err.open("w"),
        text=True,
        env=env,
    )
    try:
        lines = Lines(proc.stdout, context=err.read_text)
        assert lines.next("the server's start line") == (
            f"sfogo: serving the app at http://localhost:{port} (this machine only); Ctrl+C stops\n"
        )
        deadline = time.monotonic() + 20
        while True:  # the line comes just before the socket listens
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
        assert page.status_code == 200
        assert "<div>sfogo</div>" in page.text  # the title of the page
        assert f"ws://localhost:{port}/ws" in page.text  # where the browser runs the app
        # The page's script is textual-serve's own, served beside it.
        script = httpx.get(f"http://127.0.0.1:{port}/static/js/textual.js", timeout=5)
        assert script.status_code == 200
        assert script.content == (SERVE_FILES / "static" / "js" / "textual.js").read_bytes()
        # A browser's visit: the app starts on the data file and draws its inbox.
        screen = asyncio.run(asyncio.wait_for(_visit(port, until=b" shown"), 60))
        assert b"sfogo" in screen and b"\x1b[?1049h" in screen  # the app's own screen
        # Loopback only: the machine's other addresses do not answer.
        outside = [a for a in _addresses() if not a.startswith("127.")]
        for address in outside:
            with socket.socket() as s:
                s.settimeout(2)
                assert s.connect_ex((address, port)) != 0, address
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
    assert proc.returncode == 0
    assert "sfogo serve: stopped" in lines.rest()
    assert "Traceback" not in err.read_text()


async def _visit(port: int, *, until: bytes) -> bytes:
    """What the app sends a browser (through textual-serve's websocket) until ``until``."""
    import aiohttp  # textual-serve's own HTTP library

    said = b""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"ws://127.0.0.1:{port}/ws?width=80&height=24") as ws,
    ):
        while until not in said:
            message = await ws.receive()
            if message.type not in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                raise AssertionError(f"the app's socket ended ({message.type}): {said[-500:]!r}")
            data = message.data
            said += data if isinstance(data, bytes) else data.encode()
    return said


def _addresses() -> list[str]:
    """This machine's IPv4 addresses (as the resolver knows them)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({info[4][0] for info in infos})


def test_serve_without_textual_serve_says_how_to_install_it(demo_db, tmp_path, clock):
    # A process in which textual_serve cannot be imported (as where the extra is missing).
    blocked = "import sys; sys.modules['textual_serve'] = None; " + CLI
    env = {**os.environ, NOW_ENV: str(clock.now()), "SFOGO_DB": str(demo_db)}
    r = subprocess.run(
        [sys.executable, "-c", blocked, "serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"sfogo: sfogo serve needs textual-serve: {INSTALL}\n"


def test_a_port_in_use_is_one_line(demo_db, cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli("serve", "--port", str(port))
    assert r.code == 1 and r.out == ""
    assert r.err == (
        f"sfogo: cannot listen on localhost:{port} (Address already in use): choose another "
        "--port\n"
    )
