"""The interface in Italian: chosen by the config or the environment, complete, and the
catalogues in step with the source (the gettext files are checked with Babel, the tool that
writes them)."""

from __future__ import annotations

import gettext
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from tui_kit import make_app, screen_text, settle

from sfogo.inbox import i18n
from sfogo.inbox.i18n_extract import extract_source
from sfogo.tui.cli._language import CLICK_WORDS

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "inbox" / "locale"
POT = LOCALE / "sfogo.pot"
PO = LOCALE / "it" / "LC_MESSAGES" / "sfogo.po"
MO = PO.with_suffix(".mo")
SFOGO = Path(sys.executable).with_name("sfogo")  # the installed command, as a user runs it


def _catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalogue) -> set:
    return {m.id for m in catalogue if m.id}


def _source_ids() -> set:
    found = set()
    for top in ("inbox", "backlog", "tui"):
        for path in (ROOT / top).rglob("*.py"):
            for _line, _func, message, _comments in extract_source(path.read_text("utf-8")):
                found.add(message)
    return found


def _placeholders(text: str) -> tuple:
    """What a translation must keep: format fields, %(name)s, $variables and markup tags."""
    fields = sorted(
        f"{name}!{conv}:{spec}"
        for _lit, name, spec, conv in string.Formatter().parse(text)
        if name is not None
    )
    return (
        fields,
        sorted(re.findall(r"%\(\w+\)[sdr]", text)),
        sorted(re.findall(r"\$[A-Za-z_][\w-]*", text)),
        sorted(re.findall(r"\[/?[^\]\s]*[^\]]*\]", text)) if "[/" in text else [],
    )


# -- the catalogues ------------------------------------------------------------------------


def test_the_template_holds_exactly_the_texts_the_source_marks():
    """Run ``pybabel extract`` (README, "Translating") when this fails."""
    in_source, in_template = _source_ids(), _ids(_catalogue(POT))
    assert sorted(map(str, in_source - in_template)) == [], "not extracted yet"
    assert sorted(map(str, in_template - in_source)) == [], "no longer in the source"


def test_every_text_has_an_italian_translation_with_the_same_placeholders():
    template, italian = _catalogue(POT), _catalogue(PO)
    assert _ids(italian) == _ids(template), "run pybabel update (README, 'Translating')"
    assert italian.num_plurals == 2
    for message in italian:
        if not message.id:
            continue
        assert "fuzzy" not in message.flags, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"not translated: {message.id!r}"
        for source, target in zip((ids[0], ids[-1]), (strings[0], strings[-1]), strict=True):
            assert _placeholders(target) == _placeholders(source), (source, target)
        if ids[0].startswith("config: "):  # the command line names the file in its place
            assert all(s.startswith("config: ") for s in strings), message.id


