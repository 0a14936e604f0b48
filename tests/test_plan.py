"""The catch-up plan: exact finish times, broken promises, the batching rule, learned effort.

Expected times are worked out by hand in each test (Europe/Rome wall clock), never taken from
the code under test.
"""

from __future__ import annotations

import itertools
import random
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

from sfogo.backlog.gaps import find_gaps
from sfogo.backlog.measure import backlog_filter, cutoffs
from sfogo.backlog.plan import (
    PlanItem,
    WorkClock,
    effort_table,
    make_plan,
    plan_settings,
    ranked_backlog,
    schedule,
    set_times,
)
from sfogo.backlog.settings import Settings
from sfogo.backlog.workhours import WorkHours
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import OPEN_STATUSES, Interaction
from sfogo.inbox.store import InboxFilter, Store

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

ROME = ZoneInfo("Europe/Rome")
DAY = 86400
HOUR = 3600


def rome(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=ROME).timestamp())


def office(**extra) -> WorkHours:
    return WorkHours.from_config(
        {
            "timezone": "Europe/Rome",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "hours": "09:00-18:00",
            **extra,
        }
    )


def three_old_emails(store: Store, now: int) -> list[int]:
    """Three e-mails that arrived nine days ago while the manager was sick (backlog), and
    nothing in the last seven days (so new arrivals take no time)."""
    client = store.clients.add("Hotel Roma", "vip", now=now - 30 * DAY)
    account = store.accounts.add(client.id, "email", "info@hotel.example", now=now - 30 * DAY)
    store.items.upsert(
        [
            Interaction(
                account.id, f"mail-{i}", "email", now - 9 * DAY + i * 60, text=f"booking {i}"
            )
            for i in range(3)
        ],
        now=now - 9 * DAY,
    )
    store.away.add(now - 10 * DAY, now - 8 * DAY, "sick")
    return [r[0] for r in store.conn.execute("SELECT id FROM interactions ORDER BY id")]


TEN_MINUTES = {"effort": {"email": 10, "learn": False}}


@pytest.mark.parametrize(
    "start, expected",
    [
        # Friday 17:50: 10 minutes left today, then Monday 09:00 (a night and a weekend).
        (
            (2026, 11, 27, 17, 50),
            [(2026, 11, 27, 18, 0), (2026, 11, 30, 9, 10), (2026, 11, 30, 9, 20)],
        ),
        # The same across the end of daylight saving time (Sunday 25 October 2026).
        (
            (2026, 10, 23, 17, 50),
            [(2026, 10, 23, 18, 0), (2026, 10, 26, 9, 10), (2026, 10, 26, 9, 20)],
        ),
        # Saturday: nothing until Monday 09:00.
        (
            (2026, 11, 28, 11, 0),
            [(2026, 11, 30, 9, 10), (2026, 11, 30, 9, 20), (2026, 11, 30, 9, 30)],
        ),
    ],
)
def test_finish_time_is_exact_across_nights_and_weekends(store, start, expected):
    now = rome(*start)
    ids = three_old_emails(store, now)
    plan = make_plan(store, now=now, work=office(), config=TEN_MINUTES)
    assert plan.share == 1.0 and plan.status == "eta"
    assert [i.id for i in plan.items] == ids  # same score: older first
    assert [i.finish_at for i in plan.items] == [rome(*t) for t in expected]
    assert plan.finish_at == rome(*expected[-1])


def test_a_lunch_break_and_fewer_hours_per_day_are_walked_exactly(store):
    now = rome(2026, 11, 27, 12, 50)  # Friday, ten minutes before lunch
    three_old_emails(store, now)
    lunch = office(hours=["09:00-13:00", "14:00-18:00"])
    plan = make_plan(store, now=now, work=lunch, config=TEN_MINUTES)
    assert [i.finish_at for i in plan.items] == [
        rome(2026, 11, 27, 13, 0),
        rome(2026, 11, 27, 14, 10),
        rome(2026, 11, 27, 14, 20),
    ]
    assert plan.items[1].start_at == rome(2026, 11, 27, 14, 0)  # after lunch, not at 13:00
    # A quarter of an hour a day: Monday 09:00-09:15, Tuesday 09:00-09:15.
    short = WorkHours.from_config({"timezone": "Europe/Rome"}, hours_per_day=0.25)
    plan = make_plan(store, now=now, work=short, config=TEN_MINUTES)
    assert [i.finish_at for i in plan.items] == [
        rome(2026, 11, 30, 9, 10),
        rome(2026, 12, 1, 9, 5),
        rome(2026, 12, 1, 9, 15),
    ]


