"""Running ``sfogo`` in a real pseudo-terminal, as a person at a terminal would.

Whether output goes through the pager, how wide a table is, whether a progress bar shows:
all depend on stdout being a terminal, so those tests run the real program as a child
process on a pty of a chosen size, with ``SFOGO_NOW`` holding the test's clock.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from sfogo.inbox import when

SFOGO = Path(sys.executable).with_name("sfogo")


def terminal_env(now: int, **extra: str) -> dict[str, str]:
    """The environment of a person's terminal: no COLUMNS/LINES (the pty's size counts),
    no pager preference unless ``extra`` sets one, the test's clock."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER")}
    env.pop("SFOGO_PAGER", None)
    env.update(TERM="xterm-256color", SFOGO_NOW=when.iso(now), LESS="-R")
    env.update(extra)
    return env


def run_on_pty(
    args: list[str],
    *,
    env: dict[str, str],
    cols: int = 80,
    rows: int = 24,
    typed: str = "",
    timeout: float = 60.0,
) -> tuple[int, str]:
    """Run ``sfogo ARGS`` with stdin, stdout and stderr on a pty ``cols`` × ``rows``, with
    ``typed`` already typed at the keyboard (the terminal holds it until it is read);
    return its exit code and everything it wrote (line ends as ``\\n``)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    child = subprocess.Popen(
        [str(SFOGO), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    if typed:
        os.write(master, typed.encode())
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                child.kill()
                raise AssertionError(f"sfogo {' '.join(args)} still runs after {timeout} s")
            ready, _, _ = select.select([master], [], [], min(left, 1.0))
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every holder of the pty's other end has closed it
                break
            if not data:
                break
            chunks.append(data)
        code = child.wait(timeout=timeout)
    finally:
        os.close(master)
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
