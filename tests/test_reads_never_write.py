"""Reading never writes: a worker's queries leave the file as they found it, so the app's own
connection sees no change (``PRAGMA data_version``) and does not reload after its reads."""

from __future__ import annotations

from conftest import NOW

from sfogo.backlog.gaps import find_gaps, open_away
from sfogo.backlog.measure import backlog_filter, summarize
from sfogo.backlog.plan import make_plan
from sfogo.backlog.report import build_report
from sfogo.backlog.settings import Settings, from_dict, load
from sfogo.backlog.triage import explain, rank_all, triage_ids, triage_rows
from sfogo.inbox.health import account_health
from sfogo.inbox.outbox import list_replies
from sfogo.inbox.store import InboxFilter, Store

DAY = 86400


def read_everything(store: Store) -> None:
    """What the app's workers and the read-only commands ask of a file."""
    settings = load(None, store=store)
    flt = InboxFilter()
    rows = store.items.page(flt, limit=50)
    store.items.by_ids([r["id"] for r in rows])
    store.items.thread(rows[0])
    list(store.items.iter_ids(InboxFilter(search="rimborso")))
    list(store.items.iter_rows(InboxFilter(statuses=("done",)), limit=300))
    store.items.count(flt), store.items.status_counts(), store.items.stats()
    store.items.search_exceeds("grazie", 10)
    store.clients.all(), store.accounts.all(), store.accounts.owners()
    store.runs.last_per_account(), store.outbox.replies(), list_replies(store, since=NOW - DAY)
    gaps = find_gaps(store, now=NOW)
    open_away(store)
    triage_rows(store, flt, settings, NOW, limit=100)
    triage_ids(
        store,
        InboxFilter(statuses=("new", "open", "snoozed")),
        settings,
        NOW,
        limit=200,
        offset=100,
    )
    # Keyword lists other than the file's: scored in memory, the keys stay as they are.
    triage_ids(store, flt, from_dict({"keywords": {"urgent": ["bucata"]}}), NOW, limit=20)
    rank_all(store, settings, NOW, gaps)
    explain(rows[0], settings, NOW)
    summarize(store, settings, now=NOW, gaps=gaps)
    store.items.page(backlog_filter(store, now=NOW, gaps=gaps), limit=20)
    make_plan(store, now=NOW, settings=settings, gaps=gaps)
    build_report(
        store,
        store.clients.all()[0].id,
        since=NOW - 14 * DAY,
        until=NOW,
        now=NOW,
        settings=settings,
    )
    account_health(store, now=NOW)
    store.reports.oldest_waiting(store.accounts.ids(), NOW - 14 * DAY, NOW, 10)


def test_a_worker_reading_everything_leaves_data_version_unchanged(demo_db):
    ui = Store(demo_db)  # the app's long-lived connection, polling for changes
    try:
        before = ui.data_version()
        worker = Store(demo_db)  # a worker's own connection, opened, read and closed
        try:
            read_everything(worker)
            # Items an older sfogo wrote without a key are scored, never keyed, by reads.
            assert worker.triage.missing() is False
        finally:
            worker.close()
        assert ui.data_version() == before
        # The test can fail: a write by another connection does change it.
        other = Store(demo_db)
        other.marks.mark_seen(other.items.ids(InboxFilter(statuses=("new",)), limit=1)[0])
        other.close()
        assert ui.data_version() != before
    finally:
        ui.close()


def test_unkeyed_items_are_read_without_writing_their_keys(demo_db):
    writer = Store(demo_db)
    account = writer.accounts.all()[0]
    with writer.transaction() as conn:  # as an older sfogo left them: no triage key
        conn.execute(
            "INSERT INTO interactions (account_id, external_id, kind, text,"
            " created_at, fetched_at) VALUES (?, 'old-1', 'dm', 'urgente?', ?, ?)",
            (account.id, NOW - 60, NOW),
        )
    writer.close()
    ui = Store(demo_db)
    try:
        before = ui.data_version()
        worker = Store(demo_db)
        try:
            assert worker.triage.missing()
            assert triage_ids(worker, InboxFilter(), Settings(), NOW, limit=3000)
            read_everything(worker)
            assert worker.triage.missing()  # still unkeyed: reading did not key it
        finally:
            worker.close()
        assert ui.data_version() == before
    finally:
        ui.close()