def test_new_arrivals_take_their_share_of_the_hours(store):
    now = rome(2026, 11, 30, 9, 0)  # Monday 09:00
    three_old_emails(store, now)
    account = store.accounts.all()[0].id
    # 45 e-mails in the last 7 days = 1 per working hour (5 days x 9 h), 6 minutes each:
    # new mail takes 10% of the time, the backlog gets 90%.
    store.items.upsert(
        [Interaction(account, f"new-{i}", "email", now - 6 * DAY + i * 600) for i in range(45)],
        now=now,
    )
    config = {"effort": {"email": 6, "learn": False}}
    plan = make_plan(store, now=now, work=office(), config=config)
    (hotel,) = plan.arrivals
    assert (hotel.items, hotel.per_hour) == (45, 1.0)
    assert plan.share == pytest.approx(0.9)
    # 3 x 6 minutes of backlog at 90% of the time: 20 minutes of wall-clock work.
    assert plan.finish_at == rome(2026, 11, 30, 9, 20)
    off = make_plan(store, now=now, work=office(), config={**config, "plan": {"arrivals": False}})
    assert off.share == 1.0 and off.finish_at == rome(2026, 11, 30, 9, 18)


def deadlines_case(store: Store, now: int) -> dict[str, int]:
    """A VIP hotel (2-hour target) on Instagram and e-mail after the manager was away."""
    client = store.clients.add("Hotel Roma", "vip", now=now - 30 * DAY)
    ig = store.accounts.add(client.id, "instagram", "@hotel", now=now - 30 * DAY).id
    mail = store.accounts.add(client.id, "email", "info@hotel.example", now=now - 30 * DAY).id
    store.items.upsert(
        [
            Interaction(ig, "closed", "dm", now - 25 * HOUR, text="still there?"),
            Interaction(ig, "closing", "dm", now - 23 * HOUR - 50 * 60, text="a room for tonight?"),
            Interaction(mail, "fresh", "email", now - 30 * 60, text="invoice please"),
            Interaction(mail, "old", "email", now - 5 * HOUR, text="hello"),
        ],
        now=now,
    )
    store.away.add(now - 26 * HOUR, now - 60, "sick")
    return {ext: i for i, ext in store.conn.execute("SELECT id, external_id FROM interactions")}


DEADLINE_CONFIG = {"effort": {"dm": 15, "email": 6, "learn": False}, "plan": {"arrivals": False}}


def test_late_items_and_closed_reply_windows_are_found(store):
    now = rome(2026, 11, 25, 10, 0)  # a Wednesday morning
    ids = deadlines_case(store, now)
    plan = make_plan(store, now=now, work=office(), settings=Settings(), config=DEADLINE_CONFIG)
    # Closed 1 hour ago: not scheduled, listed to be marked unanswerable.
    assert [i.id for i in plan.unanswerable] == [ids["closed"]]
    by_id = {i.id: i for i in plan.items}
    assert ids["closed"] not in by_id
    # The DM whose window closes in 10 minutes comes first but takes 15: it misses it.
    closing = by_id[ids["closing"]]
    assert plan.items[0] is closing
    assert closing.window_closes_at == now + 10 * 60
    assert closing.finish_at == now + 15 * 60
    assert closing.misses_window and closing.misses_target
    # The fresh e-mail (due 11:30) is done well before; the 5-hour-old one is already late.
    fresh, old = by_id[ids["fresh"]], by_id[ids["old"]]
    assert fresh.finish_at <= fresh.deadline_at and not fresh.misses_target
    assert old.misses_target and not old.misses_window


