"""The backlog screen, the health bar and away mode, on the demo inbox with the clock frozen.

A manager back from a 30-hour outage presses ``b``: each client's backlog, the plan's finish
time, the outage and the still-blocked X account on the timeline, a burndown that moves as
items are cleared. The health bar under the inbox says the X account is blocked; ``a``
records an away period and ``a`` again ends it. Every test runs the real app on a real
SQLite file and checks it through a second connection, as another process would.
"""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import NOW
from tui_kit import make_app, screen_text, settle

from sfogo.backlog.gaps import find_gaps, open_away
from sfogo.backlog.measure import backlog_filter, summarize
from sfogo.backlog.plan import make_plan
from sfogo.backlog.settings import Settings
from sfogo.backlog.workhours import WorkHours
from sfogo.inbox.store import Store
from sfogo.tui.screens import AwayScreen, BacklogScreen, InboxScreen
from sfogo.tui.widgets import Burndown, GapTimeline, HealthBar
from sfogo.tui.widgets._burndown import backlog_history, history_points
from sfogo.tui.widgets._format import age_short, local_time

HOSTILE_CLIENT = "[@click=app.quit]x[/]"
SIZES = [(80, 24), (40, 24)]


pytestmark = pytest.mark.usefixtures("rome_time")


async def open_backlog(pilot) -> BacklogScreen:
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BacklogScreen)
    return screen


async def show(pilot, widget) -> str:
    """Scroll ``widget`` into view and return the screen's text."""
    widget.scroll_visible(animate=False, immediate=True)
    await settle(pilot)
    return screen_text(pilot.app)


def expected_summary(db_path):
    with Store(db_path) as store:
        from sfogo.backlog.settings import client_targets

        settings = Settings().with_client_targets(client_targets(store))
        return summarize(store, settings, now=NOW)


# -- the backlog screen ------------------------------------------------------------------------


async def test_b_opens_the_backlog_with_each_clients_numbers_and_q_goes_back(demo_db):
    expected = expected_summary(demo_db)
    assert sum(c.count for c in expected) > 100  # the demo's stories left a backlog
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_backlog(pilot)
        assert {c.client: c.as_dict() for c in screen.summary.clients} == {
            c.client: c.as_dict() for c in expected
        }
        text = screen_text(app)
        total = sum(c.count for c in expected)
        assert f"Backlog · {total} items · " in text and "1 still open" in text
        for c in expected:
            oldest = age_short(c.oldest_at, now=NOW)
            row = (
                rf"{re.escape(c.client)}\s+\S+\s+{c.count}\s+{c.past_target}\s+"
                rf"{c.unanswerable}\s+{oldest}\b"
            )
            assert re.search(row, text), (c.client, row)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen) and app.is_running


async def test_the_client_rows_fit_forty_columns(demo_db):
    expected = expected_summary(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(40, 24)) as pilot:
        await open_backlog(pilot)
        lines = screen_text(app).splitlines()
        for c in expected:
            start = c.client[:10]
            row = next(line for line in lines if line.startswith(f" {start}"))
            numbers = row.split()[-4:]
            assert numbers == [
                str(c.count),
                str(c.past_target),
                str(c.unanswerable),
                age_short(c.oldest_at, now=NOW),
            ], row
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)


async def test_the_plan_says_when_the_backlog_is_cleared(demo_db):
    with Store(demo_db) as store:
        plan = make_plan(store, now=NOW, work=WorkHours.from_config({}))
    assert plan.status == "eta"
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_backlog(pilot)
        text = screen_text(app)
        assert f"Cleared by {local_time(plan.finish_at, NOW)}" in text
        assert f"Catch-up plan · {len(plan.items)} items" in text
        late = sum(i.misses_target for i in plan.items)
        assert f"Will be late: {late} past their response target" in text
        assert f"{len(plan.unanswerable)} can no longer be answered" in text
        batches = await show(pilot, screen.query_one("#backlog-batches"))
        first = plan.batches[0]
        assert re.search(
            rf" 1 {re.escape(local_time(first.start_at, NOW))}\s+"
            rf"{re.escape(first.client)}.*\b{len(first.items)}\b",
            batches,
        )


