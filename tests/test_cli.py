"""The command line, as a manager and a script use it: every command, its --json, its errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pty_kit import run_on_pty, terminal_env

from sfogo.inbox import when
from sfogo.inbox.model import Interaction
from sfogo.inbox.schema import SCHEMA_VERSION
from sfogo.inbox.store import ROW_COLUMNS, Store

ROW_FIELDS = [*ROW_COLUMNS, "tags"]
HOUR = 3600


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def seed(path: Path, now: int) -> dict[str, int]:
    """A small inbox relative to ``now``; returns the sfogo id of each item by external id."""
    with Store(path) as s:
        s.clients.add("Hotel Aurora", "vip", now=now)
        s.clients.add("Pizzeria Da Gino", "low", now=now)
        ig = s.accounts.add("Hotel Aurora", "instagram", "@hotelaurora", now=now)
        fb = s.accounts.add("Pizzeria Da Gino", "facebook", "dagino", now=now)
        s.items.upsert(
            [
                Interaction(
                    ig.id,
                    "q1",
                    "dm",
                    now - 3 * HOUR,
                    author_name="Giulia",
                    author_handle="@giulia",
                    text="Avete una camera libera per sabato?",
                ),
                Interaction(
                    ig.id,
                    "a1",
                    "dm",
                    now - 2 * HOUR,
                    text="Sì, certo! Le scrivo i prezzi.",
                    thread_ref="q1",
                    parent_ref="q1",
                    outgoing=True,
                    status="done",
                    handled_at=now - 2 * HOUR,
                ),
                Interaction(
                    fb.id,
                    "c1",
                    "comment",
                    now - 1800,
                    author_name="Tom",
                    text="Best pizza in town",
                    tags=["praise"],
                ),
                Interaction(
                    fb.id,
                    "r1",
                    "review",
                    now - 48 * HOUR,
                    author_name="Ann",
                    text="Cold pizza, slow service",
                    status="done",
                    handled_at=now - 40 * HOUR,
                ),
                Interaction(
                    ig.id,
                    "m1",
                    "mention",
                    now - 600,
                    author_name="Luca",
                    text="Loving the rooftop bar",
                    status="open",
                ),
            ],
            now=now,
        )
        return dict(s.conn.execute("SELECT external_id, id FROM interactions"))


@pytest.fixture
def ids(db_path, clock):
    return seed(db_path, clock.now())


def one_line_error(result, *fragments: str) -> None:
    """An expected error: exit 1, exactly one line on stderr, no traceback, nothing on stdout."""
    assert result.code == 1, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sfogo: "), result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def fits(text: str, width: int = 80) -> None:
    for line in text.splitlines():
        assert len(line) <= width, repr(line)


# -- list ------------------------------------------------------------------------------------


def test_list_shows_what_needs_attention_newest_first(cli, ids):
    r = cli("list", "--sort", "newest")
    assert r.code == 0
    # Piped: a header, then one line of tab-separated full values per item; the count goes
    # to stderr, so `cut -f1` reads only ids.
    lines = [line.split("\t") for line in r.out.splitlines()]
    assert lines[0] == ["ID", "AGE", "CLIENT", "CH", "KIND", "AUTHOR", "TEXT"]
    shown = [int(line[0]) for line in lines[1:]]
    assert shown == [ids["m1"], ids["c1"], ids["q1"]]  # done items are not in the inbox
    assert lines[1][1] == "10 minutes ago" and "Luca" in lines[1][5]
    assert lines[1][6].startswith("Loving the")
    assert lines[3][1:4] == ["3 hours ago", "Hotel Aurora", "ig"]
    assert r.err == "3 of 3 items (new, open), newest first\n"


def test_list_json_has_the_documented_fields_and_utc_times(cli, ids, clock):
    rows = cli("list", "--sort", "newest", "--json").json()
    assert [r["id"] for r in rows] == [ids["m1"], ids["c1"], ids["q1"]]
    assert all(list(r) == [*ROW_FIELDS, "account_removed"] for r in rows)
    comment = rows[1]
    assert (
        comment["client"],
        comment["tier"],
        comment["channel"],
        comment["account"],
        comment["kind"],
        comment["author_name"],
        comment["tags"],
        comment["status"],
    ) == ("Pizzeria Da Gino", "low", "facebook", "dagino", "comment", "Tom", ["praise"], "new")
    assert comment["created_at"].endswith("Z")
    assert when.parse_iso(comment["created_at"]) == pytest.approx(clock.now() - 1800, abs=60)
    assert comment["handled_at"] is None and comment["pinned"] is False


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--status", "done"], ["a1", "r1"]),
        (["--status", "all"], ["m1", "c1", "a1", "q1", "r1"]),
        (["--status", "open,done"], ["m1", "a1", "r1"]),
        (["--client", "hotel aurora"], ["m1", "q1"]),
        (["--channel", "facebook", "--status", "all"], ["c1", "r1"]),
        (["--kind", "dm,review", "--status", "all"], ["a1", "q1", "r1"]),
        (["--kind", "dm", "--kind", "mention"], ["m1", "q1"]),
        (["--search", "pizza", "--status", "all"], ["c1", "r1"]),
        (["--search", "pizz"], ["c1"]),
        (["--search", "giulia"], ["q1"]),  # author names are searched too
        (["--client", "Pizzeria Da Gino", "--kind", "review"], []),
        (["--status", "all", "--limit", "2"], ["m1", "c1"]),
        (["--status", "all", "--limit", "0"], ["m1", "c1", "a1", "q1", "r1"]),
    ],
)
def test_list_filters(cli, ids, args, expected):
    r = cli("list", *args, "--sort", "newest", "--json")
    assert r.code == 0, r.err
    assert [row["id"] for row in r.json()] == [ids[e] for e in expected]


def test_list_counts_what_it_left_out(cli, ids):
    r = cli("list", "--status", "all", "--limit", "2")
    assert r.err.splitlines()[-1] == "2 of 5 items (any status), newest first; --limit 0 shows all"


def test_list_wakes_snoozed_items_whose_time_has_come(cli, db_path, ids, clock):
    with Store(db_path) as s:
        account = s.accounts.get("@hotelaurora")
        s.items.upsert(
            [
                Interaction(
                    account.id,
                    "z1",
                    "dm",
                    clock.now() - 5 * HOUR,
                    status="snoozed",
                    snoozed_until=clock.now() - 60,
                )
            ],
            now=clock.now(),
        )
        s.marks.set_status([ids["m1"]], "snoozed", until=clock.now() + HOUR, now=clock.now())
    rows = {r["external_id"]: r for r in cli("list", "--json").json()}
    assert rows["z1"]["status"] == "open" and rows["z1"]["snoozed_until"] is None
    assert "m1" not in rows  # still asleep


@pytest.mark.parametrize(
    "args, message",
    [
        (["--status", "archived"], "unknown status 'archived'"),
        (["--status", ""], "--status needs a value"),
        (["--client", "Nobody"], "no client 'Nobody'"),
        (["--channel", "myspace"], "unknown channel 'myspace'"),
        (["--kind", "like"], "unknown kind 'like'"),
        (["--limit", "ten"], "bad --limit 'ten'"),
        (["--limit", "-5"], "bad --limit"),
    ],
)
def test_list_refuses_unknown_names_in_one_line(cli, ids, args, message):
    one_line_error(cli("list", *args), message)


def test_an_empty_inbox_says_how_to_start(cli, db_path):
    r = cli("list")
    assert r.code == 0
    assert "sfogo demo" in r.out and "sfogo client add" in r.out
    assert cli("list", "--json").json() == []


def test_list_of_a_filter_that_matches_nothing(cli, ids):
    r = cli("list", "--search", "zzzzz")
    assert (r.code, r.out.strip()) == (0, "Nothing to show (new, open).")


def test_long_names_and_texts_fit_an_80_column_terminal_and_pipe_whole(cli, db_path, clock):
    with Store(db_path) as s:
        s.clients.add(
            "The Grand International Hotel & Spa of the Eternal City", "high", now=clock.now()
        )
        a = s.accounts.add(1, "wordpress", "the-grand-international-hotel-blog", now=clock.now())
        s.items.upsert(
            [
                Interaction(
                    a.id,
                    str(n),
                    "comment",
                    clock.now() - 400 * 86400 + n,
                    author_name="Maria Giovanna Elisabetta Carolina Rossi-Bianchi",
                    text="word " * 200,
                )
                for n in range(3)
            ],
            now=clock.now(),
        )
    env = terminal_env(clock.now(), SFOGO_DB=str(db_path))
    for args in (
        ["list"],
        ["list", "--status", "all"],
        ["show", "1"],
        ["clients"],
        ["accounts"],
        ["stats"],
    ):
        code, out = run_on_pty(args, env=env, cols=80, rows=100)
        assert code == 0, out
        fits(out)
    # Piped, nothing is cut: every value whole, tab-separated.
    piped = cli("list", "--status", "all").out.splitlines()
    row = piped[1].split("\t")
    assert row[2] == "The Grand International Hotel & Spa of the Eternal City"
    assert row[5] == "Maria Giovanna Elisabetta Carolina Rossi-Bianchi"
    assert row[6] == ("word " * 200).strip()


def test_stored_escape_sequences_never_reach_the_terminal(cli, db_path, ids):
    # A row written by something that skipped the ingest rules: output is sanitised again.
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE interactions SET text = ?, author_name = ? WHERE id = ?",
            ("\x1b]0;pwned\x07\x1b[2J hi", "\x1b]52;c;ZXZpbA==\x07Eve", ids["c1"]),
        )
    for args in (["list"], ["show", str(ids["c1"])]):
        r = cli(*args)
        assert r.code == 0
        assert "\x1b" not in r.out and "\x07" not in r.out
        assert "pwned" in r.out  # the visible text is still there


# -- show ------------------------------------------------------------------------------------


def test_show_prints_the_item_and_its_conversation(cli, ids):
    r = cli("show", str(ids["a1"]))
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0] == f"#{ids['a1']} · dm · done"
    assert lines[1:3] == ["Client   Hotel Aurora (vip)", "Account  instagram @hotelaurora"]
    assert "From     you" in r.out and "Handled" in r.out and "2 hours ago" in r.out
    assert "  Sì, certo! Le scrivo i prezzi." in lines
    thread = lines[lines.index("Thread · 2 items") + 2 :]
    assert thread[0].split()[0] == str(ids["q1"]) and "Giulia" in thread[0]
    assert thread[1].startswith("▶") and str(ids["a1"]) in thread[1]
    fits(r.out)


def test_show_json_is_the_item_and_the_thread_oldest_first(cli, ids):
    data = cli("show", f"#{ids['q1']}", "--json").json()
    assert list(data) == ["item", "thread"]
    assert list(data["item"]) == ROW_FIELDS
    assert data["item"]["text"] == "Avete una camera libera per sabato?"
    assert [t["external_id"] for t in data["thread"]] == ["q1", "a1"]
    assert data["thread"][1]["outgoing"] is True
    assert data["thread"][1]["handled_at"].endswith("Z")


def test_show_is_a_read_and_changes_nothing(cli, db_path, ids):
    cli("show", str(ids["c1"]))
    with Store(db_path) as s:
        assert s.items.get(ids["c1"])["status"] == "new"


@pytest.mark.parametrize("arg, message", [("999", "no item with id 999"), ("abc", "bad id 'abc'")])
def test_show_unknown_or_bad_id(cli, ids, arg, message):
    one_line_error(cli("show", arg), message)


# -- done, snooze, reopen --------------------------------------------------------------------


def status_of(db_path, item_id) -> dict:
    with Store(db_path) as s:
        return s.items.get(item_id)


def test_done_and_reopen(cli, db_path, ids, clock):
    r = cli("done", str(ids["c1"]), str(ids["m1"]))
    assert (r.code, r.out.strip()) == (0, "marked 2 items done")
    row = status_of(db_path, ids["c1"])
    assert row["status"] == "done" and abs(row["handled_at"] - clock.now()) < 60
    assert [x["id"] for x in cli("list", "--json").json()] == [ids["q1"]]

    r = cli("reopen", f"{ids['c1']},{ids['c1']}")  # a repeated id counts once
    assert (r.code, r.out.strip()) == (0, "reopened 1 item")
    row = status_of(db_path, ids["c1"])
    assert (row["status"], row["handled_at"]) == ("open", None)


@pytest.mark.parametrize(
    "until, low, high",
    [
        ("2h", 2 * HOUR - 60, 2 * HOUR + 60),
        ("tomorrow 9:00", 60, 48 * HOUR),
        ("3d", 3 * 86400 - 60, 3 * 86400 + 60),
    ],
)
def test_snooze_accepts_durations_and_wall_clock_times(cli, db_path, ids, clock, until, low, high):
    r = cli("snooze", str(ids["c1"]), "--until", until)
    assert r.code == 0, r.err
    assert r.out.startswith("snoozed 1 item until ")
    row = status_of(db_path, ids["c1"])
    assert row["status"] == "snoozed"
    assert low <= row["snoozed_until"] - clock.now() <= high
    assert ids["c1"] not in [x["id"] for x in cli("list", "--json").json()]
    assert cli("reopen", str(ids["c1"])).code == 0
    assert status_of(db_path, ids["c1"])["snoozed_until"] is None


def test_snooze_accepts_iso_8601(cli, db_path, ids, clock):
    target = clock.now() + 5 * 86400
    assert cli("snooze", str(ids["q1"]), "--until", when.iso(target)).code == 0
    assert status_of(db_path, ids["q1"])["snoozed_until"] == target


@pytest.mark.parametrize(
    "args, message",
    [
        (["snooze", "{c1}", "--until", "soonish"], "bad time 'soonish'"),
        (["snooze", "{c1}", "--until", "0h"], "bad duration"),
        (["snooze", "{c1}", "--until", "2020-01-01T00:00:00Z"], "in the past"),
        (["snooze", "{c1}"], "snooze needs --until"),
        (["snooze", "{c1}", "999", "--until", "2h"], "no item with id 999"),
        (["done", "{c1}", "999"], "no item with id 999"),
        (["done", "12x"], "bad id '12x'"),
        (["reopen", "999"], "no item with id 999"),
    ],
)
def test_status_commands_refuse_bad_input_and_change_nothing(cli, db_path, ids, args, message):
    one_line_error(cli(*[a.format(**ids) for a in args]), message)
    assert status_of(db_path, ids["c1"])["status"] == "new"


# -- clients and accounts --------------------------------------------------------------------


def test_clients_and_client_add(cli, ids):
    r = cli("client", "add", "Onlus Mare Pulito", "--tier", "high", "--target", "6h")
    assert r.code == 0 and "replies within 6 hours" in r.out
    assert cli("client", "add", "Startup Nova").code == 0  # tier defaults to normal
    data = cli("clients", "--json").json()
    assert [c["name"] for c in data] == [
        "Hotel Aurora",
        "Onlus Mare Pulito",
        "Pizzeria Da Gino",
        "Startup Nova",
    ]
    assert all(
        list(c) == ["id", "name", "tier", "target_s", "target_is_default", "accounts"] for c in data
    )
    by_name = {c["name"]: c for c in data}
    assert (
        by_name["Onlus Mare Pulito"]["tier"],
        by_name["Onlus Mare Pulito"]["target_s"],
        by_name["Onlus Mare Pulito"]["target_is_default"],
    ) == ("high", 6 * HOUR, False)
    assert (by_name["Hotel Aurora"]["target_s"], by_name["Hotel Aurora"]["accounts"]) == (
        2 * HOUR,
        1,
    )
    assert by_name["Startup Nova"]["tier"] == "normal"

    r = cli("clients")
    assert r.out.splitlines()[0].split() == ["ID", "CLIENT", "TIER", "REPLY", "WITHIN", "ACCOUNTS"]
    assert any("Onlus Mare Pulito" in line and "6 hours" in line for line in r.out.splitlines())
    assert any("Hotel Aurora" in line and "2 hours (tier)" in line for line in r.out.splitlines())


@pytest.mark.parametrize(
    "args, message",
    [
        (["client", "add", "X", "--tier", "gold"], "unknown tier 'gold'"),
        (["client", "add", "X", "--target", "soon"], "bad duration 'soon'"),
        (["client", "add", "hotel aurora"], "already exists"),
        (["client", "add", "   "], "needs a name"),
    ],
)
def test_client_add_errors(cli, ids, args, message):
    one_line_error(cli(*args), message)


def test_accounts_and_account_add_keep_no_secret(cli, db_path, ids, monkeypatch):
    monkeypatch.setenv("AURORA_MASTODON_TOKEN", "s3cr3t-t0ken-value")
    r = cli(
        "account",
        "add",
        "Hotel Aurora",
        "mastodon",
        "@aurora@mastodon.social",
        "--name",
        "Hotel Aurora",
        "--url",
        "https://mastodon.social/",
        "--user",
        "aurora",
        "--token-env",
        "AURORA_MASTODON_TOKEN",
    )
    assert r.code == 0, r.err
    assert "added mastodon account '@aurora@mastodon.social' for 'Hotel Aurora'" in r.out
    data = cli("accounts", "--json").json()
    assert all(
        list(a)
        == [
            "id",
            "client",
            "client_id",
            "channel",
            "handle",
            "display_name",
            "settings",
            "last_sync",
            "removed_at",
        ]
        for a in data
    )
    new = data[-1]
    assert (new["client"], new["channel"], new["handle"], new["display_name"]) == (
        "Hotel Aurora",
        "mastodon",
        "@aurora@mastodon.social",
        "Hotel Aurora",
    )
    assert new["settings"] == {
        "url": "https://mastodon.social",
        "user": "aurora",
        "token_env": "AURORA_MASTODON_TOKEN",
    }
    assert new["last_sync"] is None
    for path in db_path.parent.glob("sfogo.db*"):
        assert b"s3cr3t" not in path.read_bytes()
    r = cli("accounts")
    assert "never synced" in r.out and "@aurora@mastodon.social" in r.out


def test_channel_settings_for_email_and_graph_accounts(cli, ids):
    r = cli(
        "account",
        "add",
        "Hotel Aurora",
        "email",
        "info@aurora.it",
        "--url",
        "imaps://mail.aurora.it",
        "--smtp-url",
        "smtps://mail.aurora.it:465",
        "--user",
        "info@aurora.it",
        "--password-env",
        "AURORA_MAIL_PASSWORD",
        "--from",
        "Hotel Aurora <info@aurora.it>",
        "--mailbox",
        "INBOX",
        "--mailbox",
        "Prenotazioni",
    )
    assert r.code == 0, r.err
    r = cli(
        "account",
        "add",
        "Hotel Aurora",
        "facebook",
        "aurora.page",
        "--set",
        "page_id=1234567",
        "--set",
        "human_agent=true",
        "--token-env",
        "AURORA_FB",
    )
    assert r.code == 0, r.err
    data = {a["handle"]: a["settings"] for a in cli("accounts", "--json").json()}
    assert data["info@aurora.it"] == {
        "url": "imaps://mail.aurora.it",
        "smtp_url": "smtps://mail.aurora.it:465",
        "user": "info@aurora.it",
        "password_env": "AURORA_MAIL_PASSWORD",
        "from": "Hotel Aurora <info@aurora.it>",
        "mailboxes": ["INBOX", "Prenotazioni"],
    }
    assert data["aurora.page"] == {
        "page_id": "1234567",
        "human_agent": True,
        "token_env": "AURORA_FB",
    }


def test_accounts_show_the_last_sync(cli, db_path, ids, clock):
    with Store(db_path) as s:
        fb = s.accounts.get("dagino")
        s.runs.add(fb.id, clock.now() - 7200, clock.now() - 7190, "ok", items=3)
        s.runs.add(fb.id, clock.now() - 3600, clock.now() - 3590, "blocked", "action blocked")
    data = {a["handle"]: a for a in cli("accounts", "--json").json()}
    assert data["dagino"]["last_sync"]["outcome"] == "blocked"
    assert data["dagino"]["last_sync"]["started_at"].endswith("Z")
    assert any("blocked an hour ago" in line for line in cli("accounts").out.splitlines())


def test_an_unset_token_variable_is_pointed_out(cli, ids, monkeypatch):
    monkeypatch.delenv("DAGINO_FB_TOKEN", raising=False)
    r = cli(
        "account",
        "add",
        "Pizzeria Da Gino",
        "instagram",
        "dagino.ig",
        "--token-env",
        "DAGINO_FB_TOKEN",
    )
    assert r.code == 0 and "DAGINO_FB_TOKEN is not set" in r.err


@pytest.mark.parametrize(
    "args, message",
    [
        (["Nobody", "x", "@n"], "no client 'Nobody'"),
        (["Hotel Aurora", "myspace", "@n"], "unknown channel 'myspace'"),
        (["Hotel Aurora", "instagram", "@hotelaurora"], "already exists"),
        (["Hotel Aurora", "mastodon", "@n", "--token-env", "ya29.a0AfH6SMBx-secret"], "NAME of an"),
        (["Hotel Aurora", "mastodon", "@n", "--token-env", "abcdef0123456789"], "NAME of an"),
        (["Hotel Aurora", "mastodon", "@n", "--url", "https://me:pw@m.social"], "must not hold"),
        (["Hotel Aurora", "mastodon", "@n", "--url", "mastodon.social"], "bad --url"),
        (["Hotel Aurora", "mastodon", "@n", "--url", "me:pw@m.social"], "--url"),
        (["Hotel Aurora", "email", "a@b.it", "--url", "https://mail.b.it"], "imaps://"),
        (
            ["Hotel Aurora", "email", "a@b.it", "--smtp-url", "smtps://me:pw@mail.b.it"],
            "must not hold",
        ),
        (["Hotel Aurora", "facebook", "p", "--set", "token=abc"], "secrets never"),
        (
            ["Hotel Aurora", "wordpress", "b", "--url", "https://b.it/?access_token=abc"],
            "bare address",
        ),
        (["Hotel Aurora", "facebook", "p", "--set", "page_id"], "KEY=VALUE"),
    ],
)
def test_account_add_errors(cli, ids, args, message):
    result = cli("account", "add", *args)
    one_line_error(result, message)
    for secret in ("a0AfH6SMBx", "abcdef0123456789", "pw@"):
        assert secret not in result.err


# -- stats -----------------------------------------------------------------------------------


def test_stats(cli, ids):
    data = cli("stats", "--json").json()
    assert data["total"] == 5
    assert data["by_status"] == {"new": 2, "open": 1, "snoozed": 0, "done": 2, "ignored": 0}
    assert data["by_client"]["Hotel Aurora"] == {
        "new": 1,
        "open": 1,
        "snoozed": 0,
        "done": 1,
        "ignored": 0,
    }
    assert data["by_channel"] == {"facebook": 2, "instagram": 3}
    assert data["by_kind"] == {"comment": 1, "dm": 2, "mention": 1, "review": 1}
    r = cli("stats")
    assert r.out.splitlines()[0] == "5 items · new 2 · open 1 · snoozed 0 · done 2 · ignored 0"
    assert any(
        line.split() == ["Pizzeria", "Da", "Gino", "1", "0", "0", "1", "0", "2"]
        for line in r.out.splitlines()
    )
    assert any(line.split() == ["instagram", "3"] for line in r.out.splitlines())


# -- the data file ---------------------------------------------------------------------------


def test_sfogo_db_and_db_are_both_honoured(cli, db_path, tmp_path, ids, clock):
    other = tmp_path / "elsewhere" / "other.db"
    with Store(other) as s:
        s.clients.add("Only Here", "low", now=clock.now())
    names = lambda r: [c["name"] for c in r.json()]  # noqa: E731
    assert names(cli("clients", "--json")) == ["Hotel Aurora", "Pizzeria Da Gino"]  # SFOGO_DB
    assert names(cli("--db", other, "clients", "--json")) == ["Only Here"]
    assert names(cli("clients", "--json", "--db", other)) == ["Only Here"]
    assert cli("client", "add", "Second", "--db", other).code == 0
    assert names(cli("--db", other, "clients", "--json")) == ["Only Here", "Second"]
    assert names(cli("clients", "--json")) == ["Hotel Aurora", "Pizzeria Da Gino"]


def test_unusable_files_are_one_line_errors(cli, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all\n" * 100)
    one_line_error(cli("--db", text, "list"), "is not an SQLite data file")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")
    one_line_error(cli("list", "--db", other), "not an sfogo one")
    future = tmp_path / "future.db"
    with sqlite3.connect(future) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    one_line_error(cli("stats", "--db", future), "newer sfogo")
    one_line_error(cli("clients", "--db", tmp_path), "is a folder")


def test_the_installed_console_script_works(db_path, tmp_path):
    script = Path(sys.executable).with_name("sfogo")
    assert script.exists(), "pip install -e . puts the sfogo command beside python"
    env = {**os.environ, "SFOGO_DB": str(tmp_path / "cli.db"), "COLUMNS": "80"}
    add = subprocess.run(
        [script, "client", "add", "Bar Centrale", "--tier", "vip"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert add.returncode == 0, add.stderr
    listed = subprocess.run(
        [script, "clients", "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert json.loads(listed.stdout)[0]["name"] == "Bar Centrale"
    bad = subprocess.run(
        [script, "show", "42"], capture_output=True, text=True, env=env, timeout=60
    )
    assert bad.returncode == 1
    assert bad.stderr == "sfogo: no item with id 42: 'sfogo list' shows the ids\n"


def test_a_db_path_in_a_missing_folder_is_refused_not_created(cli, tmp_path):
    missing = tmp_path / "typo" / "sub" / "inbox.db"
    for args in (["list"], ["stats"], ["client", "add", "X"]):
        one_line_error(cli("--db", missing, *args), "no folder")
    assert not (tmp_path / "typo").exists()


def test_ages_round_like_durations_elsewhere():
    from sfogo.tui.cli._output import ago

    # A gap that began 4 days 23 hours 59 minutes ago began "5 days ago", as `gaps` says.
    assert ago(0, ref=5 * 86400 - 60) == "5 days ago"
    assert ago(0, ref=2 * 3600 - 100) == "2 hours ago"


# -- the command line itself: options anywhere, one clock, completion -------------------------


def test_version_and_help():
    from importlib.metadata import version

    script = Path(sys.executable).with_name("sfogo")
    out = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert (out.returncode, out.stdout) == (0, f"sfogo {version('sfogo')}\n")
    for args in (["--help"], ["-h"], ["list", "-h"], ["client", "add", "--help"]):
        shown = subprocess.run([script, *args], capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and shown.stdout.startswith("Usage: sfogo"), args
        assert "--db PATH" in shown.stdout and "SFOGO_DB" in shown.stdout


def test_shared_options_work_before_and_after_the_command_and_the_last_one_wins(
    cli, db_path, tmp_path, ids, clock
):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    seed(one, clock.now())
    names = lambda r: [c["name"] for c in r.json()]  # noqa: E731
    assert cli("client", "--db", two, "add", "Only In Two").code == 0  # a group's level too
    assert names(cli("--db", one, "clients", "--json", "--db", two)) == ["Only In Two"]
    assert names(cli("--db", two, "clients", "--json", "--db", one)) == [
        "Hotel Aurora",
        "Pizzeria Da Gino",
    ]
    config = tmp_path / "missing.toml"
    for args in (["--config", config, "next"], ["next", "--config", config]):
        one_line_error(cli(*args), "no config file at", str(config))


def test_usage_errors_are_one_short_line_with_exit_2(cli, ids):
    for args, fragment in (
        (["list", "--colour"], "'--colour'"),
        (["lsit"], "'lsit'"),
        (["done"], "'ID...'"),
    ):
        r = cli(*args)
        assert r.code == 2 and r.out == "", args
        assert r.err.count("\n") == 1 and r.err.startswith("sfogo: ") and fragment in r.err


def test_no_mouse_is_taken_before_and_after_demo(tmp_path, capsys):
    from sfogo.tui.cli import Context, main

    for args in (["--no-mouse", "demo"], ["demo", "--no-mouse"]):
        ctx = Context()
        assert (
            main([*args, "--no-tui", "--size", "50", "--db", str(tmp_path / "d.db")], context=ctx)
            == 0
        )
        assert ctx.mouse is False


def test_a_child_process_reads_its_clock_from_sfogo_now(db_path, clock, ids):
    script = Path(sys.executable).with_name("sfogo")
    env = {**os.environ, "COLUMNS": "80", "SFOGO_NOW": when.iso(clock.now() + 2 * HOUR)}
    listed = subprocess.run(
        [script, "list", "--sort", "newest"], capture_output=True, text=True, env=env, timeout=60
    )
    assert listed.returncode == 0, listed.stderr
    newest = listed.stdout.splitlines()[1]
    assert "Luca" in newest and "2 hours ago" in newest  # 10 minutes + 2 hours, rounded
    env["SFOGO_NOW"] = "yesterday-ish"
    bad = subprocess.run([script, "list"], capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr == (
        "sfogo: SFOGO_NOW='yesterday-ish' is not a time: use ISO 8601 or "
        "epoch seconds, or unset it\n"
    )


def _complete(words: str, db_path) -> list[str]:
    script = Path(sys.executable).with_name("sfogo")
    env = {
        **os.environ,
        "_SFOGO_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        "SFOGO_DB": str(db_path),
    }
    done = subprocess.run([script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_shell_completion_comes_from_click(cli, db_path):
    assert {"list", "demo"} <= set(_complete("sfogo ", db_path))
    assert _complete("sfogo lis", db_path) == ["list"]
    assert _complete("sfogo list --channel ma", db_path) == ["mastodon"]
    assert _complete("sfogo list --kind dm,me", db_path) == ["dm,mention"]
    assert _complete("sfogo db ", db_path) == ["check", "vacuum", "analyze", "copy"]
    for shell, marker in (
        ("bash", "complete -o nosort -F"),
        ("zsh", "#compdef sfogo"),
        ("fish", "complete --no-files --command sfogo"),
    ):
        r = cli("completion", shell)
        assert r.code == 0 and marker in r.out and "_SFOGO_COMPLETE" in r.out, shell
    assert cli("completion", "tcsh").code == 2


def test_exports_and_reports_are_private_files(cli, db_path, tmp_path, ids):
    exported, reported = tmp_path / "out" / "all.csv", tmp_path / "out" / "aurora.md"
    exported.parent.mkdir()
    assert cli("export", "-o", exported).code == 0
    assert cli("report", "Hotel Aurora", "--since", "7d", "-o", reported).code == 0
    for path in (exported, reported):
        assert (path.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in exported.parent.iterdir()) == ["all.csv", "aurora.md"]


def test_the_report_choices_are_the_reports_own():
    from sfogo.backlog import report
    from sfogo.tui.cli import report_cmds

    assert (report_cmds.FORMATS, report_cmds.LANGS) == (report.FORMATS, report.LANGS)


def test_each_command_is_where_the_root_looks_for_it():
    import importlib

    import click

    from sfogo.tui.cli import COMMANDS, cli

    modules = dict.fromkeys(COMMANDS.values())
    for module in modules:
        topic = importlib.import_module(f"sfogo.tui.cli.{module}").topic
        assert list(topic.commands) == [n for n, m in COMMANDS.items() if m == module], module
    assert len(set(COMMANDS)) == len(COMMANDS) and list(COMMANDS) == cli.list_commands(
        click.Context(cli)
    )


def test_a_quick_command_imports_only_its_own_topic(db_path, ids):
    code = (
        "import sys; from sfogo.tui.cli import main; main(['list']); "
        "print(sorted(m for m in sys.modules if m.startswith(('sfogo.tui.cli.', 'textual',"
        " 'httpx', 'sqlite_utils'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "80"},
    )
    loaded = done.stdout.splitlines()[-1]
    assert "sfogo.tui.cli.inbox_cmds" in loaded and "sfogo.tui.cli.triage_cmds" in loaded
    for heavy in ("textual", "httpx", "sqlite_utils", "sync_cmds", "report_cmds", "demo_cmd"):
        assert heavy not in loaded, heavy


def test_list_json_gives_each_items_owner_once_the_inbox_has_a_team(cli, ids):
    assert all("owner" not in r for r in cli("list", "--json").json())  # one person: no owner
    assert cli("team", "add", "Anna").code == 0
    assert cli("assign", str(ids["c1"]), "Anna").code == 0
    owners = {r["id"]: r["owner"] for r in cli("list", "--json").json()}
    assert owners[ids["c1"]] == "Anna"
    assert {o for i, o in owners.items() if i != ids["c1"]} == {None}
