"""Every screen of the app as it looks at 80×24 and 40×24, and the main layout wide (clock
frozen, workers drained).

``pytest --snapshot-update tests/test_tui_snapshots.py`` rewrites the pictures after a
deliberate change; look at them (``tests/__snapshots__/``) before committing.
"""

from __future__ import annotations

import pytest
from conftest import NOW
from tui_kit import SIZES, build_inbox, make_app, settle

from sfogo.inbox.outbox import queue_reply
from sfogo.inbox.store import Store

pytestmark = pytest.mark.usefixtures("rome_time")


def _app(db_path, *, reply: bool = False):
    with Store(db_path) as store:
        ids = build_inbox(store)
        if reply:  # the item shows its reply waiting in the outbox
            queue_reply(store, ids[0], "Certo! Vi aspettiamo alle 7.", now=NOW - 120)
    return make_app(db_path)


def keys(*pressed: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run_before


SCREENS = {
    "inbox": ((), False),
    "item": (("enter",), True),
    "snooze": (("s",), False),
    "filters": (("f", "tab", "space"), False),
    "tag": (("t",), False),
    "reply": (("r", *"Grazie, a presto!"), False),
    "help": (("question_mark",), False),
    "selection": (("x", "x"), False),
    "away": (("a",), False),
    "search": (("slash", *"terra"), False),
    "no_match": (("slash", *"zqx", "enter"), False),
    "view": (("4",), False),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_snapshot(db_path, snap_compare, screen, size):
    pressed, reply = SCREENS[screen]
    assert snap_compare(_app(db_path, reply=reply), terminal_size=size, run_before=keys(*pressed))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_empty_file(tmp_path, monkeypatch, snap_compare, size):
    monkeypatch.chdir(tmp_path)  # the screen names the file: the same name every run
    assert snap_compare(make_app("sfogo.db"), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_inbox_zero(db_path, snap_compare, size):
    """Accounts, and nothing new or open: the list says so, the pane is empty."""
    with Store(db_path) as store:
        store.clients.add("Hotel Roma Centrale", "vip", now=NOW)
        store.accounts.add("Hotel Roma Centrale", "instagram", "hotelroma", now=NOW)
    assert snap_compare(make_app(db_path), terminal_size=size, run_before=keys())


WIDE = [(120, 40), (160, 48)]


@pytest.mark.parametrize("size", WIDE, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", ["inbox", "item"])
def test_snapshot_wide(db_path, snap_compare, screen, size):
    """From 120 columns the list and the item sit side by side."""
    pressed, _reply = SCREENS[screen]
    assert snap_compare(_app(db_path, reply=True), terminal_size=size, run_before=keys(*pressed))
