"""A busy, damaged, read-only or full data file: one line, never a traceback, nothing lost.

Each condition is produced for real: a second connection holding the write lock, pages
overwritten with garbage, a read-only disk, file or folder, a disk that fills up (see
fs_kit.py for how, and when a test has to be skipped).
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from conftest import NOW, Result
from fs_kit import damage_pages, freezable_folder, read_only_file, small_disk
from sync_world import world  # noqa: F401 (a fixture)

from sfogo.inbox.errors import StoreBusy, StoreDamaged, StoreFull, StoreReadOnly
from sfogo.inbox.jsonl import import_file
from sfogo.inbox.store import InboxFilter, Store, failures

BUSY_S = 0.3  # the tests' busy timeout: long enough to be a real wait, short for the suite


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch):
    """Every connection of these tests waits BUSY_S for a lock, not the real 10 s."""
    from sfogo.inbox.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", BUSY_S)


@pytest.fixture
def run(capsys, clock):
    """``sfogo ARGS`` in-process on the test clock; any traceback would escape ``main`` and
    fail the test."""
    from sfogo.tui.cli import Context, main

    def run(*args, db=None) -> Result:
        capsys.readouterr()
        ctx = Context(clock=clock)
        argv = [str(a) for a in args] if db is None else ["--db", str(db), *map(str, args)]
        code = main(argv, context=ctx)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def one_line(result: Result) -> str:
    """The one error line a failed command printed (and nothing like a traceback)."""
    assert result.code == 1, result
    assert "Traceback" not in result.err and "sqlite3." not in result.err, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("sfogo: ")
    return lines[0]


def jsonl(path, count: int, *, start: int = 0, text: str = "hello") -> str:
    """``count`` good import lines for one account."""
    with open(path, "w", encoding="utf-8") as out:
        for i in range(start, start + count):
            record = {
                "client": "Acme",
                "account": "acme",
                "id": f"m{i}",
                "kind": "comment",
                "created_at": "2026-11-20T09:00:00Z",
                "text": f"{text} {i}",
            }
            out.write(json.dumps(record) + "\n")
    return str(path)


def a_new_item(path) -> int:
    with Store(path) as store:
        return store.items.page(InboxFilter(statuses=("new",)), limit=1)[0]["id"]


def count_items(path) -> int:
    with Store(path) as store:
        return store.items.count(InboxFilter(statuses=()))


# -- busy -------------------------------------------------------------------------------------


def test_a_write_that_cannot_get_the_lock_says_busy_and_a_retry_works(run, demo_db):
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing, and taking its time
    try:
        line = one_line(run("done", 5))
        assert line == (
            f"sfogo: the inbox is busy (another program kept {demo_db} locked for "
            f"{BUSY_S:g} s); try again"
        )
        r = run("list", "--limit", 3)  # reads are not blocked by a writer (WAL)
        assert r.code == 0 and "most urgent first" in r.err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    item = a_new_item(demo_db)
    assert run("done", item).code == 0
    with Store(demo_db) as store:
        assert store.items.get(item)["status"] == "done"


def test_a_check_that_cannot_get_the_lock_says_busy_not_damaged(run, demo_db):
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the search index's check is a write in SQLite
    try:
        assert "the inbox is busy" in one_line(run("db", "check"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert failures.recorded_damage(demo_db) is None
    assert run("db", "check").code == 0


def test_the_store_raises_busy_and_keeps_nothing_of_the_transaction(demo_db):
    item = a_new_item(demo_db)
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store(demo_db, busy_timeout_s=0.1) as store, pytest.raises(StoreBusy):
            store.marks.set_status([item], "done", now=NOW)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store(demo_db) as store:
        assert store.items.get(item)["status"] == "new"


def test_an_import_that_cannot_get_the_lock_stops_with_a_summary(run, db_path, tmp_path):
    assert run("import", jsonl(tmp_path / "a.jsonl", 10)).code == 0
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = run("import", jsonl(tmp_path / "b.jsonl", 10, start=10))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "imported 0 new items, 0 already there; stopped after line 0" in r.out
    assert "the inbox is busy" in one_line(Result(r.code, "", r.err))
    assert count_items(db_path) == 10


# -- damaged ----------------------------------------------------------------------------------


def test_a_damaged_file_is_named_by_every_command_and_takes_no_write(run, demo_db, tmp_path):
    backup = tmp_path / "backup.db"
    shutil.copyfile(demo_db, backup)
    damage_pages(demo_db)
    # A command that reads the damaged pages finds the damage: one line, with the way out.
    line = one_line(run("stats"))
    assert line.startswith(f"sfogo: {demo_db} is damaged (database disk image is malformed)")
    assert "'sfogo db check'" in line and "restore a backup" in line and "sfogo export" in line
    assert failures.recorded_damage(demo_db) == "database disk image is malformed"
    # From then on every command names it; writes are refused before they start.
    before = demo_db.read_bytes()
    for args in (("done", 5), ("snooze", 5, "--until", "2h"), ("reopen", 5)):
        assert "is damaged" in one_line(run(*args)), args
    r = run("import", jsonl(tmp_path / "in.jsonl", 3))
    assert r.code == 1 and "is damaged" in r.err and "imported 0 new items" in r.out
    assert demo_db.read_bytes() == before
    r = run("list", "--limit", 2)  # a read still shows what it can, then names the damage
    count, damage = r.err.splitlines()  # piped: the count, then the damage, on stderr
    assert r.code == 1 and "most urgent first" in count
    assert one_line(Result(r.code, "", damage + "\n")).startswith(f"sfogo: {demo_db} is damaged")
    # The check lists the problems and keeps the file marked.
    r = run("db", "check")
    assert r.code == 1 and "quick_check" not in r.out and "integrity_check" in r.out
    assert failures.recorded_damage(demo_db) is not None
    # A restored backup: the check finds it sound, and the file is usable again.
    shutil.copyfile(backup, demo_db)
    r = run("db", "check")
    assert r.code == 0 and "sound" in r.out, r
    assert failures.recorded_damage(demo_db) is None
    assert run("done", 5).code == 0


def test_a_file_damaged_right_after_its_header_cannot_be_opened_and_says_so(run, demo_db):
    with open(demo_db, "r+b") as handle:  # the header is intact: it is an SQLite file
        handle.seek(100)
        handle.write(b"\xff" * 3996)
    for args in (("list",), ("done", 5), ("db", "check")):
        line = one_line(run(*args))
        assert line == (
            f"sfogo: {demo_db} is damaged (database disk image is malformed) so badly that it "
            "cannot be opened: restore a backup"
        ), args


def test_a_file_that_says_it_is_not_a_database_after_its_header(run, demo_db):
    with open(demo_db, "r+b") as handle:  # page 1's b-tree header: not a table page
        handle.seek(100)
        handle.write(b"\x00" * 12)
    line = one_line(run("done", 5))
    assert f"{demo_db} is damaged" in line


def test_the_store_names_damage_it_reads_and_records_it(demo_db):
    damage_pages(demo_db)
    with Store(demo_db) as store:
        with pytest.raises(sqlite3.DatabaseError) as raised:
            store.items.stats()
        error = store.failure(raised.value)
    assert isinstance(error, StoreDamaged)
    assert failures.recorded_damage(demo_db) == "database disk image is malformed"
    with Store(demo_db) as store, pytest.raises(StoreDamaged):
        store.marks.set_status([5], "done", now=NOW)


# -- read-only ------------------------------------------------------------------------------


def test_a_connection_that_may_not_write_refuses_in_one_line(demo_db):
    with Store(demo_db) as store:
        store.conn.execute("PRAGMA query_only = ON")  # SQLite itself refuses every write
        with pytest.raises(StoreReadOnly, match=f"{demo_db} is read-only"):
            store.marks.set_status([5], "done", now=NOW)
        assert store.items.get(5)["id"] == 5


def _read_only_story(run, db, tmp_path) -> None:
    """Every read works; every write is refused in one line; nothing changes."""
    r = run("list", "--limit", 3, db=db)
    assert r.code == 0 and "most urgent first" in r.err, r
    # New keyword lists would be recorded on a writable file; here the file's keys rank.
    config = tmp_path / "keywords.toml"
    config.write_text('[keywords]\nurgent = ["prenotazione"]\n')
    for args in (("list", "--limit", 3), ("next",), ("backlog",), ("plan",)):
        r = run("--config", config, *args, db=db)
        # No error (piped, a listing's count goes to stderr; errors start with "sfogo:").
        assert r.code == 0 and "sfogo:" not in r.err, (args, r)
    for args in (
        ("show", 5),
        ("why", 5),
        ("stats",),
        ("clients",),
        ("accounts",),
        ("gaps",),
        ("health",),
        ("outbox",),
        ("report", "Hotel", "--since", "7d"),
        ("export", "-o", tmp_path / "copy.jsonl"),
        ("db", "check"),
    ):
        r = run(*args, db=db)
        assert r.code == 0, (args, r)
    for args in (("done", 5), ("snooze", 5, "--until", "2h"), ("reopen", 5)):
        line = one_line(run(*args, db=db))
        assert line.startswith(f"sfogo: {db} is read-only: "), line
        assert line.endswith("commands that read work"), line
    r = run("import", jsonl(tmp_path / "in.jsonl", 3), db=db)
    assert r.code == 1 and "is read-only" in r.err and "imported 0 new items" in r.out


def test_a_read_only_file_reads_and_refuses_writes(run, demo_db, tmp_path):
    before = count_items(demo_db)
    with read_only_file(demo_db):
        _read_only_story(run, demo_db, tmp_path)
    assert count_items(demo_db) == before


def test_a_file_on_a_read_only_disk_or_folder_reads_and_refuses_writes(
    run, demo_template, tmp_path
):
    folder = tmp_path / "ro"
    with freezable_folder(folder) as freeze:
        db = folder / "sfogo.db"
        shutil.copyfile(demo_template, db)
        freeze()
        _read_only_story(run, db, tmp_path)
        assert sorted(p.name for p in folder.iterdir()) == ["sfogo.db"]  # no log, no marker


# -- full ---------------------------------------------------------------------------------------


def test_a_full_file_stops_the_import_and_keeps_every_batch_before_it(store, tmp_path):
    """SQLite's page limit makes the file full for real, wherever the suite runs."""
    source = jsonl(tmp_path / "big.jsonl", 3000, text="x" * 400)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 150}")
    result = import_file(store, source, now=NOW)
    assert isinstance(result.stopped, StoreFull)
    assert 0 < result.written_to < 3000
    # Everything up to the last committed batch is there, nothing after it.
    ids = {row["external_id"] for row in store.items.iter_rows(InboxFilter(statuses=()))}
    assert ids == {f"m{i}" for i in range(result.written_to)}
    assert result.added == result.written_to


