"""Private files written whole: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest

from sfogo.inbox import config, credentials
from sfogo.inbox.files import atomic_write, write_private

WRITER = """
import sys
from sfogo.inbox.files import write_private
path, letter, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
payload = letter.encode() * 300_000  # bigger than one write, so a torn file would show
for _ in range(rounds):
    write_private(path, payload)
"""


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_two_writers_at_once_never_leave_a_torn_file_or_a_temporary(tmp_path):
    target = tmp_path / "sessions.json"
    write_private(target, b"0" * 10)
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(target), letter, "150"])
        for letter in "AB"
    ]
    seen = set()
    deadline = time.monotonic() + 60  # a writer that hangs fails the test, not the suite
    try:
        while any(w.poll() is None for w in writers):
            assert time.monotonic() < deadline, "the writers did not finish in 60 s"
            data = target.read_bytes()
            seen.add(data[:1])
            # Whole: one writer's payload from the first byte to the last, or the first file.
            assert data in (b"0" * 10, b"A" * 300_000, b"B" * 300_000), (len(data), data[:1])
    finally:
        for w in writers:
            w.wait(60)
    assert [w.returncode for w in writers] == [0, 0]
    assert seen & {b"A", b"B"}  # the reader really saw the writers at work
    assert [p.name for p in tmp_path.iterdir()] == ["sessions.json"]
    assert mode(target) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "config.toml"
    target.write_text("old = 1\n")
    target.chmod(0o644)
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write("new = ")
        raise RuntimeError("the disk is full, say")
    assert target.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
    with atomic_write(target) as out:
        out.write("new = 2\n")
    assert target.read_text() == "new = 2\n" and mode(target) == 0o600


def test_a_missing_folder_is_an_oserror_and_creates_nothing(tmp_path):
    with pytest.raises(OSError), atomic_write(tmp_path / "no" / "file.csv") as out:
        out.write("x")
    assert list(tmp_path.iterdir()) == []


def test_the_config_and_the_sessions_file_are_written_private(tmp_path):
    saved = config.save({"work": {"timezone": "Europe/Rome"}}, tmp_path / "config.toml")
    assert mode(saved) == 0o600 and config.load(saved)["work"]["timezone"] == "Europe/Rome"
    session = credentials.SessionFile(tmp_path, "bluesky:acme.bsky.social")
    session.save({"accessJwt": "a", "refreshJwt": "r"})
    path = tmp_path / "sessions.json"
    assert mode(path) == 0o600
    credentials._MEMORY.clear()  # what a new process starts with
    assert credentials.SessionFile(tmp_path, "bluesky:acme.bsky.social").load() == {
        "accessJwt": "a",
        "refreshJwt": "r",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "sessions.json"]
