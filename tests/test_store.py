"""The store: one SQLite file, migrated forward, searchable, fast on the hot listings."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import NOW

from sfogo.inbox import maintenance
from sfogo.inbox.errors import NotFound, SfogoError, StoreError
from sfogo.inbox.model import STATUSES, Interaction
from sfogo.inbox.schema import MIGRATIONS, SCHEMA_VERSION
from sfogo.inbox.store import INSERT_COLUMNS, InboxFilter, Store

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines


def _item(account_id: int, ext: str, created_at: int, text: str = "", **kw) -> Interaction:
    return Interaction(
        account_id=account_id,
        external_id=ext,
        kind=kw.pop("kind", "mention"),
        created_at=created_at,
        text=text,
        **kw,
    )


@pytest.fixture
def account(store):
    store.clients.add("Hotel Roma", "vip", now=NOW)
    return store.accounts.add("Hotel Roma", "mastodon", "@hotelroma", now=NOW)


def _search(store: Store, words: str) -> list[int]:
    return store.items.ids(InboxFilter(statuses=(), search=words))


def _fts_blocks(store: Store):
    """The full-text index's stored segments: they change whenever the index is written."""
    return store.conn.execute(
        "SELECT count(*), group_concat(hex(block)) FROM interactions_fts_data"
    ).fetchone()


# -- opening, modes, versions ----------------------------------------------------------------