def test_mark_unanswerable_and_json(cli, db_path, clock):
    store = Store(db_path)
    deadlines_case(store, clock.now())
    store.close()
    (db_path.parent / "config.toml").write_text(
        '[work]\ntimezone = "Europe/Rome"\n[effort]\nlearn = false\n'
    )
    r = cli("plan", "--json")
    assert r.code == 0, r.err
    data = r.json()
    closed = [i["id"] for i in data["unanswerable"]]
    assert len(closed) == 1
    assert {
        "status",
        "finish_at",
        "items",
        "batches",
        "order",
        "effort",
        "arrivals",
        "misses_target",
        "misses_window",
        "work",
        "share",
    } <= set(data)
    assert data["items"] == len(data["order"]) == 3
    assert data["misses_window"] == sum(i["misses_window"] for i in data["order"])
    r = cli("plan", "--mark-unanswerable")
    assert r.code == 0, r.err
    assert "Marked ignored" in r.out
    store = Store(db_path)
    row = store.items.get(closed[0])
    assert row["status"] == "ignored" and row["tags"] == ["unanswerable"]
    store.close()
    assert cli("plan", "--json").json()["unanswerable"] == []


def test_plan_json_from_the_command_line_is_exact(cli, db_path, clock):
    store = Store(db_path)
    three_old_emails(store, clock.now())
    store.close()
    (db_path.parent / "config.toml").write_text(
        '[work]\ntimezone = "Europe/Rome"\nhours = "09:00-18:00"\n'
        "[effort]\nemail = 10\nlearn = false\n"
    )
    # Starting on Monday 7 January 2030 at 09:00 Rome time (08:00 UTC).
    r = cli("plan", "--start", "2030-01-07T09:00:00+01:00", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["status"] == "eta"
    assert data["finish_at"] == "2030-01-07T08:30:00Z"
    assert [i["finish_at"] for i in data["order"]] == [
        "2030-01-07T08:10:00Z",
        "2030-01-07T08:20:00Z",
        "2030-01-07T08:30:00Z",
    ]
    assert data["effort"]["email"] == {"minutes": 10.0, "source": "config", "samples": 0}
    assert data["work"]["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert len(data["batches"]) == 1 and data["batches"][0]["channel"] == "email"
    # A quarter of an hour a day: Monday 09:00-09:15 and Tuesday 09:00-09:15.
    r = cli("plan", "--start", "2030-01-07T09:00:00+01:00", "--hours-per-day", "0.25", "--json")
    assert r.json()["finish_at"] == "2030-01-08T08:15:00Z"
    human = cli("plan", "--start", "2030-01-07T09:00:00+01:00")
    assert human.code == 0 and "Cleared by: Mon 07 Jan 2030 09:30" in human.out
    assert max(len(line) for line in human.out.splitlines()) <= 80


@pytest.mark.parametrize(
    "args, message",
    [
        (("--hours-per-day", "lots"), "bad --hours-per-day"),
        (("--hours-per-day", "25"), "at most 24"),
        (("--start", "2001-01-01"), "--start is in the past"),
        (("--limit", "many"), "bad --limit"),
    ],
)
def test_plan_errors_are_one_line(cli, db_path, args, message):
    r = cli("plan", *args)
    assert r.code == 1 and message in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ('[work]\ntimezone = "Mars/Olympus"\n', "unknown time zone"),
        ('[work]\nhours = "18:00-09:00"\n', "bad hours"),
        ('[work]\ndays = ["funday"]\n', "unknown day"),
        ("[effort]\ndm = -1\n", "[effort] dm"),
        ("[plan]\nbatch_size = 3\n", "[plan] has no setting"),
    ],
)
def test_bad_work_and_effort_config_is_one_line(cli, db_path, text, message):
    (db_path.parent / "config.toml").write_text(text)
    r = cli("plan")
    assert r.code == 1 and message in r.err and r.err.count("\n") == 1


# -- the batching rule --------------------------------------------------------------------

T0 = 1_800_000_000


def all_day_clock() -> WorkClock:
    """Every hour of every day is working time: wall clock and work clock coincide."""
    return WorkClock(
        WorkHours(tz=ZoneInfo("UTC"), days=frozenset(range(7)), ranges=((0, 24 * 60),)), T0
    )