@pytest.mark.parametrize("size", SIZES)
async def test_the_plan_says_what_it_would_take_and_what_each_choice_changes(demo_db, size):
    from sfogo.backlog.plan_advice import Choice, default_targets, plan_advice
    from sfogo.inbox.timefmt import span_hm

    work = WorkHours.from_config({})
    with Store(demo_db) as store:
        plan = make_plan(store, now=NOW, work=work)
    advice = plan_advice(plan, default_targets(work, NOW, (1,)))
    as_is, low = advice.option(Choice.AS_IS), advice.option(Choice.DROP_LOW)
    assert as_is and low and low.items and low.saved_s > 0
    need = as_is.hours_per_day[0]
    assert need is not None
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_backlog(pilot)
        text = await show(pilot, screen.query_one("#backlog-plan"))
        assert f": {span_hm(need * 3600)} a day" in text
        hours = span_hm(low.hours_per_day[0] * 3600)
        if size[0] >= 60:
            assert f"you work {span_hm(advice.day_hours * 3600)}" in text
            assert re.search(
                rf"drop low tier\s+{low.items}\s+{span_hm(low.saved_s)}\s+"
                rf"{re.escape(local_time(low.finish_at, NOW))}\s+{hours}",
                text,
            )
        else:
            assert f"low tier −{low.items}: {hours} a day" in text


