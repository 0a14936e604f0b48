"""sfogo at a terminal: tables in cells at the terminal's width, the pager, pipes left whole.

Each test runs the real program on a real pseudo-terminal (pty_kit), because what it prints
depends on stdout being one.
"""

from __future__ import annotations

import re
import subprocess

from pty_kit import SFOGO, run_on_pty, terminal_env
from rich.cells import cell_len
from sync_world import world  # noqa: F401 (a fixture)

from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store

HOUR = 3600
CLIENTS = ("東京ラーメン横丁", "Pizzeria 🍕 Da Gino", "Hotel Aurora")
AUTHORS = ("山田太郎", "Zoë 🌸", "Luca")


def wide_inbox(path, now: int, n: int = 30) -> None:
    """``n`` items across clients and authors whose names take two cells a character."""
    with Store(path) as s:
        accounts = []
        for i, name in enumerate(CLIENTS):
            s.clients.add(name, "normal", now=now)
            accounts.append(s.accounts.add(name, "mastodon", f"@c{i}", now=now))
        s.items.upsert(
            [
                Interaction(
                    accounts[k % 3].id,
                    str(k),
                    "mention",
                    now - (k + 1) * HOUR,
                    author_name=AUTHORS[k % 3],
                    text=f"{k} ラーメンは美味しいですか 🍜 " * 6,
                )
                for k in range(n)
            ],
            now=now,
        )


def columns_at(line: str) -> list[int]:
    """The cell where each column of a table line starts (columns are two or more spaces
    apart; no value in these tables holds two spaces in a row)."""
    return [0] + [cell_len(line[: m.end()]) for m in re.finditer(r" {2,}", line.rstrip())]


def test_a_terminal_table_measures_cjk_and_emoji_in_cells_and_fits(db_path, clock):
    wide_inbox(db_path, clock.now())
    env = terminal_env(clock.now(), SFOGO_DB=str(db_path))
    for cols in (100, 60):
        code, out = run_on_pty(["list", "--sort", "newest"], env=env, cols=cols, rows=100)
        assert code == 0, out
        lines = out.splitlines()
        assert lines[0].startswith("ID  AGE")
        header = columns_at(lines[0])
        rows = [line for line in lines[1:] if "  mention  " in line]
        assert len(rows) == 30
        for line in rows:
            assert cell_len(line) <= cols, (cols, line)
            # Every column but the last starts where its header does: the wide names are
            # padded by cells, not by code points.
            assert columns_at(line)[:6] == header[:6], (cols, line)
        if cols == 100:  # room for every column's full width (client names are capped)
            # Cut in cells too: a two-cell character that would cross the edge is left out.
            assert sum("  東京ラーメ…   mast" in line for line in rows) == 10
            assert sum("  Pizzeria 🍕…  mast" in line for line in rows) == 10
        assert lines[-1] == "30 of 30 items (new, open), newest first"


def test_a_long_listing_goes_through_the_pager_only_on_a_terminal(db_path, clock):
    wide_inbox(db_path, clock.now())
    pager = "sed -e s/^/»/"  # marks each line it shows
    env = terminal_env(clock.now(), SFOGO_DB=str(db_path), PAGER=pager)
    code, out = run_on_pty(["list"], env=env, rows=10)
    assert code == 0, out
    paged = out.splitlines()
    assert paged[0].startswith("»ID  AGE") and paged[-1].startswith("»30 of 30 items")
    assert len(paged) == 32 and all(line.startswith("»") for line in paged)
    # Shorter than the screen: printed as it is.
    code, out = run_on_pty(["clients"], env=env, rows=10)
    assert code == 0 and out.startswith("ID  CLIENT") and "»" not in out
    # Turned off, after or before the command's name, or for sfogo alone.
    for args, extra in (
        (["list", "--no-pager"], {}),
        (["--no-pager", "list"], {}),
        (["list"], {"SFOGO_PAGER": "cat"}),
    ):
        code, out = run_on_pty(args, env={**env, **extra}, rows=10)
        assert code == 0 and "»" not in out and len(out.splitlines()) == 32, (args, extra)
    # SFOGO_PAGER picks sfogo's own pager over $PAGER.
    code, out = run_on_pty(["list"], env={**env, "SFOGO_PAGER": "sed -e s/^/›/"}, rows=10)
    assert code == 0 and out.startswith("›ID") and "»" not in out
    # Piped: no pager, whole values separated by tabs, the count on stderr.
    piped = subprocess.run(
        [SFOGO, "list"], env=env, capture_output=True, text=True, timeout=60, stdin=None
    )
    assert piped.returncode == 0 and "»" not in piped.stdout
    rows = [line.split("\t") for line in piped.stdout.splitlines()]
    assert len(rows) == 31 and all(len(r) == 7 for r in rows)
    k = int(rows[1][0]) - 1  # the item's external id
    assert rows[1][6] == " ".join((f"{k} ラーメンは美味しいですか 🍜 " * 6).split())
    assert piped.stderr == "30 of 30 items (new, open), most urgent first\n"


