"""The one SQLite file: opening and migrating it, and every query the inbox runs.

One connection per thread (sqlite3's rule); WAL mode and a busy timeout let the app, a
background sync and a one-off command share the file. Writes happen in short explicit
transactions (``with store.transaction():``); the connection is otherwise in autocommit.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import when
from .errors import NotFound, SfogoError, StoreError
from .model import (
    CHANNELS, KINDS, OPEN_STATUSES, STATUSES, TIER_TARGETS, TIERS, Account, Client,
    Interaction,
)
from . import schema
from .schema import DROP_FTS_TRIGGERS, FTS_TRIGGERS, SCHEMA_VERSION

BUSY_TIMEOUT_S = 10.0

# Column order used for bulk inserts (demo, import): tuples are far cheaper than dicts.
INSERT_COLUMNS = (
    "account_id", "external_id", "kind", "author_name", "author_handle", "text", "url",
    "thread_ref", "parent_ref", "outgoing", "created_at", "fetched_at", "status",
    "snoozed_until", "handled_at", "pinned",
)
_INSERT_SQL = (
    f"INSERT INTO interactions ({', '.join(INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(INSERT_COLUMNS))})"
)
# Content that a platform may change (an edited post); the manager's own state is kept.
_UPSERT_SQL = _INSERT_SQL + (
    " ON CONFLICT(account_id, external_id) DO UPDATE SET text = excluded.text,"
    " author_name = excluded.author_name, author_handle = excluded.author_handle,"
    " url = excluded.url WHERE interactions.text IS NOT excluded.text"
    " OR interactions.author_name IS NOT excluded.author_name"
    " OR interactions.author_handle IS NOT excluded.author_handle"
    " OR interactions.url IS NOT excluded.url"
)

# What every listing shows of an item: the interaction with its account and client.
ROW_COLUMNS = (
    "id", "client", "tier", "channel", "account", "kind", "author_name", "author_handle",
    "text", "url", "created_at", "fetched_at", "status", "snoozed_until", "handled_at",
    "pinned", "outgoing", "thread_ref", "parent_ref", "external_id", "account_id", "client_id",
)
_ROW_SELECT = """
SELECT i.id, c.name, c.tier, a.channel, a.handle, i.kind, i.author_name, i.author_handle,
       i.text, i.url, i.created_at, i.fetched_at, i.status, i.snoozed_until, i.handled_at,
       i.pinned, i.outgoing, i.thread_ref, i.parent_ref, i.external_id, i.account_id,
       a.client_id