@pytest.mark.parametrize("size", SIZES)
async def test_the_timeline_shows_the_outage_and_the_open_x_block(demo_db, size):
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_backlog(pilot)
        text = await show(pilot, screen.query_one(GapTimeline))
        x_line = next(line for line in text.splitlines() if re.search(r"(NL|Nuvola.*) x ", line))
        bar = re.search(r"[·█▓░]+ *", x_line.split(" x ", 1)[1]).group(0)
        # Still blind: the run reaches the present, then only the future (blank) cells.
        assert re.fullmatch(r"[·░]+▓+ *", bar), bar
        assert "✗ 5d" in x_line
        # Every other account was blind for the 30 hours, and only that long.
        cell_h = 24 if size[0] < 60 else 8
        outage_rows = [
            line
            for line in text.splitlines()
            if "█" in line and " x " not in line and "blind" not in line
        ]
        assert len(outage_rows) == 12
        for line in outage_rows:
            runs = [len(r) for r in re.findall("█+", line)]
            assert max(runs) in (-(-30 // cell_h), -(-30 // cell_h) + 1), line
            assert re.search(r"█[·░ ]* +30h\b", line), line
        # The two sick days covered every account.
        assert all("░" in line for line in outage_rows)
        assert re.search(r" you.*░.*sick", text)


async def test_the_burndown_ends_at_the_backlog_and_follows_items_handled_elsewhere(demo_db):
    total = sum(c.count for c in expected_summary(demo_db))
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_backlog(pilot)
        burndown = screen.query_one(Burndown)
        assert burndown.data.past[-1] == total
        assert burndown.data.future and burndown.data.future[-1] == 0
        assert f"{total} now" in await show(pilot, burndown)

        with Store(demo_db) as other:  # another process clears twenty backlog items
            flt = backlog_filter(other, now=NOW)
            done = other.items.ids(flt, limit=20)
            other.marks.set_status(done, "done", now=NOW)
        # Later (the screen paces re-reads to twice the last read's time), the app's timer
        # sees that the file changed and the screen's pacing timer lets it read.
        screen._loaded_at -= 3600
        app.poll_changes()  # (unless the app's own timer saw it first)
        screen.catch_up()
        await settle(pilot)
        assert burndown.data.past[-1] == total - 20
        assert burndown.data.past[:-1] != () and len(burndown.data.past) == 15
        assert f"{total - 20} now" in await show(pilot, burndown)
        assert f"Backlog · {total - 20} items" in screen_text(app)


async def test_the_screen_reads_again_when_it_comes_back_to_the_front(demo_db):
    total = sum(c.count for c in expected_summary(demo_db))
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_backlog(pilot)
        app.data_changed.unsubscribe(screen)  # deaf to the file: only the resume can notice
        with Store(demo_db) as other:
            other.marks.set_status(
                other.items.ids(backlog_filter(other, now=NOW), limit=5), "done", now=NOW
            )
        await pilot.press("a")  # the away prompt covers the screen …
        await pilot.pause()
        assert isinstance(app.screen, AwayScreen)
        await pilot.press("escape")  # … and the backlog comes back
        await settle(pilot)
        assert screen.query_one(Burndown).data.past[-1] == total - 5


def test_the_burndown_history_matches_a_count_item_by_item(demo_db):
    """One SQL query against the definition, item by item, at every point."""
    with Store(demo_db) as store:
        # Handle a few items at known times inside the window, so points differ.
        ids = store.items.ids(backlog_filter(store, now=NOW), limit=40)
        for n, chunk in enumerate((ids[:10], ids[10:25], ids[25:])):
            store.marks.set_status(chunk, "done", now=NOW - (n + 1) * 86400 + 3600)
        gaps = find_gaps(store, now=NOW)
        series = backlog_history(store, gaps, NOW)
        points = history_points(NOW, 14)
        accounts = [r[0] for r in store.conn.execute("SELECT id FROM accounts")]
        rows = store.conn.execute(
            "SELECT account_id, created_at, status, handled_at FROM interactions"
        ).fetchall()
        expected = []
        for point in points:
            cut: dict[int, int] = {}
            for g in gaps:
                if g.started_at < point:
                    for a in accounts if g.account_id is None else [g.account_id]:
                        cut[a] = max(cut.get(a, 0), min(g.end_or(NOW), point))
            expected.append(
                sum(
                    1
                    for a, created, status, handled in rows
                    if a in cut
                    and created < cut[a]
                    and (
                        status in ("new", "open", "snoozed")
                        or (
                            status in ("done", "ignored")
                            and handled is not None
                            and handled > point
                        )
                    )
                )
            )
        assert series == expected
        assert len(set(series)) > 5  # the outage, the block, the sick days all show


async def test_a_bad_work_config_is_said_in_the_plan_and_the_rest_still_shows(demo_db, tmp_path):
    (tmp_path / "config.toml").write_text('[work]\ntimezone = "Mars/Olympus"\n')
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_backlog(pilot)
        text = screen_text(app)
        assert "unknown time zone 'Mars/Olympus'" in text  # in the plan's own section
        assert screen.summary is not None and "Nuvola Labs" in text
        assert "no plan (see above)" in await show(pilot, screen.query_one(Burndown))
        assert app.is_running and not screen._waiting


# -- the health bar ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_the_health_bar_shows_the_blocked_x_account_first(demo_db, size):
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(HealthBar)
        line = bar.render_line(0).text.strip()
        assert line.startswith("✗ x blocked 5d")  # a symbol, not only a colour
        healthy = len(bar.state.accounts) - 1
        shown = line.count(" ok ")
        assert re.search(rf"\+{healthy - shown} ok$", line), line
        assert len(line) <= size[0]
        assert line in screen_text(app)


async def test_the_health_bar_says_when_you_are_away(demo_db):
    with Store(demo_db) as other:
        from sfogo.backlog.gaps import record_away

        record_away(other, "sick", now=NOW - 3600)
    app = make_app(demo_db)
    async with app.run_test(size=(40, 24)) as pilot:
        await settle(pilot)
        line = app.screen.query_one(HealthBar).render_line(0).text.strip()
        assert line.startswith("sick 12:00 · ✗ x blocked 5d")  # 11:00 UTC, Rome time


# -- away mode ---------------------------------------------------------------------------------


async def test_a_records_an_away_period_and_a_again_ends_it(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AwayScreen)
        await pilot.press("s")  # sick
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        with Store(demo_db) as other:
            assert open_away(other)[1:] == (NOW, "sick")
        bar = app.screen.query_one(HealthBar)
        assert bar.render_line(0).text.strip().startswith("sick since 13:00")
        assert "Sick since 13:00" in screen_text(app)

        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)  # no question to end it
        with Store(demo_db) as other:
            assert open_away(other) is None
            ended = other.conn.execute(
                "SELECT reason, started_at, ended_at FROM away_periods ORDER BY id DESC"
            ).fetchone()
        assert ended == ("sick", NOW, NOW + 1)
        assert not bar.render_line(0).text.strip().startswith("sick")
        assert "Back: sick" in screen_text(app)


async def test_escape_goes_nowhere_and_enter_means_away(demo_db):
    app = make_app(demo_db)
    async with app.run_test(size=(40, 24)) as pilot:
        screen = await open_backlog(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        with Store(demo_db) as other:
            assert open_away(other) is None
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        with Store(demo_db) as other:
            assert open_away(other)[2] == "away"
        # The new gap reaches the backlog screen: every account is in it from now.
        assert screen.summary.open_gaps == 2


async def test_backlog_and_away_are_in_the_palette_and_have_ids(demo_db):
    for cls in (BacklogScreen, AwayScreen):
        for binding in cls.BINDINGS:
            assert binding.id, (cls.__name__, binding.key)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any(t.startswith("Backlog") for t in titles)
        assert any(t.startswith("Away") for t in titles)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BacklogScreen)
        app.action_backlog()  # from the palette: not a second one on top of the first
        await pilot.pause()
        assert len(app.screen_stack) == 2
        await pilot.press("b")  # the key toggles: back to the inbox
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)


