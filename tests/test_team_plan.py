"""Who does what by when: the catch-up plan shared among a team's members, the advice on
each member's calendar, and the health bar's away marks for a team.

Every expected time is worked out by hand in the test (Friday 27 November 2026; Rome is
UTC+1 and New York UTC-5, six hours apart), never taken from the code under test.
"""

from __future__ import annotations

import pytest
from conftest import NOW
from test_plan import rome, three_old_emails

from sfogo.backlog.hours_needed import hours_needed
from sfogo.backlog.plan import make_plan
from sfogo.backlog.plan_advice import plan_advice, to_json
from sfogo.backlog.workhours import WorkHours
from sfogo.inbox.store import Store
from sfogo.tui.widgets._health import health_line, load_health

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

ROME_WORK = {"work": {"timezone": "Europe/Rome"}}
# Ten minutes an e-mail, each its own batch: the sharing can be followed item by item.
ONE_BY_ONE = {"effort": {"email": 10, "learn": False}, "plan": {"lookahead": 0}, **ROME_WORK}
FRIDAY_10 = rome(2026, 11, 27, 10, 0)
MONDAY_9 = rome(2026, 11, 30, 9, 0)
OFFICE = WorkHours.from_config({"timezone": "Europe/Rome"})


def _team(store: Store, now: int) -> dict[str, int]:
    """Anna and Bruno in Rome, Carla in New York (15:00-23:00 Rome time), 09:00-17:00."""
    return {
        "Anna": store.team.add("Anna", hours="09:00-18:00", timezone="Europe/Rome", now=now),
        "Bruno": store.team.add("Bruno", hours="09:00-18:00", timezone="Europe/Rome", now=now),
        "Carla": store.team.add("Carla", hours="09:00-17:00", timezone="America/New_York", now=now),
    }


def _shares(plan) -> dict[str, tuple]:
    return {s.name: (s.items, s.start_at, s.finish_at) for s in plan.shares}


def test_assigned_items_wait_for_their_owner_and_the_rest_go_to_whoever_finishes_first(store):
    ids = three_old_emails(store, FRIDAY_10)
    team = _team(store, FRIDAY_10)
    # Bruno is away until Monday 09:00; the e-mail ranked first is his.
    store.away.add(FRIDAY_10 - 86400, MONDAY_9, "away", member_id=team["Bruno"])
    first = make_plan(store, now=FRIDAY_10, work=OFFICE, config=ONE_BY_ONE).items[0].id
    store.team.assign([first], team["Bruno"], now=FRIDAY_10)
    plan = make_plan(store, now=FRIDAY_10, work=OFFICE, config=ONE_BY_ONE)
    assert sorted(i.id for i in plan.items) == sorted(ids)
    # Anna is at work: she finishes each of the others first (Carla starts at 15:00).
    assert _shares(plan) == {
        "Anna": (2, FRIDAY_10, rome(2026, 11, 27, 10, 20)),
        "Bruno": (1, MONDAY_9, rome(2026, 11, 30, 9, 10)),
        "Carla": (0, None, None),
    }
    mine = next(i for i in plan.items if i.id == first)
    assert (mine.owner, mine.member, mine.finish_at) == ("Bruno", "Bruno", MONDAY_9 + 600)
    bruno = plan.shares[1]
    assert bruno.away and bruno.back_at == MONDAY_9
    assert plan.status == "eta" and plan.finish_at == MONDAY_9 + 600


def test_a_member_away_with_no_end_gets_nothing_and_their_items_are_shared_out(store):
    three_old_emails(store, FRIDAY_10)
    team = _team(store, FRIDAY_10)
    store.away.add(FRIDAY_10 - 3600, None, "sick", member_id=team["Bruno"])
    store.team.assign(store.items.ids(), team["Bruno"], now=FRIDAY_10)
    plan = make_plan(store, now=FRIDAY_10, work=OFFICE, config=ONE_BY_ONE)
    assert _shares(plan) == {
        "Anna": (3, FRIDAY_10, rome(2026, 11, 27, 10, 30)),
        "Bruno": (0, None, None),
        "Carla": (0, None, None),
    }
    bruno = plan.shares[1]
    assert (bruno.away, bruno.back_at, bruno.handed_on) == (True, None, 3)


