"""What is PostgreSQL's own: its query plans, its change notices, its connection errors and
the one line a missing driver gives. The behaviour both engines share is tested on both by
the modules marked ``engines``."""

from __future__ import annotations

import json
import select
import subprocess
import sys

import pytest
from conftest import NOW
from test_store import _fill

from sfogo.inbox.errors import SfogoError, StoreError
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.store.triage import _MISSING_SQL, STREAM_SQL, stream_sql

pytestmark = pytest.mark.engines


@pytest.fixture
def pg_store(pg_server, pg_copies):
    name = pg_copies.take()
    with Store(pg_server.url(name)) as store:
        yield store
    pg_copies.drop(name)


def _plan(store: Store, sql: str, params) -> str:
    """PostgreSQL's plan for ``sql`` as JSON text (node types and index names)."""
    from sfogo.inbox.store.pg.connection import translate

    query, _ = translate("EXPLAIN (FORMAT JSON) " + sql, False)
    [[plan]] = store.conn.raw.execute(query, params).fetchall()
    return json.dumps(plan)


def _statements(store: Store, run) -> list[tuple[str, tuple]]:
    """The statements ``run`` sends through the store's connection, with their values."""
    sent: list[tuple[str, tuple]] = []
    conn = store.conn
    original = type(conn).execute

    def traced(self, sql, params=()):
        sent.append((sql, params))
        return original(self, sql, params)

    type(conn).execute = traced  # type: ignore[method-assign]
    try:
        run()
    finally:
        type(conn).execute = original  # type: ignore[method-assign]
    return sent


def _round_trips(store: Store, run) -> int:
    """How many times ``run`` waits for the server: a statement sent outside together()
    once, the first one sent inside it once (the pipeline it opens), an answer sent ahead
    and served none."""
    conn = store.conn
    cls = type(conn)
    original = cls._send
    trips = 0

    def send(self, sql, params):
        nonlocal trips
        trips += self._pending is not None or not self._inside
        return original(self, sql, params)

    cls._send = send  # type: ignore[method-assign]
    try:
        run()
    finally:
        cls._send = original  # type: ignore[method-assign]
    return trips


@pytest.mark.parametrize(
    "statuses, index",
    [
        (("new", "open"), "interactions_open_created"),  # the default inbox
        (("new", "open", "snoozed", "done", "ignored"), "interactions_created"),
        # Most items are done: reading the newest along either index is as good.
        (("done",), ("interactions_status_created", "interactions_created")),
    ],
)
def test_listing_pages_are_read_along_an_index_without_a_sort(pg_store, statuses, index):
    _fill(pg_store, 20_000)
    flt = InboxFilter(statuses=statuses)
    [(sql, params)] = [
        s
        for s in _statements(pg_store, lambda: pg_store.items.page(flt, limit=50))
        if "FROM interactions i" in s[0] and "ORDER BY" in s[0]
    ]
    plan = _plan(pg_store, sql, params)
    assert '"Sort"' not in plan, plan
    names = (index,) if isinstance(index, str) else index
    assert any(f'"Index Name": "{name}"' in plan for name in names), plan
    assert len(pg_store.items.page(flt, limit=50)) == 50


def test_the_triage_stream_and_search_use_their_indexes(pg_store):
    _fill(pg_store, 20_000)
    pg_store.triage.fill_missing()
    key = pg_store.triage.open_keys()[0]
    assert STREAM_SQL.format(status="") == stream_sql()
    plan = _plan(pg_store, stream_sql(), (key, 0, NOW, 0, 0, 100))
    # A key's few hundred open items: found by the index (then sorted, or read in order).
    assert '"Index Name": "interactions_triage"' in plan, plan
    # Open items without a key: none here, and the planner must know it without a scan.
    missing = _plan(pg_store, _MISSING_SQL, ())
    assert '"Index Name": "interactions_unkeyed"' in missing, missing
    flt = InboxFilter(statuses=(), search="text 1999")
    [(sql, params)] = [
        s
        for s in _statements(pg_store, lambda: pg_store.items.ids(flt))
        if "FROM interactions i" in s[0]
    ]
    assert '"Index Name": "interactions_search"' in _plan(pg_store, sql, params)
    assert len(pg_store.items.ids(flt)) == 11  # 1999, 19990 … 19999


def test_another_sessions_write_is_heard_and_ours_is_not(pg_store):
    account = pg_store.accounts.add(
        pg_store.clients.add("Hotel", "vip", now=NOW).name, "x", "@h", now=NOW
    )
    seen = pg_store.data_version()
    pg_store.items.upsert([Interaction(account.id, "1", "mention", NOW, text="a")], now=NOW)
    assert pg_store.data_version() == seen  # our own write: the app already knows
    with Store(pg_store.url) as other:
        other.items.upsert([Interaction(account.id, "2", "mention", NOW, text="b")], now=NOW)
    # The notice travels on its own: wait until it reaches our connection.
    ready, _, _ = select.select([pg_store.conn.raw.fileno()], [], [], 10)
    assert ready, "no change notice within 10 s"
    assert pg_store.data_version() > seen


