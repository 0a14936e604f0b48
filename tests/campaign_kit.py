"""What the campaigns share: the hostile-strings corpus, child processes on one data file,
a pseudo-terminal to read the app's raw bytes, and a line of numbers for the test log.

The campaigns run fast by default; ``pytest -m campaign`` runs their long versions (the
``campaign`` marker is registered in pyproject.toml and left out of a plain run).
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from conftest import NOW

from sfogo.inbox.clock import NOW_ENV
from sfogo.tui.demo.emulators._gen import HOSTILE as DEMO_HOSTILE

TESTS = Path(__file__).parent

# The demo emulators' hostile strings and the nasty cases a hostile world adds: markup that
# acts or crashes, escape sequences that retitle the window, write the clipboard or wipe the
# screen (7-bit and C1), NUL and friends, text that reads backwards or hides, cells that a
# spreadsheet would run, HTML that a browser would, and text that is only unusual.
HOSTILE = (
    *DEMO_HOSTILE,
    "a stray [/ bracket",
    "[b]bold[/b] then [/",
    "[link=https://evil.example]free money[/link]",
    "[red]never closed",
    "clip \x1b]52;c;cGF5bG9hZA==\x07 copied",
    "title \x1b]0;pwned\x07 and \x1b]2;pwned\x1b\\ again",
    "wipe \x1b[2J\x1b[H then home",
    "colour \x1b[31mred\x1b[0m",
    "c1 csi \x9b31m red and osc \x9d0;pwned\x9c",
    "next line \x85 here",
    "nul \x00 byte",
    "del \x7f and bell \x07",
    "backspace \x08\x08\x08 over",
    "bidi \u202eexe.txt\u202c",
    "isolate \u2066hidden\u2069",
    "marks \u200f\u200e\u061c",
    "line \u2028 and paragraph \u2029 separators",
    "zero\u200bwidth\u200djoin\ufeff",
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "&lt;b&gt; & <b>not bold</b>",
    "Z̵̡̢͇a̶̢l̷g̴o̵ text",
    "👩\u200d👩\u200d👧 family",
    "مرحبا بالعالم",
    'quote " and \\ backslash',
    "tab\tand\nnewline",
)
HOSTILE_CLIENT = "=cmd|' /C calc'!A0 [@click=app.quit]Evil[/] \x1b]0;pwned\x07 Co"
HOSTILE_HANDLE = "@\x1b[2Jwipe\u202e"

# What none of sfogo's outputs may hold, whatever the input: C0 controls but newline and
# tab, DEL, C1, the bidi overrides and isolates (replaced by U+FFFD at ingest).
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_lines() -> list[str]:
    """An import file of the corpus: each string as a text, a name, a handle and a tag, and
    one line that holds a lone surrogate (escaped, as JSON may) which must be refused."""
    lines = []
    for n, text in enumerate(HOSTILE):
        record = {
            "client": HOSTILE_CLIENT if n % 2 else "Plain Client",
            "channel": "x" if n % 2 else "mastodon",
            "account": HOSTILE_HANDLE if n % 2 else "@plain@social.example",
            "id": f"h{n}",
            "kind": ("dm", "comment", "mention", "email")[n % 4],
            "created_at": f"2026-11-2{n % 7}T{n % 24:02d}:00:00Z",
            "author_name": text,
            "author_handle": text,
            "text": text,
            "url": f"https://example.com/{n}",
            "tags": [text],
        }
        lines.append(json.dumps(record, ensure_ascii=n % 3 == 0))
    lines.append(
        '{"id": "lone", "account": "@plain@social.example", "channel": "mastodon",'
        ' "kind": "dm", "created_at": "2026-11-26T09:00:00Z", "text": "half \\ud83d a face"}'
    )
    return lines


def forbidden_in(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})


def strict_json(text: str):
    def refuse(constant: str):
        raise AssertionError(f"{constant} in JSON")

    return json.loads(text, parse_constant=refuse)


def strings_in(value) -> list[str]:
    """Every string in a decoded JSON value (keys too)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


