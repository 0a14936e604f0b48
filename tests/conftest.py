"""Shared fixtures: real SQLite files in temporary folders, a real PostgreSQL server for the
store's suite on both engines, the test clock, the real command line on that clock."""

from __future__ import annotations

import json
import shutil
import signal
import time
from dataclasses import dataclass

import pytest

from sfogo.inbox.clock import ManualClock
from sfogo.inbox.store import Store

# A fixed "now" for tests that build data relative to the present: 2026-11-27 12:00 UTC.
NOW = 1795780800

# The tests press Ctrl+C on the programs they start (`sync --watch`, `serve`), as a user at a
# terminal does. A runner started in the background by a shell has SIGINT ignored, and an
# ignored signal is inherited across exec: the programs would never hear it (seen in a CI run
# launched with `&`). Python's own handler here means each child starts with the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Every test, and every child it starts, speaks English whatever the machine's locale
    (tests/test_italian.py asks for Italian on purpose); the language is English again after."""
    from sfogo.inbox import i18n

    for name in i18n.ENV_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield
    i18n.use("en")


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


ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    """Tests marked ``engines`` that use ``store`` (or ``engine``) run once per engine."""
    if metafunc.definition.get_closest_marker("engines") is None:
        return
    if metafunc.definition.get_closest_marker("sqlite_only") is not None:
        return
    if "engine" in metafunc.fixturenames:
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request) -> str:
    """The test's engine: "sqlite", unless its module is marked ``engines`` (then each)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server():
    """The session's PostgreSQL server (tests/pg_server.py), started on first use; skipped
    with the reason when the server's binaries are not installed."""
    from pg_server import LocalServer, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed: apt-get install postgresql (CI does)")
    server = LocalServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A database with sfogo's schema, migrated once: each test's database is a copy."""
    name = pg_server.new_database("template")
    Store(pg_server.url(name)).close()
    return name


@pytest.fixture(scope="session")
def pg_copies(pg_server, pg_template):
    """Copies of ``pg_template`` for the tests, each made ahead and dropped after in a
    thread (tests/pg_server.py's :class:`~pg_server.Copies`)."""
    from pg_server import Copies

    copies = Copies(pg_server, pg_template)
    yield copies
    copies.close()


@pytest.fixture
def any_location(engine, db_path, request):
    """A fresh, empty inbox of the test's engine: the file path, or a new database's URL
    (SFOGO_DB names it, so the command line opens the same inbox)."""
    if engine == "sqlite":
        yield db_path
        return
    server = request.getfixturevalue("pg_server")
    copies = request.getfixturevalue("pg_copies")
    name = copies.take()
    url = server.url(name)
    request.getfixturevalue("monkeypatch").setenv("SFOGO_DB", url)
    yield url
    copies.drop(name)  # each copy is megabytes: hundreds would fill the disk


@pytest.fixture
def store(any_location):
    s = Store(any_location)
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
