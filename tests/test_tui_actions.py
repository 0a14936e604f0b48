"""Acting on items from the keyboard: pin, tag, reply, like, copy the link, and batches of
items.

Each test runs the real app on a real file and checks the result through a second
connection, as another process would see it.
"""

from __future__ import annotations

import base64
import inspect

import pytest
from conftest import NOW
from tui_kit import (
    ROW_1,
    expected,
    make_app,
    row_of,
    screen_text,
    settle,
    status_of,
)

from sfogo.inbox.outbox import list_replies
from sfogo.inbox.store import Store
from sfogo.inbox.store.marks import Marks
from sfogo.tui.screens import (
    ConfirmScreen,
    DetailScreen,
    HelpScreen,
    InboxScreen,
    ReplyScreen,
    SnoozeScreen,
    TagScreen,
)
from sfogo.tui.widgets import DetailPane, InboxList, ViewBar

pytestmark = pytest.mark.usefixtures("rome_time")


# -- pin and tag --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24)])
async def test_p_pins_and_unpins_and_the_row_shows_it(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        inbox.move_to(ids.index(2))  # an item far from its deadline: no "!" in front
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert row_of(db_path, 2)["pinned"] is True
        assert inbox.render_line(inbox.cursor - round(inbox.scroll_offset.y)).text[0] == "▲"
        if size[0] >= 60:
            assert "▲ pinned" in screen_text(app)  # the pane says so too
        await pilot.press("p")
        await settle(pilot)
        assert row_of(db_path, 2)["pinned"] is False


async def test_t_adds_and_removes_tags(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagScreen)
        await pilot.press(*"vat #eu", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert row_of(db_path, ids[0])["tags"] == ["eu", "vat"]
        assert "#eu #vat" in screen_text(app)
        await pilot.press("t")
        await pilot.pause()
        assert "#eu #vat" in screen_text(app)  # the prompt lists the current tags
        await pilot.press(*"-eu q", "enter")  # q is a letter here, not "close"
        await settle(pilot)
        assert row_of(db_path, ids[0])["tags"] == ["q", "vat"]
        await pilot.press("t", "escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert row_of(db_path, ids[0])["tags"] == ["q", "vat"]


# -- reply --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_r_queues_a_reply_in_the_outbox_and_says_so(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        await pilot.press(*"Ok q", "enter", "x")  # q types a q; enter starts a new line
        area = app.screen.query_one("#reply-text")
        assert area.text == "Ok q\nx"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        with Store(db_path) as other:
            replies = list_replies(other)
        assert [(r["item_id"], r["state"], r["text"]) for r in replies] == [
            (ids[0], "queued", "Ok q\nx")
        ]
        toasts = [str(n.message) for n in app._notifications]
        assert any(
            "Reply queued" in t and "sent when instagram is reachable" in t for t in toasts
        ), toasts
        inbox = app.screen.query_one(InboxList)
        line = inbox.render_line(inbox.cursor - round(inbox.scroll_offset.y)).text
        assert line[1] == "↩" and len(line) == size[0] - 1  # the mark, in the status column
    # Opened again later, the item shows where its reply stands; the list marks it still.
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        assert inbox.render_line(0).text[1] == "↩"
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Your reply" in text
        assert "queued: it will be sent when instagram is reachable" in " ".join(text.split())


# -- like ---------------------------------------------------------------------------------------

MASTODON_ITEM, INSTAGRAM_DM = 6, 1  # in the small inbox (tui_kit.build_inbox)


def _line(inbox: InboxList) -> str:
    return inbox.render_line(inbox.cursor - round(inbox.scroll_offset.y)).text


@pytest.mark.parametrize("size", [(80, 24), (40, 24)])
async def test_l_likes_the_item_through_the_outbox_and_the_row_shows_a_heart(inbox_db, size):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        inbox.move_to(ids.index(MASTODON_ITEM))
        await settle(pilot)
        before = _line(inbox)
        await pilot.press("l")
        await settle(pilot)
        with Store(db_path) as other:
            assert other.outbox.likes_for([MASTODON_ITEM]) == {MASTODON_ITEM: "queued"}
            assert other.items.get(MASTODON_ITEM)["status"] == "new"  # a like answers nothing
        line = _line(inbox)
        assert "♥" in line and "♥" not in before and len(line) == len(before)
        toasts = [str(n.message) for n in app._notifications]
        assert any(t.startswith("Liked: sent when the channel is reachable") for t in toasts)
        await pilot.press("l")  # again: nothing more is queued
        await settle(pilot)
        with Store(db_path) as other:
            assert len(list_replies(other)) == 1
        assert "Already liked." in [str(n.message) for n in app._notifications]
    # Opened again later, the list still marks it and the item says where its like stands.
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        inbox.move_to(ids.index(MASTODON_ITEM))
        await settle(pilot)
        assert "♥" in _line(inbox)
        await pilot.press("enter")
        await settle(pilot)
        assert "♥ Your like queued" in " ".join(screen_text(app).split())


async def test_l_on_an_item_its_platform_cannot_like_says_why_and_queues_nothing(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        inbox.move_to(ids.index(INSTAGRAM_DM))
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        toasts = [str(n.message) for n in app._notifications]
        assert "instagram has no like for direct messages in its API" in toasts
        assert "♥" not in _line(inbox)
        with Store(db_path) as other:
            assert list_replies(other) == []


async def test_the_item_screen_likes_and_stays_open(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(InboxList).move_to(ids.index(MASTODON_ITEM))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "♥ Your like" in screen_text(app)
        with Store(db_path) as other:
            assert other.outbox.likes_for([MASTODON_ITEM]) == {MASTODON_ITEM: "queued"}


def test_the_item_shows_a_sent_replys_link_and_what_to_do_with_an_unknown_one():
    from sfogo.tui.widgets._detail import replies_content

    base = {"created_at": NOW - 600, "updated_at": NOW - 300, "sent_at": None, "reason": ""}
    sent = {
        **base,
        "state": "sent",
        "text": "Grazie!",
        "sent_at": NOW - 60,
        "link": "https://social.example/@acme/1[b]",
    }
    unknown = {
        **base,
        "state": "unknown",
        "text": "Ciao",
        "link": "",
        "reason": "sfogo cannot tell whether it arrived: [/] 5 look-ups failed",
    }
    text = " ".join(replies_content([sent, unknown], "mastodon", NOW).plain.split())
    assert "sent (a minute ago) https://social.example/@acme/1[b]" in text  # not markup
    assert "unknown: check mastodon, then retry or drop it" in text
    assert "[/] 5 look-ups failed" in text


async def test_an_empty_reply_is_not_queued_and_escape_cancels(inbox_db):
    db_path, _ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReplyScreen)
        assert "Write something first" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        with Store(db_path) as other:
            assert list_replies(other) == []


async def test_a_reply_the_channel_cannot_take_is_refused_in_one_line(db_path):
    from sfogo.inbox.model import Interaction

    with Store(db_path) as store:
        store.clients.add("Imported", "normal", now=NOW)
        account = store.accounts.add("Imported", "import", "old-crm", now=NOW)
        store.items.upsert(
            [
                Interaction(
                    account_id=account.id,
                    external_id="x1",
                    kind="email",
                    created_at=NOW - 60,
                    text="from the old CRM",
                )
            ],
            now=NOW,
        )
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r", *"ok", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)  # still open, with the reason
        assert "which sfogo cannot reply to" in " ".join(screen_text(app).split())
        with Store(db_path) as other:
            assert list_replies(other) == []


# -- the link -------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["c", "y"])
async def test_c_copies_the_link_with_osc_52(inbox_db, key):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        written: list[str] = []
        driver_write = app._driver.write
        app._driver.write = lambda data: (written.append(data), driver_write(data))
        await pilot.press(key)
        await pilot.pause()
        url = row_of(db_path, ids[0])["url"]
        assert app.clipboard == url
        assert f"\x1b]52;c;{base64.b64encode(url.encode()).decode()}\a" in written
        assert any("Link copied" in str(n.message) for n in app._notifications)


async def test_the_item_screen_copies_pins_tags_and_replies(inbox_db):
    """On a phone the item opens on its own screen; its actions keep it open."""
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("y")
        assert app.clipboard == row_of(db_path, ids[0])["url"]
        await pilot.press("p")
        await settle(pilot)
        assert row_of(db_path, ids[0])["pinned"] is True
        assert isinstance(app.screen, DetailScreen)
        assert "▲ pinned" in screen_text(app)
        await pilot.press("t", *"vip", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert row_of(db_path, ids[0])["tags"] == ["vip"]
        assert "#vip" in screen_text(app)
        await pilot.press("r", *"Sì", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "Your reply" in screen_text(app)
        with Store(db_path) as other:
            assert [r["state"] for r in list_replies(other)] == ["queued"]


# -- batches --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(40, 24)])
async def test_select_several_then_done_them_in_one_write(inbox_db, size, monkeypatch):
    calls: list[tuple[list[int], str]] = []
    set_status = Marks.set_status

    def spy(self, ids, status, **kw):  # the real method runs; the test counts the calls
        calls.append((list(ids), status))
        return set_status(self, ids, status, **kw)

    monkeypatch.setattr(Marks, "set_status", spy)
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("x", "j", "space", "x")  # select 0, skip 1, select 2 and 3
        assert inbox.selected == {ids[0], ids[2], ids[3]}
        assert app.screen.query_one(ViewBar).selected == 3
        assert "3 selected" in screen_text(app)
        lines = screen_text(app).splitlines()
        assert lines[ROW_1].startswith("+") and lines[ROW_1 + 2].startswith("+")  # a visible mark
        assert not lines[ROW_1 + 1].startswith("+")
        await pilot.press("d")
        await settle(pilot)
        assert calls == [([ids[0], ids[2], ids[3]], "done")]  # one call: one transaction
        assert [status_of(db_path, i)[0] for i in (ids[0], ids[2], ids[3])] == ["done"] * 3
        assert status_of(db_path, ids[1])[0] != "done"
        assert list(inbox.ids) == expected(db_path)
        assert not inbox.selected and "selected" not in screen_text(app)


async def test_select_all_of_a_view_then_snooze_them_together(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")  # VIP: the hotel's items only
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        vip = list(inbox.ids)
        assert 0 < len(vip) < len(ids)
        await pilot.press("asterisk")
        assert inbox.selected == set(vip)
        assert f"{len(vip)} selected" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # more than 10 items: asked first
        await pilot.press("y")
        await settle(pilot)
        assert all(status_of(db_path, i) == ("snoozed", NOW + 3600) for i in vip)
        assert list(inbox.ids) == []
        await pilot.press("1")  # back to the whole inbox: the rest is still there
        await settle(pilot)
        assert list(inbox.ids) == [i for i in ids if i not in vip]


async def test_star_twice_and_escape_clear_the_selection(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        await pilot.press("asterisk")
        assert len(inbox.selected) == len(ids)
        await pilot.press("asterisk")
        assert inbox.selected == set()
        await pilot.press("x", "x", "escape")
        assert inbox.selected == set()
        assert app.screen.query_one(ViewBar).selected == 0


# -- help and the palette -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(40, 24)])
async def test_question_mark_lists_the_live_keys_with_their_ids(inbox_db, size):
    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "inbox.cursor_down" in screen_text(app)
        text = str(app.screen.query_one("#help-keys").content)  # all of it, scrolled or not
        for words in (
            "Done",
            "inbox.done",
            "Snooze",
            "inbox.select",
            "View: Backlog",
            "Keys",
            "app.help",
        ):
            assert words in text, words
        await pilot.press("q")  # closes the help, does not quit
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen) and app.is_running


async def test_every_action_is_in_the_command_palette(inbox_db):
    from textual.binding import Binding

    import sfogo.tui.screens
    import sfogo.tui.widgets
    from sfogo.tui.app import SfogoApp

    classes = [SfogoApp] + [
        getattr(module, name)
        for module in (sfogo.tui.screens, sfogo.tui.widgets)
        for name in module.__all__
    ]
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", ()):
            if isinstance(binding, Binding):
                assert binding.id, (cls.__name__, binding.key)  # a keymap can rebind it
    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Open",
            "Done",
            "Snooze",
            "Reply",
            "Pin",
            "Tag",
            "Copy link",
            "Search",
            "Filters",
            "View 2",
            "Select",
            "Select all",
            "Keys",
            "Down",
            "Up",
            "Page down",
        ):
            assert any(t.startswith(wanted) for t in titles), wanted
        # Running one from the palette does what the key does.
        command = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Pin"))
        result = command.callback()
        if inspect.isawaitable(result):
            await result
        await settle(pilot)
        assert row_of(db_path, app.screen.query_one(InboxList).current_id)["pinned"]


async def test_reading_an_item_the_actions_act_on_it(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert app.screen.query_one(DetailPane).has_focus
        await pilot.press("d")  # done while reading: the next item takes the pane
        await settle(pilot)
        assert status_of(db_path, ids[1])[0] == "done"
        assert app.screen.query_one(DetailPane).item_id == ids[2]


@pytest.mark.parametrize("width", [24, 40, 60, 80, 120])
def test_the_items_head_never_starts_or_ends_a_line_with_a_separator(width):
    from textual.content import Content

    from sfogo.tui.widgets._detail import flow

    groups = [Content(w) for w in ("Hotel Aurelia Roma", "email info@hotel.example", "email")]
    groups += [Content("open"), Content("▲ pinned #complaint #vip #follow-up")]
    lines = flow(groups, width).plain.split("\n")
    assert all(not ln.startswith("·") and not ln.endswith("·") for ln in lines), lines
    assert " · ".join(lines).split(" · ") == [g.plain for g in groups]  # nothing lost
    assert all(len(ln) <= width or " · " not in ln for ln in lines)  # a joined line fits