# -- child processes ------------------------------------------------------------------------


def child_env(db: Path, **extra: str) -> dict:
    """A child's environment: the data file, no config of the user's, the tests' clock."""
    return {
        **os.environ,
        "SFOGO_DB": str(db),
        "SFOGO_CONFIG": str(db.parent / "config.toml"),
        NOW_ENV: str(NOW),
        **extra,
    }


def sfogo(*args: str) -> list[str]:
    """The command line of ``sfogo ARGS`` run from this interpreter."""
    code = "import sys; from sfogo.tui.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, *map(str, args)]


def run_sfogo(db: Path, *args, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        sfogo(*args),
        env=child_env(db, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# -- the app's raw bytes --------------------------------------------------------------------


def app_bytes(
    db: Path, keys: list[bytes], *, size=(24, 80), timeout: float | None = None
) -> tuple[bytes, int]:
    """Run ``sfogo`` (the full-screen app) in a pseudo-terminal, type ``keys`` (each after
    the screen went quiet), quit, and return every byte it wrote and its exit status.

    The deadline grows with the keys: each waits for a quiet screen, which on a busy 2-core
    machine takes far longer than the quarter second it takes alone (a fixed minute failed
    the long campaign's 144 keys in CI while other work ran)."""
    timeout = timeout if timeout is not None else 30.0 + 1.5 * len(keys)
    import fcntl
    import pty
    import struct
    import termios

    env = child_env(db, TERM="xterm-256color", COLORTERM="", NO_COLOR="")
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the app
        argv = sfogo("--no-mouse")
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    out = bytearray()
    deadline = time.monotonic() + timeout

    def pump(quiet: float) -> bool:
        """Read until nothing came for ``quiet`` seconds; False once the app has ended."""
        last = time.monotonic()
        while time.monotonic() - last < quiet and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            out.extend(data)
            last = time.monotonic()
        return True

    ended, status = 0, -1
    try:
        # The first key waits for the app's first words, then a quiet screen: a loaded machine
        # can take longer than the quiet second to start Python at all.
        while not out and time.monotonic() < deadline and pump(0.05):
            pass
        pump(1.0)
        for key in keys:
            os.write(fd, key)
            pump(0.25)
        for _ in range(6):  # q closes a screen, then the app
            os.write(fd, b"q")
            if not pump(0.5):
                break
        while not ended and time.monotonic() < deadline:
            ended, status = os.waitpid(pid, os.WNOHANG)
            if not ended:
                pump(0.2)
    finally:
        if not ended:  # it did not quit: stop it, and the test fails on its status
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    return bytes(out), status


# Textual's own OSC: 22 sets the mouse pointer's shape. Any other OSC came from data.
APP_OSC = {b"22"}


def escapes_from_data(raw: bytes) -> list[str]:
    """What in the app's bytes can only have come from the data: OSC other than Textual's,
    C1 controls (as UTF-8), NUL, BEL, bidi overrides and isolates."""
    found = []
    for number in set(re.findall(rb"\x1b\](\d*)", raw)) - APP_OSC:
        found.append(f"OSC {number.decode() or '?'}")
    raw = re.sub(
        rb"\x1b\](?:22);[^\x07\x1b]*(?:\x07|\x1b\\)", b"", raw
    )  # Textual's own, ended by BEL
    for pattern, name in (
        (rb"\xc2[\x80-\x9f]", "a C1 control"),
        (rb"\x00", "NUL"),
        (rb"\x07", "BEL"),
        (rb"\xe2\x80[\xaa-\xae]", "a bidi override"),
        (rb"\xe2\x81[\xa6-\xa9]", "a bidi isolate"),
    ):
        if re.search(pattern, raw):
            found.append(name)
    return found


# -- the numbers ----------------------------------------------------------------------------


def report(capsys, name: str, **numbers) -> None:
    """One line of the campaign's numbers in the test log, whatever the capture settings."""
    words = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in numbers.items())
    with capsys.disabled():
        print(f"\ncampaign {name}: {words}", flush=True)