def test_a_full_disk_is_one_line_and_a_summary_and_nothing_is_lost(run, tmp_path):
    with small_disk(tmp_path / "disk", "2m") as disk:
        db = disk / "sfogo.db"
        source = jsonl(tmp_path / "big.jsonl", 6000, text="y" * 300)
        r = run("import", source, db=db)
        assert r.code == 1
        err = r.err.splitlines()
        assert len(err) == 1 and err[0].startswith(f"sfogo: no space left for {db} ("), err
        assert "free some space, then try again" in err[0]
        assert "the import stopped: lines up to" in err[0]
        written = int(r.out.rsplit("stopped after line ", 1)[1].replace(",", ""))
        assert 0 < written < 6000
        assert count_items(db) == written
        assert run("list", "--limit", 1, db=db).code == 0  # the file is sound and readable


def test_a_full_file_during_sync_stops_it_and_is_never_the_platforms_gap(world):
    masto = world.mastodon(seed=3)
    account, owner = world.mastodon_account(masto, "acme")
    masto.add_mentions(owner, 400)
    pages = world.store.conn.execute("PRAGMA page_count").fetchone()[0]
    world.store.conn.execute(f"PRAGMA max_page_count = {pages + 8}")
    with pytest.raises(StoreFull, match="no space left for"):
        world.sync()
    assert all(run["outcome"] != "broken" for run in world.runs(account.id))
    world.store.conn.execute("PRAGMA max_page_count = 1000000")  # space again: it goes on
    results = world.sync()
    assert [r.outcome for r in results.values()] == ["ok"]
    assert [run["outcome"] for run in world.runs(account.id)] == ["ok"]
    assert len(world.external_ids(account.id)) == 400


