"""Shared fixtures: real SQLite files in temporary folders, the test clock, the real
command line on that clock."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass

import pytest

from sfogo.inbox.clock import ManualClock
from sfogo.inbox.store import Store

# A fixed "now" for tests that build data relative to the present: 2026-11-27 12:00 UTC.
NOW = 1795780800


@pytest.fixture(autouse=True)
def no_system_keyring(monkeypatch):
    """No test reads or writes the keyring of the machine it runs on: every test, and every
    child process it starts, has keyring's "fail" backend (no keyring) unless it sets up
    its own (``file_keyring`` in tests/test_login.py)."""
    import keyring
    from keyring.backends import fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


@pytest.fixture
def clock() -> ManualClock:
    """The test's clock, at NOW until the test moves it: the ``cli`` fixture's commands, the
    sync world's emulators and syncers all read this one."""
    return ManualClock(NOW)


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """A fresh data file path; SFOGO_DB and SFOGO_CONFIG point into the temp folder too."""
    path = tmp_path / "sfogo.db"
    monkeypatch.setenv("SFOGO_DB", str(path))
    monkeypatch.setenv("SFOGO_CONFIG", str(tmp_path / "config.toml"))
    return path


@pytest.fixture
def store(db_path):
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture
def rome_time(monkeypatch):
    """Local times in a fixed zone, Europe/Rome (the demo's stories are told in Rome time, and
    a test's '13:00' means 12:00 UTC). The app's tests use it for every test of the module:
    ``pytestmark = pytest.mark.usefixtures("rome_time")``."""
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def inbox_db(db_path):
    """The app tests' small inbox (``tui_kit.build_inbox``): (path, ids in triage order)."""
    from tui_kit import build_inbox  # imports the app: only for the tests that ask for it

    with Store(db_path) as store:
        ids = build_inbox(store)
    return db_path, ids


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo inbox at NOW (seed 0), built once; tests work on their own copy (demo_db)."""
    from sfogo.tui.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with Store(path) as store:
        build_demo(store, seed=0, now=NOW)
    return path


@pytest.fixture
def demo_db(demo_template, db_path):
    """A private copy of the demo inbox at ``db_path`` (the app writes: it marks items seen,
    wakes snoozed ones)."""
    shutil.copyfile(demo_template, db_path)
    return db_path


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(db_path, capsys, clock):
    """Run ``sfogo ARGS`` in-process through the real click entry point, on the test's
    clock; returns code/out/err."""
    from sfogo.tui.cli import Context, main

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args], context=Context(clock=clock))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
