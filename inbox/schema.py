"""The schema as code: each migration moves a file forward one version, never back.

``PRAGMA user_version`` holds the version. A file is migrated forward when it is opened
(:func:`migrate`); a file from a newer sfogo is refused. Times are UTC epoch seconds (INTEGER).

Versions 1 to 5 have shipped as SQL scripts and stay as they are: they hold what
sqlite-utils cannot write (CHECK lists, ``COLLATE NOCASE`` columns, ``WITHOUT ROWID``
tables, partial indexes, and full-text triggers that fire only when an indexed column
changes; ``Table.enable_fts(create_triggers=True)`` fires on every update, so each
done or snooze would rewrite the search index).

Adding a migration
------------------
Append a function that takes a :class:`sqlite_utils.Database` over the store's connection
and changes the schema with sqlite-utils; never edit one that has shipped::

    def _v6(db: Database) -> None:
        # A new column: ALTER TABLE through sqlite-utils.
        db["replies"].add_column("url", str, not_null_default="")
        # A changed column (type, default, NOT NULL, order): the table is rebuilt.
        transform(db, "sync_runs", defaults={"detail": "-"})
        # A new table and its index.
        db["reply_edits"].create(
            {"id": int, "reply_id": int, "text": str, "created_at": int}, pk="id",
            foreign_keys=[("reply_id", "replies", "id")], not_null={"text", "created_at"})
        db["reply_edits"].create_index(["reply_id", "created_at"])

    MIGRATIONS: list[Migration] = [V1, V2, V3, V4, V5, _v6]

- Each step runs in one ``BEGIN IMMEDIATE`` transaction with the version bump, so a file
  is at one version or the next, never between. Foreign keys are off while it runs (what
  SQLite prescribes for rebuilding a table) and checked before it commits.
- Change columns with :func:`transform`, not ``db[table].transform``: SQLite drops a
  table's triggers with the table, and the search index and the triage key live on
  triggers. It puts them back, and refuses the tables it cannot rebuild faithfully.
- sqlite-utils is imported only when a Python step is pending (~90 ms): opening an
  up-to-date file never pays for it.
- Add a test to tests/test_store.py that migrates a file of the previous version with
  data in it and checks the data, search and the new shape.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms of every store open
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    from sqlite_utils import Database

# The FTS5 index follows inserts, deletes, and updates of the indexed columns only, so a
# status change (done, snooze) never rewrites the full-text index.
FTS_TRIGGERS = """
CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN
  INSERT INTO interactions_fts(rowid, text, author_name, author_handle)
  VALUES (new.id, new.text, new.author_name, new.author_handle);
END;
CREATE TRIGGER interactions_fts_ad AFTER DELETE ON interactions BEGIN
  INSERT INTO interactions_fts(interactions_fts, rowid, text, author_name, author_handle)
  VALUES ('delete', old.id, old.text, old.author_name, old.author_handle);
END;
CREATE TRIGGER interactions_fts_au AFTER UPDATE OF text, author_name, author_handle
ON interactions BEGIN
  INSERT INTO interactions_fts(interactions_fts, rowid, text, author_name, author_handle)
  VALUES ('delete', old.id, old.text, old.author_name, old.author_handle);
  INSERT INTO interactions_fts(rowid, text, author_name, author_handle)
  VALUES (new.id, new.text, new.author_name, new.author_handle);