def test_the_shipped_compiled_catalogue_is_the_translation():
    """Run ``pybabel compile`` when this fails: the .mo is what the program reads."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _catalogue(PO):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for n, form in ((1, 0), (2, 1)):
                got = compiled.ngettext(message.id[0], message.id[1], n)
                assert got == message.string[form], message.id
        else:
            assert compiled.gettext(message.id) == message.string, message.id


def test_the_words_of_click_that_sfogo_translates_are_still_clicks():
    import click

    said = set()
    for path in Path(click.__file__).parent.glob("*.py"):
        for _line, _func, message, _comments in extract_source(path.read_text("utf-8")):
            said.update(message if isinstance(message, tuple) else (message,))
    assert sorted(set(CLICK_WORDS) - said) == []


# -- choosing the language -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "env", "expected"),
    [
        (None, {}, "en"),
        (None, {"LANG": "it_IT.UTF-8"}, "it"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {"LC_ALL": "C", "LANG": "it_IT.UTF-8"}, "en"),  # LC_ALL beats LANG
        (None, {"LANGUAGE": "fr:it", "LANG": "C"}, "it"),  # LANGUAGE is a list of choices
        (None, {"LC_MESSAGES": "it_CH", "LANG": "en_GB.UTF-8"}, "it"),
        ("it", {"LANG": "C"}, "it"),  # the config beats the environment
        ("en", {"LANG": "it_IT.UTF-8"}, "en"),
        ("IT", {}, "it"),
        ("fr", {"LANG": "it_IT.UTF-8"}, "en"),  # a language sfogo does not speak: English
    ],
)
def test_the_config_chooses_the_language_else_the_environment_else_english(
    configured, env, expected
):
    assert i18n.choose(configured, env) == expected


def test_a_language_sfogo_does_not_speak_is_named_in_one_line():
    assert i18n.check_language("it") is None and i18n.check_language(None) is None
    complaint = i18n.check_language("fr")
    assert complaint is not None and "'fr'" in complaint and "'it'" in complaint
    assert "\n" not in complaint


def _sfogo(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in i18n.ENV_VARIABLES}
    clean.update(SFOGO_CONFIG=str(tmp_path / "config.toml"), SFOGO_DB=str(tmp_path / "x.db"))
    clean.update(env)
    return subprocess.run(
        [str(SFOGO), *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
    )


def test_lang_italian_gives_the_help_in_italian_clicks_words_too(tmp_path):
    done = _sfogo("--help", env={"LANG": "it_IT.UTF-8"}, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    for words in ("Uso: sfogo", "Opzioni:", "Comandi:", "Mostra questo messaggio ed esci."):
        assert words in done.stdout, words
    assert "l'inbox, prima i più urgenti" in done.stdout  # `list`'s summary
    assert "Usage:" not in done.stdout and "Show this message" not in done.stdout


def test_a_commands_help_and_a_usage_error_are_in_italian(tmp_path):
    done = _sfogo("list", "--help", env={"LANG": "it_IT.UTF-8"}, tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Elenca le interazioni, le più urgenti prima" in done.stdout
    assert "al massimo N elementi" in done.stdout  # an option built from a template
    assert "Esempi:" in done.stdout
    wrong = _sfogo("lst", env={"LANG": "it_IT.UTF-8"}, tmp_path=tmp_path)
    assert wrong.returncode == 2
    assert (
        "Il comando 'lst' non esiste." in wrong.stderr and "(vedi 'sfogo --help')" in wrong.stderr
    )


def test_the_config_language_beats_the_environment_and_english_stays_the_default(tmp_path):
    assert "Usage: sfogo" in _sfogo("--help", env={}, tmp_path=tmp_path).stdout
    (tmp_path / "config.toml").write_text('language = "it"\n')
    assert "Uso: sfogo" in _sfogo("--help", env={"LANG": "C"}, tmp_path=tmp_path).stdout
    (tmp_path / "config.toml").write_text('language = "en"\n')
    assert "Usage: sfogo" in _sfogo("--help", env={"LANG": "it_IT"}, tmp_path=tmp_path).stdout


def test_an_unknown_language_is_a_warning_and_the_command_still_runs(tmp_path):
    (tmp_path / "config.toml").write_text('language = "fr"\n')
    done = _sfogo("--help", env={"LANG": "it_IT.UTF-8"}, tmp_path=tmp_path)
    assert done.returncode == 0
    assert "Usage: sfogo" in done.stdout
    [warning] = done.stderr.splitlines()
    assert warning.startswith("sfogo: warning: ") and "language = 'fr'" in warning


def test_an_error_is_one_line_in_italian(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "it_IT.UTF-8")
    result = cli("show", "12x")
    assert result.code == 1
    expected = "id '12x' non valido: gli id sono numeri interi ('sfogo list' li mostra)"
    assert result.err == f"sfogo: {expected}\n"


# -- the app -------------------------------------------------------------------------------


async def test_the_app_in_italian_shows_italian_keys_header_and_help(inbox_db):
    db_path, _ = inbox_db
    i18n.use("it")
    app = make_app(db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        for words in ("Fatto", "Posticipa", "Rispondi", "nuovi", "aperti", "Inbox"):
            assert words in text, words
        assert "Snooze" not in text and " new " not in text
        await pilot.press("question_mark")
        await pilot.pause()
        keys = str(app.screen.query_one("#help-keys").content)
        for words in ("Fatto", "inbox.done", "Vista: Backlog", "Comandi: qualsiasi azione"):
            assert words in keys, words
        assert "Riassegna qualsiasi tasto" in screen_text(app) or "Riassegna" in str(
            app.screen.query_one("#help-footer").content
        )


async def test_the_app_speaks_english_by_default(inbox_db):
    db_path, _ = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Done" in text and "Snooze" in text and "Fatto" not in text
