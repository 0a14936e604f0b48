"""Small things that make the app feel at home: the list's legend, a footer that never cuts a
key in half, ctrl+p in the help, and the chosen theme kept in the config."""

from __future__ import annotations

import tomllib

import pytest
from textual.widgets._footer import FooterKey
from tui_kit import build_inbox, make_app, screen_text, settle

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.store import Store
from sfogo.tui.screens._help import PALETTE_WORDS
from sfogo.tui.theme_config import save_theme, with_theme
from sfogo.tui.widgets._legend import legend_text


def _app(db_path, **kw):
    with Store(db_path) as store:
        build_inbox(store)
    return make_app(db_path, **kw)


@pytest.mark.parametrize("width", [40, 80, 100, 120])
async def test_the_footer_shows_whole_keys_only(db_path, width):
    app = _app(db_path)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        bar = screen_text(app).splitlines()[-1]
        shown = [k for k in app.screen.query(FooterKey) if not k.has_class("-command-palette")]
        assert shown and any(k.action == "help" for k in shown)
        for key in shown:
            assert f"{key.key_display} {key.description}" in bar, (width, bar)
        if width == 80:  # it has no room for all of them: the last ones are left out whole
            assert "posts" not in [k.action for k in shown] and "Post " not in bar + " "


async def test_the_list_says_what_its_marks_mean(db_path):
    app = _app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert lines[2].strip() == legend_text(78)
        assert "● new" in lines[2] and "↩ reply" in lines[2] and "! late" in lines[2]
        await pilot.resize_terminal(40, 24)
        await settle(pilot)
        assert screen_text(app).splitlines()[2].strip() == legend_text(38)
    assert len(legend_text(38)) <= 38 and legend_text(200) != legend_text(38)


async def test_help_lists_the_command_palette(db_path):
    app = _app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        table = str(app.screen.query_one("#help-keys").content)
        assert "^p" in table and PALETTE_WORDS in table


def test_saving_the_theme_changes_one_line_and_keeps_the_rest(tmp_path):
    hand_written = '# my sfogo\nnotify = "vip"  # the bell\n\n[triage]\n# quieter\nage = 2.0\n'
    assert with_theme(hand_written, "nord") == (
        '# my sfogo\nnotify = "vip"  # the bell\n\ntheme = "nord"\n\n[triage]\n# quieter\n'
        "age = 2.0\n"
    )
    once = with_theme(hand_written, "nord")
    assert with_theme(once, "gruvbox") == once.replace('"nord"', '"gruvbox"')
    assert with_theme("", "nord") == 'theme = "nord"\n'
    assert with_theme("[views.vip]\ntier = 'vip'", "nord").startswith('theme = "nord"\n\n[views')
    path = tmp_path / "deep" / "config.toml"
    save_theme(path, "nord")
    assert tomllib.loads(path.read_text()) == {"theme": "nord"}
    assert path.stat().st_mode & 0o077 == 0  # the config may hold credentials


def test_a_config_that_is_not_toml_is_left_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[triage\nage = 1\n")
    with pytest.raises(SfogoError, match=r"the theme was not saved: .* is not valid TOML"):
        save_theme(path, "nord")
    assert path.read_text() == "[triage\nage = 1\n"


async def test_the_chosen_theme_is_saved_and_comes_back(db_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("# mine\n[triage]\nage = 1.0\n")
    app = _app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme != "nord"
        app.theme = "nord"  # what ctrl+p, Change theme does
        await settle(pilot)
    assert config.read_text() == '# mine\ntheme = "nord"\n\n[triage]\nage = 1.0\n'
    again = make_app(db_path, config_path=config)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_an_unknown_theme_is_one_line_and_the_default(db_path, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "no-such-theme"\n')
    app = _app(db_path, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        messages = [n.message for n in app._notifications]
        assert any("no theme 'no-such-theme'" in m for m in messages), messages
    assert config.read_text() == 'theme = "no-such-theme"\n'  # nothing was written
