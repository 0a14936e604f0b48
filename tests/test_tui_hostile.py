"""Hostile text is inert on every screen: markup shows as typed, escape sequences (window
title, OSC 52 clipboard write, clear screen, C1 CSI) and bidi overrides never reach the
terminal, and nothing crashes.

The file is written by "another tool" with raw SQL, so the text skips ingest's sanitising:
the app must not rely on it. Pasted text (composer, tag and search fields) is the other way
in.
"""

from __future__ import annotations

import pytest
from conftest import NOW
from textual import events
from tui_kit import (
    ESCAPE_BYTES,
    HOSTILE_ESCAPES,
    HOSTILE_MARKUP,
    build_inbox,
    make_app,
    screen_text,
    settle,
)

from sfogo.inbox.store import Store
from sfogo.tui.screens import (
    DetailScreen,
    FilterScreen,
    HelpScreen,
    ReplyScreen,
    SnoozeScreen,
    TagScreen,
)
from sfogo.tui.widgets import SafeInput, SafeTextArea

BAD = f"{HOSTILE_MARKUP} [/ {HOSTILE_ESCAPES}"


pytestmark = pytest.mark.usefixtures("rome_time")


@pytest.fixture
def hostile_db(db_path):
    """Every text field the app shows, hostile, in the most urgent item and around it."""
    with Store(db_path) as store:
        ids = build_inbox(store)
        conn = store.conn
        conn.execute("UPDATE clients SET name = ? WHERE tier = 'vip'", (f"Hotel {BAD}",))
        conn.execute("UPDATE accounts SET handle = ? WHERE channel = 'instagram'", (BAD,))
        conn.execute(
            "UPDATE interactions SET text = ?, author_name = ?, author_handle = ?,"
            " url = ? WHERE id = ?",
            (BAD, BAD, BAD, f"https://x.example/{BAD}", ids[0]),
        )
        conn.execute("INSERT INTO interaction_tags VALUES (?, ?)", (ids[0], BAD))
        conn.execute(
            "INSERT INTO replies (interaction_id, text, state, reason, created_at,"
            " updated_at, idempotency_key) VALUES (?, ?, 'held', ?, ?, ?, 'k1')",
            (ids[0], BAD, BAD, NOW - 60, NOW - 60),
        )
        account = conn.execute("SELECT id FROM accounts WHERE channel = 'instagram'").fetchone()
        # A failing sync run: the item arrived in a gap (the pane names the account).
        conn.execute(
            "INSERT INTO sync_runs (account_id, started_at, ended_at, outcome, detail)"
            " VALUES (?, ?, ?, 'down', ?)",
            (account[0], NOW - 86400, NOW - 86400, BAD),
        )
    return db_path, ids


def inert(app) -> str:
    text = screen_text(app)
    for bad in ESCAPE_BYTES:
        assert bad not in text, repr(bad)
    assert app.is_running and app.return_code is None
    return text


@pytest.mark.parametrize("size", [(120, 40)])
async def test_the_list_the_pane_and_the_view_bar(hostile_db, size):
    db_path, _ids = hostile_db
    app = make_app(db_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # read it: head, reply, body, urgency, gap, thread
        await settle(pilot)
        text = inert(app)
        assert "[@click=app.quit]" in text and "Your reply" in text
        for _ in range(12):
            await pilot.press("j")  # scroll through the whole item
        await settle(pilot)
        inert(app)
        gap = str(app.screen.query_one("#detail-gap").content)
        assert "Arrived in a gap" in gap and "[@click=app.quit]" in gap
        await pilot.press("q", "f", "tab", "space", "q")  # filter by the hostile client
        await settle(pilot)
        text = inert(app)
        assert "f: Hotel [@click" in text
        await pilot.press("c")  # copy the hostile link: the toast quotes it
        await settle(pilot)
        inert(app)
        assert "\x1b" not in app.clipboard


async def test_the_item_screen_and_every_prompt(hostile_db):
    db_path, _ids = hostile_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24), notifications=True) as pilot:
        await settle(pilot)
        inert(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "[@click" in inert(app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagScreen)
        inert(app)  # the current (hostile) tag is listed
        field = app.screen.query_one(SafeInput)
        field.post_message(events.Paste(BAD))
        await pilot.pause()
        assert not any(b in field.value for b in ESCAPE_BYTES)
        await pilot.press("enter")
        await settle(pilot)
        inert(app)  # the toast names the tags
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        inert(app)  # the excerpt of what is answered
        area = app.screen.query_one(SafeTextArea)
        area.post_message(events.Paste(BAD + "\nsecond line"))
        await pilot.pause()
        assert "second line" in area.text
        assert not any(b in area.text for b in ESCAPE_BYTES)
        inert(app)
        await pilot.press("escape", "s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("t")
        app.screen.query_one(SafeInput).post_message(events.Paste(BAD))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "bad time" in inert(app)  # the error quotes it, inert
        await pilot.press("escape", "escape")
        await settle(pilot)


async def test_the_filters_help_and_search(hostile_db):
    db_path, _ids = hostile_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "Hotel [@click=app.quit]" in inert(app)
        await pilot.press("q", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        inert(app)
        await pilot.press("q", "slash")
        bar = app.screen.query_one(SafeInput)
        bar.post_message(events.Paste(f"{HOSTILE_MARKUP} \x1b]0;x\x07"))
        await settle(pilot)
        assert "[@click=app.quit]" in inert(app)  # the header echoes the search, literally
        app.report_error(RuntimeError(BAD), where="inbox-ids")
        await pilot.pause()
        inert(app)


async def test_config_text_is_inert_too(db_path, tmp_path):
    """View names come from the config file: shown literally."""
    with Store(db_path) as store:
        build_inbox(store, count=5)
    config = tmp_path / "config.toml"
    config.write_text(
        '[[views]]\nname = "[@click=app.quit]x[/] [/"\nsearch = "[/"\n'
        '[[views]]\nname = "bad"\nclient = "[b]nobody[/b] [/"\n'
    )
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert "[@click=app.quit]x[/]" in inert(app)
        await pilot.press("7")
        await settle(pilot)
        assert any("no client '[b]nobody[/b] [/'" in str(n.message) for n in app._notifications)
        inert(app)