# -- the app ------------------------------------------------------------------------------------


async def settle_past(pilot) -> None:
    """Wait for the workers when one of them is expected to fail (waiting on a failed worker
    raises its error; the app itself has shown it by then)."""
    from textual.worker import WorkerFailed
    from tui_kit import settle

    try:
        await settle(pilot)
    except WorkerFailed:
        await settle(pilot)


async def test_the_app_says_busy_in_one_notification_and_keeps_running(inbox_db):
    from tui_kit import make_app, screen_text, settle, status_of

    from sfogo.tui.widgets import InboxList

    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("d")
            await settle_past(pilot)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settle(pilot)
        text = screen_text(app)
        assert "the inbox is busy" in text and "Traceback" not in text
        assert app.is_running
        assert status_of(db_path, ids[0])[0] == "new"
        assert list(app.screen.query_one(InboxList).ids) == ids  # the file as it is
        current = app.screen.query_one(InboxList).current_id
        await pilot.press("d")  # the lock is free: the same key works now
        await settle(pilot)
        assert status_of(db_path, current)[0] == "done"


async def test_the_app_finds_damage_in_the_background_and_refuses_writes(demo_db):
    from tui_kit import make_app, screen_text, settle

    damage_pages(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        assert app.is_running
        app.check_file()  # what the app runs a few seconds after it opens
        await settle_past(pilot)
        assert failures.recorded_damage(demo_db) is not None
        assert "is damaged" in screen_text(app)
        before = demo_db.read_bytes()
        await pilot.press("d")
        await settle_past(pilot)
        assert app.is_running and demo_db.read_bytes() == before


async def test_the_app_names_damage_found_earlier_when_it_opens(demo_db):
    from tui_kit import make_app, screen_text, settle

    failures.record_damage(demo_db, "database disk image is malformed")
    app = make_app(demo_db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        # Said once, in a toast (the file's path before it wraps as long as the test's folder).
        (said,) = [n.message for n in app._notifications]
        assert "is damaged" in said and "'sfogo db check'" in said
        assert "damaged" in screen_text(app)


def test_a_demo_built_again_forgets_the_old_files_damage(run, tmp_path):
    db = tmp_path / "demo.db"
    assert run("demo", "--db", db, "--no-tui", "--size", 200).code == 0
    failures.record_damage(db, "database disk image is malformed")
    assert run("demo", "--db", db, "--no-tui", "--size", 200).code == 0
    assert failures.recorded_damage(db) is None
    assert run("done", 1, db=db).code == 0


async def test_the_app_on_a_read_only_disk_lists_and_says_why_it_cannot_write(
    demo_template, tmp_path
):
    from tui_kit import make_app, screen_text

    from sfogo.tui.widgets import InboxList

    folder = tmp_path / "ro"
    with freezable_folder(folder) as freeze:
        db = folder / "sfogo.db"
        shutil.copyfile(demo_template, db)
        freeze()
        app = make_app(db)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await settle_past(pilot)
            listed = list(app.screen.query_one(InboxList).ids)
            assert listed
            await pilot.press("j", "j", "d")
            await settle_past(pilot)
            text = screen_text(app)
            assert app.is_running
            assert text.count("is read-only") == 1, text  # once, however many writes failed
            assert list(app.screen.query_one(InboxList).ids) == listed
