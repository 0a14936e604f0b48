"""The inbox, on either engine, and every query sfogo runs on it.

``Store(location)`` (:mod:`.database`) opens an SQLite file (``SqliteStore``, the default
for one person) or, for a ``postgresql://`` URL, a PostgreSQL database (``PgStore``,
:mod:`.pg`, a shared inbox). It owns the connection (open, migrate, transaction,
data_version, optimize, close) and reaches each kind of thing the inbox holds through a
typed collaborator. ``backlog/`` and ``tui/`` call these named functions, never SQL, and
see no difference between the engines (a test holds backlog/ and tui/ free of SQL)::

    store.clients    clients.py    add, all, get, own_targets, count
    store.accounts   accounts.py   add, all, get, update, ids, owners, count
    store.items      items.py      upsert, bulk_load, insert_rows; require, ids, iter_ids,
                                   page, iter_rows, by_ids, get, thread, handles_near;
                                   first_id, newest_incoming, newest_quiet_dm
                     item_counts.py  count, search_exceeds, status_counts, stats, total,
                                   newest_id, arrived_after
    store.marks      marks.py      set_status, mark_seen, set_pinned, add_tags, remove_tags,
                                   wake_snoozed
    store.triage     triage.py     fingerprint, set_keywords, writing_keywords,
                                   fill_missing, missing; overview, open_keys, stream,
                                   many_reader, gap_horizons, run_state, rows_and_targets,
                                   keyed_open, unkeyed, scoring_rows, keyed_scoring_rows,
                                   backlog_groups, count_before, unkeyed_brief
    store.runs       runs.py       add, last_per_account, last, health_facts, failed_many,
                                   next_oks, skipped, skips_since
    store.away       runs.py       add, all, current, end (per member, or the inbox's)
    store.outbox     outbox.py     get, replies, for_item, add, edit, set_state, take,
                                   looked_up, mark_sent, set_link, waiting_counts,
                                   waiting_for
    store.posts      posts.py      get, listing, watched, platform_ids, history,
                                   state_counts, pending_due, to_send, due_counts,
                                   next_send_at, count; add, apply, change, take, set_send
    store.reports    reports.py    period_items, period_texts, incoming_between,
                                   all_between, oldest_waiting, backlog_transitions
    store.workload   workload.py   handled_count, handled, arrived, recent_kinds
    store.drafts     drafts.py     get, save, discard, marked, count
    store.canned     canned.py     all, get, add, remove
    store.team       team.py       members, count, find, get, by_role, login_role, add,
                                   edit, remove, open_counts; assign, assignees;
                                   replying, claim, release

Rows are typed (inbox/rows.py); what a listing shows is an :class:`InboxFilter`.

How the two engines stay one behaviour:

- Collaborators write SQL once, in the spelling both read (see :mod:`._part`): ``?``
  parameters, ``ON CONFLICT`` rather than ``INSERT OR IGNORE``, ``CASE`` rather than a
  summed comparison, ``1 = 1`` rather than ``1``. A new collaborator with only such SQL
  works on both with no more code. A statement PostgreSQL must spell differently is
  written again in an override in :mod:`.pg.parts`, which ``PgStore`` installs.
- A round trip to the server costs what a whole SQLite read does: reads that come together
  go together. :mod:`.pg.triage` sends a triage page's first statements in one pipeline and
  reads every stream with one array-parameter statement; what SQLite finds by walking an
  index in microseconds, a server engine may keep in a table of its own instead (the keys
  open items have had, kept by a trigger); ``PgConnection.ahead`` sends a
  statement whose answer the next call asks for, served only to that very call. A new
  connection costs a server process: while the app runs (``keep_connections()`` to
  ``release_connections()``) a closed store's connection serves the next store
  (:mod:`.pg.pool`).
- Full-text search is each engine's own behind ``store.search_sql`` (FTS5; ``tsvector``
  with a GIN index on PostgreSQL), with the same reading of the user's words; whether a
  search matches "more than N" is remembered while someone types (:mod:`.search_bound`).
- Each engine has its own migrations: ``inbox/schema.py`` (``PRAGMA user_version``) and
  :mod:`.pg.schema` (``sfogo_meta``). A step appended to one needs its twin in the other;
  tests/test_engines.py compares the two schemas and names what differs.
- Tests of the store run on both engines (modules marked ``engines``).
"""

from __future__ import annotations

from ..model import OPEN_STATUSES, TIER_TARGETS
from . import failures
from .database import BUSY_TIMEOUT_S, OPTIMIZE_EVERY_S, Store, default_path, open_store
from .filters import InboxFilter, fts_query
from .items import INSERT_COLUMNS, ROW_COLUMNS
from .pg.pool import keep as keep_connections
from .pg.pool import release as release_connections

__all__ = [
    "BUSY_TIMEOUT_S",
    "INSERT_COLUMNS",
    "OPEN_STATUSES",
    "OPTIMIZE_EVERY_S",
    "ROW_COLUMNS",
    "TIER_TARGETS",
    "InboxFilter",
    "Store",
    "default_path",
    "failures",
    "fts_query",
    "keep_connections",
    "open_store",
    "release_connections",
]
