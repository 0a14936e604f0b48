"""Values that would poison the ranking are refused with the key's name, unknown keys are
refused in every table, and no --json output ever holds NaN or Infinity."""

from __future__ import annotations

import json

import pytest

from sfogo.tui.app_config import load_app_config
from sfogo.tui.views import parse_views

# (TOML, the command that reads it, the start of the one line it prints after "sfogo: FILE: ")
POISON = [
    ("[triage]\ntier = nan\n", "next", "[triage] tier must be a number from -1,000,000"),
    ("[triage]\nage = inf\n", "next", "[triage] age must be a number from"),
    ("[triage]\nwords = -inf\n", "next", "[triage] words must be a number from"),
    ("[triage]\ngap = 1e300\n", "next", "[triage] gap must be a number from"),
    ("[triage]\nage_cap = nan\n", "next", '[triage] age_cap must be a duration like "2h", not nan'),
    ("[triage]\nage_cap = inf\n", "next", '[triage] age_cap must be a duration like "2h", not inf'),
    ("[triage]\nwindow_warning = -3600\n", "next", "[triage] window_warning must be longer"),
    ("[triage]\nwindow_warning = '-1h'\n", "next", "[triage] window_warning must be a duration"),
    ("[triage]\nage_cap = '99999w'\n", "next", "[triage] age_cap must be at most 3650d"),
    ("[tiers.vip]\nfactor = nan\n", "next", "[tiers.vip] factor must be a number from"),
    ("[tiers.vip]\ntarget = inf\n", "next", "[tiers.vip] target must be a duration"),
    ("[tiers.low]\ntarget = -60\n", "next", "[tiers.low] target must be longer than zero"),
    ("[kinds]\ndm = nan\n", "next", "[kinds] dm must be a number from"),
    ("[windows.facebook]\ndm = nan\n", "next", "[windows.facebook] dm must be a duration"),
    ("[windows.facebook]\ndm = -86400\n", "next", "[windows.facebook] dm must be longer"),
    ("[windows.instagram]\ndm = inf\n", "next", "[windows.instagram] dm must be a duration"),
    ("[effort]\ndm = nan\n", "plan", "[effort] dm must be a number of minutes above zero"),
    ("[effort]\nemail = inf\n", "plan", "[effort] email must be a number of minutes above zero"),
    ("[effort]\nreview = -5\n", "plan", "[effort] review must be a number of minutes above"),
    ("[effort]\nsession_gap = nan\n", "plan", "[effort] session_gap must be a number of min"),
    ("[plan]\nbatch_minutes = inf\n", "plan", "[plan] batch_minutes must be a number of minutes"),
    ("[plan]\nbatch_minutes = -45\n", "plan", "[plan] batch_minutes must be a number of minutes"),
    ("[plan]\nlookahead = -1\n", "plan", "[plan] lookahead must be a whole number, 0 or more"),
    ("[work]\nhours = nan\n", "plan", "[work] hours must look like"),
]

UNKNOWN = [
    ("[triage]\ntiers = 1\n", "next", "[triage] has no setting 'tiers'"),
    ("[work]\nhours_per_day = 6\n", "plan", "[work] has no setting 'hours_per_day': use days,"),
    ("[effort]\nemails = 6\n", "plan", "[effort] has no setting 'emails'"),
    ("[plan]\nbatch = 45\n", "plan", "[plan] has no setting 'batch'"),
    (
        '[accounts."mastodon:@me@example.social"]\ntokne = "x"\n',
        "next",
        "[accounts.\"mastodon:@me@example.social\"] has no setting 'tokne': use token, password",
    ),
    ('[accounts."@me"]\nextra = 3\n', "list", "[accounts.\"@me\"] has no setting 'extra'"),
    ('[accounts."@me"]\ntoken = 3\n', "list", '[accounts."@me"] token must be text'),
    ('[accounts]\n"@me" = "x"\n', "list", '[accounts."@me"] must be a table with token'),
]


