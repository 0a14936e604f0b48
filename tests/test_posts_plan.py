"""An editorial plan file: bad rows are named and nothing half-imported; wall-clock times stay
wall-clock across daylight-saving changes (Europe/Rome)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def agency(store):
    store.clients.add("Trattoria", "normal", now=NOW)
    store.clients.add("Nuvola", "high", now=NOW)
    store.accounts.add("Trattoria", "facebook", "trattoria", now=NOW)
    store.accounts.add("Trattoria", "mastodon", "@gino@social.example", now=NOW)
    store.accounts.add("Nuvola", "x", "@nuvolalabs", now=NOW)
    store.accounts.add("Nuvola", "email", "press@nuvola.example", now=NOW)
    return store


def test_a_plan_with_bad_rows_imports_nothing_and_names_each_row(agency, cli, tmp_path):
    plan = tmp_path / "december.csv"
    plan.write_text(
        "client,account,at,text,notes\n"
        "Trattoria,trattoria,2026-12-03 09:00,Thursday: carbonara night,ok\n"
        "Trattoria Nuova,trattoria,2026-12-03 11:00,Unknown client,\n"
        "Trattoria,trattoria,3 December,Bad time,\n"
        "Trattoria,@nuvolalabs,2026-12-03 13:00,Someone else's account,\n"
        "Trattoria,@gino@social.example,2026-12-03 15:00,,\n"
        "Trattoria,trattoria,2026-12-03 17:00,Fine too,\n"
        "Nuvola,press@nuvola.example,2026-12-03 18:00,A press release,\n"
    )
    result = cli("posts", "import", plan)
    assert result.code == 1 and agency.posts.count() == 0
    lines = result.err.splitlines()
    assert "5 bad rows, nothing imported" in lines[0]
    assert lines[1:] == [
        "line 3: client: no client 'Trattoria Nuova' ('sfogo clients' lists them)",
        "line 4: at: '3 December' is not a time: write 2026-12-03 09:00 (ISO 8601)",
        "line 5: account: @nuvolalabs belongs to another client than Trattoria",
        "line 6: text: missing",
        "line 8: account: email accounts have no posts sfogo can watch",
    ]

    skipped = cli("posts", "import", plan, "--skip-bad")
    assert skipped.code == 0 and "imported 2 posts" in skipped.out
    assert skipped.err.count("skipped line") == 5
    again = cli("posts", "import", plan, "--skip-bad")
    assert "imported 0 posts (2 already planned)" in again.out and agency.posts.count() == 2
    first = agency.posts.get(1)
    assert (first["source"], first["notes"], first["state"]) == ("plan", "ok", "scheduled")


def test_json_lines_take_the_same_fields_and_a_broken_line_is_named(agency, cli, tmp_path):
    plan = tmp_path / "plan.jsonl"
    rows = [
        {
            "client": "Nuvola",
            "account": "x:@nuvolalabs",
            "at": "2026-12-01T10:00:00Z",
            "text": "Launch day",
            "media": "video 30s",
        },
        "not json {",
        {"client": "Nuvola", "account": "@nuvolalabs", "at": 1796220000, "text": ["a list"]},
    ]
    plan.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    result = cli("posts", "import", plan)
    assert result.code == 1
    assert "line 2: not a JSON object" in result.err
    assert "line 3: text: must be text" in result.err
    assert cli("posts", "import", plan, "--skip-bad").code == 0
    posts = cli("posts", "--json", "--from", "2026-11-01").json()
    assert len(posts) == 1
    assert (posts[0]["text"], posts[0]["media"], posts[0]["at"]) == (
        "Launch day",
        "video 30s",
        "2026-12-01T10:00:00Z",
    )


def test_a_header_without_the_needed_columns_is_refused_with_the_columns_to_use(
    agency, cli, tmp_path
):
    plan = tmp_path / "plan.csv"
    plan.write_text("client,when,text\nTrattoria,2026-12-03 09:00,Hi\n")
    result = cli("posts", "import", plan)
    assert result.code == 1 and "no column account, at" in result.err
    assert cli("posts", "import", tmp_path / "missing.csv").err.startswith("sfogo: no plan file")


@pytest.mark.usefixtures("rome_time")
def test_wall_clock_times_stay_on_the_wall_clock_across_the_daylight_saving_change(
    agency, cli, tmp_path
):
    plan = tmp_path / "spring.csv"
    plan.write_text(
        "client,account,at,text\n"
        "Trattoria,trattoria,2027-03-27 09:00,Saturday brunch\n"  # CET, UTC+1
        "Trattoria,trattoria,2027-03-28 09:00,Sunday brunch\n"  # CEST, UTC+2 from 02:00
        "Trattoria,trattoria,2027-10-31 09:00,Autumn brunch\n"  # CET again
    )
    result = cli("posts", "import", plan)
    assert result.code == 0
    assert "read in Europe/Rome (the system's time zone)" in result.out
    ats = [p["at"] for p in agency.posts.listing()]
    assert [datetime.fromtimestamp(at, ROME).strftime("%d %H:%M") for at in ats] == [
        "27 09:00",
        "28 09:00",
        "31 09:00",
    ]
    assert ats[1] - ats[0] == 23 * 3600  # the night the clocks jump is an hour short

    gap = tmp_path / "gap.csv"
    gap.write_text("client,account,at,text\nTrattoria,trattoria,2027-03-28 02:30,Too early\n")
    refused = cli("posts", "import", gap)
    assert refused.code == 1 and "2027-03-28 02:30 does not exist in Europe/Rome" in refused.err

    listing = cli("posts", "--from", "2027-03-01")
    assert "Sun 28 Mar 09:00" in listing.out and "Sat 27 Mar 09:00" in listing.out


@pytest.mark.usefixtures("rome_time")
def test_the_configured_zone_reads_plan_times_and_the_command_says_so(agency, cli, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[work]\ntimezone = "America/New_York"\n')
    plan = tmp_path / "plan.csv"
    plan.write_text("client,account,at,text\nNuvola,@nuvolalabs,2026-12-01 09:00,NYC launch\n")
    result = cli("--config", config, "posts", "import", plan)
    assert "read in America/New_York ([work] timezone)" in result.out
    (post,) = agency.posts.listing()
    assert post["at"] == int(datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("UTC")).timestamp())
