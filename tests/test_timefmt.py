"""One age, everywhere: the list, ``sfogo show``, the backlog and the health bar say the same
age for the same item, rounded to the nearest unit, never cut."""

from __future__ import annotations

import pytest
from conftest import NOW
from rich.style import Style

from sfogo.backlog.measure import ClientBacklog
from sfogo.backlog.settings import Settings
from sfogo.inbox.model import Interaction
from sfogo.inbox.timefmt import age_short, ago, span_hm, span_precise, span_short, span_words
from sfogo.tui.cli._output import ago as cli_ago
from sfogo.tui.screens._backlog_data import Summary
from sfogo.tui.screens._backlog_text import client_lines
from sfogo.tui.widgets._format import when_long
from sfogo.tui.widgets._health import AccountState, HealthState, health_line
from sfogo.tui.widgets._row import row_segments
from sfogo.tui.widgets._timeline import Timeline

MIN, HOUR, DAY = 60, 3600, 86400


@pytest.mark.parametrize(
    "age, short, words",
    [
        (1 * HOUR + 50 * MIN, "2h", "2 hours ago"),
        (4 * DAY + 23 * HOUR, "5d", "5 days ago"),
        (30 * HOUR, "30h", "30 hours ago"),
    ],
)
def test_the_list_show_the_backlog_and_the_health_bar_say_the_same_age(store, age, short, words):
    store.clients.add("Hotel Roma", "vip", now=NOW)
    account = store.accounts.add("Hotel Roma", "instagram", "hotelroma", now=NOW)
    arrived = NOW - age
    store.items.upsert(
        [
            Interaction(
                account_id=account.id,
                external_id="m1",
                kind="dm",
                created_at=arrived,
                text="Ciao",
                author_name="Marco",
            )
        ],
        now=NOW,
    )
    row = store.items.get(store.items.ids()[0])

    segments, _ = row_segments(row, 80, NOW, Settings(), lambda _name: Style(), Style())
    in_the_list = "".join(s.text for s in segments)
    assert f" {short} " in in_the_list
    assert cli_ago(arrived, ref=NOW) == words  # sfogo show, list, accounts, backlog
    assert when_long(arrived, NOW).endswith(f" · {words}")  # the item's pane
    bar = health_line(
        HealthState((AccountState(account.id, "ig", "blocked", arrived, True),), None), NOW, 80
    ).plain
    assert bar == f"✗ ig blocked {short}"
    backlog = ClientBacklog(1, "Hotel Roma", "vip", 3600, count=1, oldest_at=arrived)
    table = client_lines(Summary([backlog], 0, 0, Timeline(NOW, 14, (), ())), None, NOW, 80)
    assert f" {short} " in table[1].plain


@pytest.mark.parametrize(
    "seconds, short, words",
    [
        (0, "1m", "a moment"),
        (29, "1m", "29 seconds"),
        (89, "1m", "a minute"),
        (90, "2m", "2 minutes"),
        (59 * MIN + 29, "59m", "59 minutes"),
        (59 * MIN + 30, "1h", "an hour"),  # 60 minutes are an hour, not "60m"
        (47 * HOUR + 29 * MIN, "47h", "47 hours"),
        (47 * HOUR + 30 * MIN, "2d", "2 days"),
        (13 * DAY + 11 * HOUR, "13d", "13 days"),
        (13 * DAY + 12 * HOUR, "2w", "2 weeks"),
        (52 * DAY, "7w", "7 weeks"),
        (53 * DAY, "2mo", "2 months"),  # 7.6 weeks round to 8: the months take over
        (340 * DAY, "11mo", "11 months"),
        (345 * DAY, "1y", "a year"),
        (800 * DAY, "2y", "2 years"),
    ],
)
def test_a_duration_takes_the_largest_unit_it_fills_and_rounds_to_it(seconds, short, words):
    assert span_short(seconds) == short
    assert span_words(seconds) == words


def test_ages_and_relative_times_around_now():
    assert age_short(None, now=NOW) == "" and ago(None, now=NOW) == ""
    assert age_short(NOW - 59, now=NOW) == "now" and ago(NOW - 59, now=NOW) == "just now"
    assert age_short(NOW + 600, now=NOW) == "soon"  # a clock ahead elsewhere
    assert ago(NOW + 3 * HOUR, now=NOW) == "in 3 hours"
    assert ago(NOW + 30, now=NOW) == "in a moment"
    assert ago(NOW - HOUR, now=NOW) == "an hour ago"


def test_precise_spans_and_efforts():
    assert span_precise(45 * MIN) == "45 minutes"
    assert span_precise(59 * MIN + 50) == "1 hour"  # not "60 minutes"
    assert span_precise(3 * HOUR + 20 * MIN) == "3 hours 20 minutes"
    assert span_precise(30 * HOUR) == "30 hours"
    assert span_precise(2 * DAY + 4 * HOUR) == "2 days 4 hours"
    assert span_hm(45 * MIN) == "45m" and span_hm(8 * HOUR + 2 * MIN) == "8h02"
    assert span_hm(120 * HOUR) == "120h"


def test_nothing_here_reads_a_clock():
    import inspect

    import sfogo.inbox.timefmt as timefmt

    source = inspect.getsource(timefmt)
    for reader in ("time.time", "datetime.now", "when.now", "import time", "monotonic"):
        assert reader not in source, reader
