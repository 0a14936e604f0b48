"""The schema as code: each migration moves a file forward one version, never back.

``PRAGMA user_version`` holds the version. A file is migrated forward when it is opened; a
file from a newer sfogo is refused. Times are UTC epoch seconds (INTEGER).
"""
from __future__ import annotations

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
V2 = """
CREATE VIRTUAL TABLE interactions_fts USING fts5(
  text, author_name, author_handle,
  content='interactions', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild');
""" + FTS_TRIGGERS + """
CREATE TABLE interaction_tags (
  interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
  tag TEXT NOT NULL COLLATE NOCASE,
  PRIMARY KEY (interaction_id, tag)
) WITHOUT ROWID;
CREATE INDEX interaction_tags_tag ON interaction_tags(tag, interaction_id);
"""

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

# Version 5 (triage, backlog/triage.py): each open item's static triage class, kept in an
# index so the first page in urgency order never scores every row. ``triage_key`` packs
# account, pin, kind and keyword flags (see backlog/triage.py); NULL means "not computed
# yet": backlog code fills it lazily, because the keyword lists live in the user's config.
# The triggers reset it whenever an input changes, so a stored key is never stale.
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

# Index i holds the script that moves a file from version i to version i + 1.
# Later issues append here; never edit a migration that has shipped.
MIGRATIONS: list[str] = [V1, V2, V3, V4, V5]
SCHEMA_VERSION = len(MIGRATIONS)
