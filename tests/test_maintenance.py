"""`sfogo db`: a sound file says so in one line, a damaged one names each problem, and
vacuum and analyze leave the data as it was."""

from __future__ import annotations

import shutil
import sqlite3

from sfogo.inbox import maintenance
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store


def fill(path, now: int, n: int = 50) -> None:
    with Store(path) as s:
        s.clients.add("Hotel Aurora", "vip", now=now)
        account = s.accounts.add("Hotel Aurora", "mastodon", "@aurora@m.social", now=now)
        s.items.upsert(
            [
                Interaction(
                    account.id,
                    str(i),
                    "mention",
                    now - 60 * i,
                    author_name="Giulia",
                    text=f"ciao {i}",
                )
                for i in range(n)
            ],
            now=now,
        )


def damage_an_index(path) -> None:
    """Flip one byte of an index's only page (the file is closed, its log checkpointed):
    the rows are intact, the index no longer finds them."""
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'interactions_created'"
        ).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with open(path, "r+b") as f:
        f.seek(root * page_size - 1)
        byte = f.read(1)[0]
        f.seek(root * page_size - 1)
        f.write(bytes([byte ^ 0x55]))


def test_a_sound_file_is_one_line(cli, db_path, clock):
    fill(db_path, clock.now())
    r = cli("db", "check")
    assert r.code == 0, r.err
    assert r.out.count("\n") == 1 and r.out.startswith(f"{db_path}: sound (")
    assert "integrity_check, foreign keys, search index" in r.out
    data = cli("db", "check", "--quick", "--json").json()
    assert data["ok"] is True and [c["name"] for c in data["checks"]] == [
        "quick_check",
        "foreign keys",
        "search index",
    ]


def test_a_damaged_copy_names_each_problem_and_exits_1(cli, db_path, tmp_path, clock):
    fill(db_path, clock.now())
    copy = tmp_path / "damaged.db"
    shutil.copyfile(db_path, copy)
    damage_an_index(copy)

    r = cli("--db", copy, "db", "check")

    assert r.code == 1
    problems = r.out.splitlines()
    assert problems and all(p.startswith("integrity_check: row ") for p in problems)
    assert "missing from index interactions_created" in problems[0]
    assert r.err.count("\n") == 1 and r.err.startswith(f"sfogo: {copy} is damaged (")
    data = cli("--db", copy, "db", "check", "--json").json()
    assert data["ok"] is False and data["checks"][0]["problems"] == [
        p.removeprefix("integrity_check: ") for p in problems
    ]
    assert cli("db", "check").code == 0  # the original is untouched


def test_a_file_that_is_not_sqlite_is_one_line(cli, tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_text("not a database at all\n" * 200)
    r = cli("--db", junk, "db", "check")
    assert r.code == 1 and r.err.count("\n") == 1 and "not an SQLite data file" in r.err


def test_vacuum_gives_space_back_and_keeps_every_row(cli, db_path, clock):
    fill(db_path, clock.now(), n=3000)
    with Store(db_path) as s:
        s.conn.execute("DELETE FROM interactions WHERE id > 100")
        before = maintenance.file_size(s)
    r = cli("db", "vacuum")
    assert r.code == 0, r.err
    assert r.out.startswith(f"vacuumed {db_path}: ") and " MB → " in r.out
    with Store(db_path) as s:
        assert maintenance.file_size(s) < before / 2
        assert s.items.total() == 100
        assert s.items.page(None, limit=1)[0]["text"].startswith("ciao")
    assert cli("db", "check").code == 0


def test_analyze_writes_the_planner_statistics(cli, db_path, clock):
    fill(db_path, clock.now())
    r = cli("db", "analyze")
    assert r.code == 0, r.err
    with sqlite3.connect(db_path) as conn:
        tables = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert "interactions" in tables


def test_db_without_an_action_lists_them(cli):
    r = cli("db")
    assert r.code == 2 and all(a in r.err for a in ("check", "vacuum", "analyze"))
    r = cli("db", "--help")
    assert r.code == 0 and all(a in r.out for a in ("check", "vacuum", "analyze"))
