"""Gaps: failed sync runs grouped per account, away periods, and the away/back/gaps commands."""

from __future__ import annotations

import pytest
from conftest import NOW

from sfogo.backlog.gaps import end_away, find_gaps, open_away, record_away
from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

HOUR = 3600
DAY = 86400


@pytest.fixture(autouse=True)
def terminal_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def accounts(store):
    store.clients.add("Hotel", "vip", now=NOW)
    store.clients.add("Startup", "high", now=NOW)
    return {
        "fb": store.accounts.add("Hotel", "facebook", "hotel", now=NOW),
        "x": store.accounts.add("Startup", "x", "@startup", now=NOW),
    }


def _runs(store, account, *outcomes_at):
    for at, outcome in outcomes_at:
        store.runs.add(
            account.id,
            NOW + at,
            NOW + at + 3,
            outcome,
            "" if outcome == "ok" else f"{outcome} detail",
        )


def one_line_error(r, fragment: str) -> None:
    assert r.code == 1, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sfogo: ") and fragment in lines[0], r.err
    assert "Traceback" not in r.err


# -- from sync runs --------------------------------------------------------------------------


def test_consecutive_failed_runs_form_one_gap_that_the_next_success_closes(store, accounts):
    _runs(
        store,
        accounts["fb"],
        (-10 * HOUR, "ok"),
        (-9 * HOUR, "offline"),
        (-8 * HOUR, "down"),
        (-7 * HOUR, "offline"),
        (-6 * HOUR, "ok"),
        (-5 * HOUR, "ok"),
    )
    (gap,) = find_gaps(store, now=NOW)
    assert gap.source == "sync" and gap.account_id == accounts["fb"].id
    assert (gap.started_at, gap.ended_at) == (NOW - 9 * HOUR, NOW - 6 * HOUR)
    assert gap.runs == 3 and gap.kinds == {"offline": 2, "down": 1}
    assert gap.kind == "offline"  # the outcome that filled most of it
    assert gap.client == "Hotel" and gap.account == "facebook:hotel"
    assert gap.detail == "offline detail" and not gap.is_open


def test_failures_without_a_later_success_leave_the_gap_open(store, accounts):
    _runs(
        store,
        accounts["x"],
        (-6 * DAY, "ok"),
        (-5 * DAY, "blocked"),
        (-4 * DAY, "blocked"),
        (-HOUR, "blocked"),
    )
    (gap,) = find_gaps(store, now=NOW)
    assert gap.is_open and gap.ended_at is None and gap.kind == "blocked"
    assert gap.duration(NOW) == 5 * DAY and gap.runs == 3


def test_separate_failures_are_separate_gaps_per_account(store, accounts):
    _runs(
        store,
        accounts["fb"],
        (-9 * HOUR, "rate_limited"),
        (-8 * HOUR, "ok"),
        (-3 * HOUR, "auth"),
        (-2 * HOUR, "ok"),
    )
    _runs(store, accounts["x"], (-9 * HOUR, "ok"), (-8 * HOUR, "broken"))
    gaps = find_gaps(store, now=NOW)
    assert [(g.kind, g.account_id) for g in gaps] == [
        ("rate_limited", accounts["fb"].id),
        ("broken", accounts["x"].id),
        ("auth", accounts["fb"].id),
    ]
    assert [g.is_open for g in gaps] == [False, True, False]


def test_since_sees_a_gap_that_began_earlier_whole_and_until_keeps_its_real_end(store, accounts):
    _runs(
        store,
        accounts["fb"],
        (-10 * DAY, "ok"),
        (-9 * DAY, "down"),
        (-8 * DAY, "down"),
        (-2 * DAY, "ok"),
        (-HOUR, "down"),
        (-1, "ok"),
    )
    gaps = find_gaps(store, since=NOW - 8 * DAY - HOUR, now=NOW)
    assert [(g.started_at, g.ended_at) for g in gaps] == [
        (NOW - 9 * DAY, NOW - 2 * DAY),
        (NOW - HOUR, NOW - 1),
    ]
    # A report on the week of the start must not call that gap still open.
    (gap,) = find_gaps(store, since=NOW - 10 * DAY, until=NOW - 7 * DAY, now=NOW)
    assert gap.ended_at == NOW - 2 * DAY
    assert find_gaps(store, since=NOW, now=NOW) == []


# -- away periods ----------------------------------------------------------------------------


def test_an_away_period_covers_every_account_until_back(store, accounts):
    away_id = record_away(store, "sick", start=NOW - 2 * DAY, now=NOW)
    assert open_away(store) == (away_id, NOW - 2 * DAY, "sick")
    (gap,) = find_gaps(store, now=NOW)
    assert gap.scope == "all" and gap.is_open and gap.touches(accounts["x"].id)
    with pytest.raises(SfogoError, match="already sick since"):
        record_away(store, "away", now=NOW)
    assert end_away(store, now=NOW + HOUR)[2] == NOW + HOUR
    assert open_away(store) is None
    with pytest.raises(SfogoError, match="you are not away"):
        end_away(store, now=NOW)


