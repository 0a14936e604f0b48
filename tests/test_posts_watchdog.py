"""The watchdog's rules on a real data file: what a queue and a timeline say about the posts
we expect, every transition kept in the history, nothing overwritten."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import NOW

from sfogo.inbox.channels.posting import Published, QueueEntry, Timeline
from sfogo.inbox.posts.match import normal, same_text
from sfogo.inbox.posts.watchdog import compare
from sfogo.inbox.schema import MIGRATIONS, V_POSTS
from sfogo.inbox.store import Store
from sfogo.inbox.store.posts import NewPost

HOUR = 3600


@pytest.fixture
def account(store):
    store.clients.add("Trattoria", "normal", now=NOW)
    return store.accounts.add("Trattoria", "facebook", "trattoria", now=NOW)


def _check(store, account, queue=None, timeline=None, *, now=NOW):
    """One watchdog pass, written as check.py writes it."""
    posts = store.posts.watched(account.id)
    known = store.posts.platform_ids(account.id) - {p["platform_id"] for p in posts}
    out = compare(
        posts, queue, timeline, now=now, known=known, where="Facebook", account_id=account.id
    )
    with store.transaction():
        store.posts.add(out.new, now=now)
        store.posts.apply(out.changes, now=now)
    return out


def _queued(store, account, at, text, pid="p1"):
    (post_id,) = store.posts.add(
        [NewPost(account.id, at, text, "queue", platform_id=pid, in_queue=True)], now=NOW - HOUR
    )
    return post_id


def test_a_moved_post_is_rescheduled_with_both_times_and_an_edit_keeps_the_old_text(store, account):
    post_id = _queued(store, account, NOW + 5 * HOUR, "Menu del giorno")
    _check(store, account, [QueueEntry("p1", NOW + 7 * HOUR, "Menu del giorno: carbonara")])
    post = store.posts.get(post_id)
    assert (post["state"], post["at"], post["text"]) == (
        "rescheduled",
        NOW + 7 * HOUR,
        "Menu del giorno: carbonara",
    )
    moved, edited = store.posts.history([post_id])[post_id][1:]
    assert (moved.state, moved.old_at, moved.new_at) == (
        "rescheduled",
        NOW + 5 * HOUR,
        NOW + 7 * HOUR,
    )
    assert edited.detail == "before: Menu del giorno" and edited.state == "rescheduled"


def test_a_planned_post_is_linked_to_the_queue_entry_with_its_text_and_time(store, account):
    (planned,) = store.posts.add(
        [
            NewPost(
                account.id, NOW + HOUR, "Stasera musica dal vivo https://gino.example/live", "plan"
            )
        ],
        now=NOW - HOUR,
    )
    entry = QueueEntry("555_1", NOW + HOUR + 120, "Stasera musica dal vivo  https://fb.me/x")
    out = _check(store, account, [entry, QueueEntry("555_2", NOW + 2 * HOUR, "Something else")])
    assert store.posts.get(planned)["platform_id"] == "555_1"
    assert [n.text for n in out.new] == ["Something else"]  # one new post, not two
    again = _check(store, account, [entry])  # seen again: nothing new, nothing changed
    assert again.new == [] and store.posts.count() == 2


def test_published_early_late_and_a_settled_id_never_comes_back(store, account):
    early = _queued(store, account, NOW - 2 * HOUR, "Brunch is served", "p1")
    late = _queued(store, account, NOW - 5 * HOUR, "Pranzo pronto", "p2")
    timeline = Timeline(
        [
            Published("p1", NOW - 3 * HOUR, "Brunch is served", queue_id="p1"),
            Published("s9", NOW - 2 * HOUR, "pranzo  PRONTO"),  # by text, 3 hours late
        ],
        NOW - 10 * HOUR,
    )
    _check(store, account, [], timeline)
    assert store.posts.get(early)["state"] == "published"
    assert store.posts.get(early)["reason"] == "published an hour early"
    late_post = store.posts.get(late)
    assert late_post["state"] == "late" and late_post["published_at"] - late_post["at"] == 3 * HOUR
    # A platform that lists a settled post's id again does not make it a new post.
    assert _check(store, account, [QueueEntry("p1", NOW + HOUR, "Brunch is served")]).new == []


def test_missed_only_on_a_timeline_read_back_to_its_time_and_stuck_says_so(store, account):
    stuck = _queued(store, account, NOW - HOUR, "Aperitivo", "p1")
    unread = Timeline([], NOW - 30 * 60)  # a page limit stopped the read after its time
    _check(store, account, [QueueEntry("p1", NOW - HOUR, "Aperitivo")], unread)
    assert store.posts.get(stuck)["state"] == "scheduled"
    _check(
        store, account, [QueueEntry("p1", NOW - HOUR, "Aperitivo")], Timeline([], NOW - 2 * HOUR)
    )
    post = store.posts.get(stuck)
    assert post["state"] == "missed" and post["reason"].startswith("still in Facebook's queue")


def test_history_rows_cannot_be_rewritten_by_the_store_api(store, account):
    post_id = _queued(store, account, NOW + HOUR, "x")
    _check(store, account, [])  # vanished
    before = store.posts.history([post_id])[post_id]
    _check(store, account, [QueueEntry("p1", NOW + HOUR, "x")])  # back again
    after = store.posts.history([post_id])[post_id]
    assert after[: len(before)] == before and [e.state for e in after] == [
        "scheduled",
        "vanished",
        "scheduled",
    ]
    assert after[-1].reason == "back in Facebook's queue"


def test_texts_match_as_platforms_echo_them():
    assert same_text(
        normal("Our menu &amp; wines https://a.example/1"), normal("our menu & WINES http://t.co/x")
    )
    assert same_text(normal("@gino Tonight"), normal("Tonight"))
    assert not same_text(normal("Short one"), normal("Short one, longer"))
    long = "Thursday night at Gino's: live guitar and carbonara from 20:00"
    assert same_text(normal(long), normal(long[:45]))  # a caption the platform cut


def test_a_file_of_the_previous_version_gains_the_posts_tables_and_keeps_its_data(tmp_path):
    path = tmp_path / "v5.db"
    conn = sqlite3.connect(path, isolation_level=None)
    # The file as it was before the posts tables (the later steps may be Python functions).
    for version, step in enumerate(MIGRATIONS[: MIGRATIONS.index(V_POSTS)], 1):
        conn.executescript(f"{step}\nPRAGMA user_version = {version};")
    conn.execute("INSERT INTO clients (name, created_at) VALUES ('Gino', 1)")
    conn.close()
    with Store(path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.clients.get("Gino").name == "Gino" and store.posts.count() == 0
        account = store.accounts.add("Gino", "mastodon", "@gino@example.social", now=NOW)
        store.posts.add([NewPost(account.id, NOW, "hello", "plan")], now=NOW)
        # A state the schema does not know is refused.
        with pytest.raises(sqlite3.IntegrityError), store.transaction() as conn:
            conn.execute("UPDATE posts SET state = 'lost' WHERE id = 1")


def test_the_posts_screens_days_and_the_sends_due_are_read_along_indexes(store, account):
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    store.posts.listing(since=NOW - 86400, until=NOW + 86400)
    store.posts.to_send(account.id, NOW)
    store.conn.set_trace_callback(None)
    days, due = (s for s in statements if s.lstrip().startswith("SELECT"))
    plans = [
        " ".join(row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in (days, due)
    ]
    assert "USING INDEX posts_at" in plans[0] and "TEMP B-TREE" not in plans[0]
    assert "USING INDEX posts_sending" in plans[1]