FROM interactions i JOIN accounts a ON a.id = i.account_id JOIN clients c ON c.id = a.client_id
"""


def default_path() -> Path:
    """The user's inbox: ``SFOGO_DB``, else ``sfogo.db`` in the user data directory."""
    env = os.environ.get("SFOGO_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("sfogo", appauthor=False) / "sfogo.db"


def fts_query(text: str, *, prefix: bool = True) -> str:
    """An FTS5 query matching every word of ``text``; user input never becomes FTS syntax.

    Each word is quoted; the last one matches as a prefix so search-as-you-type finds
    ``rimb`` → ``rimborso``.
    """
    words = [w for w in text.replace('"', " ").split() if w]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    if prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


@dataclass(slots=True)
class InboxFilter:
    """What a listing shows: every field narrows it; empty fields do not."""

    statuses: Sequence[str] = ("new", "open")
    client_ids: Sequence[int] = ()
    channels: Sequence[str] = ()
    kinds: Sequence[str] = ()
    search: str = ""
    tag: str = ""
    pinned: bool | None = None
    extra_where: list[str] = field(default_factory=list)  # for callers that own the SQL
    extra_params: list = field(default_factory=list)

    def where(self) -> tuple[str, list]:
        """The WHERE clause (over alias ``i``) and its parameters."""
        terms: list[str] = []
        params: list = []
        statuses = tuple(self.statuses)
        if statuses and set(statuses) != set(STATUSES):
            # Spelled exactly like the partial index's WHERE so SQLite can use it.
            if statuses == ("new", "open"):
                terms.append("i.status IN ('new', 'open')")
            else:
                terms.append(f"i.status IN ({', '.join('?' * len(statuses))})")
                params += statuses
        if self.client_ids:
            terms.append(
                "i.account_id IN (SELECT id FROM accounts WHERE client_id IN "
                f"({', '.join('?' * len(self.client_ids))}))"
            )
            params += list(self.client_ids)
        if self.channels:
            terms.append(
                "i.account_id IN (SELECT id FROM accounts WHERE channel IN "
                f"({', '.join('?' * len(self.channels))}))"
            )
            params += list(self.channels)
        if self.kinds:
            terms.append(f"i.kind IN ({', '.join('?' * len(self.kinds))})")
            params += list(self.kinds)
        if self.search:
            query = fts_query(self.search)
            if query:
                terms.append(
                    "i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?)"
                )
                params.append(query)
        if self.tag:
            terms.append(
                "i.id IN (SELECT interaction_id FROM interaction_tags WHERE tag = ?)"
            )
            params.append(self.tag)
        if self.pinned is not None:
            terms.append("i.pinned = ?")
            params.append(int(self.pinned))
        terms += self.extra_where
        params += self.extra_params
        return (" AND ".join(terms) if terms else "1"), params


class Store:
    """An open sfogo data file. Use one per thread; close it (or use ``with``) when done."""

    def __init__(self, path: str | os.PathLike, *, create: bool = True,
                 create_folder: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"no data file at {self.path}: run 'sfogo demo' or add a client")
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a folder, not a data file: pass a file to --db")
        parent = self.path.parent
        if not parent.exists() and not create_folder:
            # A path the user typed: a typo must not quietly start an empty inbox elsewhere.
            raise StoreError(f"no folder {parent}: check the path, or create the folder first")
        if not parent.exists():
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder {parent}: {exc.strerror}") from None
        try:
            self.conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        try:
            self._setup()
        except StoreError:
            self.conn.close()  # a refused file is not left open (Windows could not delete it)
            raise
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            message = str(exc)
            if "not a database" in message or "malformed" in message:
                raise StoreError(
                    f"{self.path} is not an SQLite data file: pass another file to --db"
                ) from None
            raise StoreError(f"cannot use {self.path}: {message}") from None

    # -- opening -------------------------------------------------------------------------

    def _setup(self) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer sfogo (schema {version}; this one reads "
                f"up to {SCHEMA_VERSION}): upgrade sfogo to open it"
            )
        if version == 0:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
            if tables:
                raise StoreError(
                    f"{self.path} is an SQLite file but not an sfogo one: pass another to --db"
                )
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"cannot switch {self.path} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            self.migrate(SCHEMA_VERSION)

    def migrate(self, target: int) -> None:
        """Move the file forward to schema ``target``, one version per transaction."""
        schema.migrate(self.conn, target)

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        try:
            self.conn.execute("PRAGMA optimize")  # keeps planner statistics fresh, cheaply
        except sqlite3.Error:
            pass
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; it takes the write lock at once so it cannot deadlock."""
        if self.conn.in_transaction:  # nested: join the outer transaction
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def data_version(self) -> int:
        """Changes when another connection commits to the file: a cheap poll for 'live'."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # -- clients ---------------------------------------------------------------------------

    def add_client(self, name: str, tier: str = "normal", target_s: int | None = None,
                   *, now: int | None = None) -> Client:
        name = name.strip()
        if not name:
            raise SfogoError("a client needs a name")
        if tier not in TIERS:
            raise SfogoError(f"unknown tier {tier!r}: use one of {', '.join(TIERS)}")
        if target_s is not None and target_s <= 0:
            raise SfogoError("a response-time target must be longer than zero")
        try:
            with self.transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO clients (name, tier, target_s, created_at) VALUES (?, ?, ?, ?)",
                    (name, tier, target_s, when.now() if now is None else now),
                )
        except sqlite3.IntegrityError:
            raise SfogoError(f"a client named {name!r} already exists") from None
        return Client(name=name, tier=tier, target_s=target_s, id=cur.lastrowid)

    def clients(self) -> list[Client]:
        rows = self.conn.execute(
            "SELECT id, name, tier, target_s FROM clients ORDER BY name"
        ).fetchall()
        return [Client(id=r[0], name=r[1], tier=r[2], target_s=r[3]) for r in rows]

    def client(self, ref: str | int) -> Client:
        """A client by id or by name (case-insensitive)."""
        row = None
        if isinstance(ref, int) or str(ref).isdigit():
            row = self.conn.execute(
                "SELECT id, name, tier, target_s FROM clients WHERE id = ?", (int(ref),)
            ).fetchone()
        if row is None:
            row = self.conn.execute(
                "SELECT id, name, tier, target_s FROM clients WHERE name = ?", (str(ref),)
            ).fetchone()
        if row is None:
            raise NotFound(f"no client {ref!r}: 'sfogo clients' lists them")
        return Client(id=row[0], name=row[1], tier=row[2], target_s=row[3])

    # -- accounts --------------------------------------------------------------------------

    def add_account(self, client: str | int, channel: str, handle: str, display_name: str = "",
                    settings: dict | None = None, *, now: int | None = None) -> Account:
        owner = self.client(client)
        if channel not in CHANNELS:
            raise SfogoError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
        handle = handle.strip()
        if not handle:
            raise SfogoError("an account needs a handle")
        try:
            with self.transaction() as conn:
                cur = conn.execute(
                    "INSERT INTO accounts (client_id, channel, handle, display_name, settings,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (owner.id, channel, handle, display_name, json.dumps(settings or {}),
                     when.now() if now is None else now),
                )
        except sqlite3.IntegrityError:
            raise SfogoError(f"the {channel} account {handle!r} already exists") from None
        return Account(client_id=owner.id, channel=channel, handle=handle,
                       display_name=display_name, settings=settings or {}, id=cur.lastrowid)

    _ACCOUNT_SELECT = (
        "SELECT id, client_id, channel, handle, display_name, settings, cursor FROM accounts"
    )

    @staticmethod
    def _account(row) -> Account:
        return Account(id=row[0], client_id=row[1], channel=row[2], handle=row[3],
                       display_name=row[4], settings=json.loads(row[5] or "{}"),
                       cursor=json.loads(row[6] or "{}"))

    def accounts(self, client_id: int | None = None) -> list[Account]:
        if client_id is None:
            rows = self.conn.execute(self._ACCOUNT_SELECT + " ORDER BY id").fetchall()
        else:
            rows = self.conn.execute(
                self._ACCOUNT_SELECT + " WHERE client_id = ? ORDER BY id", (client_id,)
            ).fetchall()
        return [self._account(r) for r in rows]

    def account(self, ref: str | int) -> Account:
        """An account by id, ``handle``, or ``channel:handle`` when a handle is ambiguous."""
        text = str(ref)
        if isinstance(ref, int) or text.isdigit():
            row = self.conn.execute(self._ACCOUNT_SELECT + " WHERE id = ?", (int(text),)).fetchone()
            if row:
                return self._account(row)
        channel, _, handle = text.partition(":")
        if handle and channel in CHANNELS:
            rows = self.conn.execute(
                self._ACCOUNT_SELECT + " WHERE channel = ? AND handle = ?", (channel, handle)
            ).fetchall()
        else:
            rows = self.conn.execute(
                self._ACCOUNT_SELECT + " WHERE handle = ?", (text,)
            ).fetchall()
        if not rows:
            raise NotFound(f"no account {text!r}: 'sfogo accounts' lists them")
        if len(rows) > 1:
            options = ", ".join(f"{r[2]}:{r[3]}" for r in rows)
            raise SfogoError(f"{text!r} names several accounts: say which, as one of {options}")
        return self._account(rows[0])

    def update_account(self, account_id: int, *, settings: dict | None = None,
                       cursor: dict | None = None, display_name: str | None = None) -> None:
        sets, params = [], []
        if settings is not None:
            sets.append("settings = ?")
            params.append(json.dumps(settings))
        if cursor is not None:
            sets.append("cursor = ?")
            params.append(json.dumps(cursor))
        if display_name is not None:
            sets.append("display_name = ?")
            params.append(display_name)
        if sets:
            with self.transaction() as conn:
                conn.execute(f"UPDATE accounts SET {', '.join(sets)} WHERE id = ?",
                             (*params, account_id))

    # -- interactions: writing -------------------------------------------------------------

    @staticmethod
    def _insert_tuple(item: Interaction, fetched_at: int) -> tuple:
        if item.kind not in KINDS:
            raise SfogoError(f"unknown kind {item.kind!r}: use one of {', '.join(KINDS)}")
        return (
            item.account_id, item.external_id, item.kind, item.author_name, item.author_handle,
            item.text, item.url, item.thread_ref, item.parent_ref, int(item.outgoing),
            item.created_at, item.fetched_at or fetched_at, item.status, item.snoozed_until,
            item.handled_at, int(item.pinned),
        )

    def upsert_interactions(self, items: Iterable[Interaction], *,
                            now: int | None = None) -> int:
        """Store items keyed by (account, external id); return how many were new.

        Re-fetching an item is harmless: its text may be updated, but the manager's state
        (status, snooze, pin, tags) is kept. Runs inside the caller's transaction if any.
        """
        fetched_at = when.now() if now is None else now
        items = list(items)
        if not items:
            return 0
        with self.transaction() as conn:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM interactions").fetchone()[0]
            for item in items:
                conn.execute(_UPSERT_SQL, self._insert_tuple(item, fetched_at))
                if item.tags:
                    new_id = conn.execute(
                        "SELECT id FROM interactions WHERE account_id = ? AND external_id = ?",
                        (item.account_id, item.external_id),
                    ).fetchone()[0]
                    conn.executemany(
                        "INSERT OR IGNORE INTO interaction_tags (interaction_id, tag) VALUES (?, ?)",
                        [(new_id, t) for t in item.tags],
                    )
            after = conn.execute(
                "SELECT count(*) FROM interactions WHERE id > ?", (before,)
            ).fetchone()[0]
        return after

    @contextmanager
    def bulk_load(self) -> Iterator[sqlite3.Connection]:
        """A transaction for loading many rows at once (the demo, big imports).

        The full-text triggers are dropped for the load and the index rebuilt once at the
        end, which is several times faster than updating it row by row.
        """
        with self.transaction() as conn:
            for stmt in DROP_FTS_TRIGGERS.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            yield conn
            conn.execute("INSERT INTO interactions_fts(interactions_fts) VALUES ('rebuild')")
            for stmt in FTS_TRIGGERS.strip().split("END;"):
                if stmt.strip():
                    conn.execute(stmt + "END;")
            # Fresh statistics let the planner pick the partial index for the open inbox.
            conn.execute("ANALYZE")

    def insert_rows(self, conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
        """Insert raw tuples in ``INSERT_COLUMNS`` order (use inside :meth:`bulk_load`)."""
        conn.executemany(_INSERT_SQL, rows)

    def set_status(self, ids: Sequence[int], status: str, *, until: int | None = None,
                   now: int | None = None) -> int:
        """Mark items done, ignored, open, new or snoozed (with ``until``); return the count."""
        if status not in STATUSES:
            raise SfogoError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
        stamp = when.now() if now is None else now
        if status == "snoozed":
            if until is None:
                raise SfogoError("snoozing needs a time: --until 2h, 'tomorrow 9:00' or ISO 8601")
            if until <= stamp:
                raise SfogoError("the snooze time is in the past: pick a later time")
        self.require_ids(ids)
        handled = stamp if status in ("done", "ignored") else None
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE interactions SET status = ?, snoozed_until = ?,"
                " handled_at = CASE WHEN ? IS NULL THEN NULL"
                "   ELSE coalesce(CASE WHEN status IN ('done', 'ignored') THEN handled_at END, ?)"
                " END WHERE id = ?",
                [(status, until if status == "snoozed" else None, handled, handled, i)
                 for i in ids],
            )
        return len(ids)

    def mark_seen(self, item_id: int) -> None:
        """An item the manager opened is no longer new."""
        with self.transaction() as conn:
            conn.execute("UPDATE interactions SET status = 'open' WHERE id = ? AND status = 'new'",
                         (item_id,))

    def set_pinned(self, ids: Sequence[int], pinned: bool) -> None:
        self.require_ids(ids)
        with self.transaction() as conn:
            conn.executemany("UPDATE interactions SET pinned = ? WHERE id = ?",
                             [(int(pinned), i) for i in ids])

    def add_tags(self, ids: Sequence[int], tags: Sequence[str]) -> None:
        self.require_ids(ids)
        clean = [t.strip() for t in tags if t.strip()]
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO interaction_tags (interaction_id, tag) VALUES (?, ?)",
                [(i, t) for i in ids for t in clean],
            )

    def remove_tags(self, ids: Sequence[int], tags: Sequence[str]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "DELETE FROM interaction_tags WHERE interaction_id = ? AND tag = ?",
                [(i, t) for i in ids for t in tags],
            )

    def wake_snoozed(self, *, now: int | None = None) -> int:
        """Reopen snoozed items whose time has come; return how many woke."""
        stamp = when.now() if now is None else now
        due = self.conn.execute(
            "SELECT 1 FROM interactions WHERE status = 'snoozed' AND snoozed_until <= ? LIMIT 1",
            (stamp,),
        ).fetchone()
        if not due:  # the common case stays a read: no write lock for nothing
            return 0
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE interactions SET status = 'open', snoozed_until = NULL"
                " WHERE status = 'snoozed' AND snoozed_until <= ?",
                (stamp,),
            )
        return cur.rowcount

    # -- interactions: reading -------------------------------------------------------------

    def require_ids(self, ids: Sequence[int]) -> None:
        """Raise NotFound naming the first id that does not exist."""
        for chunk_start in range(0, len(ids), 500):
            chunk = list(ids[chunk_start:chunk_start + 500])
            found = {r[0] for r in self.conn.execute(
                f"SELECT id FROM interactions WHERE id IN ({', '.join('?' * len(chunk))})", chunk
            )}
            missing = [i for i in chunk if i not in found]
            if missing:
                raise NotFound(f"no item with id {missing[0]}: 'sfogo list' shows the ids")

    def list_ids(self, flt: InboxFilter | None = None, *, limit: int | None = None,
                 offset: int = 0) -> list[int]:
        """Ids in newest-first order (the TUI keeps these in an array and pages rows by id)."""
        where, params = (flt or InboxFilter()).where()
        sql = f"SELECT i.id FROM interactions i WHERE {where} ORDER BY i.created_at DESC, i.id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        return [r[0] for r in self.conn.execute(sql, params)]

    def iter_ids(self, flt: InboxFilter | None = None) -> Iterator[int]:
        """Like :meth:`list_ids` without building a list (fills an ``array('q')``)."""
        where, params = (flt or InboxFilter()).where()
        cur = self.conn.execute(
            f"SELECT i.id FROM interactions i WHERE {where}"
            " ORDER BY i.created_at DESC, i.id DESC", params,
        )
        for (item_id,) in cur:
            yield item_id

    def rows(self, flt: InboxFilter | None = None, *, limit: int | None = 100,
             offset: int = 0) -> list[dict]:
        """Full rows (item, account and client), newest first."""
        where, params = (flt or InboxFilter()).where()
        sql = _ROW_SELECT + f" WHERE {where} ORDER BY i.created_at DESC, i.id DESC"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params = [*params, limit, offset]
        result = {r[0]: self._row(r) for r in self.conn.execute(sql, params)}
        self._attach_tags(result)  # dicts keep the query's order
        return list(result.values())

    def iter_rows(self, flt: InboxFilter | None = None, *, limit: int | None = None,
                  oldest_first: bool = False, batch: int = 500) -> Iterator[dict]:
        """Full rows with tags, streamed in batches (exports, ``list --limit 0``).

        Newest first like :meth:`rows`, or oldest first (exports: a reply follows what it
        answers); both orders are served by an index on ``created_at``.
        """
        where, params = (flt or InboxFilter()).where()
        direction = "" if oldest_first else " DESC"
        sql = (_ROW_SELECT + f" WHERE {where}"
               f" ORDER BY i.created_at{direction}, i.id{direction} LIMIT ?")
        cur = self.conn.execute(sql, [*params, -1 if limit is None else limit])
        while chunk := cur.fetchmany(batch):
            rows = {r[0]: self._row(r) for r in chunk}
            self._attach_tags(rows)
            yield from rows.values()

    def rows_by_ids(self, ids: Sequence[int]) -> dict[int, dict]:
        """Rows keyed by id, for a page of the virtual list (primary-key lookups only)."""
        if not ids:
            return {}
        result: dict[int, dict] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            sql = _ROW_SELECT + f" WHERE i.id IN ({', '.join('?' * len(chunk))})"
            for r in self.conn.execute(sql, chunk):
                result[r[0]] = self._row(r)
        if result:
            self._attach_tags(result)
        return result

    def row(self, item_id: int) -> dict:
        rows = self.rows_by_ids([item_id])
        if item_id not in rows:
            raise NotFound(f"no item with id {item_id}: 'sfogo list' shows the ids")
        return rows[item_id]

    @staticmethod
    def _row(r: Sequence) -> dict:
        row = dict(zip(ROW_COLUMNS, r))
        row["pinned"] = bool(row["pinned"])
        row["outgoing"] = bool(row["outgoing"])
        row["tags"] = []
        return row

    def _attach_tags(self, rows: dict[int, dict]) -> None:
        ids = list(rows)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for item_id, tag in self.conn.execute(
                "SELECT interaction_id, tag FROM interaction_tags WHERE interaction_id IN"
                f" ({', '.join('?' * len(chunk))}) ORDER BY tag", chunk,
            ):
                rows[item_id]["tags"].append(tag)

    def thread(self, item: dict) -> list[dict]:
        """The conversation an item belongs to (ours included), oldest first."""
        root = item["thread_ref"] or item["external_id"]
        rows = self.conn.execute(
            _ROW_SELECT + " WHERE i.account_id = ? AND (i.thread_ref = ? OR i.external_id = ?)"
            " ORDER BY i.created_at, i.id",
            (item["account_id"], root, root),
        ).fetchall()
        result = {r[0]: self._row(r) for r in rows}
        self._attach_tags(result)
        return list(result.values())

    def count(self, flt: InboxFilter | None = None) -> int:
        where, params = (flt or InboxFilter()).where()
        return self.conn.execute(
            f"SELECT count(*) FROM interactions i WHERE {where}", params
        ).fetchone()[0]

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in self.conn.execute(
            "SELECT status, count(*) FROM interactions GROUP BY status"
        ):
            counts[status] = n
        return counts

    def stats(self) -> dict:
        """Counts by client, channel, kind and status (the ``sfogo stats`` command)."""
        by_client = {name: {s: 0 for s in STATUSES} for (name,) in
                     self.conn.execute("SELECT name FROM clients ORDER BY name")}
        for name, status, n in self.conn.execute(
            "SELECT c.name, x.status, sum(x.n) FROM"
            " (SELECT account_id, status, count(*) AS n FROM interactions"
            "  GROUP BY account_id, status) x"
            " JOIN accounts a ON a.id = x.account_id JOIN clients c ON c.id = a.client_id"
            " GROUP BY c.name, x.status"
        ):
            by_client[name][status] = n

        def grouped(sql: str) -> dict[str, int]:
            return {k: n for k, n in self.conn.execute(sql)}

        return {
            "total": self.conn.execute("SELECT count(*) FROM interactions").fetchone()[0],
            "by_status": self.status_counts(),
            "by_client": by_client,
            "by_channel": grouped(
                "SELECT a.channel, sum(x.n) FROM (SELECT account_id, count(*) AS n"
                " FROM interactions GROUP BY account_id) x JOIN accounts a ON a.id = x.account_id"
                " GROUP BY a.channel ORDER BY a.channel"
            ),
            "by_kind": grouped(
                "SELECT kind, count(*) FROM interactions GROUP BY kind ORDER BY kind"
            ),
        }

    # -- sync runs and away periods --------------------------------------------------------

    def add_sync_run(self, account_id: int, started_at: int, ended_at: int | None,
                     outcome: str, detail: str = "", items: int = 0,
                     retry_at: int | None = None) -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO sync_runs (account_id, started_at, ended_at, outcome, detail, items,"
                " retry_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (account_id, started_at, ended_at, outcome, detail, items, retry_at),
            )
        return cur.lastrowid

    def last_sync_runs(self) -> dict[int, dict]:
        """Each account's most recent sync run (the health bar)."""
        rows = self.conn.execute(
            "SELECT r.account_id, r.started_at, r.ended_at, r.outcome, r.detail, r.items,"
            " r.retry_at FROM sync_runs r JOIN (SELECT account_id, max(started_at) AS s"
            " FROM sync_runs GROUP BY account_id) m"
            " ON m.account_id = r.account_id AND m.s = r.started_at"
        ).fetchall()
        keys = ("account_id", "started_at", "ended_at", "outcome", "detail", "items", "retry_at")
        return {r[0]: dict(zip(keys, r)) for r in rows}

    def add_away(self, started_at: int, ended_at: int | None, reason: str = "away",
                 note: str = "") -> int:
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO away_periods (started_at, ended_at, reason, note) VALUES (?, ?, ?, ?)",
                (started_at, ended_at, reason, note),
            )
        return cur.lastrowid


def open_store(path: str | os.PathLike | None = None, *, create: bool = True) -> Store:
    """Open the file at ``path`` (default: :func:`default_path`)."""
    return Store(default_path() if path is None else path, create=create)


__all__ = [
    "INSERT_COLUMNS", "InboxFilter", "OPEN_STATUSES", "ROW_COLUMNS", "Store", "TIER_TARGETS",
    "default_path", "fts_query", "open_store",
]
