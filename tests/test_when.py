"""Times and durations as people type them, read the same way on every machine."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW  # Friday 2026-11-27 12:00 UTC

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.when import iso, parse_duration, parse_iso, parse_when

UTC = UTC
ROME = ZoneInfo("Europe/Rome")


def at(text: str, **kw) -> str:
    return iso(parse_when(text, ref=NOW, tz=kw.pop("tz", UTC), **kw))


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90m", 5400),
        ("2h", 7200),
        ("1d12h", 129600),
        ("1.5h", 5400),
        ("2w", 1209600),
        ("45s", 45),
        (" 2 h ", 7200),
        ("1h30m", 5400),
        ("3D", 259200),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "0h", "2x", "-2h", "h", "2h and a bit", "1e3h"])
def test_bad_durations_say_how_to_write_one(text):
    with pytest.raises(SfogoError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2h", "2026-11-27T14:00:00Z"),
        ("1d", "2026-11-28T12:00:00Z"),
        ("+30m", "2026-11-27T12:30:00Z"),
        ("-2h", "2026-11-27T10:00:00Z"),
        ("now", "2026-11-27T12:00:00Z"),
        ("today", "2026-11-27T12:00:00Z"),
        ("today 17:00", "2026-11-27T17:00:00Z"),
        ("tomorrow 9:00", "2026-11-28T09:00:00Z"),
        ("Tomorrow 9:30 am", "2026-11-28T09:30:00Z"),
        ("domani 15:00", "2026-11-28T15:00:00Z"),
        ("tomorrow", "2026-11-28T09:00:00Z"),  # the start of a working day
        ("monday", "2026-11-30T09:00:00Z"),
        ("friday", "2026-12-04T09:00:00Z"),  # today is Friday: the next one
        ("17:30", "2026-11-27T17:30:00Z"),  # later today
        ("9:00", "2026-11-28T09:00:00Z"),  # already past today: tomorrow
        ("5pm", "2026-11-27T17:00:00Z"),
        ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"),
        ("2026-12-01T10:00:00+01:00", "2026-12-01T09:00:00Z"),
    ],
)
def test_times_forward(text, expected):
    assert at(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("7d", "2026-11-20T12:00:00Z"),
        ("monday", "2026-11-23T00:00:00Z"),
        ("friday", "2026-11-27T00:00:00Z"),
        ("yesterday", "2026-11-26T00:00:00Z"),
        ("17:00", "2026-11-26T17:00:00Z"),
    ],
)
def test_times_backward_for_since(text, expected):
    assert at(text, past=True) == expected


def test_wall_clock_words_use_the_local_zone():
    # 12:00 UTC is 13:00 in Rome; "today 17:00" there is 16:00 UTC.
    assert at("today 17:00", tz=ROME) == "2026-11-27T16:00:00Z"
    assert at("2026-12-01 09:00", tz=ROME) == "2026-12-01T08:00:00Z"


def test_tomorrow_morning_across_a_daylight_saving_change():
    # Saturday 24 Oct 2026, 12:00 in Rome (UTC+2); clocks go back that night (UTC+1).
    ref = int(datetime(2026, 10, 24, 12, 0, tzinfo=ROME).timestamp())
    assert iso(parse_when("tomorrow 9:00", ref=ref, tz=ROME)) == "2026-10-25T08:00:00Z"


@pytest.mark.parametrize(
    "text", ["", "   ", "soon", "tomorrow 25:00", "tomorrow at noon", "2026-13-01", "monday 9:61"]
)
def test_bad_times_say_what_works(text):
    with pytest.raises(SfogoError, match="time"):
        parse_when(text, ref=NOW, tz=UTC)


def test_iso_is_utc_with_a_z():
    assert iso(NOW) == "2026-11-27T12:00:00Z"
    assert iso(NOW + 0.7) == "2026-11-27T12:00:00Z"
    assert iso(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-27T12:00:00Z",
        "2026-11-27T12:00:00+00:00",
        "2026-11-27T12:00:00+0000",
        "2026-11-27T13:00:00+0100",
        "2026-11-27T07:00:00-05:00",
        "2026-11-27T12:00:00",
        "2026-11-27T12:00:00.123Z",
        " 2026-11-27 12:00:00Z ",
    ],
)
def test_parse_iso_reads_what_platforms_send(text):
    assert parse_iso(text) == NOW


def test_parse_iso_refuses_non_times():
    for text in ("yesterday", "27/11/2026", ""):
        with pytest.raises(ValueError):
            parse_iso(text)