def test_a_server_that_does_not_answer_is_one_line_without_the_password(pg_server):
    url = f"postgresql://sfogo:s3cr3t-pw@127.0.0.1:{pg_server.port + 1}/nothing"
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot open the PostgreSQL inbox postgresql://sfogo:***@127.0.0.1" in message
    assert "s3cr3t-pw" not in message


def test_a_database_of_another_program_is_refused_and_left_alone(pg_server):
    name = pg_server.new_database()
    pg_server.admin("CREATE TABLE photos (id int)", name)
    with pytest.raises(StoreError, match="holds tables that are not sfogo's"):
        Store(pg_server.url(name))
    out = pg_server.psql(
        name,
        "sfogo_admin",
        "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'",
    )
    assert out.stdout.strip() == "photos"


def test_without_psycopg_a_postgresql_inbox_says_how_to_install_it(tmp_path):
    # A child process where psycopg cannot be imported, as on a machine without the extra.
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from sfogo.tui.cli import main\n"
        "sys.exit(main(['--db', 'postgresql://me@127.0.0.1/inbox', 'list']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "sfogo: a PostgreSQL inbox needs psycopg: pip install 'sfogo[postgres]'"
    ]


def test_the_demo_fills_an_empty_database_and_never_one_that_holds_data(cli, pg_server):
    url = pg_server.url(pg_server.new_database("demo"))
    r = cli("demo", "--db", url, "--no-tui", "--size", "400")
    assert r.code == 0, r.err
    assert f"Inbox:     {url}" in r.out
    assert cli("--db", url, "stats", "--json").json()["total"] == 400
    again = cli("demo", "--db", url, "--no-tui", "--size", "400")
    assert again.code == 1
    assert again.err.strip().endswith("already holds data: build the demo into a new inbox")


def test_canned_replies_take_new_ids_and_names_are_one_whatever_their_case(pg_store):
    first = pg_store.canned.add("Grazie", "Grazie mille!", now=NOW)
    assert pg_store.canned.add("ciao", "Ciao!", now=NOW) == first + 1
    with pytest.raises(SfogoError, match="already exists"):
        pg_store.canned.add("GRAZIE", "again", now=NOW)
    assert [r["name"] for r in pg_store.canned.all()] == ["ciao", "Grazie"]
    assert pg_store.canned.remove("grazie")["text"] == "Grazie mille!"


def test_a_triage_page_reads_its_streams_by_the_index_in_few_round_trips(pg_store):
    from sfogo.backlog.settings import Settings
    from sfogo.backlog.triage import triage_rows
    from sfogo.inbox.store.pg import triage as pg_triage
    from sfogo.inbox.store.pg.triage import _STREAMS_BOTH

    _fill(pg_store, 20_000)
    pg_store.triage.fill_missing()
    keys = pg_store.triage.open_keys()[:3]
    requests = [
        list(r) for r in zip(*[(k, 0, NOW, -1, -1, 16, NOW, 1, 0) for k in keys], strict=True)
    ]
    plan = _plan(pg_store, _STREAMS_BOTH, requests)
    assert '"Index Name": "interactions_triage"' in plan, plan
    assert '"Node Type": "Sort"' not in plan, plan

    # A first page waits for the server once for the overview (the database's identity, the
    # accounts and away periods sent with it), once per stream read, and once for the rows
    # with their tags, accounts and the targets. The same kind of page again, within the
    # minute, has its first read answered with the overview.
    def page(now=NOW):
        return triage_rows(pg_store, None, Settings(), now, limit=100)

    pg_triage._FIRST_READS.clear()
    sent = _statements(pg_store, page)
    reads = [sql for sql, _ in sent if sql == _STREAMS_BOTH]
    assert 1 <= len(reads) <= 4, len(reads)
    pg_triage._FIRST_READS.clear()
    first = page()
    pg_triage._FIRST_READS.clear()
    assert _round_trips(pg_store, page) == 2 + len(reads)
    assert _round_trips(pg_store, page) == 1 + len(reads)
    assert [r["id"] for r in page()] == [r["id"] for r in first]
    pg_triage._FIRST_READS.clear()
    later = page(NOW + 20)  # read alone
    assert _round_trips(pg_store, lambda: page(NOW + 20)) == 1 + len(reads)
    assert page(NOW + 20) == later


