"""Canned replies (`sfogo replies`, the config's [[replies]], placeholders), the platforms'
length rules, drafts in the data file, and what a snooze would take past a deadline."""

from __future__ import annotations

import json

import pytest
from conftest import NOW

from sfogo.backlog.settings import Settings
from sfogo.backlog.snooze_risk import TARGET, WINDOW, snooze_risks
from sfogo.inbox.canned import check_text, fill, from_config, guess_language
from sfogo.inbox.channels.limits import ReplyLimit, Unit, graphemes, limit_for, measure
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store

HOUR = 3600


@pytest.fixture
def world(db_path):
    with Store(db_path) as store:
        store.clients.add("Trattoria da Gino", "normal", now=NOW)
        account = store.accounts.add("Trattoria da Gino", "instagram", "gino", now=NOW)
        store.items.upsert(
            [
                Interaction(
                    account_id=account.id,
                    external_id="dm1",
                    kind="dm",
                    created_at=NOW - 20 * HOUR,
                    text="Ciao, siete aperti?",
                    author_name="Lia",
                    author_handle="@lia",
                )
            ],
            now=NOW,
        )
        (item_id,) = store.items.ids()
    return db_path, item_id


# -- the command line ---------------------------------------------------------------------------


def test_replies_add_list_and_remove_with_the_configs_first(cli, world, tmp_path):
    config = tmp_path / "replies.toml"
    config.write_text('[[replies]]\nname = "grazie"\ntext = "Grazie {author}!"\nlanguage = "it"\n')
    assert cli("replies").out.startswith("No canned replies yet: sfogo replies add NAME")
    assert cli("replies", "--config", config).out.splitlines()[1].split()[:4] == [
        "grazie",
        "it",
        "-",
        "config",
    ]
    added = cli(
        "replies", "add", "orari", "Aperti", "12-23,", "{author}.", "--client", "trattoria da gino"
    )
    assert added.code == 0 and "added canned reply 'orari'" in added.out
    listed = json.loads(cli("replies", "--config", config, "--json").out)
    assert listed == [
        {
            "name": "grazie",
            "text": "Grazie {author}!",
            "language": "it",
            "client": "",
            "source": "config",
            "hidden": False,
        },
        {
            "name": "orari",
            "text": "Aperti 12-23, {author}.",
            "language": "",
            "client": "Trattoria da Gino",  # the client's own name, however it was typed
            "source": "file",
            "hidden": False,
        },
    ]
    refused = cli("replies", "--config", config, "add", "Grazie", "x")
    assert refused.code == 1
    assert refused.err == (
        "sfogo: the config file already has a reply named 'Grazie': edit it there,"
        " or pick another name\n"
    )
    again = cli("replies", "add", "ORARI", "x")
    assert again.code == 1 and "already exists" in again.err
    assert cli("replies", "remove", "orari").out == "removed canned reply 'orari'\n"
    gone = cli("replies", "remove", "orari")
    assert (gone.code, gone.err) == (
        1,
        "sfogo: no canned reply 'orari': 'sfogo replies' lists them\n",
    )
    in_config = cli("replies", "--config", config, "remove", "grazie")
    assert in_config.err == "sfogo: 'grazie' is in the config file's [[replies]]: remove it there\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("x", "Ciao {nome}"), "unknown placeholder {nome}: use {author}, {handle}, {client}"),
        (("x", "a { b"), "a lone { or } in the text: write {{ and }} for braces"),
        (("x", "{author!r}"), "unknown placeholder {author!r}"),
        (("x", "ok", "--language", "italiano"), "language 'italiano': use a language code"),
        (("x", "ok", "--client", "nobody"), "no client 'nobody'"),
        (("", "ok"), "a canned reply needs a name"),
        (("x", "  "), "a canned reply needs a text"),
    ],
)
def test_a_bad_canned_reply_is_one_line_and_nothing_is_stored(cli, world, args, error):
    result = cli("replies", "add", *args)
    assert result.code == 1 and result.err.startswith(f"sfogo: {error}"), result.err
    assert result.err.count("\n") == 1
    assert json.loads(cli("replies", "--json").out) == []