END;
"""

DROP_FTS_TRIGGERS = """
DROP TRIGGER IF EXISTS interactions_fts_ai;
DROP TRIGGER IF EXISTS interactions_fts_ad;
DROP TRIGGER IF EXISTS interactions_fts_au;
"""

# Version 1: clients, accounts, interactions, sync runs and away periods.
V1 = """
CREATE TABLE clients (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  tier TEXT NOT NULL DEFAULT 'normal' CHECK (tier IN ('vip', 'high', 'normal', 'low')),
  target_s INTEGER,
  created_at INTEGER NOT NULL
);
CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  client_id INTEGER NOT NULL REFERENCES clients(id),
  channel TEXT NOT NULL,
  handle TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  settings TEXT NOT NULL DEFAULT '{}',
  cursor TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE (channel, handle)
);
CREATE INDEX accounts_client ON accounts(client_id);
CREATE TABLE interactions (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  external_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('mention', 'comment', 'reply', 'dm', 'email', 'review')),
  author_name TEXT NOT NULL DEFAULT '',
  author_handle TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  thread_ref TEXT NOT NULL DEFAULT '',
  parent_ref TEXT NOT NULL DEFAULT '',
  outgoing INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'open', 'snoozed', 'done', 'ignored')),
  snoozed_until INTEGER,
  handled_at INTEGER,
  pinned INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account_id, external_id)
);
-- Newest first, over everything (sfogo list --status all, exports by time).
CREATE INDEX interactions_created ON interactions(created_at);
-- Newest first among items that still need the manager: the default inbox.
CREATE INDEX interactions_open_created ON interactions(created_at)
  WHERE status IN ('new', 'open');
-- One status (sfogo list --status done), counts by status, waking snoozed items.
CREATE INDEX interactions_status_created ON interactions(status, created_at);
-- One account's items by time (reports, gaps, backlog per account).
CREATE INDEX interactions_account_created ON interactions(account_id, created_at);
-- A conversation, in order.
CREATE INDEX interactions_thread ON interactions(account_id, thread_ref, created_at);
CREATE TABLE sync_runs (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT NOT NULL
    CHECK (outcome IN ('ok', 'offline', 'down', 'rate_limited', 'auth', 'blocked', 'broken')),
  detail TEXT NOT NULL DEFAULT '',
  items INTEGER NOT NULL DEFAULT 0,
  retry_at INTEGER
);
CREATE INDEX sync_runs_account_started ON sync_runs(account_id, started_at);
CREATE TABLE away_periods (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  reason TEXT NOT NULL DEFAULT 'away' CHECK (reason IN ('away', 'sick', 'offline')),
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX away_periods_started ON away_periods(started_at);
"""

# Version 2: full-text search over text, author name and handle; tags.
V2 = (
    """
CREATE VIRTUAL TABLE interactions_fts USING fts5(
  text, author_name, author_handle,
  content='interactions', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild');
"""
    + FTS_TRIGGERS
    + """
CREATE TABLE interaction_tags (
  interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
  tag TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (interaction_id, tag)
) WITHOUT ROWID;
CREATE INDEX interaction_tags_tag ON interaction_tags(tag, interaction_id);
"""
)

# Version 3: the outbox, replies waiting to be sent exactly once.
V3 = """
CREATE TABLE replies (
  id INTEGER PRIMARY KEY,
  interaction_id INTEGER NOT NULL REFERENCES interactions(id),
  text TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'sending', 'sent', 'held', 'failed', 'dropped')),
  reason TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  sent_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT NOT NULL,
  external_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX replies_state_created ON replies(state, created_at);
CREATE INDEX replies_interaction ON replies(interaction_id);
"""

# Version 4 (sync, inbox/sync.py): what a run could not recover, when a platform cannot
# reach back as far as the account's cursor (e.g. a newest-first list that ends first).
V4 = """
ALTER TABLE sync_runs ADD COLUMN lost TEXT NOT NULL DEFAULT '';
"""

# Version 5 (triage): each open item's static triage class, kept in an
# index so the first page in urgency order never scores every row. ``triage_key`` packs
# account, pin, kind and keyword flags (see inbox/triage_keys.py); NULL means "not computed
# yet". The store computes the key on every write of an item; the triggers reset it when an
# input changes by any other way, so a stored key is never stale.
V5 = """
ALTER TABLE interactions ADD COLUMN triage_key INTEGER;
-- id is spelled out so the index serves ORDER BY created_at, id; status makes it covering.
CREATE INDEX interactions_triage ON interactions(triage_key, created_at, id, status)
  WHERE status IN ('new', 'open');
CREATE TRIGGER interactions_triage_stale AFTER UPDATE OF account_id, kind, text, pinned
ON interactions WHEN new.triage_key IS NOT NULL AND (old.account_id IS NOT new.account_id
  OR old.kind IS NOT new.kind OR old.text IS NOT new.text OR old.pinned IS NOT new.pinned)
BEGIN
  UPDATE interactions SET triage_key = NULL WHERE id = new.id;
END;
CREATE TRIGGER interactions_triage_reopen AFTER UPDATE OF status ON interactions
WHEN new.triage_key IS NOT NULL AND new.status IN ('new', 'open')
  AND old.status NOT IN ('new', 'open')
BEGIN
  UPDATE interactions SET triage_key = NULL WHERE id = new.id;
END;
CREATE TABLE triage_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- Gaps read only the failed runs of an account (a few among thousands of good ones).
CREATE INDEX sync_runs_failed ON sync_runs(account_id, started_at) WHERE outcome != 'ok';
"""

# The entries a sync run read but could not store, by reason ("no time": 3): one bad entry is
# skipped and counted, never a reason to fail the account (inbox/channels/base.py).
V_SYNC_RUN_SKIPS = """
CREATE TABLE sync_run_skips (
  run_id INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count > 0),
  PRIMARY KEY (run_id, reason)
) WITHOUT ROWID;
"""

# Expected posts (inbox/posts/): every post that must go out, from the platforms' queues,
# a plan file or sfogo's own queue, with its state, and the history of every transition
# (nothing is overwritten: a post's row holds the present, its events the past). A post
# sfogo must publish or put back on a queue carries the outbox's send columns.
V_POSTS = """
CREATE TABLE posts (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  at INTEGER NOT NULL,
  text TEXT NOT NULL,
  media TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL CHECK (source IN ('queue', 'plan', 'sfogo')),
  platform_id TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'rescheduled',
    'published', 'late', 'missed', 'vanished', 'failed', 'held', 'cancelled')),
  reason TEXT NOT NULL DEFAULT '',
  in_queue INTEGER NOT NULL DEFAULT 0,
  seen_at INTEGER,
  published_id TEXT NOT NULL DEFAULT '',
  published_at INTEGER,
  url TEXT NOT NULL DEFAULT '',
  expires_at INTEGER,
  send_action TEXT NOT NULL DEFAULT '',
  send_state TEXT NOT NULL DEFAULT '',
  send_reason TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- The Posts screen and 'sfogo posts' by time; one account's posts for the watchdog.
