"""``search_exceeds`` answers from an earlier search while someone types (inbox/store/
search_bound.py), the same as counting, on both engines; and on PostgreSQL the app's
closed stores hand their connections to the next store (inbox/store/pg/pool.py)."""

from __future__ import annotations

import pytest
from conftest import NOW

from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store, keep_connections, release_connections, search_bound
from sfogo.inbox.store.pg import pool

pytestmark = pytest.mark.engines


def test_narrows_reads_typing_on_from_the_texts():
    assert search_bound.narrows("room", "roo")
    assert search_bound.narrows("room s", "room")
    assert search_bound.narrows("room s", "room ")
    assert search_bound.narrows("e-mail", "e-")  # 'e' <-> 'mail*' is within 'e*'
    assert search_bound.narrows("room", "room")
    assert not search_bound.narrows("roo", "room")  # backspacing widens
    assert not search_bound.narrows("Room", "room")  # not typed on
    # A last word of punctuation alone is dropped; with a letter after it, it narrows.
    assert not search_bound.narrows("room -x", "room -")
    assert not search_bound.narrows("x", "")


def _items(store: Store, texts: list[str], first: int = 0) -> None:
    if not store.accounts.all():
        client = store.clients.add("Hotel", "vip", now=NOW)
        store.accounts.add(client.id, "mastodon", "@h@example.social", now=NOW)
    account_id = store.accounts.all()[0].id
    store.items.upsert(
        [
            Interaction(account_id, f"m{first + n}", "mention", NOW - 60, text=t)
            for n, t in enumerate(texts)
        ],
        now=NOW,
    )


def _counted(store: Store, text: str, limit: int) -> bool:
    """What counting says, without the kept answers."""
    return len(store.items.ids(_search(text))) > limit


def _search(text: str):
    from sfogo.inbox.store import InboxFilter

    return InboxFilter(search=text, statuses=())


def test_answers_kept_while_typing_are_those_counting_gives(store, engine):
    _items(store, ["room service"] * 3 + ["roof terrace"] * 2 + ["rooms free"])
    counts: list[str] = []
    if engine == "sqlite":  # which statements run (sqlite3's own trace)
        store.conn.set_trace_callback(
            lambda sql: counts.append(sql) if sql.startswith("SELECT count(*) FROM (") else None
        )
    typed = ["r", "ro", "roo", "room", "room ", "room s", "room se", "roo", "r", "roof"]
    for limit in (1, 3, 4, 10):
        answers = [store.items.search_exceeds(t, limit) for t in typed]
        assert answers == [_counted(store, t, limit) for t in typed], limit
    if engine == "sqlite":
        # Typing on from an answer "at most the limit", or back from "more", counts nothing.
        assert 0 < len(counts) < 4 * len(typed)
        counts.clear()
        assert store.items.search_exceeds("room se", 3) is False and not counts


def test_a_new_item_ends_the_kept_answers(store):
    _items(store, ["room"] * 3)
    assert store.items.search_exceeds("roo", 3) is False
    _items(store, ["roomy"], first=10)  # "room" now matches 4
    assert store.items.search_exceeds("room", 3) is True


def test_the_app_reuses_closed_stores_connections(any_location, engine):
    Store(any_location).close()  # migrated
    if engine == "sqlite":
        pytest.skip("a file has no connection worth keeping")
    import psycopg

    first = Store(any_location)
    pid = first.conn.raw.info.backend_pid
    first.close()
    again = Store(any_location)  # not keeping: a new session
    assert again.conn.raw.info.backend_pid != pid
    again.close()
    keep_connections()
    try:
        first = Store(any_location)
        pid = first.conn.raw.info.backend_pid
        first.close()
        first.close()  # twice: still given back once
        second, third = Store(any_location), Store(any_location)
        assert second.conn.raw.info.backend_pid == pid
        assert third.conn.raw.info.backend_pid != pid
        assert second.items.total() == 0  # it works
        # A session that holds something is not kept: a transaction left open, a LISTEN.
        second.data_version()
        second.close()
        assert pool.take(any_location) is None
        # One that the server ended meanwhile is not reused: a new session serves.
        ended = third.conn.raw.info.backend_pid
        third.close()
        with psycopg.connect(any_location, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (ended,))
        fourth = Store(any_location)
        assert fourth.conn.raw.info.backend_pid != ended and fourth.items.total() == 0
        fourth.close()
    finally:
        release_connections()
    assert pool.take(any_location) is None  # released: every kept one was closed
