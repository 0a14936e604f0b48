"""The demo inbox: realistic, deterministic, and telling the stories sfogo exists for."""

from __future__ import annotations

import re
import statistics
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

from sfogo.backlog.workhours import WorkHours
from sfogo.inbox.model import TIERS, Client
from sfogo.inbox.store import Store, default_path
from sfogo.tui.demo.build import DEFAULT_SIZE, ROME, build_demo, story_windows

HOUR = 3600
DAY = 86400
# What sanitize() must have removed: C0 (but tab/newline), DEL, C1, bidi overrides/isolates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default demo, built once for the module at the tests' fixed NOW."""
    store = Store(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = build_demo(store, seed=0, now=NOW)
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def db(demo):
    return demo[0].conn


@pytest.fixture(scope="module")
def summary(demo):
    return demo[1]


@pytest.fixture(scope="module")
def win():
    return story_windows(NOW)


def _dump(store: Store) -> list[tuple]:
    rows = store.conn.execute("SELECT * FROM interactions ORDER BY id").fetchall()
    runs = store.conn.execute("SELECT * FROM sync_runs ORDER BY id").fetchall()
    tags = store.conn.execute("SELECT * FROM interaction_tags ORDER BY 1, 2").fetchall()
    return rows + runs + tags


def _build(tmp_path, name: str, **kw) -> Store:
    store = Store(tmp_path / name)
    build_demo(store, now=NOW, **kw)
    return store


# -- determinism and size ----------------------------------------------------------------------


def test_the_demo_is_the_same_in_every_process(tmp_path):
    """String hashing differs per process (PYTHONHASHSEED): the demo must not depend on it."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, sys; from sfogo.inbox.store import Store; "
        "from sfogo.tui.demo.build import build_demo; s = Store(sys.argv[1]); "
        f"build_demo(s, seed=0, size=800, now={NOW}); "
        "rows = s.conn.execute('SELECT * FROM interactions ORDER BY id').fetchall(); "
        "print(hashlib.sha256(repr(rows).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / f"{hash_seed}.db")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        digests.add(out.strip())
    assert len(digests) == 1


def test_same_seed_and_now_build_the_same_inbox_and_another_seed_another(tmp_path, demo):
    again = _build(tmp_path, "again.db", seed=0)
    other = _build(tmp_path, "other.db", seed=1)
    try:
        assert _dump(again) == _dump(demo[0])
        other_rows = other.conn.execute(
            "SELECT text, author_name FROM interactions ORDER BY id"
        ).fetchall()
        same_rows = again.conn.execute(
            "SELECT text, author_name FROM interactions ORDER BY id"
        ).fetchall()
        assert other_rows != same_rows
        assert len(other_rows) == len(same_rows) == DEFAULT_SIZE
    finally:
        again.close()
        other.close()


@pytest.mark.parametrize("size", [0, 9, 500, 4321])
def test_size_gives_exactly_that_many_interactions(tmp_path, size):
    store = _build(tmp_path, f"{size}.db", size=size)
    try:
        assert store.items.total() == size
        assert len(store.accounts.all()) == 13  # the same clients and accounts at every size
    finally:
        store.close()


def test_the_demo_refuses_a_store_that_already_holds_data(tmp_path, demo):
    from sfogo.inbox.errors import SfogoError

    with pytest.raises(SfogoError, match="already holds data"):
        build_demo(demo[0], now=NOW)


# -- clients, accounts, volume -----------------------------------------------------------------


def test_four_clients_cover_every_tier_with_a_response_target(db):
    rows = db.execute("SELECT name, tier, target_s, id FROM clients").fetchall()
    assert len(rows) >= 4
    assert {tier for _, tier, _, _ in rows} == set(TIERS)
    hotel = [r for r in rows if r[1] == "vip"]
    assert "Rome" in hotel[0][0] or "Roma" in hotel[0][0]
    for name, tier, target, client_id in rows:
        assert Client(name, tier, target, id=client_id).effective_target_s > 0


def test_accounts_span_channels_and_the_vip_hotel_gets_private_messages(db):
    accounts = db.execute(
        "SELECT a.id, a.channel, a.settings, c.tier FROM accounts a"
        " JOIN clients c ON c.id = a.client_id"
    ).fetchall()
    assert len(accounts) >= 9
    assert len({ch for _, ch, _, _ in accounts}) >= 6
    assert all('"demo": true' in settings for _, _, settings, _ in accounts)
    vip = {ch: i for i, ch, _, tier in accounts if tier == "vip"}
    assert {"facebook", "instagram", "email"} <= set(vip)
    for channel in ("facebook", "instagram"):
        dms = db.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND kind = 'dm'"
            " AND outgoing = 0",
            (vip[channel],),
        ).fetchone()[0]
        assert dms >= 20
    x_tiers = [tier for _, ch, _, tier in accounts if ch == "x"]
    assert x_tiers and "vip" not in x_tiers


def test_a_freelancers_two_weeks_in_english_and_italian(db):
    total, first, last = db.execute(
        "SELECT count(*), min(created_at), max(created_at) FROM interactions"
    ).fetchone()
    # A freelancer's real volume across four clients: a few dozen to a hundred or so
    # interactions a day.
    assert 50 * 14 <= total <= 150 * 14
    assert NOW - 14 * DAY <= first < NOW - 13 * DAY
    assert NOW - HOUR < last <= NOW
    texts = [t for (t,) in db.execute("SELECT text FROM interactions WHERE outgoing = 0")]
    italian = sum(1 for t in texts if re.search(r"\b(grazie|per|non|avete|è|della)\b", t, re.I))
    english = sum(1 for t in texts if re.search(r"\b(the|thanks|you|is|for)\b", t, re.I))
    assert italian > len(texts) * 0.2 and english > len(texts) * 0.2


def test_daily_and_weekly_rhythms_in_rome_time(db):
    by_hour = [0] * 24
    by_day: dict[tuple[str, int], int] = {}
    for created, client in db.execute(
        "SELECT i.created_at, c.name FROM interactions i JOIN accounts a"
        " ON a.id = i.account_id JOIN clients c ON c.id = a.client_id WHERE i.outgoing = 0"
    ):
        local = datetime.fromtimestamp(created, ROME)
        by_hour[local.hour] += 1
        by_day[client, local.weekday()] = by_day.get((client, local.weekday()), 0) + 1
    assert sum(by_hour[10:13]) > 5 * sum(by_hour[2:5])  # late morning vs the dead of night
    assert sum(by_hour[19:22]) > 5 * sum(by_hour[2:5])  # the evening peak

    def per_day(client: str, days: range) -> float:
        return sum(by_day.get((client, d), 0) for d in days) / len(days)

    weekdays, weekend = range(0, 5), range(5, 7)
    assert per_day("Nuvola Labs", weekend) < 0.6 * per_day("Nuvola Labs", weekdays)
    assert per_day("Trattoria Da Gino", weekend) > 1.2 * per_day("Trattoria Da Gino", range(0, 4))


def test_urls_and_handles_follow_each_platform(db):
    seen = {}
    for channel, handle, url in db.execute(
        "SELECT a.channel, i.author_handle, i.url FROM interactions i JOIN accounts a"
        " ON a.id = i.account_id WHERE i.outgoing = 0 AND i.id % 7 = 0"
    ):
        seen.setdefault(channel, []).append((handle, url))
    patterns = {
        "mastodon": (r"^@\w+@[\w.]+$", r"^https://[\w.]+/@\w+/\d+$"),
        "bluesky": (
            r"^[\w.]+\.(bsky\.social|com)$",
            r"^https://bsky\.app/profile/[\w.]+/post/\w{13}$",
        ),
        "x": (r"^@\w{1,15}$", r"^https://x\.com/\w+/status/\d+$"),
        "email": (r"^[\w.]+@[\w.]+$", r"^$"),
        "instagram": (r"^@[\w.]+$", r"^https://www\.instagram\.com/(p|direct/t)/"),
        "facebook": (r"^[\w.]+$", r"^https://(www|business)\.facebook\.com/"),
        "youtube": (r"^@\w+$", r"^https://www\.youtube\.com/watch\?v=[\w-]{11}&lc=Ug"),
        "wordpress": (r"^[\w.]+@[\w.]+$", r"^https://amicideltevere\.org/[\w-]+/#comment-\d+$"),
    }
    for channel, (handle_re, url_re) in patterns.items():
        # Hostile handles are deliberately odd: judge the platform's ordinary people.
        ordinary = [(h, u) for h, u in seen[channel] if h not in ("@trudy", "@eve.r")]
        assert ordinary, channel
        for handle, url in ordinary:
            assert re.match(handle_re, handle), (channel, handle)
            assert re.match(url_re, url), (channel, url)


# -- threads and handling ---------------------------------------------------------------------


def test_threads_hold_replies_some_of_them_ours(db):
    replies = db.execute(
        "SELECT r.outgoing, r.author_handle, a.handle, r.status, r.created_at, p.created_at,"
        " p.status, r.thread_ref, p.thread_ref, p.external_id"
        " FROM interactions r JOIN interactions p"
        "   ON p.account_id = r.account_id AND p.external_id = r.parent_ref"
        " JOIN accounts a ON a.id = r.account_id WHERE r.parent_ref != ''"
    ).fetchall()
    orphans = db.execute(
        "SELECT count(*) FROM interactions r WHERE r.parent_ref != '' AND NOT EXISTS"
        " (SELECT 1 FROM interactions p WHERE p.account_id = r.account_id"
        "  AND p.external_id = r.parent_ref)"
    ).fetchone()[0]
    assert orphans == 0
    theirs = [r for r in replies if not r[0]]
    ours = [r for r in replies if r[0]]
    assert len(theirs) > 100 and len(ours) > 100
    for (
        _,
        author,
        account_handle,
        status,
        created,
        parent_created,
        parent_status,
        thread,
        parent_thread,
        parent_ext,
    ) in ours:
        assert author == account_handle
        assert status == "done" and parent_status == "done"
        assert created > parent_created
        assert thread == (parent_thread or parent_ext)


def test_most_older_items_are_handled_at_realistic_speed_by_tier(db, win):
    rows = db.execute(
        "SELECT c.tier, i.status, i.created_at, i.fetched_at, i.handled_at FROM interactions i"
        " JOIN accounts a ON a.id = i.account_id JOIN clients c ON c.id = a.client_id"
        " WHERE i.outgoing = 0"
    ).fetchall()
    for _, status, created, fetched, handled in rows:
        assert created <= fetched <= NOW
        if status in ("done", "ignored"):
            assert fetched < handled <= NOW
        else:
            assert handled is None
    older = [r for r in rows if r[2] < NOW - 9 * DAY]
    handled = [r for r in older if r[1] in ("done", "ignored")]
    assert len(handled) > 0.9 * len(older)
    assert any(r[1] == "ignored" for r in rows)
    assert (
        db.execute(
            "SELECT count(*) FROM interactions WHERE status = 'snoozed' AND snoozed_until > ?",
            (NOW,),
        ).fetchone()[0]
        > 0
    )
    assert db.execute("SELECT count(*) FROM interactions WHERE pinned").fetchone()[0] > 0
    assert db.execute("SELECT count(DISTINCT tag) FROM interaction_tags").fetchone()[0] >= 5
    normal_time = [
        r
        for r in rows
        if r[1] == "done"
        and not (win.outage_start <= r[2] < win.outage_end or win.sick_start <= r[3] < win.sick_end)
    ]
    medians = {
        tier: statistics.median(r[4] - r[2] for r in normal_time if r[0] == tier) for tier in TIERS
    }
    assert medians["vip"] < medians["high"] < medians["normal"] < medians["low"]
    assert medians["vip"] < 2 * HOUR


def test_replies_are_written_while_the_manager_works(db, win):
    """Nobody answers during the outage or the sick days."""
    busy = db.execute(
        "SELECT count(*) FROM interactions WHERE outgoing = 1 AND ((created_at >= ? AND"
        " created_at < ?) OR (created_at >= ? AND created_at < ?))",
        (win.outage_start, win.outage_end, win.sick_start, win.sick_end),
    ).fetchone()[0]
    assert busy == 0


# -- the stories ------------------------------------------------------------------------------


def test_outage_every_account_offline_for_exactly_thirty_hours(db, win, summary):
    assert win.outage_end == NOW - 48 * HOUR and win.outage_start == NOW - 78 * HOUR
    assert summary["stories"]["outage"] == {
        **summary["stories"]["outage"],
        "start": win.outage_start,
        "end": win.outage_end,
    }
    for (account_id,) in db.execute("SELECT id FROM accounts").fetchall():
        runs = db.execute(
            "SELECT started_at, outcome, detail FROM sync_runs"
            " WHERE account_id = ? ORDER BY started_at",
            (account_id,),
        ).fetchall()
        offline = [r for r in runs if r[1] == "offline"]
        assert offline and all(r[2] for r in offline)
        first, last = offline[0][0], offline[-1][0]
        assert win.outage_start <= first < win.outage_start + 900
        assert last < win.outage_end
        between = [r for r in runs if first <= r[0] <= last]
        assert all(r[1] == "offline" for r in between)  # consecutive failures
        after = next(r for r in runs if r[0] > last)
        assert after[0] - first == 30 * HOUR  # the next run works again (or is blocked)
        assert after[1] in ("ok", "blocked")
    items = db.execute(
        "SELECT fetched_at, status FROM interactions WHERE created_at >= ?"
        " AND created_at < ? AND outgoing = 0",
        (win.outage_start, win.outage_end),
    ).fetchall()
    assert len(items) > 100
    assert all(fetched >= win.outage_end for fetched, _ in items)
    assert sum(1 for _, status in items if status == "new") > 0.6 * len(items)


def test_x_account_blocked_for_five_days_and_still_blocked(db, win, summary):
    blocked = summary["stories"]["x_blocked"]
    channel, tier = db.execute(
        "SELECT a.channel, c.tier FROM accounts a JOIN clients c"
        " ON c.id = a.client_id WHERE a.id = ?",
        (blocked["account_id"],),
    ).fetchone()
    assert channel == "x" and tier != "vip"
    assert blocked["start"] == NOW - 5 * DAY and blocked["end"] is None
    runs = db.execute(
        "SELECT started_at, outcome, detail, items FROM sync_runs"
        " WHERE account_id = ? AND started_at >= ? ORDER BY started_at",
        (blocked["account_id"], win.block_start),
    ).fetchall()
    assert runs[0][0] < win.block_start + 900
    assert NOW - 900 < runs[-1][0] <= NOW  # the last run was minutes ago
    assert "ok" not in {r[1] for r in runs}
    assert {r[1] for r in runs} == {"blocked", "offline"}  # offline during the outage
    assert len(runs) >= 5 * 96  # every 15 minutes for five days…
    assert sum(r[1] == "blocked" for r in runs) >= 5 * 96 - 120  # …but the outage's 30 hours
    assert all(r[2] for r in runs if r[1] == "blocked")
    # Posting is blocked, reading is not: the mentions keep arriving and stay unanswered.
    assert sum(r[3] for r in runs) > 0
    statuses = [
        s
        for (s,) in db.execute(
            "SELECT status FROM interactions WHERE account_id = ? AND created_at >= ?",
            (blocked["account_id"], win.block_start),
        )
    ]
    assert len(statuses) > 50
    assert set(statuses) <= {"new", "open"} and statuses.count("new") > 0.8 * len(statuses)
    assert (
        db.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND outgoing = 1"
            " AND created_at >= ?",
            (blocked["account_id"], win.block_start),
        ).fetchone()[0]
        == 0
    )
    before = db.execute(
        "SELECT count(*) FROM sync_runs WHERE account_id = ? AND outcome = 'ok' AND started_at < ?",
        (blocked["account_id"], win.block_start),
    ).fetchone()[0]
    assert before > 0


def test_two_sick_days_a_week_ago_handled_late_with_a_handful_still_new(db, win):
    away = db.execute("SELECT started_at, ended_at, reason FROM away_periods").fetchall()
    assert away == [(win.sick_start, win.sick_end, "sick")]
    start = datetime.fromtimestamp(win.sick_start, ROME)
    assert (start.hour, start.minute) == (8, 0)
    assert start.date() == datetime.fromtimestamp(NOW - 8 * DAY, ROME).date()
    assert datetime.fromtimestamp(win.sick_end, ROME).hour == 8
    assert 47 * HOUR <= win.sick_end - win.sick_start <= 49 * HOUR  # DST-proof
    items = db.execute(
        "SELECT status, handled_at FROM interactions WHERE fetched_at >= ?"
        " AND fetched_at < ? AND outgoing = 0",
        (win.sick_start, win.sick_end),
    ).fetchall()
    assert len(items) > 100  # two days of a freelancer's few dozen a day
    handled = [h for s, h in items if h is not None]
    assert all(h >= win.sick_end for h in handled)  # late: after the manager was back
    still_new = sum(1 for s, _ in items if s == "new")
    assert 1 <= still_new <= 0.06 * len(items)


def test_sync_runs_every_fifteen_minutes_for_two_weeks(db):
    for account_id, n, first, last, items in db.execute(
        "SELECT account_id, count(*), min(started_at), max(started_at), sum(items)"
        " FROM sync_runs GROUP BY account_id"
    ):
        assert first <= NOW - 14 * DAY and NOW - 60 <= last <= NOW
        assert n >= 14 * 96
        fetched = db.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND outgoing = 0", (account_id,)
        ).fetchone()[0]
        assert items == fetched  # every incoming item was fetched by one run
    outcomes = {o for (o,) in db.execute("SELECT DISTINCT outcome FROM sync_runs")}
    assert {"ok", "offline", "blocked"} <= outcomes


def test_vip_direct_messages_with_one_and_four_hours_left(db, summary):
    rows = db.execute(
        "SELECT a.channel, i.created_at FROM interactions i JOIN accounts a ON a.id ="
        " i.account_id JOIN clients c ON c.id = a.client_id WHERE c.tier = 'vip' AND"
        " i.kind = 'dm' AND i.outgoing = 0 AND i.status = 'new'"
    ).fetchall()
    answerable = sorted(
        (created + 24 * HOUR - NOW, channel)
        for channel, created in rows
        if created > NOW - 24 * HOUR
    )
    assert answerable[0][1] == "instagram" and 50 * 60 <= answerable[0][0] <= 70 * 60
    assert answerable[1][1] == "facebook" and 3.5 * HOUR <= answerable[1][0] <= 4.5 * HOUR
    win = story_windows(NOW)
    lost = [c for _, c in rows if win.outage_start <= c < win.outage_end]
    assert len(lost) >= 3  # from the outage, past 24 hours: no longer answerable
    assert len(summary["stories"]["vip_dms"]) == 5


def test_backlog_items_from_every_gap_are_still_new(db, win, summary):
    stories = summary["stories"]
    for key in ("outage", "x_blocked", "sick"):
        assert stories[key]["still_new"] > 0
    n = db.execute(
        "SELECT count(*) FROM interactions WHERE status = 'new' AND outgoing = 0 AND"
        " ((created_at >= ? AND created_at < ?) OR (fetched_at >= ? AND fetched_at < ?))",
        (win.outage_start, win.outage_end, win.sick_start, win.sick_end),
    ).fetchone()[0]
    assert n >= stories["outage"]["still_new"] + stories["sick"]["still_new"]


# -- hostile strings ---------------------------------------------------------------------------


def test_hostile_strings_are_stored_sanitised_and_markup_stays_literal(db):
    for column in ("text", "author_name", "author_handle", "url", "external_id"):
        for (value,) in db.execute(f"SELECT {column} FROM interactions"):
            assert not CONTROL.search(value), (column, value)

    def has(column: str, needle: str) -> int:
        return db.execute(
            f"SELECT count(*) FROM interactions WHERE instr({column}, ?)", (needle,)
        ).fetchone()[0]

    assert has("author_name", "[@click=app.quit]click me[/]")
    assert has("text", "[@click=app.quit]click me[/]")
    assert has("text", "[bold red]x[/]")
    assert has("text", "a lone [/ ")
    assert has("text", "<script>alert(1)</script>")
    assert has("text", "\ufffd[31mRED")  # ANSI colour, defused
    assert has("author_name", "\ufffd]0;pwned\ufffd")  # OSC window title
    assert has("text", "\ufffd]52;c;ZWNobyBwd25lZA==\ufffd")  # OSC 52 clipboard write
    assert has("text", "\ufffd[2J")  # clear screen
    assert has("author_name", "Eve \ufffdgnp.exe")  # bidi override
    # The hostile item is among the newest, so the first screen shows it.
    newest = db.execute(
        "SELECT author_name FROM interactions WHERE status IN ('new', 'open')"
        " ORDER BY created_at DESC LIMIT 5"
    ).fetchall()
    assert ("[@click=app.quit]click me[/]",) in newest


# -- the command --------------------------------------------------------------------------------


def test_sfogo_demo_no_tui_builds_the_file_and_says_what_it_holds(cli, tmp_path):
    path = tmp_path / "mine" / "demo.db"
    r = cli("demo", "--no-tui", "--db", path, "--size", "3_600")
    assert r.code == 0, r.err
    assert str(path) in r.out and "30 hours" in r.out and "@nuvolalabs" in r.out
    assert all(len(line) <= 80 for line in r.out.splitlines() if str(path) not in line)
    with Store(path) as store:
        assert store.items.total() == 3600
    r = cli("demo", "--no-tui", "--db", path, "--seed", "2", "--size", "100")  # rebuilt
    assert r.code == 0, r.err
    with Store(path) as store:
        assert store.items.total() == 100
    assert [p.name for p in path.parent.iterdir()] == ["demo.db"]  # nothing half-built left


def test_sfogo_demo_refuses_a_file_with_the_users_own_data(cli, tmp_path):
    path = tmp_path / "real.db"
    with Store(path) as store:
        store.clients.add("My real client", "vip", now=NOW)
        store.accounts.add("My real client", "mastodon", "@me@example.social", now=NOW)
    r = cli("demo", "--no-tui", "--db", path)
    assert r.code == 1
    assert r.err.count("\n") == 1 and "holds your own data" in r.err and "Traceback" not in r.err
    with Store(path) as store:
        assert [c.name for c in store.clients.all()] == ["My real client"]
        assert store.items.total() == 0

    junk = tmp_path / "notes.txt"
    junk.write_text("not a database at all\n" * 100)
    r = cli("demo", "--no-tui", "--db", junk)
    assert r.code == 1 and r.err.startswith("sfogo: ") and r.err.count("\n") == 1
    assert junk.read_text().startswith("not a database")


def test_bad_numbers_are_one_line_errors(cli, tmp_path):
    for args in (("--size", "-5"), ("--size", "lots"), ("--seed", "1.5")):
        r = cli("demo", "--no-tui", "--db", tmp_path / "x.db", *args)
        assert r.code == 1 and r.err.startswith("sfogo: bad --s"), r.err


def test_without_db_the_demo_uses_its_own_file_not_the_users_inbox(
    cli, tmp_path, db_path, monkeypatch
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    r = cli("demo", "--no-tui", "--size", "50")
    assert r.code == 0, r.err
    demo_file = tmp_path / "data" / "sfogo" / "demo.db"
    assert demo_file.exists()
    assert str(demo_file) in r.out
    assert demo_file != default_path()  # SFOGO_DB, the user's inbox…
    assert not db_path.exists()  # …was not touched
    monkeypatch.delenv("SFOGO_DB")
    assert demo_file != default_path()  # nor is it the default inbox without SFOGO_DB


def test_its_own_file_is_built_again_when_sfogo_cannot_open_it(cli, tmp_path, monkeypatch):
    """Another version's or a damaged demo.db is no one's data: the demo replaces it (a file
    named with --db that sfogo cannot open is refused instead, above)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    demo_file = tmp_path / "data" / "sfogo" / "demo.db"
    demo_file.parent.mkdir(parents=True)
    demo_file.write_text("not a database at all\n" * 100)
    r = cli("demo", "--no-tui", "--size", "50")
    assert r.code == 0, r.err
    with Store(demo_file, create=False) as store:
        assert store.items.total() == 50


def test_sync_leaves_the_generated_demo_alone(cli, tmp_path):
    """Its accounts have no server: syncing them would add made-up failures to the story."""
    path = tmp_path / "demo.db"
    assert cli("demo", "--no-tui", "--db", path).code == 0
    with Store(path) as store:
        runs = store.conn.execute("SELECT count(*) FROM sync_runs").fetchone()[0]
    r = cli("--db", path, "sync", "--once")
    assert r.code == 0 and "demo's accounts are generated" in r.out
    r = cli("--db", path, "sync", "--account", "x:@nuvolalabs")
    assert r.code == 1 and "generated demo account" in r.err
    with Store(path) as store:
        assert store.conn.execute("SELECT count(*) FROM sync_runs").fetchone()[0] == runs


# -- the team (sfogo demo adds it; the stories above are the freelancer's alone) --------------


@pytest.fixture(scope="module")
def team_demo(tmp_path_factory):
    """The demo as ``sfogo demo`` builds it: with its small agency, at the tests' NOW."""
    path = tmp_path_factory.mktemp("team") / "demo.db"
    with Store(path) as store:
        summary = build_demo(store, seed=0, now=NOW, team=True)
    return path, summary


def test_the_demo_team_has_its_own_hours_some_assignments_and_one_member_on_holiday(team_demo):
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.plan import make_plan
    from sfogo.inbox.store import InboxFilter
    from sfogo.inbox.team import who
    from sfogo.tui.demo.team import DEMO_USER

    path, summary = team_demo
    team = summary["stories"]["team"]
    with Store(path) as store:
        members = {m.name: m for m in store.team.members()}
        assert [(m.name, m.timezone) for m in members.values()] == [
            ("Giulia", "Europe/Rome"),
            ("Marco", "Europe/Rome"),
            ("Sofia", "Europe/Lisbon"),
            ("Tom", "America/New_York"),
        ]
        assert who(store, DEMO_USER).name == team["you"] == "Giulia"
        owned = store.team.open_counts()
        assert {n: owned.get(m.id, 0) for n, m in members.items()} == {
            **team["assigned"],
            "Sofia": 0,
        }
        assert all(team["assigned"][n] > 0 for n in ("Giulia", "Marco", "Tom"))
        # Tom is on holiday now, back at 09:00 New York time the day after tomorrow; a
        # member's holiday is not a gap of the inbox: the stories' gaps are as they were.
        holiday = store.away.current(members["Tom"].id)
        assert holiday is None  # it has an end: not "open", but it covers now
        (period,) = [p for p in store.away.all() if p.member_id == members["Tom"].id]
        # NOW is a Friday: the second weekday after it is Tuesday 1 December.
        back = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))
        assert period.started_at < NOW < period.ended_at == back.timestamp()
        assert [p.member_id for p in store.away.all()].count(None) == 1
        away_gaps = [g for g in find_gaps(store, now=NOW) if g.source == "away"]
        assert [g.started_at for g in away_gaps] == [summary["stories"]["sick"]["start"]]
        # The plan: every member's share, an owner's items are theirs, Tom's wait for him.
        plan = make_plan(store, now=NOW, work=WorkHours.from_config({}), config={})
        assert [s.name for s in plan.shares] == ["Giulia", "Marco", "Sofia", "Tom"]
        assert sum(s.items for s in plan.shares) == len(plan.items)
        assert all(i.member == i.owner for i in plan.items if i.owner)
        toms = [i for i in plan.items if i.member == "Tom"]
        assert toms and all(i.start_at >= period.ended_at for i in toms)
        assert {i.id for i in toms} <= set(store.items.ids(InboxFilter(assignee=members["Tom"].id)))
        assert plan.shares[2].items > 0  # Sofia owns nothing and still gets work


def test_sfogo_demo_says_who_is_on_the_team(cli, tmp_path):
    r = cli("demo", "--no-tui", "--db", tmp_path / "demo.db", "--size", "300")
    assert r.code == 0, r.err
    said = " ".join(r.out.split())
    assert "team Giulia (you) Rome, Marco Rome, Sofia Lisbon, Tom New York" in said
    assert "away Tom until " in said
    assert all(len(line) <= 80 for line in r.out.splitlines() if "demo.db" not in line)