def test_at_the_end_of_the_rome_day_new_york_takes_the_work_in_its_own_hours(store):
    now = rome(2026, 11, 27, 17, 55)  # Anna has five minutes left, Carla's day is young
    three_old_emails(store, now)
    _team(store, now)
    plan = make_plan(store, now=now, work=OFFICE, config=ONE_BY_ONE)
    # Anna would finish an e-mail on Monday at 09:05; Carla at 18:05, 18:15, 18:25.
    assert [(i.member, i.finish_at) for i in plan.items] == [
        ("Carla", rome(2026, 11, 27, 18, 5)),
        ("Carla", rome(2026, 11, 27, 18, 15)),
        ("Carla", rome(2026, 11, 27, 18, 25)),
    ]


def test_sfogo_plan_says_who_does_what_in_each_members_own_time_zone(db_path, cli, clock):
    now = clock.now()  # Friday 13:00 in Rome
    with Store(db_path) as store:
        three_old_emails(store, now)
        _team(store, now)
    (db_path.parent / "config.toml").write_text(
        '[work]\ntimezone = "Europe/Rome"\n[effort]\nemail = 10\nlearn = false\n'
        "[plan]\nlookahead = 0\n"
    )
    r = cli("plan")
    assert r.code == 0, r.err
    rows = [line.split("\t") for line in r.out.splitlines() if "\t" in line]
    assert ["MEMBER", "ZONE", "ITEMS", "WORK", "STARTS", "DONE BY", "NOTE"] in rows
    # Anna and Bruno take one each at 13:00 Rome; Carla is not at work before 15:00 Rome.
    assert ["Anna", "Rome", "2", "20m", "Fri 27 13:00", "Fri 27 13:20", ""] in rows
    assert ["Bruno", "Rome", "1", "10m", "Fri 27 13:00", "Fri 27 13:10", ""] in rows
    assert ["Carla", "New York", "0", "-", "-", "-", ""] in rows
    assert next(row for row in rows if row[0] == "#")[:4] == ["#", "START", "WHO", "CLIENT"]
    data = cli("plan", "--json").json()
    assert [(s["member"], s["items"], s["timezone"]) for s in data["shares"]] == [
        ("Anna", 2, "Europe/Rome"),
        ("Bruno", 1, "Europe/Rome"),
        ("Carla", 0, "America/New_York"),
    ]
    assert sorted(i["member"] for i in data["order"]) == ["Anna", "Anna", "Bruno"]
    # Tomorrow Carla's times are read in New York: away until Monday 09:00 there.
    with Store(db_path) as store:
        carla = store.team.get("Carla").id
        store.away.add(now, rome(2026, 11, 30, 15, 0), "away", member_id=carla)
    rows = [line.split("\t") for line in cli("plan").out.splitlines() if "\t" in line]
    assert ["Carla", "New York", "0", "-", "-", "-", "back Mon 30 09:00"] in rows


def test_one_persons_plan_prints_no_shares(db_path, cli, clock):
    with Store(db_path) as store:
        three_old_emails(store, clock.now())
    r = cli("plan")
    assert r.code == 0, r.err
    assert "Who does what" not in r.out and "MEMBER" not in r.out
    assert "#\tSTART\tCLIENT\tCH\tN\tMIN\tLATE\tIDS" in r.out
    assert "of working time." in " ".join(r.out.split()) and "team" not in r.out
    data = cli("plan", "--json").json()
    assert data["shares"] == [] and data["team"] == []
    assert all("limited_by" not in h for o in data["advice"]["options"] for h in o["hours_per_day"])
    assert {i["member"] for i in data["order"]} == {None}


# -- the advice on each member's calendar -----------------------------------------------------