def test_finding_gaps_takes_three_round_trips_however_many_accounts(pg_store):
    """Every list the app reads finds the gaps first: the away periods and the accounts in
    one round trip, every account's failed runs in one, then one per gap an account has
    before its last (each asks when the next success came, all accounts at once)."""
    from sfogo.backlog.gaps import find_gaps

    pg_store.clients.add("Bar", "normal", now=NOW)
    for n in range(12):
        account = pg_store.accounts.add("Bar", "mastodon", f"@bar{n}", now=NOW).id
        pg_store.runs.add(account, NOW - 900, NOW - 900, "down", "503")
        pg_store.runs.add(account, NOW - 600, NOW - 600, "ok")
    pg_store.away.add(NOW - 7200, NOW - 3600, "sick")
    gaps = find_gaps(pg_store, now=NOW)
    assert sorted((g.source, g.started_at, g.ended_at) for g in gaps) == [
        ("away", NOW - 7200, NOW - 3600),
        *[("sync", NOW - 900, NOW - 600)] * 12,
    ]
    assert _round_trips(pg_store, lambda: find_gaps(pg_store, now=NOW)) == 3


def test_every_accounts_health_takes_the_same_few_round_trips_however_many(pg_store):
    from sfogo.inbox.health import account_health

    pg_store.clients.add("Bar", "normal", now=NOW)
    for n in range(12):
        account = pg_store.accounts.add("Bar", "mastodon", f"@bar{n}", now=NOW)
        pg_store.runs.add(account.id, NOW - 120, NOW - 120, "ok")
        pg_store.runs.add(account.id, NOW - 60, NOW - 60, "down", "503")
    assert [h.failures for h in account_health(pg_store, now=NOW)] == [1] * 12
    # The accounts, the outbox's counts, the token checks, then two steps of run facts.
    assert _round_trips(pg_store, lambda: account_health(pg_store, now=NOW)) <= 5


def test_an_items_pane_reads_its_extras_in_two_round_trips_with_the_lists_gaps(pg_store):
    """The pane's reads (the item's replies, its account, its thread, the thread's tags) in
    two round trips, and the gap it arrived in taken from the gaps the list was read with:
    the same extras as reading every gap again (which took ten round trips a cursor move)."""
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.settings import Settings
    from sfogo.tui.screens._detail import load_extras

    pg_store.clients.add("Acme", "normal", now=NOW)
    account = pg_store.accounts.add("Acme", "mastodon", "@acme", now=NOW).id
    pg_store.runs.add(account, NOW - 7200, NOW - 7200 + 5, "down", "503")
    pg_store.runs.add(account, NOW - 600, NOW - 600 + 5, "ok")
    pg_store.items.upsert(
        [
            Interaction(account, "root", "mention", NOW - 9000, text="hello"),
            Interaction(account, "r1", "reply", NOW - 3600, text="any news?", thread_ref="root"),
            Interaction(account, "other", "mention", NOW - 60),
        ],
        now=NOW,
    )
    by_ext = {r["external_id"]: r for r in pg_store.items.iter_rows(InboxFilter(statuses=()))}
    row = by_ext["r1"]
    pg_store.marks.add_tags([by_ext["root"]["id"]], ["vip"])
    pg_store.outbox.add(row["id"], "soon!", idempotency_key="k1", now=NOW)
    gaps = find_gaps(pg_store, now=NOW)
    settings = Settings()

    def extras(known=None):
        return load_extras(pg_store, row, settings, NOW, known)

    assert _round_trips(pg_store, lambda: extras(gaps)) == 2
    got, alone = extras(gaps), extras()
    assert [(t["external_id"], t["tags"]) for t in got.thread] == [("root", ["vip"]), ("r1", [])]
    assert [r["text"] for r in got.replies] == ["soon!"] and not got.account_removed
    assert got.gap is not None and got.gap.started_at == NOW - 7200
    assert (got.thread, got.replies, got.gap, got.breakdown) == (
        alone.thread,
        alone.replies,
        alone.gap,
        alone.breakdown,
    )


def test_a_page_of_the_lists_rows_with_their_marks_takes_one_round_trip(pg_store):
    from sfogo.inbox.model import OutboxAction
    from sfogo.tui.screens._inbox_load import list_rows

    _fill(pg_store, 300)
    ids = pg_store.items.ids(InboxFilter(statuses=()))[:60]
    anna = pg_store.team.add("Anna", now=NOW)
    bruno = pg_store.team.add("Bruno", now=NOW)
    pg_store.team.assign(ids[1:3], anna, now=NOW)
    pg_store.team.claim(ids[2], bruno, now=NOW)
    pg_store.drafts.save(ids[3], "half a reply", now=NOW)
    pg_store.outbox.add(ids[4], "thanks", idempotency_key="k1", now=NOW)
    pg_store.outbox.add(ids[5], "", idempotency_key="k2", now=NOW, action=OutboxAction.LIKE)

    def page():
        return list_rows(pg_store, [*ids, 10**9], now=NOW, me=anna)

    assert _round_trips(pg_store, page) == 1
    rows = page()
    assert sorted(rows) == sorted(ids)  # the unknown id is left out
    marks = {
        n: (
            rows[i]["owner"],
            rows[i]["replying"],
            rows[i]["draft"],
            rows[i]["reply"],
            rows[i]["liked"],
        )
        for n, i in enumerate(ids[:7])
    }
    assert marks == {
        0: ("", "", False, "", ""),
        1: ("Anna", "", False, "", ""),
        2: ("Anna", "Bruno", False, "", ""),
        3: ("", "", True, "", ""),
        4: ("", "", False, "queued", ""),
        5: ("", "", False, "", "queued"),
        6: ("", "", False, "", ""),
    }


