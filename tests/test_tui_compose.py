"""Replies fast to write, and never lost: the draft kept across escape and a restart, canned
replies on ctrl+t, @ completion, the platform's length, warnings before a reply the platform
will refuse, and $EDITOR on ctrl+e.

Each test runs the real app on a real file and checks the file through a second connection.
"""

from __future__ import annotations

import os
import sys

import pytest
from conftest import NOW
from tui_kit import make_app, screen_text, settle

from sfogo.inbox.model import Interaction
from sfogo.inbox.outbox import list_replies
from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.screens import CannedPicker, ConfirmScreen, InboxScreen, ReplyScreen
from sfogo.tui.widgets import InboxList

pytestmark = pytest.mark.usefixtures("rome_time")


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def draft_of(db_path, item_id: int) -> str | None:
    with Store(db_path) as other:
        draft = other.drafts.get(item_id)
    return None if draft is None else draft["text"]


def queued(db_path) -> list[tuple[int, str]]:
    with Store(db_path) as other:
        return [(r["item_id"], r["text"]) for r in list_replies(other)]


async def open_composer(pilot) -> ReplyScreen:
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReplyScreen)
    return pilot.app.screen


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).content)


async def move_to(pilot, item_id: int) -> None:
    inbox = pilot.app.screen.query_one(InboxList)
    inbox.move_to(list(inbox.ids).index(item_id))
    await settle(pilot)


# -- the draft ----------------------------------------------------------------------------------