def test_away_and_back_commands(cli, store, accounts):
    r = cli("away", "--reason", "sick", "--from", "2d")
    assert r.code == 0, r.err
    assert "sick since" in r.out and "sfogo back" in r.out
    one_line_error(cli("away"), "already sick since")
    r = cli("back")
    assert r.code == 0 and "sick for 2 days" in r.out
    one_line_error(cli("back"), "you are not away")
    r = cli(
        "away",
        "--reason",
        "offline",
        "--from",
        when.iso(NOW - 30 * HOUR),
        "--until",
        when.iso(NOW - 2 * HOUR),
        "--note",
        "fibre cut",
    )
    assert r.code == 0 and "(28 hours)" in r.out
    rows = store.conn.execute(
        "SELECT reason, started_at, ended_at, note FROM away_periods ORDER BY id"
    ).fetchall()
    assert rows == [
        ("sick", NOW - 2 * DAY, NOW, ""),
        ("offline", NOW - 30 * HOUR, NOW - 2 * HOUR, "fibre cut"),
    ]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("--from", "1h", "--until", when.iso(NOW - 2 * HOUR)), "must come after its start"),
        (
            (
                "--from",
                "+3h",
            ),
            "--from is in the future",
        ),
        (
            (
                "--from",
                "someday",
            ),
            "bad time 'someday'",
        ),
    ],
)
def test_away_errors_are_one_line(cli, accounts, args, fragment):
    one_line_error(cli("away", *args), fragment)


def test_an_unknown_reason_is_refused_by_the_parser(cli, accounts):
    r = cli("away", "--reason", "holiday")
    assert r.code == 2 and "'holiday' is not one of 'away', 'sick', 'offline'" in r.err


# -- sfogo gaps ------------------------------------------------------------------------------


@pytest.fixture
def story(store, accounts):
    """A 30-hour outage on the hotel's accounts, X blocked for 5 days, a 2-day sick leave."""
    masto = store.accounts.add("Hotel", "mastodon", "@hotel@mastodon.social", now=NOW)
    for acc in (accounts["fb"], masto):
        _runs(
            store,
            acc,
            (-10 * DAY, "ok"),
            (-80 * HOUR, "offline"),
            (-60 * HOUR, "offline"),
            (-50 * HOUR, "ok"),
            (-HOUR, "ok"),
        )
    _runs(
        store,
        accounts["x"],
        (-10 * DAY, "ok"),
        (-5 * DAY, "blocked"),
        (-4 * DAY, "blocked"),
        (-80 * HOUR, "offline"),
        (-HOUR, "blocked"),
    )
    store.away.add(NOW - 8 * DAY, NOW - 6 * DAY, "sick", "flu")
    return accounts


def test_gaps_lists_durations_people_read(cli, story):
    r = cli("gaps")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert any(
        "30 hours" in line and "offline" in line and "2 accounts of Hotel" in line for line in lines
    ), r.out
    assert any(
        "5 days, still open" in line and "blocked" in line and "x:@startup" in line
        for line in lines
    ), r.out
    assert any("2 days" in line and "sick" in line and "flu" in line for line in lines), r.out
    assert r.err == "4 gaps, 1 still open; --json lists every account's gap\n"  # piped


def test_gaps_json_has_every_gap_with_iso_times(cli, story):
    data = cli("gaps", "--json").json()
    assert [(g["kind"], g["scope"]) for g in data] == [
        ("sick", "all"),
        ("blocked", "account"),
        ("offline", "account"),
        ("offline", "account"),
    ]
    blocked = data[1]
    assert blocked["open"] is True and blocked["ended_at"] is None
    assert blocked["started_at"] == when.iso(NOW - 5 * DAY)
    assert blocked["duration_s"] == 5 * DAY and blocked["client"] == "Startup"
    assert blocked["outcomes"] == {"blocked": 3, "offline": 1}
    assert data[2]["duration_s"] == 30 * HOUR and data[2]["ended_at"] == when.iso(NOW - 50 * HOUR)


def test_gaps_since_and_client(cli, story):
    kinds = [g["kind"] for g in cli("gaps", "--since", "4d", "--json").json()]
    assert kinds == ["blocked", "offline", "offline"]
    hotel = cli("gaps", "--client", "Hotel", "--json").json()
    assert [(g["kind"], g["account"]) for g in hotel] == [
        ("sick", None),
        ("offline", "facebook:hotel"),
        ("offline", "mastodon:@hotel@mastodon.social"),
    ]
    one_line_error(cli("gaps", "--client", "Nobody"), "no client 'Nobody'")
    one_line_error(cli("gaps", "--since", "whenever"), "bad time")
    r = cli("gaps", "--since", "30m")
    assert r.code == 0 and "5 days, still open" in r.out  # an open gap reaches into now


def test_no_gaps_says_so(cli, accounts):
    r = cli("gaps")
    assert r.code == 0 and "No gaps" in r.out
    assert cli("gaps", "--json").json() == []
