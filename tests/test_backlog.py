"""The seed's stories, told by the backlog and triage commands on the demo inbox."""

from __future__ import annotations

import pytest
from conftest import NOW
from pty_kit import run_on_pty, terminal_env

from sfogo.backlog.gaps import find_gaps
from sfogo.backlog.measure import cutoffs, summarize
from sfogo.backlog.settings import Settings
from sfogo.backlog.triage import triage_ids
from sfogo.inbox import when
from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.demo.build import build_demo, story_windows

HOUR = 3600
DAY = 86400
NOT_DONE = ("new", "open", "snoozed")


@pytest.fixture(autouse=True)
def terminal_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The default demo, built once for the module at the tests' fixed NOW."""
    path = tmp_path_factory.mktemp("backlog") / "demo.db"
    store = Store(path)
    summary = build_demo(store, seed=0, now=NOW)
    store.close()
    return path, summary


@pytest.fixture
def db(demo):
    store = Store(demo[0])
    yield store
    store.close()


def _client_of(db: Store) -> dict[int, str]:
    return dict(
        db.conn.execute("SELECT a.id, c.name FROM accounts a JOIN clients c ON c.id = a.client_id")
    )


# -- the 30-hour outage and the VIP hotel's private messages ------------------------------------


def test_after_the_outage_the_vip_dm_whose_window_closes_soonest_is_next(cli, demo, db):
    path, _summary = demo
    r = cli("--db", path, "next", "--json")
    assert r.code == 0, r.err
    top = r.json()
    # Every VIP private message that can still be answered, soonest-closing first.
    answerable = db.conn.execute(
        "SELECT i.id, i.created_at FROM interactions i JOIN accounts a ON a.id = i.account_id"
        " JOIN clients c ON c.id = a.client_id WHERE c.tier = 'vip' AND i.kind = 'dm'"
        " AND a.channel IN ('facebook', 'instagram') AND i.status IN ('new', 'open')"
        " AND i.created_at > ? ORDER BY i.created_at, i.id",
        (NOW - 24 * HOUR,),
    ).fetchall()
    assert len(answerable) >= 2
    assert top["id"] == answerable[0][0]
    assert top["client"] == "Hotel Aurelia Roma" and top["kind"] == "dm"
    assert top["window_closes_at"] == when.iso(answerable[0][1] + 24 * HOUR)
    assert top["unanswerable"] is False
    terms = {t["name"]: t for t in top["terms"]}
    assert max(top["terms"], key=lambda t: t["contribution"])["name"] == "window"
    assert "reply window closes in" in terms["window"]["note"]

    why = cli("--db", path, "why", top["id"])
    assert why.code == 0, why.err
    assert "reply window closes in 1 hour" in why.out  # the story: 23 hours old, 1 hour left
    code, shown = run_on_pty(["--db", str(path), "why", str(top["id"])], env=terminal_env(NOW))
    assert code == 0 and "reply window closes in 1 hour" in shown
    assert all(len(line) <= 80 for line in shown.splitlines())  # an 80-column terminal

    human = cli("--db", path, "next")
    assert human.code == 0 and f"#{top['id']}" in human.out and "window" in human.out


def test_the_outages_lost_messages_are_marked_unanswerable_and_not_ranked_first(cli, demo, db):
    path, summary = demo
    win = story_windows(NOW)
    lost = [
        dm
        for dm in summary["stories"]["vip_dms"]
        if win.outage_start <= dm["created_at"] < win.outage_end
    ]
    assert len(lost) == 3
    ids = {
        db.conn.execute(
            "SELECT id FROM interactions WHERE external_id = ?", (dm["external_id"],)
        ).fetchone()[0]
        for dm in lost
    }
    for item_id in ids:
        r = cli("--db", path, "why", item_id)
        assert r.code == 0 and "UNANSWERABLE" in r.out, r.out
        assert "window closed" in r.out
    first_page = triage_ids(db, InboxFilter(), Settings(), NOW, limit=50)
    assert not ids & set(first_page)
    listed = cli(
        "--db", path, "list", "--client", "Hotel Aurelia Roma", "--limit", "0", "--json"
    ).json()
    closed = [row for row in listed if row.get("unanswerable")]
    assert ids <= {row["id"] for row in closed}


# -- the X account blocked for five days -----------------------------------------------------


def test_the_blocked_x_accounts_mentions_are_in_the_startups_backlog_and_the_gap_is_open(
    cli, demo, db
):
    path, summary = demo
    story = summary["stories"]["x_blocked"]
    gaps = cli("--db", path, "gaps", "--client", "Nuvola Labs", "--json").json()
    (blocked,) = [g for g in gaps if g["account"] == "x:@nuvolalabs"]
    assert blocked["kind"] == "blocked" and blocked["open"] is True
    assert blocked["ended_at"] is None
    assert abs(when.parse_iso(blocked["started_at"]) - story["start"]) <= 15 * 60
    human = cli("--db", path, "gaps", "--client", "Nuvola Labs").out
    assert any("blocked" in line and "5 days, still open" in line for line in human.splitlines())

    x_waiting = db.conn.execute(
        "SELECT count(*), sum(kind = 'mention') FROM interactions WHERE account_id = ?"
        f" AND status IN {NOT_DONE}",
        (story["account_id"],),
    ).fetchone()
    backlog = {c["client"]: c for c in cli("--db", path, "backlog", "--json").json()}
    startup = backlog["Nuvola Labs"]
    # The gap is still open, so everything the account has not handled is backlog.
    assert startup["by_channel"]["x"] == x_waiting[0]
    assert startup["by_kind"]["mention"] >= x_waiting[1] > 0
    assert startup["open_gaps"] == 1
    luca = db.conn.execute(
        "SELECT id FROM interactions WHERE author_handle = '@lucamoretti'"
        " AND text LIKE '%broken since the update%'"
    ).fetchone()[0]
    listed = cli(
        "--db",
        path,
        "list",
        "--backlog",
        "--client",
        "Nuvola Labs",
        "--channel",
        "x",
        "--limit",
        "0",
        "--json",
    ).json()
    assert luca in {row["id"] for row in listed}
    assert (
        len(listed)
        == db.conn.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ? AND status IN ('new', 'open')",
            (story["account_id"],),
        ).fetchone()[0]
    )