def test_the_advice_counts_each_members_hours_and_agrees_with_the_plan(store):
    """Three e-mails of an hour each, on Monday at 09:00, nothing new arriving."""
    config = {"effort": {"email": 60, "learn": False}, **ROME_WORK}
    three_old_emails(store, MONDAY_9)
    store.team.add("Anna", now=MONDAY_9)
    bruno = store.team.add("Bruno", now=MONDAY_9)
    plan = make_plan(store, now=MONDAY_9, work=OFFICE, config=config)
    # Anna 09:00-10:00, Bruno 09:00-10:00, then Anna (the tie goes by name) until 11:00.
    assert [(i.member, i.finish_at) for i in plan.items] == [
        ("Anna", rome(2026, 11, 30, 10, 0)),
        ("Bruno", rome(2026, 11, 30, 10, 0)),
        ("Anna", rome(2026, 11, 30, 11, 0)),
    ]
    end_of_monday, end_of_tuesday = rome(2026, 12, 1, 0, 0), rome(2026, 12, 2, 0, 0)
    advice = plan_advice(plan, targets=[end_of_monday, end_of_tuesday])
    as_is = advice.options[0]
    assert as_is.finish_at == plan.finish_at == rome(2026, 11, 30, 11, 0)
    # Three hours by Monday night: 90 minutes each; by Tuesday night: 45 minutes each.
    assert as_is.hours_per_day == (1.5, 0.75)
    assert advice.members == (("Anna", 9.0), ("Bruno", 9.0))
    # Bruno away until Tuesday 09:00: Monday is Anna's alone (3 h); by Tuesday night
    # Anna works two days and Bruno one: three days of 60 minutes.
    store.away.add(MONDAY_9 - 3600, rome(2026, 12, 1, 9, 0), "sick", member_id=bruno)
    plan = make_plan(store, now=MONDAY_9, work=OFFICE, config=config)
    advice = plan_advice(plan, targets=[end_of_monday, end_of_tuesday])
    assert advice.options[0].hours_per_day == (3.0, 1.0)
    assert advice.options[0].finish_at == plan.finish_at == rome(2026, 11, 30, 12, 0)


# An hour an e-mail; nothing new arrived in the last week, so the backlog has all the time.
HOUR_EACH = {"effort": {"email": 60, "learn": False}, **ROME_WORK}
END_OF_MONDAY, END_OF_TUESDAY = rome(2026, 12, 1, 0, 0), rome(2026, 12, 2, 0, 0)


def _hours_and_who(advice) -> list[tuple[float | None, str | None]]:
    as_is = advice.options[0]
    return list(zip(as_is.hours_per_day, as_is.limited_by, strict=True))


def test_an_owner_with_more_items_than_their_day_holds_sets_the_hours_and_is_named(store):
    """Anna owns all three e-mails (3 h); Bruno owns none. Both work 09:00-18:00 in Rome."""
    three_old_emails(store, MONDAY_9)
    anna = store.team.add("Anna", now=MONDAY_9)
    store.team.add("Bruno", now=MONDAY_9)
    store.team.assign(store.items.ids(), anna, now=MONDAY_9)
    plan = make_plan(store, now=MONDAY_9, work=OFFICE, config=HOUR_EACH)
    assert plan.share == 1.0
    monday_11 = rome(2026, 11, 30, 11, 0)
    advice = plan_advice(plan, targets=[monday_11, END_OF_MONDAY, END_OF_TUESDAY])
    # By hand, with H the hours a day each works from 09:00:
    # - Monday 11:00: Anna has min(H, 2 h) before it, never her 3 h: out of reach, hers.
    #   (The pool would do: Anna and Bruno 1h30 each, 09:00-10:30, is 3 h.)
    # - Monday night: Anna alone needs H >= 3 h (the pool: 2 x H >= 3 h, H = 1h30).
    # - Tuesday night: Anna needs 2 x H >= 3 h, H = 1h30 (the pool: 4 x H, 45 minutes).
    assert _hours_and_who(advice) == [(None, "Anna"), (3.0, "Anna"), (1.5, "Anna")]
    pooled = [hours_needed(plan.team, MONDAY_9, d, 3 * 3600, 0.0) for d in advice.targets]
    assert pooled == [1.5, 1.5, 0.75]
    # The "cleared by" column is the plan's: Anna does all three, 09:00-12:00.
    assert advice.options[0].finish_at == plan.finish_at == rome(2026, 11, 30, 12, 0)
    data = to_json(advice)["options"][0]["hours_per_day"]
    assert [(h["hours"], h["limited_by"]) for h in data] == _hours_and_who(advice)


