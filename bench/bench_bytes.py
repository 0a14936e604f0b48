"""Bytes on the wire: what the full-screen app sends to the terminal when the cursor moves.

Over SSH on a phone every KiB is felt, so this counts the bytes a real terminal receives.

Method. The real ``sfogo`` command (``sfogo --db FILE`` on a copy of the sized demo, with its
triage keys, no config file, the clock at the demo's "now") runs in a fresh process on a
pseudo-terminal of the given size (set with ``TIOCSWINSZ``), with ``TERM=xterm-256color``
and no ``COLORTERM``, so Textual draws in 256 colours as it does over a default OpenSSH
login. The parent reads everything the app writes. Nothing answers the app's terminal
queries (as with many terminals), so frames are not wrapped in synchronized-output markers.

1. First screen: every byte until the app has been quiet for ``QUIET_S``.
2. A burst: ``j`` sent ``BURST`` times, one every ``KEY_GAP_S`` (25 keys a second, the
   X server's default key repeat, like a held key); the bytes that arrive after each key
   are counted until the next, and the last key's until the app is quiet again (so the
   detail pane catching up at the end counts). ``tui_bytes_per_move_WxH``: the total over
   ``BURST``. The cursor starts on the first line, so at 80×24 the second half of the
   burst scrolls the list.
3. Single moves: ``SINGLES`` times, one ``j`` once the app is quiet, counted until it is
   quiet again. ``tui_bytes_single_move_WxH``: the largest. ``tui_pane_follow_ms_WxH``:
   the median time from such a key to the last byte it caused (the pane showing the item).

The timings are only as good as a 2-core machine shared with others: a byte count is exact,
a time is a sample.
"""

from __future__ import annotations

import fcntl
import os
import select
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from bench.bench_tui import _keyed_copy, _remove
from bench.harness import BenchEnv, metric

ROOT = Path(__file__).resolve().parent.parent
SIZES = ((80, 24), (120, 40))
BURST = 20
KEY_GAP_S = 0.04
SINGLES = 5
QUIET_S = 0.6  # no output for this long: the app is done with the last key
START_TIMEOUT_S = 120.0
_CLI = "import sys; from sfogo.tui.cli import main; sys.exit(main())"
# Variables that would change the colours or the driver the app picks.
_DROPPED = ("COLORTERM", "NO_COLOR", "FORCE_COLOR", "TEXTUAL_COLOR_SYSTEM", "TEXTUAL_DRIVER")


class Terminal:
    """The app on a pseudo-terminal: write keys, count what comes back."""

    def __init__(self, db: Path, config: Path, now: int, cols: int, rows: int) -> None:
        from sfogo.inbox.clock import NOW_ENV

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
        env.update(TERM="xterm-256color", SFOGO_CONFIG=str(config), **{NOW_ENV: str(now)})
        self.child = subprocess.Popen(
            [sys.executable, "-c", _CLI, "--db", str(db)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        os.close(slave)
        self.last_byte_at = time.perf_counter()

    def read_for(self, seconds: float) -> int:
        """Bytes that arrive within ``seconds``."""
        end = time.perf_counter() + seconds
        count = 0
        while (left := end - time.perf_counter()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # the app is gone
                break
            if not chunk:
                break
            count += len(chunk)
            self.last_byte_at = time.perf_counter()
        return count

    def until_quiet(self, timeout: float = START_TIMEOUT_S) -> int:
        """Bytes until the app has written nothing for ``QUIET_S``."""
        start = time.perf_counter()
        count = 0
        while time.perf_counter() - start < timeout:
            got = self.read_for(QUIET_S)
            count += got
            if not got:
                return count
        raise RuntimeError(f"the app kept writing for {timeout:.0f} s")

    def key(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        try:
            self.key("q")
            self.read_for(0.5)
        finally:
            if self.child.poll() is None:
                self.child.kill()
            self.child.wait(10)
            os.close(self.master)


def _session(db: Path, config: Path, now: int, cols: int, rows: int) -> dict[str, float]:
    term = Terminal(db, config, now, cols, rows)
    try:
        first = term.read_for(START_TIMEOUT_S / 4)  # the first bytes: the app is up
        first += term.until_quiet()
        if first < 1000:
            raise RuntimeError("the app drew no screen")
        burst = []
        for _ in range(BURST):
            term.key("j")
            burst.append(term.read_for(KEY_GAP_S))
        burst[-1] += term.until_quiet()
        singles, follow = [], []
        for _ in range(SINGLES):
            start = time.perf_counter()
            term.key("j")
            singles.append(term.until_quiet())
            follow.append((term.last_byte_at - start) * 1000)
    finally:
        term.close()
    return {
        "first": first,
        "per_move": sum(burst) / BURST,
        "single": max(singles),
        "follow_ms": statistics.median(follow),
    }


_RESULTS: dict[tuple[int, int, int, int, int], dict[str, float] | Exception] = {}


def _measured(env: BenchEnv, cols: int, rows: int) -> dict[str, float]:
    """One session per terminal size serves its metrics (a failure too)."""
    key = (env.size, env.seed, cols, rows, env.round)
    if key not in _RESULTS:
        path = _keyed_copy(env)  # the app writes (wakes snoozed items): never the cache
        try:
            _RESULTS[key] = _session(path, env.workdir / "no-config.toml", env.now, cols, rows)
        except Exception as exc:
            _RESULTS[key] = exc
        finally:
            _remove(path)
    result = _RESULTS[key]
    if isinstance(result, Exception):
        raise result
    return result


def _register(cols: int, rows: int) -> None:
    size = f"{cols}x{rows}"
    for name, field, unit in (
        ("tui_bytes_first_screen", "first", "B"),
        ("tui_bytes_per_move", "per_move", "B"),
        ("tui_bytes_single_move", "single", "B"),
        ("tui_pane_follow_ms", "follow_ms", "ms"),
    ):

        def measure(env: BenchEnv, field: str = field) -> float:
            return _measured(env, cols, rows)[field]

        metric(f"{name}_{size}", unit=unit)(measure)


for _cols, _rows in SIZES:
    _register(_cols, _rows)