# -- the two sick days -----------------------------------------------------------------------


def test_the_sick_periods_items_count_for_the_right_clients(cli, demo, db):
    path, _summary = demo
    win = story_windows(NOW)
    client_of = _client_of(db)
    during = db.conn.execute(
        "SELECT id, account_id FROM interactions WHERE created_at >= ? AND created_at < ?"
        f" AND status IN {NOT_DONE}",
        (win.sick_start, win.sick_end),
    ).fetchall()
    assert during, "the demo leaves some of the sick days' items waiting"
    gaps = find_gaps(db, now=NOW)
    before = cutoffs(db, gaps, NOW)
    by_client: dict[str, set[int]] = {}
    for cid, name in db.conn.execute("SELECT id, name FROM clients"):
        by_client[name] = set(
            triage_ids(
                db,
                InboxFilter(statuses=NOT_DONE, client_ids=[cid]),
                Settings(),
                NOW,
                limit=None,
                before=before,
            )
        )
    for item_id, account_id in during:
        owner = client_of[account_id]
        assert item_id in by_client[owner]
        assert all(item_id not in ids for name, ids in by_client.items() if name != owner)
    federica = db.conn.execute(  # her booking for eight went unconfirmed while you were ill
        "SELECT id FROM interactions WHERE author_handle = 'federica.ricci.3'"
        " AND text LIKE 'Buonasera, avevo prenotato per 8 persone%'"
    ).fetchone()[0]
    assert federica in by_client["Trattoria Da Gino"]
    # The command's per-client counts are these same sets, counted from the index.
    backlog = {c["client"]: c for c in cli("--db", path, "backlog", "--json").json()}
    for name, ids in by_client.items():
        assert backlog[name]["count"] == len(ids), name
        assert sum(backlog[name]["by_kind"].values()) == len(ids)
        assert sum(backlog[name]["by_channel"].values()) == len(ids)


def test_backlog_counts_agree_with_the_definition_row_by_row(demo, db):
    """Every not-done item that arrived during a gap, or before one and still waiting."""
    gaps = find_gaps(db, now=NOW)
    settings = Settings()
    targets = {c.id: c.effective_target_s for c in db.clients.all()}
    expected: dict[int, dict] = {}
    for aid, cid, channel, kind, created in db.conn.execute(
        "SELECT i.account_id, a.client_id, a.channel, i.kind, i.created_at FROM interactions i"
        f" JOIN accounts a ON a.id = i.account_id WHERE i.status IN {NOT_DONE}"
    ):
        touching = [g for g in gaps if g.touches(aid)]
        if not any(created < g.end_or(NOW) for g in touching):
            continue
        e = expected.setdefault(cid, {"count": 0, "past": 0, "lost": 0, "oldest": created})
        e["count"] += 1
        e["past"] += created + targets[cid] <= NOW
        window = settings.window_s(channel, kind)
        e["lost"] += window is not None and created + window <= NOW
        e["oldest"] = min(e["oldest"], created)
    for entry in summarize(db, settings, now=NOW, gaps=gaps):
        e = expected[entry.client_id]
        assert (entry.count, entry.past_target, entry.unanswerable, entry.oldest_at) == (
            e["count"],
            e["past"],
            e["lost"],
            e["oldest"],
        ), entry.client
    hotel = next(s for s in summarize(db, settings, now=NOW) if s.tier == "vip")
    assert hotel.unanswerable >= 3  # the outage's private messages, past their 24 hours


def test_backlog_for_people_fits_80_columns_and_names_every_client(cli, demo):
    r = cli("--db", demo[0], "backlog")
    assert r.code == 0, r.err
    assert all(len(line) <= 80 for line in r.out.splitlines())
    for name in ("Hotel Aurelia Roma", "Nuvola Labs", "Trattoria Da Gino", "Amici del Tevere"):
        assert name in r.out
    assert "1 still open" in r.out and "can no longer be answered" in r.out
    one = cli("--db", demo[0], "backlog", "--client", "Nuvola Labs", "--json").json()
    assert [c["client"] for c in one] == ["Nuvola Labs"]


def test_no_gaps_means_no_backlog(cli, store):
    store.clients.add("Quiet", "low", now=NOW)
    r = cli("backlog")
    assert r.code == 0 and "No backlog" in r.out
    assert cli("backlog", "--json").json()[0]["count"] == 0