async def test_the_draft_survives_escape_and_a_restart_until_it_is_queued(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await open_composer(pilot)
        await pilot.press(*"Ciao, ")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert draft_of(db_path, ids[0]) == "Ciao, "
        assert toasts(app)[-1] == "Draft kept: r opens it again."
        inbox = app.screen.query_one(InboxList)
        assert inbox.render_line(inbox.cursor - round(inbox.scroll_offset.y)).text[1] == "✎"
        composer = await open_composer(pilot)
        assert composer.area.text == "Ciao, "
        await pilot.press(*"a domani")
        # The app closes with the composer open: what was written is kept all the same.
    assert draft_of(db_path, ids[0]) == "Ciao, a domani"
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        assert inbox.render_line(0).text[1] == "✎"
        composer = await open_composer(pilot)
        assert composer.area.text == "Ciao, a domani"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    assert queued(db_path) == [(ids[0], "Ciao, a domani")]
    assert draft_of(db_path, ids[0]) is None  # queued: the draft is gone with it


async def test_ctrl_g_discards_the_draft_after_asking(inbox_db):
    db_path, ids = inbox_db
    with Store(db_path) as store:
        store.drafts.save(ids[0], "una bozza", now=NOW)
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await open_composer(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # no: back to the text, as it was
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen) and app.screen.area.text == "una bozza"
        await pilot.press("ctrl+g", "y")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert toasts(app)[-1] == "Draft discarded."
    assert draft_of(db_path, ids[0]) is None
    assert queued(db_path) == []


# -- canned replies -----------------------------------------------------------------------------


async def test_ctrl_t_picks_a_canned_reply_by_a_few_letters_with_the_names_filled(
    inbox_db, tmp_path
):
    db_path, ids = inbox_db
    config = tmp_path / "config.toml"
    config.write_text(
        '[[replies]]\nname = "grazie"\ntext = "Grazie {author}! A presto da {client}."\n'
        'language = "it"\n'
    )
    with Store(db_path) as store:
        store.canned.add("orari", "Aperti 12-23, {handle}.", now=NOW)
        first = store.items.get(ids[1])
    app = make_app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await move_to(pilot, ids[1])
        await open_composer(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, CannedPicker)
        listed = screen_text(app)
        assert "grazie" in listed and "orari" in listed  # the config's and the file's
        await pilot.press(*"grz", "enter")  # fuzzy: g…r…z
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        expected = f"Grazie {first['author_name']}! A presto da Hotel Roma Centrale."
        assert app.screen.area.text == expected
        await pilot.press("ctrl+t", *"orari", "enter")
        await settle(pilot)
        assert app.screen.area.text == expected + f"Aperti 12-23, {first['author_handle']}."


# -- @ mentions ---------------------------------------------------------------------------------


async def test_at_offers_the_handles_of_the_conversation_and_tab_takes_one(inbox_db):
    db_path, ids = inbox_db
    with Store(db_path) as store:
        rows = store.items.by_ids(ids).values()
        answer = next(r["id"] for r in rows if r["external_id"] == "ext-0")  # answers ext-2
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await move_to(pilot, answer)
        composer = await open_composer(pilot)
        handles = composer.area.handles
        # The conversation's first (its own author, then the one it answers), then the
        # account's latest writers.
        assert handles[:2] == ["@fan0", "@fan2"], handles
        await pilot.press(*"Ciao @fan")
        await pilot.pause()
        mentions = app.screen.query_one("#reply-mentions")
        assert mentions.display and mentions.option_count >= 2
        await pilot.press("down", "tab")
        await pilot.pause()
        assert composer.area.text == "Ciao @fan2 "
        assert not mentions.display
        await pilot.press(*"@zz")  # nobody: nothing offered, enter is a new line again
        await pilot.pause()
        assert not mentions.display
        await pilot.press("enter")
        assert composer.area.text == "Ciao @fan2 @zz\n"


# -- length, warnings ---------------------------------------------------------------------------


async def test_the_count_follows_the_platform_and_a_reply_over_it_is_not_queued(inbox_db):
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        composer = await open_composer(pilot)  # an Instagram DM: 1,000 bytes
        assert text_of(app, "#reply-count").startswith("0/1,000 bytes · instagram")
        await pilot.press(*"Così")
        await pilot.pause()
        assert text_of(app, "#reply-count").startswith("5/1,000 bytes")  # ì is two bytes
        composer.area.load_text("é" * 501)
        await pilot.pause()
        assert text_of(app, "#reply-count").startswith("1,002/1,000 bytes")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        assert "1,002 bytes: instagram takes at most 1,000; shorten the reply" in text_of(
            app, "#reply-error"
        )
    assert queued(db_path) == []


async def test_a_blocked_account_warns_and_asks_before_queueing(inbox_db):
    db_path, ids = inbox_db
    with Store(db_path) as store:
        row = store.items.get(ids[0])
        store.runs.add(row["account_id"], NOW - 7200, NOW - 7190, "blocked", "action blocked")
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_composer(pilot)
        warning = text_of(app, "#reply-warn")
        assert "⚠ instagram blocked this account at its last sync (2 hours ago)" in warning
        await pilot.press(*"Ciao", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        assert queued(db_path) == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    assert queued(db_path) == [(ids[0], "Ciao")]


async def test_a_closed_window_warns_and_asks_before_queueing(inbox_db):
    db_path, _ids = inbox_db
    with Store(db_path) as store:
        account = next(a for a in store.accounts.all() if a.channel == "instagram")
        store.items.upsert(
            [
                Interaction(
                    account_id=account.id,
                    external_id="late-dm",
                    kind="dm",
                    created_at=NOW - 30 * 3600,
                    text="Ci siete?",
                    author_name="Lia",
                    author_handle="@lia",
                )
            ],
            now=NOW,
        )
        rows = store.items.by_ids(store.items.ids(InboxFilter())).values()
        late = next(r["id"] for r in rows if r["external_id"] == "late-dm")
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await move_to(pilot, late)
        await open_composer(pilot)
        assert "reply window closed 6 hours ago" in text_of(app, "#reply-warn")
        await pilot.press(*"Scusate", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = text_of(app, "#confirm-question")
        assert question.endswith("Queue it anyway?") and "refuses replies after" in question
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
    assert queued(db_path) == [(late, "Scusate")]


# -- $EDITOR ------------------------------------------------------------------------------------


async def test_ctrl_e_writes_the_draft_in_the_editor_of_editor(inbox_db, tmp_path, monkeypatch):
    db_path, _ids = inbox_db
    editor = tmp_path / "editor.py"
    # The editor the test runs: it adds a line to the file it is given, as a person would.
    editor.write_text(
        "import sys\n"
        "with open(sys.argv[1], 'a', encoding='utf-8') as f:\n"
        "    f.write(' e un saluto\\n\\x1b]0;title\\x07')\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        composer = await open_composer(pilot)
        await pilot.press(*"Ciao", "ctrl+e")
        await settle(pilot)
        # What the editor wrote, made safe: the escape sequence is not passed on.
        assert composer.area.text.startswith("Ciao e un saluto")
        assert "\x1b" not in composer.area.text and "\x07" not in composer.area.text
        monkeypatch.setenv("EDITOR", os.fspath(tmp_path / "no-such-editor"))
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert "no editor" in text_of(app, "#reply-error")
        assert composer.area.text.startswith("Ciao e un saluto")