def test_an_answer_sent_ahead_goes_only_to_the_very_next_same_statement(pg_store):
    conn = pg_store.conn
    count = "SELECT count(*) FROM clients"
    with conn.together():
        conn.ahead(count)
    pg_store.clients.add("Later", "vip", now=NOW)  # another statement: the answer is dropped
    assert conn.execute(count).fetchone()[0] == 1
    with conn.together():
        conn.ahead(count)
    assert conn.execute(count).fetchone()[0] == 1  # served
    pg_store.clients.add("Later still", "low", now=NOW)
    assert conn.execute(count).fetchone()[0] == 2  # asked again, not served twice


def _keys_seen(store: Store) -> set[int]:
    return {k for (k,) in store.conn.raw.execute("SELECT key FROM triage_open_keys").fetchall()}


def _key_of(store: Store, item_id: int) -> int:
    return store.conn.execute(
        "SELECT triage_key FROM interactions WHERE id = ?", (item_id,)
    ).fetchone()[0]


def test_every_key_an_open_item_gets_is_among_the_keys_a_triage_page_reads(pg_store):
    from sfogo.backlog.settings import Settings
    from sfogo.backlog.triage import triage_rows
    from sfogo.inbox.triage_keys import PINNED_BIT

    store = pg_store
    _fill(store, 300)
    assert _keys_seen(store) == set(store.triage.open_keys())  # a bulk load's keys
    # A new item (a dm: there was no open dm) and a reopened one get their keys recorded.
    account = store.accounts.all()[0].id
    store.items.upsert(
        [Interaction(account, "new-dm", "dm", NOW - 30, text="Urgent: refund?")], now=NOW
    )
    store.marks.set_status([store.items.ids(InboxFilter(statuses=("done",)))[0]], "open", now=NOW)
    # A pin changes the key (the schema's trigger clears it, the store computes it again).
    pinned = store.items.ids(InboxFilter())[0]
    before = _key_of(store, pinned)
    store.marks.set_pinned([pinned], True)
    assert _key_of(store, pinned) == before | PINNED_BIT
    assert before | PINNED_BIT in _keys_seen(store)
    assert set(store.triage.open_keys()) <= _keys_seen(store)
    # Every item of a key handled: the key stays, its stream reads empty, the order holds.
    key = _key_of(store, store.items.ids(InboxFilter())[-1])
    gone = [i for i in store.items.ids(InboxFilter()) if _key_of(store, i) == key]
    order = [r["id"] for r in triage_rows(store, InboxFilter(), Settings(), NOW, limit=80)]
    store.marks.set_status(gone, "done", now=NOW)
    assert key in _keys_seen(store) and key not in store.triage.open_keys()
    page = [r["id"] for r in triage_rows(store, InboxFilter(), Settings(), NOW, limit=40)]
    assert page == [i for i in order if i not in gone][:40]


def test_kept_gap_answers_cover_their_spans_only_and_start_again_when_full(monkeypatch):
    from sfogo.inbox.store.pg import probes

    kept = probes.Answers()
    kept.keep(7, 100, 150, True)  # run at 100 failed; an item at 150 asked
    kept.keep(7, 100, 180, True)  # the same run, a later item: the longer span stays
    kept.keep(7, 0, 40, False)  # no run before 40
    kept.keep(8, 200, 260, False)
    assert [kept.failing(7, t) for t in (0, 40, 41, 99, 100, 180, 181)] == [
        False,
        False,
        None,
        None,
        True,
        True,
        None,
    ]
    assert kept.failing(8, 230) is False and kept.failing(9, 230) is None
    kept.widen(7 * 64, 120, 150)
    kept.widen(7 * 64, 100, 130)
    assert kept.stretch[7 * 64] == (100, 150)
    monkeypatch.setattr(probes, "MAX_SPANS", kept.count)
    kept.keep(8, 300, 310, True)  # full: what was kept goes, then this one is kept
    assert kept.failing(7, 150) is None and kept.stretch == {} and kept.failing(8, 305)
