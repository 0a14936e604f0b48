"""Reading a child process's output line by line without ever waiting for ever.

``readline()`` on a pipe blocks until the child writes or exits: a child that hangs would
hang the suite. :class:`Lines` reads the pipe in a thread, so a test waits for the next line
with a timeout and fails with what it was waiting for (and the child's error output).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import IO

_END = None  # the pipe closed: the child exited (or closed its output)


class Lines:
    """The lines of ``stream`` as they come; ``context()`` (e.g. the child's stderr) is
    added to a failure's message."""

    def __init__(self, stream: IO[str], context: Callable[[], str] = lambda: "") -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._context = context
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self._lines.put(line)
        finally:
            self._lines.put(_END)

    def next(self, what: str, timeout: float = 20.0) -> str:
        """The next line, ``what`` the test waits for (it names the failure)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no {what} after {timeout} s{self._said()}") from None
        if line is _END:
            self._lines.put(_END)
            raise AssertionError(f"the child's output ended before {what}{self._said()}")
        return line

    def rest(self, timeout: float = 20.0) -> str:
        """Every line until the output ends (call it once the child is exiting)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"the child's output is still open after {timeout} s")
        out = []
        while (line := self._lines.get_nowait()) is not _END:
            out.append(line)
        self._lines.put(_END)
        return "".join(out)

    def _said(self) -> str:
        said = self._context().strip()
        return f"; it said:\n{said}" if said else ""