def test_long_work_shows_a_bar_on_a_terminal_and_nothing_when_piped(tmp_path, clock):
    demo, dump = tmp_path / "demo.db", tmp_path / "all.jsonl"
    env = terminal_env(clock.now())
    code, out = run_on_pty(["demo", "--size", "20000", "--no-tui", "--db", str(demo)], env=env)
    assert code == 0, out
    assert "Building  [" in out and "100%" in out and "Built the demo inbox" in out
    code, out = run_on_pty(["export", "-o", str(dump), "--db", str(demo)], env=env)
    assert code == 0 and "Exporting  [" in out and "exported 20000 items" in out
    code, out = run_on_pty(["import", str(dump), "--db", str(tmp_path / "copy.db")], env=env)
    assert code == 0 and "Importing  [" in out and "imported 20000 new items" in out
    # Piped: the same work, not a bar in sight.
    for args in (
        ["demo", "--size", "20000", "--no-tui", "--db", str(tmp_path / "piped.db")],
        ["export", "-o", str(tmp_path / "piped.jsonl"), "--db", str(demo)],
        ["import", str(dump), "--db", str(tmp_path / "copy2.db")],
    ):
        piped = subprocess.run([SFOGO, *args], env=env, capture_output=True, text=True, timeout=120)
        assert piped.returncode == 0, piped.stderr
        assert "[##" not in piped.stdout + piped.stderr and "\x1b" not in piped.stderr, args


def test_the_demo_app_leaves_the_mouse_alone_with_no_mouse_after_its_name(tmp_path, clock):
    env = terminal_env(clock.now())
    mouse_on = "\x1b[?1000h"  # the sequence that asks the terminal for mouse reports
    demo = ["--size", "50", "--db", str(tmp_path / "d.db")]
    for args in (["demo", "--no-mouse"], ["--no-mouse", "demo"]):
        code, out = run_on_pty([*args, *demo], env=env, typed="q")  # q quits the app
        assert code == 0 and "sfogo" in out and mouse_on not in out, args
    code, out = run_on_pty(["demo", *demo], env=env, typed="q")
    assert code == 0 and mouse_on in out  # the check can fail: with the mouse, it is there


def test_a_sync_pass_shows_a_bar_over_the_accounts_and_each_ones_line(world, db_path, clock):
    masto = world.mastodon()
    for user in ("acme", "bravo", "carla"):
        _account, owner = world.mastodon_account(masto, user)
        masto.add_mentions(owner, 3)
    world.store.close()
    env = terminal_env(clock.now(), SFOGO_DB=str(db_path), **world.env)
    env["SFOGO_CONFIG"] = world.config_path
    code, out = run_on_pty(["sync"], env=env)
    assert code == 0, out
    assert "Syncing  [" in out and "100%" in out
    lines = [line.rsplit("\x1b[K", 1)[-1] for line in out.splitlines()]  # after the bar
    for user in ("acme", "bravo", "carla"):
        assert any(line.startswith(f"mastodon:@{user}@") and "3 new" in line for line in lines), out
    piped = subprocess.run([SFOGO, "sync"], env=env, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and "\x1b" not in piped.stdout + piped.stderr, piped
    assert len(piped.stdout.splitlines()) == 3  # one line per account, nothing else


def test_health_and_its_detail_lines_go_through_the_pager_when_long(db_path, clock):
    now = clock.now()
    with Store(db_path) as store:
        store.clients.add("Acme", "normal", now=now)
        for n in range(12):
            account = store.accounts.add(
                "Acme", "mastodon", f"@a{n}", settings={"token_env": f"T{n}"}, now=now
            )
            store.runs.add(
                account.id, now - 600, now - 600, "down", f"HTTP 503 for a{n}", 0, None, ""
            )
    env = terminal_env(now, SFOGO_DB=str(db_path), PAGER="sed -e s/^/»/")
    code, out = run_on_pty(["health"], env=env, rows=10)
    assert code == 0, out
    paged = out.splitlines()
    assert paged[0].startswith("»ACCOUNT") and all(line.startswith("»") for line in paged)
    assert "»Nothing syncs this file now" in out  # the detail lines are in the pager too
    assert "»mastodon:@a11: HTTP 503 for a11" in out
    # Room for it all: printed as it is.
    code, out = run_on_pty(["health"], env=env, rows=60)
    assert code == 0 and out.startswith("ACCOUNT") and "»" not in out