# -- hostile names -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_hostile_client_names_are_inert(demo_db, size):
    with Store(demo_db) as store:
        store.clients.add(HOSTILE_CLIENT, "vip", now=NOW - 86400)
        account = store.accounts.add(HOSTILE_CLIENT, "mastodon", "[b]evil[/b] [/", now=NOW)
        store.runs.add(account.id, NOW - 7200, NOW - 7199, "blocked", "[/ [@click=app.quit]")
        from sfogo.inbox.model import Interaction

        store.items.upsert(
            [
                Interaction(
                    account_id=account.id,
                    external_id="h1",
                    kind="mention",
                    created_at=NOW - 3600,
                    text="[@click=app.quit]boom[/]",
                    author_name="[/",
                    status="new",
                )
            ],
            now=NOW,
        )
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar_line = app.screen.query_one(HealthBar).render_line(0).text
        if size[0] >= 60:  # its initials, literally, among the problems
            assert "✗ x blocked 5d · ✗ mast [@c blocked 2h · " in bar_line
        else:  # no room: counted among the problems left over
            assert bar_line.strip().startswith("✗ x blocked 5d +13 (1 ✗)")
        await pilot.click(HealthBar, offset=(4, 0))
        screen = await open_backlog(pilot)
        text = screen_text(app)
        assert HOSTILE_CLIENT[:10] in text
        row = next(line for line in text.splitlines() if "[@click" in line)
        await pilot.click(offset=(row.index("[@click") + 2, text.splitlines().index(row)))
        timeline = await show(pilot, screen.query_one(GapTimeline))
        assert "[@c" in timeline or "[@click" in timeline
        await settle(pilot)
        assert app.is_running and app.return_code is None


# -- snapshots ---------------------------------------------------------------------------------


def _backlog_app(demo_template, db_path):
    shutil.copyfile(demo_template, db_path)
    return make_app(db_path)


async def _open(pilot) -> None:
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)


def test_snapshot_backlog_80x24(demo_template, db_path, snap_compare):
    assert snap_compare(
        _backlog_app(demo_template, db_path), terminal_size=(80, 24), run_before=_open
    )


def test_snapshot_backlog_40x24(demo_template, db_path, snap_compare):
    assert snap_compare(
        _backlog_app(demo_template, db_path), terminal_size=(40, 24), run_before=_open
    )


def test_snapshot_backlog_120x40(demo_template, db_path, snap_compare):
    assert snap_compare(
        _backlog_app(demo_template, db_path), terminal_size=(120, 40), run_before=_open
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_demo_inbox_while_away(demo_template, db_path, snap_compare, size):
    """The demo inbox with its problems on the health bar, the manager away since 11:00."""
    from sfogo.backlog.gaps import record_away

    shutil.copyfile(demo_template, db_path)
    with Store(db_path) as other:
        record_away(other, "sick", now=NOW - 3600)
    assert snap_compare(make_app(db_path), terminal_size=size, run_before=_settled)


async def _settled(pilot) -> None:
    await settle(pilot)