def test_an_owner_away_until_after_the_date_puts_it_out_of_reach_and_is_named(store):
    """Bruno, away until Tuesday 09:00, owns one of the three e-mails of an hour each."""
    three_old_emails(store, MONDAY_9)
    store.team.add("Anna", now=MONDAY_9)
    bruno = store.team.add("Bruno", now=MONDAY_9)
    store.away.add(MONDAY_9 - 3600, rome(2026, 12, 1, 9, 0), "away", member_id=bruno)
    store.team.assign(store.items.ids()[:1], bruno, now=MONDAY_9)
    plan = make_plan(store, now=MONDAY_9, work=OFFICE, config=HOUR_EACH)
    advice = plan_advice(plan, targets=[END_OF_MONDAY, END_OF_TUESDAY])
    # Monday night: Bruno has no time before it, so his hour cannot be done (the pool,
    # Anna alone, would do the three at 3 h). Tuesday night: Bruno needs H >= 1 h on his
    # Tuesday; the pool is Anna's two days and Bruno's one, 3 x H >= 3 h: 1 h too. A tie
    # is nobody's.
    assert _hours_and_who(advice) == [(None, "Bruno"), (1.0, None)]
    # Anna does the other two on Monday 09:00-11:00; Bruno his on Tuesday 09:00-10:00.
    assert advice.options[0].finish_at == plan.finish_at == rome(2026, 12, 1, 10, 0)


def test_an_owner_away_with_no_end_has_their_items_counted_as_shared(store):
    three_old_emails(store, MONDAY_9)
    store.team.add("Anna", now=MONDAY_9)
    bruno = store.team.add("Bruno", now=MONDAY_9)
    store.away.add(MONDAY_9 - 3600, None, "sick", member_id=bruno)
    store.team.assign(store.items.ids(), bruno, now=MONDAY_9)
    plan = make_plan(store, now=MONDAY_9, work=OFFICE, config=HOUR_EACH)
    advice = plan_advice(plan, targets=[END_OF_MONDAY, END_OF_TUESDAY])
    # Bruno's 3 h are Anna's: 3 h on Monday, 1h30 a day by Tuesday night; nobody is named
    # (kept with Bruno they would be out of reach on both dates).
    assert _hours_and_who(advice) == [(3.0, None), (1.5, None)]


def test_with_nothing_assigned_the_hours_are_the_pooled_ones(store, clock):
    """New mail takes part of the time (``busy_week``); nobody owns anything."""
    from test_plan_advice import CONFIG, busy_week

    now = clock.now()
    busy_week(store, now)
    _team(store, now)
    plan = make_plan(store, now=now, work=OFFICE, config={**CONFIG, **ROME_WORK})
    targets = [rome(2026, 11, 30, 0, 0), rome(2026, 12, 1, 0, 0), rome(2026, 12, 4, 0, 0)]
    advice = plan_advice(plan, targets=targets)
    assert 0 < advice.load < 1 and len(advice.options) > 1
    for o in advice.options:
        assert o.limited_by == (None, None, None)
        pooled = [hours_needed(plan.team, now, d, o.left_s, advice.load) for d in targets]
        assert o.hours_per_day == tuple(pooled)
    assert any(h is not None for h in advice.options[0].hours_per_day)


def test_two_members_alike_with_nothing_assigned_each_need_half_of_one_persons_work(store):
    """Two members with the same calendar and no owners share the backlog equally, so each
    needs the hours one person with half of it would need (one person's computation)."""
    from test_plan_advice import CONFIG, busy_week

    busy_week(store, MONDAY_9)
    store.team.add("Anna", now=MONDAY_9)
    store.team.add("Bruno", now=MONDAY_9)
    plan = make_plan(store, now=MONDAY_9, work=OFFICE, config={**CONFIG, **ROME_WORK})
    advice = plan_advice(plan, targets=[END_OF_MONDAY, END_OF_TUESDAY])
    one = plan.team.people[0].work
    for o in advice.options:
        alone = [hours_needed(one, MONDAY_9, d, o.left_s / 2, advice.load) for d in advice.targets]
        assert o.hours_per_day == tuple(alone)


