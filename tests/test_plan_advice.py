"""The plan's advice: hours per day to clear the backlog by a date, and the effect of
dropping low-tier items or giving up replies whose window has closed.

Every expected number is worked out by hand in the test (Europe/Rome wall clock, a
Monday-to-Friday 09:00-18:00 week), never taken from the code under test.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sfogo.backlog.plan import make_plan
from sfogo.backlog.plan_advice import (
    Choice,
    Pending,
    advise,
    default_targets,
    plan_advice,
    target_from,
)
from sfogo.backlog.workhours import WorkHours
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store

ROME = ZoneInfo("Europe/Rome")
DAY = 86400
HOUR = 3600
MIN = 60


def rome(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=ROME).timestamp())


OFFICE = WorkHours.from_config({"timezone": "Europe/Rome", "hours": "09:00-18:00"})
MONDAY = rome(2026, 11, 30, 9, 0)
END_OF_WEDNESDAY = rome(2026, 12, 3, 0, 0)

# 16.5 hours of backlog: 9 h for a VIP, 6 h for a low-tier client, 1.5 h of replies whose
# window closes before they are reached, and two whose window has closed (not scheduled).
BACKLOG = (
    [Pending(HOUR, "vip", False, False)] * 9
    + [Pending(HOUR, "low", False, False)] * 6
    + [Pending(30 * MIN, "high", False, True)] * 3
    + [Pending(10 * MIN, "high", True, True)] * 2
)


def test_each_choice_has_its_own_measured_effect():
    advice = advise(BACKLOG, load=0.5, work=OFFICE, now=MONDAY, targets=[END_OF_WEDNESDAY])
    rows = {o.choice: o for o in advice.options}
    assert list(rows) == [Choice.AS_IS, Choice.DROP_LOW, Choice.DROP_WINDOW, Choice.DROP_BOTH]
    # Half the time is left for the backlog: 16.5 h of work take 33 working hours,
    # Monday, Tuesday, Wednesday (27) and Thursday 09:00-15:00.
    as_is = rows[Choice.AS_IS]
    assert (as_is.items, as_is.saved_s, as_is.left_s) == (0, 0, 16.5 * HOUR)
    assert as_is.finish_at == rome(2026, 12, 3, 15, 0)
    # By the end of Wednesday (27 working hours): new arrivals need 13.5 h, the backlog
    # 16.5 h: 30 h over three days is 10 hours a day.
    assert as_is.hours_per_day == (10.0,)
    # Dropping the low-tier client's 6 items saves 6 h: 10.5 h left take 21 working hours
    # (Wednesday 12:00), and Wednesday needs (10.5 + 13.5) / 3 = 8 hours a day.
    low = rows[Choice.DROP_LOW]
    assert (low.items, low.saved_s, low.left_s) == (6, 6 * HOUR, 10.5 * HOUR)
    assert low.finish_at == rome(2026, 12, 2, 12, 0)
    assert low.hours_per_day == (8.0,)
    # Giving up the 5 replies whose window closed or closes first: the 2 closed ones save
    # nothing (the plan skips them already), the 3 others 1.5 h: 15 h left, 30 working
    # hours (Thursday 12:00), (15 + 13.5) / 3 = 9.5 hours a day.
    window = rows[Choice.DROP_WINDOW]
    assert (window.items, window.saved_s, window.left_s) == (5, 1.5 * HOUR, 15 * HOUR)
    assert window.finish_at == rome(2026, 12, 3, 12, 0)
    assert window.hours_per_day == (9.5,)
    # Both: 9 h left, 18 working hours, done when Tuesday's work ends.
    both = rows[Choice.DROP_BOTH]
    assert (both.items, both.saved_s, both.left_s) == (11, 7.5 * HOUR, 9 * HOUR)
    assert both.finish_at == rome(2026, 12, 1, 18, 0)
    assert both.hours_per_day == (7.5,)


def test_never_at_this_pace_still_says_what_it_would_take():
    # New arrivals need 99% of the time: the plan says "never", the advice does not.
    advice = advise(BACKLOG, load=0.99, work=OFFICE, now=MONDAY, targets=[END_OF_WEDNESDAY])
    as_is = advice.option(Choice.AS_IS)
    assert as_is is not None and as_is.finish_at is None
    # 0.99 x 27 h of arrivals + 16.5 h of backlog = 43.23 h over three days: 864.6 minutes
    # a day, so 865 (to the minute, rounded up).
    assert as_is.hours_per_day == (865 / 60,)


def test_a_date_no_day_is_long_enough_for_says_so():
    # By tonight: 4.5 h of arrivals and 16.5 h of backlog in one day that starts at 09:00
    # and can stretch to midnight (15 h): impossible. Dropping everything but the VIP's 9 h
    # makes 13.5 h: possible, from 09:00 to 22:30.
    tonight = rome(2026, 12, 1, 0, 0)
    advice = advise(BACKLOG, load=0.5, work=OFFICE, now=MONDAY, targets=[tonight])
    assert advice.option(Choice.AS_IS).hours_per_day == (None,)
    assert advice.option(Choice.DROP_BOTH).hours_per_day == (13.5,)


def test_default_dates_are_the_ends_of_the_next_working_days():
    friday = rome(2026, 11, 27, 13, 0)
    assert default_targets(OFFICE, friday) == [
        rome(2026, 12, 1, 0, 0),  # the end of Monday
        rome(2026, 12, 3, 0, 0),  # the end of Wednesday
        rome(2026, 12, 5, 0, 0),  # the end of Friday
    ]
    # "monday" is the end of Monday; a time is that moment; the past is refused.
    assert target_from("monday", OFFICE, friday) == rome(2026, 12, 1, 0, 0)
    assert target_from("monday 12:00", OFFICE, friday) == rome(2026, 11, 30, 12, 0)
    with pytest.raises(SfogoError, match="not in the future"):
        target_from("2026-11-01", OFFICE, friday)


def test_an_empty_backlog_needs_only_the_arrivals_time():
    advice = advise([], load=0.5, work=OFFICE, now=MONDAY, targets=[END_OF_WEDNESDAY])
    (only,) = advice.options
    assert only.finish_at == MONDAY and only.hours_per_day == (4.5,)


# -- through a real inbox --------------------------------------------------------------------

CONFIG = {"effort": {"dm": 12, "email": 6, "learn": False}}


def busy_week(store: Store, now: int) -> dict[str, list[int]]:
    """A VIP hotel and a low-tier non-profit after two absences, with new mail that needs
    80% of the working time.

    - Nine days ago (away, sick): 20 hotel e-mails, 10 non-profit e-mails and 2 Instagram
      DMs whose 24-hour window has long closed.
    - Since yesterday (away again): 3 DMs whose window closes in 10 minutes.
    - The last 7 days (45 working hours): 354 e-mails x 6 min (answered: not backlog) + the
      3 DMs x 12 min = 36 h of new work: 80% of the time.
    """
    hotel = store.clients.add("Hotel Roma", "vip", now=now - 30 * DAY)
    tevere = store.clients.add("Amici del Tevere", "low", now=now - 30 * DAY)
    mail = store.accounts.add(hotel.id, "email", "info@hotel.example", now=now - 30 * DAY).id
    ig = store.accounts.add(hotel.id, "instagram", "@hotel", now=now - 30 * DAY).id
    low = store.accounts.add(tevere.id, "email", "info@tevere.example", now=now - 30 * DAY).id
    sick = now - 9 * DAY
    rows = (
        [Interaction(mail, f"old-{i}", "email", sick + i * MIN) for i in range(20)]
        + [Interaction(low, f"low-{i}", "email", sick + i * MIN) for i in range(10)]
        + [Interaction(ig, f"closed-{i}", "dm", sick + i * MIN) for i in range(2)]
        + [Interaction(ig, f"closing-{i}", "dm", now - 23 * HOUR - 50 * MIN) for i in range(3)]
        + [Interaction(mail, f"new-{i}", "email", now - 6 * DAY + i * 1000) for i in range(354)]
    )
    store.items.upsert(rows, now=now)
    store.away.add(now - 10 * DAY, now - 8 * DAY, "sick")
    store.away.add(now - 24 * HOUR, now - MIN, "sick")
    ids: dict[str, list[int]] = {}
    for item_id, ext in store.conn.execute("SELECT id, external_id FROM interactions"):
        ids.setdefault(ext.split("-")[0], []).append(item_id)
    store.marks.set_status(ids["new"], "done", now=now)
    return ids


def test_a_real_inbox_gets_advice_whose_numbers_add_up(store, clock):
    now = clock.now()  # Friday 27 November 2026, 13:00 in Rome
    ids = busy_week(store, now)
    plan = make_plan(store, now=now, work=OFFICE, config=CONFIG)
    assert plan.share == pytest.approx(0.2)
    assert sorted(i.id for i in plan.unanswerable) == sorted(ids["closed"])
    # 216 minutes of backlog (120 hotel, 60 non-profit, 36 closing DMs) at 20% of the time:
    # 18 working hours, Friday 13:00-18:00, Monday, Tuesday 09:00-13:00.
    assert plan.finish_at == rome(2026, 12, 1, 13, 0)
    advice = plan_advice(plan, targets=[rome(2026, 12, 1, 0, 0)])  # by the end of Monday
    rows = {o.choice: o for o in advice.options}
    assert rows[Choice.AS_IS].finish_at == plan.finish_at
    # By Monday night: Friday's rest and Monday, 14 h, of which new mail takes 11.2 h
    # (672 min). With m minutes a day there are m - 240 left on Friday and m on Monday:
    # 2m - 240 >= 216 + 672 gives m = 564, 9.4 hours a day.
    assert rows[Choice.AS_IS].hours_per_day == (9.4,)
    # Without the non-profit's 60 minutes: 156 left, 13 working hours (Monday 17:00), and
    # 2m - 240 >= 828: 534 minutes a day, 8.9 hours.
    low = rows[Choice.DROP_LOW]
    assert (low.items, low.saved_s) == (10, 60 * MIN)
    assert low.finish_at == rome(2026, 11, 30, 17, 0)
    assert low.hours_per_day == (8.9,)
    # Giving up the 2 closed DMs (nothing saved) and the 3 that close before they are
    # reached (36 minutes): 180 left, 15 working hours (Tuesday 10:00), 546 minutes a day.
    window = rows[Choice.DROP_WINDOW]
    assert (window.items, window.saved_s) == (5, 36 * MIN)
    assert window.finish_at == rome(2026, 12, 1, 10, 0)
    assert window.hours_per_day == (9.1,)
    both = rows[Choice.DROP_BOTH]
    assert (both.items, both.saved_s) == (15, 96 * MIN)
    assert both.finish_at == rome(2026, 11, 30, 14, 0)
    assert both.hours_per_day == (8.6,)


def test_plan_prints_the_advice_and_its_json(cli, db_path, clock):
    with Store(db_path) as store:
        busy_week(store, clock.now())
    (db_path.parent / "config.toml").write_text(
        '[work]\ntimezone = "Europe/Rome"\n[effort]\ndm = 12\nemail = 6\nlearn = false\n'
    )
    r = cli("plan", "--by", "monday", "--json")
    assert r.code == 0, r.err
    advice = r.json()["advice"]
    assert advice["targets"] == ["2026-11-30T23:00:00Z"]
    got = {
        o["choice"]: (o["items"], o["finish_at"], o["hours_per_day"][0]["hours"])
        for o in advice["options"]
    }
    assert got == {
        "as_is": (0, "2026-12-01T12:00:00Z", 9.4),
        "drop_low_tier": (10, "2026-11-30T16:00:00Z", 8.9),
        "drop_window_closed": (5, "2026-12-01T09:00:00Z", 9.1),
        "drop_both": (15, "2026-11-30T13:00:00Z", 8.6),
    }
    human = cli("plan", "--by", "monday")
    assert human.code == 0, human.err
    said = " ".join(human.out.split())
    assert "by the end of Mon 30 Nov: 9h24 of work a day (you work 9h00 now)" in said
    assert "Or 8h36 a day if you drop the low tier and give up the closed windows" in said
    table = [line.split() for line in human.out.splitlines()]
    assert ["drop", "low", "tier", "10", "1h00", "Mon", "30", "Nov", "17:00", "8h54"] in table
    # Piped: prose wraps at 80 columns; table rows are tab-separated and never cut.
    assert max(len(line) for line in human.out.splitlines() if "\t" not in line) <= 80


@pytest.mark.parametrize(
    "by, message",
    [
        ("2001-01-01", "is not in the future"),
        ("2030-01-01", "more than a year ahead"),
        ("someday", "someday"),
    ],
)
def test_a_bad_by_date_is_one_line(cli, db_path, clock, by, message):
    with Store(db_path) as store:
        busy_week(store, clock.now())
    r = cli("plan", "--by", by)
    assert r.code == 1 and message in r.err
    assert r.err.count("\n") == 1 and "Traceback" not in r.err


def test_when_new_mail_alone_needs_more_than_a_day_the_plan_says_how_much(cli, db_path, clock):
    now = clock.now()
    with Store(db_path) as store:
        busy_week(store, now)
        # 450 more answered e-mails in the week, 6 minutes each: 45 more hours of new work,
        # so new mail needs 80% + 100% of the 45 working hours: 1.8 x 9 h = 16h12 a day.
        mail = store.accounts.all()[0].id
        store.items.upsert(
            [Interaction(mail, f"more-{i}", "email", now - 6 * DAY + i * 700) for i in range(450)],
            now=now,
        )
        more = [
            i
            for i, e in store.conn.execute("SELECT id, external_id FROM interactions")
            if e.startswith("more-")
        ]
        store.marks.set_status(more, "done", now=now)
    (db_path.parent / "config.toml").write_text(
        '[work]\ntimezone = "Europe/Rome"\n[effort]\ndm = 12\nemail = 6\nlearn = false\n'
    )
    r = cli("plan")
    assert r.code == 0, r.err
    said = " ".join(r.out.split())
    assert "Cleared by: never at this pace" in said
    assert "no working day is long enough (new interactions alone need 16h12 a day" in said