@pytest.mark.parametrize(("toml", "command", "message"), POISON + UNKNOWN)
def test_a_poisoned_or_unknown_value_is_one_line_naming_its_key(
    cli, demo_db, tmp_path, toml, command, message
):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    r = cli("--config", config, command)
    assert r.code == 1 and r.out == "", r
    lines = r.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sfogo: {config}: {message}"), lines


@pytest.mark.parametrize(
    ("toml", "error"),
    [
        (
            "[views.rome]\nclient = 'x'\n",
            "config: [views] has no field 'rome': use name, client, channel, kind, status, tier,"
            " backlog, due, search, tag, pinned, done_within, assignee"
            " (each view is a [[views]] table)",
        ),
        (
            "[views]\nname = 'Mine'\nbogus = 1\n",
            "config: view 'Mine' has no field 'bogus'",
        ),
        ("[views]\nclient = 'x'\n", "config: [views] needs a name"),
        ("[[views]]\nname = 'Due'\ndue = '-4h'\n", "config: view 'Due': due must be"),
        ("[[views]]\nname = 'Due'\ndue = 'nan'\n", "config: view 'Due': due must be"),
    ],
)
def test_a_views_table_is_checked_like_each_view(toml, error):
    import tomllib

    views, errors = parse_views(tomllib.loads(toml))
    assert len(errors) == 1 and errors[0].startswith(error), errors
    assert [v.name for v in views] == [
        "Inbox",
        "Backlog",
        "Due today",
        "VIP",
        "Private messages",
        "Done recently",
    ]


def test_the_app_says_a_poisoned_value_and_ranks_with_the_defaults(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[triage]\ntier = nan\n")
    loaded = load_app_config(config, {})
    assert loaded.errors == [
        "config: [triage] tier must be a number from -1,000,000 to 1,000,000, not nan "
        "(triage uses the defaults)"
    ]
    assert loaded.settings_base.coefficients["tier"] == 6.0


# -- strict JSON --------------------------------------------------------------------------------


def strict(text: str):
    """Parse as strict JSON: NaN, Infinity and -Infinity are not JSON."""

    def refuse(constant: str):
        raise AssertionError(f"{constant} in the JSON output")

    return json.loads(text, parse_constant=refuse)


COMMANDS_WITH_JSON = [
    ("list", "--json"),
    ("list", "--status", "all", "--limit", "0", "--json"),
    ("list", "--backlog", "--json"),
    ("next", "--json"),
    ("show", "5", "--json"),
    ("why", "5", "--json"),
    ("stats", "--json"),
    ("clients", "--json"),
    ("accounts", "--json"),
    ("gaps", "--json"),
    ("backlog", "--json"),
    ("plan", "--json"),
    ("health", "--json"),
    ("outbox", "--json"),
    ("db", "check", "--json"),
]


@pytest.mark.parametrize("args", COMMANDS_WITH_JSON, ids=" ".join)
def test_every_json_output_is_strict_json(cli, demo_db, args):
    r = cli(*args)
    assert r.code == 0, r
    strict(r.out)


def test_numbers_that_are_not_finite_leave_as_null():
    from sfogo.tui.cli._output import dumps, to_json

    value = {"score": float("nan"), "terms": [float("inf"), 1.5], "created_at": float("-inf")}
    expected = {"score": None, "terms": [None, 1.5], "created_at": None}
    assert strict(dumps(to_json(value))) == expected
    with pytest.raises(ValueError):  # and the printer would refuse any that slipped through
        dumps({"score": float("nan")})


def test_a_time_no_calendar_can_show_leaves_the_json_as_null(cli, store):
    """The import refuses times after 9999; an item stored some other way still lists."""
    from conftest import NOW

    from sfogo.inbox.model import Interaction

    store.clients.add("Acme", "normal", now=NOW)
    account = store.accounts.add("Acme", "import", "acme", now=NOW)
    far = 253_402_300_800 + 86_400  # 2 January 10000
    item = Interaction(
        account.id, "far", "comment", created_at=NOW, status="snoozed", snoozed_until=far
    )
    store.items.upsert([item], now=NOW)
    r = cli("list", "--status", "all", "--json")
    assert r.code == 0, r
    assert strict(r.out)[0]["snoozed_until"] is None