def job(
    n: int, client: int, channel: str, minutes: int, due_min: int, window_min: int | None = None
) -> PlanItem:
    return PlanItem(
        id=n,
        rank=n,
        score=0.0,
        client_id=client,
        client=f"client {client}",
        channel=channel,
        account_id=client,
        kind="dm",
        created_at=T0,
        effort_s=minutes * 60,
        deadline_at=T0 + due_min * 60,
        window_closes_at=None if window_min is None else T0 + window_min * 60,
    )


def order_of(items: list[PlanItem], **kwargs) -> list[int]:
    return [i.id for i in schedule(items, all_day_clock(), **kwargs)]


def test_a_pull_that_would_break_a_higher_ranked_deadline_is_refused():
    # Triage order: 1 (hotel facebook), 2 (startup e-mail, due in 20 min), 3 (hotel
    # facebook). Pulling 3 up next to 1 would finish 2 at minute 30: refused.
    tight = [
        job(1, 1, "facebook", 10, 999),
        job(2, 2, "email", 10, 20),
        job(3, 1, "facebook", 10, 999),
    ]
    assert order_of(tight) == [1, 2, 3]
    # Due in 30 minutes, 2 still makes it after the pull: the batch forms.
    loose = [
        job(1, 1, "facebook", 10, 999),
        job(2, 2, "email", 10, 30),
        job(3, 1, "facebook", 10, 999),
    ]
    order = schedule(loose, all_day_clock())
    assert [i.id for i in order] == [1, 3, 2]
    set_times(order, all_day_clock(), 1.0)
    assert order[2].finish_at == T0 + 30 * 60 and not order[2].misses_target
    # A reply window is protected the same way.
    window = [
        job(1, 1, "facebook", 10, 999),
        job(2, 2, "instagram", 10, 999, window_min=25),
        job(3, 1, "facebook", 10, 999),
    ]
    assert order_of(window) == [1, 2, 3]


def test_an_item_already_late_does_not_block_a_batch():
    late = [
        job(1, 1, "facebook", 10, 999),
        job(2, 2, "email", 10, 5),
        job(3, 1, "facebook", 10, 999),
    ]
    assert order_of(late) == [1, 3, 2]


def test_batches_are_capped_in_length_and_lookahead():
    def items():
        return [
            job(1, 1, "facebook", 10, 999),
            job(2, 2, "email", 10, 999),
            job(3, 2, "email", 10, 999),
            job(4, 1, "facebook", 10, 999),
        ]

    assert order_of(items()) == [1, 4, 2, 3]
    assert order_of(items(), batch_s=15 * 60) == [1, 2, 3, 4]  # 20 minutes > 15
    assert order_of(items(), lookahead=2) == [1, 2, 3, 4]  # 4 is 3 places ahead
    assert order_of(items(), lookahead=0) == [1, 2, 3, 4]  # pure triage order


def test_batching_never_breaks_a_deadline_that_triage_order_meets():
    rng = random.Random(7)
    switches_pure = switches_batched = 0
    for _ in range(150):

        def fresh(seed=rng.random()):  # noqa: B008 (one seed per case, drawn here)
            local = random.Random(seed)
            return [
                job(
                    n,
                    local.randrange(3),
                    local.choice(["facebook", "email"]),
                    local.randint(1, 12),
                    local.randint(5, 400),
                    local.choice([None, None, local.randint(5, 400)]),
                )
                for n in range(30)
            ]

        seed = rng.random()
        pure = schedule(fresh(seed), all_day_clock(), lookahead=0)
        batched = schedule(fresh(seed), all_day_clock())
        for order in (pure, batched):
            set_times(order, all_day_clock(), 1.0)
        met = {i.id: (i.misses_target, i.misses_window) for i in batched}
        for item in pure:
            target, window = met[item.id]
            assert item.misses_target or not target, f"target of {item.id} broken"
            assert item.misses_window or not window, f"window of {item.id} broken"
        assert sorted(i.id for i in batched) == list(range(30))
        switches_pure += sum(
            a.client_id != b.client_id or a.channel != b.channel
            for a, b in itertools.pairwise(pure)
        )
        switches_batched += sum(
            a.client_id != b.client_id or a.channel != b.channel
            for a, b in itertools.pairwise(batched)
        )
    assert switches_batched < switches_pure * 0.8  # batching really happened


