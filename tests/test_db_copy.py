"""``sfogo db copy``: a personal file moves up to a PostgreSQL database and back, every row
counted and checksummed, resumable after a kill, and the copy behaves as the original."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest
from child import Lines
from conftest import NOW

from sfogo.inbox.store import Store

pytestmark = pytest.mark.engines

# What a user sees of an inbox: the same on both engines once copied.
VIEWS = (
    ("list", "--json", "--status", "all", "--limit", "400"),
    ("list", "--json", "--search", "rimborso"),
    ("next", "--json"),
    ("backlog", "--json"),
    ("stats", "--json"),
    ("gaps", "--json"),
    ("plan", "--json"),
    ("posts", "--json"),
)


@pytest.fixture
def pg_url(pg_server):
    """A new, empty PostgreSQL database, with a password in its URL (the server trusts
    loopback and ignores it; the copy must never print it)."""
    name = pg_server.new_database("copy")
    yield pg_server.url(name).replace("sfogo_admin@", "sfogo_admin:hunter2-secret@")
    pg_server.drop_database(name)


def _tables(out: str) -> dict[str, list[str]]:
    """The printed table: name -> its columns (rows, copied, checksum, verdict)."""
    found = {}
    for line in out.splitlines()[2:-1]:
        name, rows, copied, checksum, *verdict = line.split()
        found[name] = [rows, copied, checksum, " ".join(verdict)]
    return found


def test_a_file_copied_to_postgresql_and_back_is_the_same_inbox(cli, demo_db, pg_url, tmp_path):
    r = cli("--db", demo_db, "db", "copy", "--to", pg_url)
    assert r.code == 0, r.err
    assert "hunter2-secret" not in r.out + r.err
    assert r.out.splitlines()[0] == f"{demo_db} → {pg_url.replace('hunter2-secret', '***')}"
    tables = _tables(r.out)
    assert {
        "clients",
        "accounts",
        "interactions",
        "interaction_tags",
        "sync_runs",
        "posts",
        "post_events",
        "replies",
        "away_periods",
        "triage_meta",
    } <= set(tables)
    assert all(t[3] == "same" and t[0] == t[1] for t in tables.values()), r.out
    with Store(demo_db) as mine:
        assert tables["interactions"][0] == f"{mine.items.total():,}"

    for view in VIEWS:
        mine, shared = cli("--db", demo_db, *view), cli("--db", pg_url, *view)
        assert (mine.code, shared.code) == (0, 0), shared.err
        assert shared.json() == mine.json(), view

    back = tmp_path / "back" / "sfogo.db"
    back.parent.mkdir()
    r = cli("--db", pg_url, "db", "copy", "--to", back, "--json")
    assert r.code == 0, r.err
    report = r.json()
    assert report["ok"] and all(t["same"] for t in report["tables"])
    # The same checksums as on the way up (the text shows their first 12 digits).
    assert {t["table"]: t["checksum"][:12] for t in report["tables"]} == {
        name: t[2] for name, t in tables.items()
    }
    for view in VIEWS:
        assert cli("--db", back, *view).json() == cli("--db", demo_db, *view).json(), view


def test_new_rows_after_a_copy_take_new_ids(cli, demo_db, pg_url):
    assert cli("--db", demo_db, "db", "copy", "--to", pg_url).code == 0
    with Store(demo_db) as mine:
        largest = max(c.id for c in mine.clients.all())
    with Store(pg_url) as shared:
        added = shared.clients.add("Nuovo Cliente", "normal", now=NOW)
    assert added.id == largest + 1


def test_a_copy_killed_midway_resumes_where_it_stopped(demo_db, pg_url, tmp_path):
    env = {**os.environ, "SFOGO_NOW": str(NOW)}
    command = [sys.executable, "-c", "import sys; from sfogo.tui.cli import main; sys.exit(main())"]
    args = ["--db", str(demo_db), "db", "copy", "--to", pg_url, "--chunk", "200"]
    proc = subprocess.Popen(
        [*command, *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    lines = Lines(proc.stderr)
    try:
        while not lines.next("a chunk of interactions").startswith("copying interactions: 600"):
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(20)
    finally:
        proc.kill()
    with Store(pg_url) as shared, Store(demo_db) as mine:
        partly, total = shared.items.total(), mine.items.total()
    assert 600 <= partly < total  # stopped midway: whole chunks only

    done = subprocess.run([*command, *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    tables = _tables(done.stdout)
    assert all(t[3] == "same" for t in tables.values()), done.stdout
    assert int(tables["interactions"][1].replace(",", "")) == total - partly
    assert "were there from an earlier run" in done.stdout.splitlines()[-1]


def test_a_target_that_holds_another_inbox_is_refused_and_left_alone(cli, demo_db, tmp_path):
    other = tmp_path / "other.db"
    shutil.copyfile(demo_db, other)
    with Store(other) as store:
        store.clients.add("Solo Mio", "low", now=NOW)
    with Store(demo_db) as store:
        store.clients.add("Altro", "low", now=NOW)
    before = other.read_bytes()
    r = cli("--db", demo_db, "db", "copy", "--to", other)
    assert r.code == 1
    assert r.err.strip().splitlines()[-1] == (
        "sfogo: the target's clients holds rows that are not the source's: copy into a new inbox"
    )
    assert other.read_bytes() == before


def test_copying_an_inbox_onto_itself_is_refused(cli, demo_db):
    r = cli("--db", demo_db, "db", "copy", "--to", demo_db)
    assert r.code == 1
    assert (
        r.err.strip() == "sfogo: --to names the inbox being copied: pass another file or database"
    )
