"""One age for one moment, on every face: the command line's list, show, backlog and health,
and the app's list row, detail pane and health bar say the same age for the same item
(long words on the command line, short cells in the app's columns: one rounding rule)."""

from __future__ import annotations

import re

import pytest
from conftest import NOW
from tui_kit import make_app, screen_text, settle

from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store

MINUTE, HOUR, DAY = 60, 3600, 86400
UNITS = {"m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year"}


def said(words: str) -> tuple[int, str]:
    """(count, unit) of '2 hours ago', 'an hour ago', '5d', '2h'."""
    short = re.fullmatch(r"(\d+)(mo|[mhdwy])", words)
    if short:
        return int(short[1]), UNITS[short[2]]
    long = re.fullmatch(r"(an?|\d+) (\w+?)s? ago", words)
    assert long, words
    return (1 if long[1] in ("a", "an") else int(long[1])), long[2]


def gap_inbox(path, age: int) -> int:
    """An account that went offline ``age`` seconds ago, with an item that arrived at that
    very moment (so it is in the backlog, and the gap is as old as the item)."""
    at = NOW - age
    with Store(path) as s:
        s.clients.add("Hotel Aurora", "low", now=at - 30 * DAY)
        acc = s.accounts.add("Hotel Aurora", "mastodon", "@aurora", now=at - 30 * DAY)
        s.runs.add(acc.id, at - 20 * DAY, at - 20 * DAY, "ok")
        s.runs.add(acc.id, at, at, "offline", "no route to host")
        s.items.upsert(
            [Interaction(acc.id, "1", "mention", at, author_name="Ada", text="ciao")], now=at
        )
        return s.conn.execute("SELECT id FROM interactions").fetchone()[0]


# Ages where rounding (not cutting) matters: 1 h 50 min is 2 hours, 89 min is an hour,
# 4 d 23 h is 5 days, 47 h 40 min is 2 days (48 hours is said in days).
AGES = [110 * MINUTE, 89 * MINUTE, 4 * DAY + 23 * HOUR, 47 * HOUR + 40 * MINUTE]


@pytest.mark.parametrize("age", AGES)
async def test_every_face_says_the_same_age_for_the_same_item(cli, db_path, age):
    item = gap_inbox(db_path, age)
    ages = {}
    listed = cli("list").out.splitlines()
    ages["list"] = listed[1].split("\t")[1]
    shown = cli("show", str(item)).out
    ages["show"] = re.search(r"^Arrived .*\((.+)\)$", shown, re.M)[1]
    backlog = cli("backlog").out.splitlines()
    row = next(line for line in backlog if line.startswith("Hotel Aurora\t"))
    ages["backlog"] = row.split("\t")[5]
    health = cli("health").out.splitlines()
    ages["health"] = health[1].split("\t")[3]  # GAP SINCE
    app = make_app(db_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = screen_text(app)
    row = next(line for line in screen.splitlines() if "Ada" in line and "ciao" in line)
    ages["app list"] = re.search(r"\b(\d+(?:mo|[mhdwy]))\b", row)[1]
    bar = next(line for line in screen.splitlines() if "✗ mast offline" in line)
    ages["app health bar"] = re.search(r"✗ mast offline (\S+)", bar)[1]
    ages["app detail"] = re.search(r"((?:an?|\d+) \w+ ago)", screen)[1]
    assert len({said(words) for words in ages.values()}) == 1, ages