def test_a_new_file_is_in_wal_mode_with_a_busy_timeout(db_path):
    with Store(db_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert store.schema_version() == SCHEMA_VERSION
    # WAL is a property of the file: another connection finds it too.
    other = sqlite3.connect(db_path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_a_reader_is_not_blocked_by_a_writer_in_progress(any_location, account):
    writer = Store(any_location)
    reader = Store(any_location)
    try:
        with writer.transaction():
            writer.items.upsert([_item(account.id, "1", NOW, "ciao")], now=NOW)
            # Mid-transaction, the reader sees the file as it was, at once.
            assert reader.items.count(InboxFilter(statuses=())) == 0
        assert reader.items.count(InboxFilter(statuses=())) == 1
    finally:
        writer.close()
        reader.close()


def test_a_version_1_file_is_migrated_forward_and_its_items_become_searchable(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO clients (id, name, tier, created_at) VALUES (1, 'Trattoria', 'low', ?)", (NOW,)
    )
    conn.execute(
        "INSERT INTO accounts (id, client_id, channel, handle, created_at)"
        " VALUES (1, 1, 'facebook', 'trattoria', ?)",
        (NOW,),
    )
    conn.execute(
        "INSERT INTO interactions (account_id, external_id, kind, text, created_at,"
        " fetched_at) VALUES (1, 'c1', 'comment', 'La carbonara era sublime', ?, ?)",
        (NOW, NOW),
    )
    conn.commit()
    conn.close()

    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        [item_id] = _search(store, "carbonara")
        row = store.items.get(item_id)
        assert (row["client"], row["channel"], row["external_id"]) == (
            "Trattoria",
            "facebook",
            "c1",
        )
        # Tables of later versions exist and work.
        store.marks.add_tags([item_id], ["food"])
        assert store.items.get(item_id)["tags"] == ["food"]


def test_a_version_5_outbox_is_migrated_to_replies_that_finish(tmp_path):
    from sfogo.inbox import schema

    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, 5)
    conn.execute(
        "INSERT INTO clients (id, name, tier, created_at) VALUES (1, 'Trattoria', 'low', ?)", (NOW,)
    )
    conn.execute(
        "INSERT INTO accounts (id, client_id, channel, handle, created_at)"
        " VALUES (1, 1, 'mastodon', '@trattoria', ?)",
        (NOW,),
    )
    conn.execute(
        "INSERT INTO interactions (id, account_id, external_id, kind, text, created_at,"
        " fetched_at) VALUES (1, 1, 's1', 'mention', 'Siete aperti?', ?, ?)",
        (NOW, NOW),
    )
    states = ("queued", "sending", "sent", "held", "failed", "dropped")
    for n, state in enumerate(states, 1):
        conn.execute(
            "INSERT INTO replies (id, interaction_id, text, state, reason, created_at,"
            " updated_at, attempts, idempotency_key) VALUES (?, 1, ?, ?, 'why', ?, ?, 1, ?)",
            (n, f"reply {n}", state, NOW, NOW, f"key{n}"),
        )
    conn.close()

    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        replies = store.outbox.for_item(1)
        assert [(r["id"], r["state"], r["text"], r["reason"]) for r in replies] == [
            (n, state, f"reply {n}", "why") for n, state in enumerate(states, 1)
        ]
        assert {(r["link"], r["lookups"], r["attempted_at"]) for r in replies} == {("", 0, None)}
        assert store.outbox.set_state(2, "unknown", "cannot tell", now=NOW)
        assert store.outbox.get(2)["state"] == "unknown"
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            store.outbox.set_state(2, "lost", "", now=NOW)
        assert store.outbox.waiting_for([1]) == {1: "unknown"}
        indexes = {r[1] for r in store.conn.execute("PRAGMA index_list(replies)")}
        assert {"replies_state_created", "replies_interaction"} <= indexes
        assert store.conn.execute("PRAGMA foreign_key_list(replies)").fetchall()


def test_a_file_from_a_newer_sfogo_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE whatever (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer sfogo"):
        Store(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("shopping list: eggs, milk\n" * 200)
    with pytest.raises(StoreError, match="not an SQLite data file"):
        Store(path)
    assert path.read_text().startswith("shopping list")


def test_an_sqlite_file_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="not an sfogo one"):
        Store(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["photos"]
    conn.close()


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)


# -- full-text search ------------------------------------------------------------------------


def test_search_follows_inserts_text_edits_and_deletes(store, account):
    store.items.upsert(
        [
            _item(account.id, "1", NOW - 60, "Vorrei un rimborso", author_name="Giulia Bianchi"),
            _item(account.id, "2", NOW, "Great stay, thanks!", author_handle="@traveller"),
        ],
        now=NOW,
    )
    first, second = store.items.ids(InboxFilter(statuses=()))[::-1]
    assert _search(store, "rimborso") == [first]
    assert _search(store, "rimb") == [first]  # the last word matches as a prefix
    assert _search(store, "giulia") == [first]  # author name
    assert _search(store, "traveller") == [second]  # handle

    # The platform reports an edit: the index follows the new text.
    store.items.upsert([_item(account.id, "2", NOW, "Terrible stay")], now=NOW)
    assert _search(store, "great") == []
    assert _search(store, "terrible") == [second]

    with store.transaction() as conn:
        conn.execute("DELETE FROM interactions WHERE id = ?", (first,))
    assert _search(store, "rimborso") == []
    # The engine's own check of the index against the rows (FTS5's integrity-check, or
    # every row's words against the GIN-indexed column).
    [search_index] = [c for c in maintenance.check(store) if c.name == "search index"]
    assert search_index.ok, search_index.problems


def test_search_input_is_never_fts_syntax(store, account):
    store.items.upsert([_item(account.id, "1", NOW, 'he said "hi" AND left (NEAR)')], now=NOW)
    for hostile in ['"', "AND", "NEAR(", 'hi" OR "x', "*", "-left", "col:hi"]:
        _search(store, hostile)  # must not raise an FTS syntax error
    assert len(_search(store, 'said "hi')) == 1


@pytest.mark.sqlite_only(reason="FTS5's segments; PostgreSQL rewrites a row on any update")
def test_a_status_change_does_not_rewrite_the_search_index(store, account):
    store.items.upsert([_item(account.id, "1", NOW, "hello world")], now=NOW)
    [item_id] = store.items.ids()
    before = _fts_blocks(store)
    store.marks.set_status([item_id], "done", now=NOW)
    store.marks.set_status([item_id], "snoozed", until=NOW + 3600, now=NOW)
    store.marks.set_pinned([item_id], True)
    assert _fts_blocks(store) == before
    # …whereas a text change does (so the comparison above can fail).
    store.items.upsert([_item(account.id, "1", NOW, "hello moon")], now=NOW)
    assert _fts_blocks(store) != before


# -- writing ---------------------------------------------------------------------------------


def test_upsert_keeps_the_managers_state_and_counts_only_new_items(store, account):
    assert store.items.upsert([_item(account.id, "1", NOW - 600, "first")], now=NOW) == 1
    [item_id] = store.items.ids()
    store.marks.set_status([item_id], "done", now=NOW - 60)
    store.marks.set_pinned([item_id], True)
    store.marks.add_tags([item_id], ["vip-guest"])

    added = store.items.upsert(
        [
            _item(account.id, "1", NOW - 600, "first, edited", status="new"),
            _item(account.id, "2", NOW, "second"),
        ],
        now=NOW,
    )
    assert added == 1
    row = store.items.get(item_id)
    assert row["text"] == "first, edited"
    assert (row["status"], row["handled_at"], row["pinned"], row["tags"]) == (
        "done",
        NOW - 60,
        True,
        ["vip-guest"],
    )


def test_done_stamps_the_handled_time_once_and_reopen_clears_it(store, account):
    store.items.upsert([_item(account.id, "1", NOW - 600)], now=NOW)
    [item_id] = store.items.ids()
    store.marks.set_status([item_id], "done", now=NOW - 100)
    store.marks.set_status([item_id], "ignored", now=NOW)  # still the first time it was handled
    assert store.items.get(item_id)["handled_at"] == NOW - 100
    store.marks.set_status([item_id], "open", now=NOW)
    row = store.items.get(item_id)
    assert (row["status"], row["handled_at"]) == ("open", None)


def test_unknown_ids_and_values_are_refused_before_anything_changes(store, account):
    store.items.upsert([_item(account.id, "1", NOW)], now=NOW)
    [item_id] = store.items.ids()
    with pytest.raises(NotFound, match="no item with id 999"):
        store.marks.set_status([item_id, 999], "done", now=NOW)
    assert store.items.get(item_id)["status"] == "new"
    with pytest.raises(SfogoError, match="unknown status"):
        store.marks.set_status([item_id], "archived", now=NOW)
    with pytest.raises(SfogoError, match="past"):
        store.marks.set_status([item_id], "snoozed", until=NOW - 1, now=NOW)
    with pytest.raises(SfogoError, match="unknown tier"):
        store.clients.add("Bad", "platinum", now=NOW)
    with pytest.raises(SfogoError, match="unknown channel"):
        store.accounts.add("Hotel Roma", "myspace", "@x", now=NOW)
    with pytest.raises(NotFound):
        store.accounts.add("Nobody", "x", "@x", now=NOW)


def test_snoozed_items_wake_when_their_time_comes(store, account):
    store.items.upsert([_item(account.id, "1", NOW - 600), _item(account.id, "2", NOW)], now=NOW)
    early, late = sorted(store.items.ids())
    store.marks.set_status([early], "snoozed", until=NOW + 3600, now=NOW)
    store.marks.set_status([late], "snoozed", until=NOW + 7200, now=NOW)
    assert store.items.ids() == []  # snoozed items leave the default inbox

    assert store.marks.wake_snoozed(now=NOW + 3599) == 0
    assert store.marks.wake_snoozed(now=NOW + 3600) == 1
    row = store.items.get(early)
    assert (row["status"], row["snoozed_until"]) == ("open", None)
    assert store.items.ids() == [early]
    assert store.items.get(late)["status"] == "snoozed"


def test_rows_and_threads_carry_their_tags(store, account):
    store.items.upsert(
        [
            _item(account.id, "root", NOW - 600, "question", tags=["booking"]),
            _item(
                account.id,
                "ans",
                NOW - 300,
                "answer",
                thread_ref="root",
                parent_ref="root",
                outgoing=True,
            ),
            _item(account.id, "other", NOW, "unrelated"),
        ],
        now=NOW,
    )
    rows = store.items.page(InboxFilter(statuses=()))
    assert [r["external_id"] for r in rows] == ["other", "ans", "root"]
    assert rows[2]["tags"] == ["booking"]
    thread = store.items.thread(rows[1])
    assert [(t["external_id"], t["tags"], t["outgoing"]) for t in thread] == [
        ("root", ["booking"], False),
        ("ans", [], True),
    ]
    streamed = list(store.items.iter_rows(InboxFilter(statuses=()), oldest_first=True, batch=2))
    assert [r["external_id"] for r in streamed] == ["root", "ans", "other"]
    assert streamed[0]["tags"] == ["booking"]


def test_rows_by_id_are_the_rows_a_page_shows_with_every_tag(store, account):
    store.clients.add("Other", "low", now=NOW)
    other = store.accounts.add("Other", "instagram", "@other", now=NOW)
    store.items.upsert(
        [
            _item(account.id, "a", NOW - 60, "one", tags=["zeta", "booking"]),
            _item(other.id, "b", NOW - 30, "two", tags=["refund"]),
            _item(other.id, "c", NOW, "three"),
        ],
        now=NOW,
    )
    page = {r["id"]: r for r in store.items.page(InboxFilter(statuses=()))}
    assert store.items.by_ids([*page, 10**9]) == page  # an unknown id is left out
    assert sorted(r["tags"] for r in page.values()) == [[], ["booking", "zeta"], ["refund"]]
    assert {r["client"] for r in page.values()} == {"Hotel Roma", "Other"}


def test_each_accounts_health_counts_its_failures_since_its_last_success(store):
    from sfogo.inbox.health import account_health

    store.clients.add("Bar", "normal", now=NOW)
    recovered, failing, never_ok, never = (
        store.accounts.add("Bar", channel, "@bar", now=NOW).id
        for channel in ("mastodon", "x", "bluesky", "instagram")
    )
    hour = 3600
    store.runs.add(recovered, NOW - 3 * hour, NOW - 3 * hour, "down", "503")
    store.runs.add(recovered, NOW - 2 * hour, NOW - 2 * hour, "ok", skipped={"no id": 2})
    store.runs.add(failing, NOW - 5 * hour, NOW - 5 * hour, "down", "503")
    store.runs.add(failing, NOW - 4 * hour, NOW - 4 * hour, "ok")
    store.runs.add(failing, NOW - 2 * hour, NOW - 2 * hour, "down", "503")
    store.runs.add(failing, NOW - hour, NOW - hour, "blocked", "403", skipped={"no time": 1})
    store.runs.add(never_ok, NOW - 2 * hour, NOW - 2 * hour, "down", "503")
    store.runs.add(never_ok, NOW - hour, NOW - hour, "down", "503")
    health = {h.account_id: h for h in account_health(store, now=NOW)}
    facts = [
        (h.state, h.failures, h.gap_since, h.skipped)
        for h in (health[a] for a in (recovered, failing, never_ok, never))
    ]
    assert facts == [
        ("ok", 0, None, 2),
        ("failing", 2, NOW - 2 * hour, 1),
        ("failing", 2, NOW - 2 * hour, 0),
        ("never synced", 0, None, 0),
    ]
    only = account_health(store, now=NOW, account_ids=[failing])
    assert [(h.account_id, h.failures) for h in only] == [(failing, 2)]


# -- query plans on a realistic file ---------------------------------------------------------


def _fill(store: Store, n: int) -> None:
    """``n`` items over 3 clients and 6 accounts, mostly handled, like a real inbox."""
    accounts = []
    for c, tier in enumerate(("vip", "normal", "low")):
        store.clients.add(f"Client {c}", tier, now=NOW)
        for channel in ("mastodon", "instagram"):
            accounts.append(store.accounts.add(f"Client {c}", channel, f"@c{c}", now=NOW).id)
    statuses = ("done",) * 7 + ("ignored", "new", "open")
    rows = [
        (
            accounts[i % len(accounts)],
            f"e{i}",
            "comment",
            "Ann",
            "@ann",
            f"text {i}",
            "",
            "",
            "",
            0,
            NOW - (n - i) * 60,
            NOW - (n - i) * 60,
            statuses[i % 10],
            None,
            NOW if statuses[i % 10] in ("done", "ignored") else None,
            0,
        )
        for i in range(n)
    ]
    assert len(rows[0]) == len(INSERT_COLUMNS)
    with store.items.bulk_load():
        store.items.insert_rows(rows)


def _plan_of(store: Store, run) -> list[str]:
    """The query plan of the one listing query that ``run`` sends (captured, not copied)."""
    sent: list[str] = []
    store.conn.set_trace_callback(sent.append)
    try:
        run()
    finally:
        store.conn.set_trace_callback(None)
    [sql] = [s for s in sent if "FROM interactions i" in s and "ORDER BY" in s]
    return [r[3] for r in store.conn.execute("EXPLAIN QUERY PLAN " + sql)]


@pytest.mark.sqlite_only(reason="SQLite's query plans (PostgreSQL's: test_pg_plans.py)")
@pytest.mark.parametrize(
    "statuses, index",
    [
        (("new", "open"), "interactions_open_created"),  # the default inbox
        (STATUSES, "interactions_created"),  # --status all
        (("done",), "interactions_status_created"),
    ],
)
def test_listing_pages_are_ordered_by_an_index(store, statuses, index):
    _fill(store, 20_000)
    flt = InboxFilter(statuses=statuses)
    for run in (
        lambda: store.items.page(flt, limit=50),
        lambda: list(store.items.iter_rows(flt, limit=50)),
        lambda: store.items.ids(flt, limit=50),
    ):
        plan = _plan_of(store, run)
        assert not any("TEMP B-TREE" in step for step in plan), plan
        assert any(f"INDEX {index}" in step for step in plan), plan
    assert len(store.items.page(flt, limit=50)) == 50


@pytest.mark.sqlite_only(reason="SQLite's query plans (PostgreSQL's: test_pg_plans.py)")
def test_plans_hold_after_plain_inserts_and_analyze(store, account):
    store.items.upsert(
        [
            _item(account.id, str(i), NOW - i * 60, status="done" if i % 4 else "new")
            for i in range(3000)
        ],
        now=NOW,
    )
    store.conn.execute("ANALYZE")
    plan = _plan_of(store, lambda: store.items.page(InboxFilter(), limit=50))
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert any("INDEX interactions_open_created" in step for step in plan), plan


def test_a_file_from_before_skip_counts_keeps_its_runs_and_counts_skips_from_then_on(tmp_path):
    from sfogo.inbox import schema

    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.migrate(conn, MIGRATIONS.index(schema.V_SYNC_RUN_SKIPS))
    conn.execute("INSERT INTO clients (id, name, tier, created_at) VALUES (1, 'Bar', 'low', 0)")
    conn.execute(
        "INSERT INTO accounts (id, client_id, channel, handle, created_at)"
        " VALUES (1, 1, 'x', 'bar', 0)"
    )
    conn.execute(
        "INSERT INTO sync_runs (account_id, started_at, ended_at, outcome, detail)"
        " VALUES (1, ?, ?, 'ok', 'nothing new')",
        (NOW - 60, NOW - 59),
    )
    conn.close()

    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.runs.last(1)["detail"] == "nothing new"
        assert store.runs.skips_since(1, 0) == {}
        run = store.runs.add(1, NOW, NOW, "ok", skipped={"no time": 3, "no id": 1})
        assert store.runs.skipped(run) == {"no time": 3, "no id": 1}
        assert store.runs.skips_since(1, NOW) == {"no time": 3, "no id": 1}
        assert store.runs.skips_since(1, NOW + 1) == {}