def test_the_configs_mistakes_are_one_line_each_and_the_rest_is_kept():
    replies, errors = from_config(
        {
            "replies": [
                {"name": "ok", "text": "Ciao {handle}, {{tutto}} bene"},
                {"name": "typo", "text": "Ciao {autor}"},
                {"text": "no name"},
                {"name": "ok", "text": "twice"},
                {"name": "extra", "text": "x", "colour": "red"},
                "not a table",
            ]
        }
    )
    assert [r.name for r in replies] == ["ok"]
    assert errors == [
        "config: reply 'typo': unknown placeholder {autor}: use {author}, {handle}, {client}",
        "config: [[replies]] #3: a canned reply needs a name",
        "config: reply 'ok' is there twice: the first one is used",
        "config: reply 'extra' has no field 'colour': use name, text, language, client",
        "config: [[replies]] #6 must be a table with a name and a text",
    ]


def test_placeholders_fill_the_authors_name_else_the_handle_and_the_client():
    text = check_text("Grazie {author} ({handle})! {{Ciao}} da {client}")
    assert fill(text, author="Lia", handle="@lia", client="Gino") == (
        "Grazie Lia (@lia)! {Ciao} da Gino"
    )
    assert fill(text, author="", handle="@lia", client="Gino").startswith("Grazie @lia (@lia)")
    # Hostile names are text: they never reach a placeholder of their own.
    assert fill("{author}", author="{client}", handle="", client="X") == "{client}"


def test_the_items_language_is_guessed_only_when_clear():
    assert guess_language("Ciao, vorrei prenotare una camera per il 12") == "it"
    assert guess_language("Hi, is the terrace open? Thanks for the help") == "en"
    assert guess_language("ok") is None


# -- lengths ------------------------------------------------------------------------------------


def test_each_platform_counts_as_it_does():
    bluesky = limit_for("bluesky", "reply")
    assert bluesky == ReplyLimit(300, Unit.GRAPHEMES)
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one picture of three people
    flag = "\U0001f1ee\U0001f1f9"  # Italy: two regional indicators
    accent = "e\u0301"  # e and a combining accent
    assert measure(family + flag + accent + "ok", bluesky) == 5
    assert graphemes("\r\n") == 1
    x = limit_for("x", "mention")
    assert measure("ciao", x) == 4 and measure("你好", x) == 4 and measure("👍🏽", x) == 2
    assert measure("see https://example.com/a/very/long/path/indeed", x) == 4 + 23
    mastodon = limit_for("mastodon", "reply")
    assert measure("@gino@social.example ciao", mastodon) == len("@gino ciao")
    assert measure("è", limit_for("instagram", "dm")) == 2  # bytes
    assert limit_for("email", "email") is None and measure("abc", None) == 3


# -- drafts ----------------------------------------------------------------------------------


def test_a_draft_is_one_per_item_and_an_empty_one_is_gone(world):
    db_path, item_id = world
    with Store(db_path) as store:
        store.drafts.save(item_id, "Ciao", now=NOW)
        store.drafts.save(item_id, "Ciao Lia", now=NOW + 60)
        assert store.drafts.get(item_id) == {
            "item_id": item_id,
            "text": "Ciao Lia",
            "updated_at": NOW + 60,
        }
        assert store.drafts.marked([item_id, item_id + 1]) == {item_id}
        store.drafts.save(item_id, "  ", now=NOW + 120)
        assert store.drafts.get(item_id) is None and store.drafts.count() == 0
        with pytest.raises(SfogoError):
            store.drafts.save(item_id + 99, "for nobody", now=NOW)


# -- snoozes past a deadline ------------------------------------------------------------------


def test_a_snooze_past_the_window_or_the_target_is_found_and_nothing_else(world):
    db_path, item_id = world
    settings = Settings()
    with Store(db_path) as store:
        row = store.items.get(item_id)
    # An Instagram DM 20 h old: its window closes in 4 h; the normal target (24 h) in 4 h too.
    assert snooze_risks([row], settings, until=NOW + HOUR, now=NOW) == []
    (risk,) = snooze_risks([row], settings, until=NOW + 5 * HOUR, now=NOW)
    assert (risk.item_id, risk.what, risk.at) == (item_id, WINDOW, NOW + 4 * HOUR)
    email = row | {"channel": "email", "kind": "email"}  # no window: the target counts
    (risk,) = snooze_risks([email], settings, until=NOW + 5 * HOUR, now=NOW)
    assert (risk.what, risk.at) == (TARGET, NOW + 4 * HOUR)
    done = row | {"status": "done"}
    assert snooze_risks([done], settings, until=NOW + 5 * HOUR, now=NOW) == []