# -- effort learned from history ------------------------------------------------------------


def test_median_handling_time_is_learned_once_there_are_enough_items(store):
    client = store.clients.add("Hotel Roma", "vip", now=NOW - 30 * DAY)
    account = store.accounts.add(client.id, "instagram", "@hotel", now=NOW - 30 * DAY).id
    # 33 DMs handled one after another: 10 gaps of 2 min, 11 of 3 min, 10 of 10 min, plus
    # one marked at the same second as the previous (a bulk action) and one after a
    # 2-hour break: neither is a handling time.
    gaps = [0] + [120] * 10 + [180] * 11 + [600] * 10 + [0] + [7200]
    t = NOW - 10 * HOUR
    items = []
    for n, gap in enumerate(gaps):
        t += gap
        items.append(
            Interaction(account, f"dm-{n}", "dm", NOW - 20 * HOUR + n, status="done", handled_at=t)
        )
    store.items.upsert(items, now=NOW)
    table = effort_table(store, NOW, plan_settings({}))
    assert (table["dm"].seconds, table["dm"].source, table["dm"].samples) == (180, "learned", 31)
    assert (table["email"].seconds, table["email"].source) == (6 * 60, "default")
    stricter = effort_table(store, NOW, plan_settings({"effort": {"min_samples": 32, "dm": 5}}))
    assert (stricter["dm"].seconds, stricter["dm"].source) == (300, "config")
    off = effort_table(store, NOW, plan_settings({"effort": {"learn": False}}))
    assert off["dm"].source == "default" and off["dm"].seconds == 240


def test_plan_config_is_checked():
    with pytest.raises(SfogoError, match="minutes above zero"):
        plan_settings({"effort": {"review": "five"}})
    with pytest.raises(SfogoError, match="lookahead"):
        plan_settings({"plan": {"lookahead": -1}})
    with pytest.raises(SfogoError, match="overlap"):
        WorkHours.from_config({"hours": ["09:00-13:00", "12:00-18:00"]})
    with pytest.raises(SfogoError, match="does not fit"):
        WorkHours.from_config({"hours": "20:00-22:00"}, hours_per_day=6)


# -- the demo -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    from sfogo.tui.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store(path)
    summary = build_demo(store, now=NOW)
    store.close()
    return path, summary


@pytest.fixture
def demo(demo_file, db_path):
    path, summary = demo_file
    shutil.copyfile(path, db_path)
    store = Store(db_path)
    yield store, summary
    store.close()


def test_the_plan_follows_triage_order_over_the_whole_backlog(demo):
    from sfogo.backlog.triage import iter_triage

    store, summary = demo
    now = summary["now"]
    settings = Settings()
    gaps = find_gaps(store, now=now)
    ours = [r[0] for r in ranked_backlog(store, settings, now, gaps)]
    theirs = [
        r.id
        for r in iter_triage(
            store,
            InboxFilter(statuses=OPEN_STATUSES),
            settings,
            now,
            before=cutoffs(store, gaps, now),
            gaps=gaps,
        )
    ]
    assert ours == theirs
    assert len(ours) == store.items.count(backlog_filter(store, now=now, gaps=gaps)) > 100


def test_the_demo_plan_lists_the_outage_dms_as_unanswerable(demo):
    store, summary = demo
    now = summary["now"]
    plan = make_plan(store, now=now, work=office())
    outage = summary["stories"]["outage"]
    closed = {(i.channel, i.created_at) for i in plan.unanswerable}
    expired = [
        d
        for d in summary["stories"]["vip_dms"]
        if d["window_closes_at"] <= now and d["created_at"] < outage["end"]
    ]
    assert expired and all((d["channel"], d["created_at"]) in closed for d in expired)
    assert all(i.window_closes_at <= now for i in plan.unanswerable)
    assert plan.status in ("eta", "never") and plan.items
    scheduled = [i.id for i in plan.items]
    assert len(scheduled) == len(set(scheduled))
    if plan.status == "eta":
        assert plan.finish_at == max(i.finish_at for i in plan.items)
