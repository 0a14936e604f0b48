"""A 200,000-item inbox: the cursor moves a thousand times, pages, switches views and filters,
and the highlighted item is always the one the store's own triage order puts there.

Keys are posted the way the terminal driver posts them, in bursts, and checked after each
burst (Pilot's ``press`` waits for idle twice per key: 1,000 of them would take a minute).
"""

from __future__ import annotations

import random
import shutil
import time

import pytest
from conftest import NOW
from textual import events
from tui_kit import make_app, settle, triage_order

from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.demo.build import build_demo
from sfogo.tui.widgets import InboxList

SIZE = 200_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.db"
    with Store(path) as store:
        build_demo(store, size=SIZE, now=NOW)
    return path


@pytest.fixture
def big(big_file, tmp_path, monkeypatch):
    monkeypatch.setenv("SFOGO_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    path = tmp_path / "big.db"
    shutil.copyfile(big_file, path)
    yield path
    monkeypatch.undo()
    time.tzset()


async def post_keys(pilot, keys: list[str]) -> None:
    app = pilot.app
    for key in keys:
        char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()


def walk(rng: random.Random, cursor: int, count: int, page: int, n: int) -> tuple[list, int]:
    """``n`` random moves (mostly j/k, some pages and ends) and where they leave the cursor."""
    keys = []
    for _ in range(n):
        key = rng.choices(["j", "k", "pagedown", "pageup", "G", "g"], [50, 30, 8, 6, 1, 1])[0]
        cursor = {
            "j": cursor + 1,
            "k": cursor - 1,
            "pagedown": cursor + page,
            "pageup": cursor - page,
            "G": count - 1,
            "g": 0,
        }[key]
        cursor = max(0, min(cursor, count - 1))
        keys.append(key)
    return keys, cursor


async def wander(pilot, inbox: InboxList, order: list[int], moves: int, seed: int) -> None:
    rng = random.Random(seed)
    page = inbox._page_height()
    cursor = inbox.cursor
    done = 0
    while done < moves:
        keys, cursor = walk(rng, cursor, len(order), page, 50)
        await post_keys(pilot, keys)
        done += len(keys)
        assert inbox.cursor == cursor
        assert inbox.current_id == order[cursor]
        # The line drawn under the cursor is that item's.
        row = inbox.row_at(cursor)
        line = inbox.render_line(cursor - round(inbox.scroll_offset.y)).text
        assert row["id"] == order[cursor]
        assert (row["author_name"] or row["author_handle"])[:6] in line


async def test_a_200k_inbox_moves_pages_and_filters_to_the_right_items(big):
    with Store(big) as other:
        order = triage_order(other)
        private = triage_order(other, InboxFilter(kinds=("dm", "email")))
        clients = {c.name: c.id for c in other.clients.all()}
        gino = triage_order(other, InboxFilter(client_ids=(clients["Trattoria Da Gino"],)))
        found = triage_order(other, InboxFilter(search="parcheggio"))
    assert len(order) > 20_000 and 0 < len(private) < len(order)
    app = make_app(big)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        assert inbox.complete and list(inbox.ids) == order
        await wander(pilot, inbox, order, 1000, seed=1)

        await pilot.press("5")  # Private messages
        await settle(pilot)
        assert list(inbox.ids) == private and inbox.cursor == 0
        await wander(pilot, inbox, private, 200, seed=2)

        await pilot.press("1", "f", "tab", "j", "j", "j", "space", "escape")  # a client
        await settle(pilot)
        assert list(inbox.ids) == gino
        await wander(pilot, inbox, gino, 200, seed=3)

        await pilot.press("f", "c", "escape", "slash", *"parcheggio", "enter")
        await settle(pilot)
        assert list(inbox.ids) == found
        await wander(pilot, inbox, found, 100, seed=4)