CREATE INDEX posts_at ON posts(at);
CREATE INDEX posts_account_at ON posts(account_id, at);
-- The health bar's counts by state.
CREATE INDEX posts_state ON posts(state, at);
-- What the outbox must still send.
CREATE INDEX posts_sending ON posts(account_id, at)
  WHERE send_state IN ('queued', 'sending', 'unknown');
-- A queue entry is one expected post (restore gives the post a new platform id).
CREATE UNIQUE INDEX posts_platform ON posts(account_id, platform_id) WHERE platform_id != '';
CREATE TABLE post_events (
  id INTEGER PRIMARY KEY,
  post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  old_at INTEGER,
  new_at INTEGER,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX post_events_post ON post_events(post_id, id);
"""


def reply_unknown(db: Database) -> None:
    """Replies that finish (inbox/outbox.py): a reply whose fate cannot be known becomes
    ``unknown`` instead of staying ``sending``; a sent reply keeps its ``link``; ``lookups``
    counts the failed look-ups for a reply that may have arrived, ``attempted_at`` is when
    it was last handed to the platform."""
    widen_check(db, "replies", "state", ["unknown"])
    replies = db.table("replies")
    replies.add_column("link", str, not_null_default="")
    replies.add_column("lookups", int, not_null_default=0)
    replies.add_column("attempted_at", int)


def outbox_likes(db: Database) -> None:
    """Likes go through the outbox like replies (inbox/outbox.py): a row's ``action`` says
    which (``reply``, or ``like`` with no text), so a like is sent exactly once too."""
    db.table("replies").add_column("action", str, not_null_default="reply")


# Writing replies and forgiving mistakes (tui/screens/_compose.py, the "Done recently" view):
# a reply being written is kept per item until it is queued or discarded on purpose; canned
# replies added with ``sfogo replies add`` (the config's [[replies]] are read from the config);
# and what was done or ignored lately, newest first, read from an index instead of sorting
# every done item (1M items: a scan of the done ones, ~0.3 s, against milliseconds).
V_DRAFTS_AND_CANNED_REPLIES = """
CREATE TABLE drafts (
  interaction_id INTEGER PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE canned_replies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  text TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT '',
  client TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX interactions_status_handled ON interactions(status, handled_at);
"""

# When each account's credentials stop working, as the platform last said (Graph's
# debug_token ``expires_at``, Google's ``refresh_token_expires_in``): the health bar and
# ``sfogo health`` warn before it. One row per account, replaced at each check; expires_at
# NULL: they do not expire, or the platform does not say. Never a token: only times.
V_TOKEN_CHECKS = """
CREATE TABLE token_checks (
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  checked_at INTEGER NOT NULL,
  expires_at INTEGER
);
"""


def account_removed_at(db: Database) -> None:
    """Accounts can be removed and keep their items (``sfogo account remove``): a removed
    account is no longer synced or listed, its items stay readable and say where they came
    from; adding the same account again brings it back."""
    db.table("accounts").add_column("removed_at", int)


# A team on one inbox (inbox/team.py, inbox/store/team.py): who the members are (their
# PostgreSQL login role, optional, and their own working time; '' takes [work]'s), which item
# each one owns, who is writing a reply to which item right now (a claim with the time it was
# last renewed, so a crashed app's claim expires), and whose away period is whose (NULL: the
# whole inbox, as before).
V_TEAM = """
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  login_role TEXT NOT NULL DEFAULT '',
  days TEXT NOT NULL DEFAULT '',
  hours TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX members_login_role ON members(login_role) WHERE login_role != '';
CREATE TABLE assignments (
  interaction_id INTEGER PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  assigned_at INTEGER NOT NULL
);
CREATE INDEX assignments_member ON assignments(member_id, interaction_id);
CREATE TABLE replying (
  interaction_id INTEGER PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
  since INTEGER NOT NULL,
  renewed_at INTEGER NOT NULL
);
ALTER TABLE away_periods ADD COLUMN member_id INTEGER REFERENCES members(id) ON DELETE CASCADE;
"""


# A step is an SQL script (the shipped ones) or a function over a sqlite-utils Database.
Migration: TypeAlias = "str | Callable[[Database], None]"

# Index i holds the step that moves a file from version i to version i + 1.
# New steps go at the end; never edit a migration that has shipped.
MIGRATIONS: list[Migration] = [
    V1,
    V2,
    V3,
    V4,
    V5,
    V_SYNC_RUN_SKIPS,
    V_POSTS,
    reply_unknown,
    outbox_likes,
    V_DRAFTS_AND_CANNED_REPLIES,
    V_TOKEN_CHECKS,
    account_removed_at,
    V_TEAM,
]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version the file is at (0: a new file, or not sfogo's)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(
    conn: sqlite3.Connection,
    target: int | None = None,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> None:
    """Move the file forward to ``target`` (default: the last), one transaction per step.

    ``conn`` must be in autocommit mode (``isolation_level=None``), as the store's is.
    """
    target = len(migrations) if target is None else target
    version = user_version(conn)
    if version >= target:
        return
    # Foreign keys off, as SQLite prescribes for rebuilding a table (and sqlite-utils refuses
    # to rebuild one that a cascading key points at, interactions, while they are on); each
    # step checks them before it commits. The pragma cannot change inside a transaction.
    foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        while version < target:
            _step(conn, migrations[version], version + 1)
            version += 1
    finally:
        conn.execute(f"PRAGMA foreign_keys = {int(bool(foreign_keys))}")


def _step(conn: sqlite3.Connection, step: Migration, version: int) -> None:
    try:
        if isinstance(step, str):
            # SQLite splits the script itself (triggers hold semicolons); executescript
            # leaves the transaction it began open, so the checks below run inside it.
            conn.executescript(f"BEGIN IMMEDIATE;\n{step}")
        else:
            conn.execute("BEGIN IMMEDIATE")
            step(database(conn))
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken:
            raise sqlite3.IntegrityError(
                f"migration to schema {version} breaks a foreign key in table {broken[0]}"
            )
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def database(conn: sqlite3.Connection) -> Database:
    """A sqlite-utils view of the store's connection that changes nothing about it.

    sqlite-utils would otherwise turn on ``recursive_triggers`` for the connection and
    let installed plugins prepare it; the store's connection stays as the store set it.
    """
    from sqlite_utils import Database

    return Database(conn, recursive_triggers=False, execute_plugins=False)


# What sqlite-utils 4.2 loses when it rebuilds a table: a column's collation (clients.name
# would stop matching case-insensitively) and WITHOUT ROWID (it copies rowids across).
_NOT_REBUILDABLE = re.compile(r"\bCOLLATE\b|\bWITHOUT\s+ROWID\b", re.IGNORECASE)


def transform(db: Database, table: str, **changes: Any) -> None:
    """``db[table].transform(**changes)``, keeping the table's triggers.

    The rebuild keeps rows and their ids (so the search index stays valid), indexes,
    CHECK and UNIQUE constraints and foreign keys. Tables it would change in meaning are
    refused: rebuild those with SQL in the migration, following SQLite's ALTER TABLE steps.
    """
    target = db.table(table)
    if _NOT_REBUILDABLE.search(target.schema):
        raise ValueError(
            f"transform would lose a collation or WITHOUT ROWID of table {table!r}: "
            "rebuild it with SQL in the migration"
        )
    triggers = [
        sql
        for (sql,) in db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name",
            [table],
        )
    ]
    target.transform(**changes)
    for sql in triggers:
        db.execute(sql)


def widen_check(db: Database, table: str, column: str, values: Sequence[str]) -> None:
    """Let ``column`` of ``table`` hold ``values`` too: its ``CHECK (column IN (…))`` list
    grows. sqlite-utils cannot change a CHECK, so the table is rebuilt from its own stored
    definition (every column, added ones included, every constraint), with its indexes and
    triggers put back, following SQLite's steps for a changed table."""
    conn = db.conn
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    check = re.search(rf"(CHECK\s*\(\s*{column}\s+IN\s*\()([^)]*)\)", sql, re.IGNORECASE)
    if check is None:
        raise ValueError(f"table {table!r} has no CHECK ({column} IN (...))")
    listed = re.findall(r"'([^']*)'", check.group(2))
    listed += [v for v in values if v not in listed]
    sql = sql[: check.start(2)] + ", ".join(f"'{v}'" for v in listed) + sql[check.end(2) :]
    temp = f"_{table}_widened"
    sql = re.sub(rf'^CREATE TABLE\s+"?{table}"?', f"CREATE TABLE {temp}", sql, count=1, flags=re.I)
    others = [
        other
        for (other,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        )
    ]
    conn.execute(sql)
    conn.execute(f"INSERT INTO {temp} SELECT * FROM {table}")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {temp} RENAME TO {table}")
    for other in others:
        conn.execute(other)
