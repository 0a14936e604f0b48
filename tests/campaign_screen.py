"""The app in a pseudo-terminal, read as a person reads it: a small terminal screen that
applies what the app writes (the cursor moves, erases and text Textual sends), so a test can
look at the rows instead of the bytes.

Only what Textual writes is understood: CUP (``ESC [ r ; c H``), cursor forward (``C``),
erase characters, line and display (``X``, ``K``, ``J``), carriage return, line feed and
backspace; colours, modes and OSC strings are read past. A character takes the cells Rich
says it takes (a wide one two).
"""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time

from campaign_kit import sfogo
from rich.cells import get_character_cell_size

# A control sequence, an OSC string (ended by BEL or ST), another ESC pair, or a control.
_SEQUENCE = re.compile(
    r"\x1b\[([0-9;?<>=$]*)[ -/]*([@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[^\[\]]"
    r"|[\x00-\x1a\x1c-\x1f]"
)


class Screen:
    """``rows`` × ``cols`` cells of text, changed by :meth:`feed`."""

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self.cells = [[" "] * cols for _ in range(rows)]
        self.y = self.x = 0
        self._decode = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""  # an unfinished sequence at the end of the last chunk

    def lines(self) -> list[str]:
        return ["".join(c for c in row if c).rstrip() for row in self.cells]

    def text(self) -> str:
        return "\n".join(self.lines())

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decode.decode(data)
        self._pending = ""
        at = 0
        for m in _SEQUENCE.finditer(text):
            self._write(text[at : m.start()])
            at = m.end()
            self._control(m)
        rest = text[at:]
        cut = rest.find("\x1b")
        if cut >= 0:  # a sequence cut in two by the read: wait for its end
            self._pending = rest[cut:]
            rest = rest[:cut]
        self._write(rest)

    def _write(self, text: str) -> None:
        for char in text:
            width = get_character_cell_size(char)
            if width == 0 or self.y >= self.rows:
                continue
            if self.x + width > self.cols:
                continue  # Textual turns wrapping off: what overflows is dropped
            self.cells[self.y][self.x] = char
            if width == 2 and self.x + 1 < self.cols:
                self.cells[self.y][self.x + 1] = ""
            self.x += width

    def _control(self, m: re.Match) -> None:
        params, final = m.group(1), m.group(2)
        token = m.group(0)
        if final is None:
            if token == "\r":
                self.x = 0
            elif token == "\n":
                self.y = min(self.rows - 1, self.y + 1)
            elif token == "\b":
                self.x = max(0, self.x - 1)
            return
        if params and params[0] in "?<>=":
            return  # private modes and keyboard-protocol queries
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        first = numbers[0] if numbers else 0
        if final in "Hf":
            row = first or 1
            col = (numbers[1] if len(numbers) > 1 else 0) or 1
            self.y, self.x = min(row, self.rows) - 1, min(col, self.cols) - 1
        elif final == "C":
            self.x = min(self.cols - 1, self.x + (first or 1))
        elif final == "X":
            end = min(self.cols, self.x + (first or 1))
            self.cells[self.y][self.x : end] = [" "] * (end - self.x)
        elif final == "K":
            start, end = {0: (self.x, self.cols), 1: (0, self.x + 1)}.get(first, (0, self.cols))
            self.cells[self.y][start:end] = [" "] * (end - start)
        elif final == "J" and first == 2:
            self.cells = [[" "] * self.cols for _ in range(self.rows)]


class PtyApp:
    """``sfogo`` (the full-screen app) in a pseudo-terminal of its own, with its screen."""

    def __init__(self, env: dict[str, str], *, rows: int = 24, cols: int = 80) -> None:
        self.screen = Screen(rows, cols)
        self.bytes_read = 0
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the app
            argv = sfogo("--no-mouse")
            os.execve(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.status: int | None = None
        self.ended = False
        self.last_words = ""  # what a stuck app said when stopped (its threads' stacks)

    def pump(self, seconds: float) -> bool:
        """Read what the app writes for ``seconds``; False once it has ended."""
        deadline = time.monotonic() + seconds
        while not self.ended:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if ready and not self.read_once():
                return False
        return False

    def read_once(self) -> bool:
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.ended = True
            return False
        self.bytes_read += len(data)
        self.screen.feed(data)
        return True

    def quiet(self, seconds: float = 0.3, *, limit: float = 10.0) -> None:
        """Read until nothing came for ``seconds`` (at most ``limit``)."""
        deadline = time.monotonic() + limit
        while not self.ended and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], seconds)
            if not ready:
                return
            self.read_once()

    def _stacks(self, seconds: float = 5.0) -> str:
        """SIGABRT, and what the app writes until it ends (at most ``seconds``)."""
        before = self.screen.text()
        os.kill(self.pid, signal.SIGABRT)
        said = b""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                break
            if not data:
                break
            said += data
        text = said.decode(errors="replace")
        start = text.find("Fatal Python error")  # the stacks, after the screen's last bytes
        return f"{before}\n--- after SIGABRT ---\n{text[start:] if start >= 0 else text[-4000:]}"

    def type(self, keys: str | bytes) -> None:
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def quit(self, timeout: float = 30.0) -> int:
        """Close screens and the app with ``q`` (Escape first, for a dialog); its status.

        An app that does not quit is stopped with SIGABRT first: with ``PYTHONFAULTHANDLER``
        set it writes every thread's stack (kept in ``last_words``), then it is killed."""
        deadline = time.monotonic() + timeout
        while self.status is None and time.monotonic() < deadline:
            if not self.ended:
                self.type(b"\x1b")
                self.pump(0.3)
                self.type(b"q")
                self.pump(0.5)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.status = status
        if self.status is None:  # it did not quit: stop it, and the test fails on it
            self.last_words = self._stacks()
            os.kill(self.pid, signal.SIGKILL)
            self.status = os.waitpid(self.pid, 0)[1] or -9
        os.close(self.fd)
        return self.status