def test_sfogo_plan_names_the_member_who_puts_a_date_out_of_reach(db_path, cli, clock):
    now = clock.now()  # Friday 13:00 in Rome
    with Store(db_path) as store:
        three_old_emails(store, now)
        store.team.add("Anna", now=now)
        bruno = store.team.add("Bruno", now=now)
        store.away.add(now - 3600, rome(2026, 12, 1, 9, 0), "away", member_id=bruno)
        store.team.assign(store.items.ids()[:1], bruno, now=now)
    (db_path.parent / "config.toml").write_text(
        '[work]\ntimezone = "Europe/Rome"\n[effort]\nemail = 60\nlearn = false\n'
    )
    r = cli("plan")
    assert r.code == 0, r.err
    said = " ".join(r.out.split())
    assert (
        "To clear it by the end of Mon 30 Nov: out of reach whatever the others do, as Bruno "
        "cannot finish their own items by then (now: Anna 9h00, Bruno 9h00)."
    ) in said
    rows = [line.split("\t") for line in r.out.splitlines() if "\t" in line]
    head = next(row for row in rows if row[0] == "CHOICE")
    assert head[4:] == ["MON 30", "WED 02", "FRI 04"]
    as_is = next(row for row in rows if row[0] == "as it is")
    assert as_is[4] == "- (Bruno)" and "(" not in as_is[5]
    assert "(a name: that member's own items set the hours, whatever the others do)" in r.out
    advice = cli("plan", "--json").json()["advice"]
    by_monday = advice["options"][0]["hours_per_day"][0]
    assert by_monday == {"by": "2026-11-30T23:00:00Z", "hours": None, "limited_by": "Bruno"}


# -- the health bar ---------------------------------------------------------------------------


def test_the_health_bar_shows_your_own_away_period_and_who_else_is_away(store):
    now = FRIDAY_10
    team = _team(store, now)
    store.away.add(now - 3600, None, "sick", member_id=team["Anna"])
    store.away.add(now - 86400, now + 86400, "away", member_id=team["Carla"])
    store.away.add(now - 9 * 86400, now - 8 * 86400, "away", member_id=team["Bruno"])  # over
    as_anna = load_health(store, now, me=team["Anna"])
    assert as_anna.away == ("sick", now - 3600) and as_anna.members_away == ("Carla",)
    line = health_line(as_anna, now, 80).plain
    assert line.startswith("sick since ") and "Carla away" in line
    as_bruno = load_health(store, now, me=team["Bruno"])
    assert as_bruno.away is None and as_bruno.members_away == ("Anna", "Carla")
    assert health_line(as_bruno, now, 80).plain.startswith("Anna, Carla away")
    # Bruno on the train for an hour (a period with an end): his own mark, until it ends.
    store.away.add(now - 60, now + 3600, "offline", member_id=team["Bruno"])
    as_bruno = load_health(store, now, me=team["Bruno"])
    assert as_bruno.away == ("offline", now - 60) and as_bruno.members_away == ("Anna", "Carla")
    assert load_health(store, now + 3600, me=team["Bruno"]).away is None
    nobody = load_health(store, now)  # an app that does not know who it is
    assert nobody.away is None and nobody.members_away == ("Anna", "Bruno", "Carla")


def test_the_demo_team_builds_and_plans_on_both_engines(store):
    from sfogo.tui.demo.build import build_demo

    summary = build_demo(store, seed=0, size=300, now=NOW, team=True)
    plan = make_plan(store, now=NOW, work=OFFICE, config=ROME_WORK)
    assert [s.name for s in plan.shares] == [
        m["name"] for m in summary["stories"]["team"]["members"]
    ]
    assert sum(s.items for s in plan.shares) == len(plan.items) > 0
    tom = plan.shares[-1]
    assert tom.away and tom.back_at == summary["stories"]["team"]["away"]["end"]
