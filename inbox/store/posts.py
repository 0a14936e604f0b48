"""Expected posts and their history: what must go out, and every transition it went through
(the rules are inbox/posts/'s).

A post's row holds its present; ``post_events`` holds its past, one row per transition,
written in the same transaction as the change and never updated. The send columns
(``send_state``, ``attempts``, ``idempotency_key``) are moved with compare-and-set writes,
as the outbox moves replies (:mod:`.outbox`), so two senders never take the same post.
Every reason is redacted on its way into the file (a platform's refusal can quote the token
it refused), as the outbox's are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFound
from ..model import Channel
from ..redact import redact
from ..rows import PostEvent, PostRow
from ._part import Connection, Part, insert
from .filters import marks

_COLUMNS = (
    "id",
    "account_id",
    "at",
    "text",
    "media",
    "notes",
    "source",
    "platform_id",
    "state",
    "reason",
    "in_queue",
    "seen_at",
    "published_id",
    "published_at",
    "url",
    "expires_at",
    "send_action",
    "send_state",
    "send_reason",
    "attempts",
    "idempotency_key",
    "created_at",
    "updated_at",
)
_SELECT = (
    "SELECT "
    + ", ".join(f"p.{c}" for c in _COLUMNS)
    + ", a.handle, a.channel, c.name, c.id FROM posts p"
    " JOIN accounts a ON a.id = p.account_id JOIN clients c ON c.id = a.client_id"
)
# Columns a change may set besides the state (a whitelist: names become SQL).
SETTABLE = frozenset(
    {
        "at",
        "text",
        "media",
        "notes",
        "platform_id",
        "in_queue",
        "seen_at",
        "published_id",
        "published_at",
        "url",
        "expires_at",
        "send_action",
        "send_state",
        "send_reason",
        "attempts",
        "idempotency_key",
        "source",
    }
)
_CHANNEL = {c.value: c for c in Channel}
# A history line's detail that keeps a queue id a post no longer has (a restore gave it a
# new one): the watchdog must not take that id, listed again, for a new post.
OLD_ID = "platform id "


def _post(row: Sequence[Any]) -> PostRow:
    data = dict(zip(_COLUMNS, row, strict=False))
    data["in_queue"] = bool(data["in_queue"])
    n = len(_COLUMNS)
    data["account"], data["channel"] = row[n], _CHANNEL.get(row[n + 1], row[n + 1])
    data["client"], data["client_id"] = row[n + 2], row[n + 3]
    return data  # type: ignore[return-value]


@dataclass(slots=True)
class NewPost:
    """A post to add (a plan row, a queue entry seen for the first time, ``sfogo post``)."""

    account_id: int
    at: int
    text: str
    source: str
    media: str = ""
    notes: str = ""
    platform_id: str = ""
    in_queue: bool = False
    expires_at: int | None = None
    send_action: str = ""
    send_state: str = ""
    idempotency_key: str = ""
    reason: str = ""  # the first event's reason ("read from Mastodon's queue" …)


@dataclass(slots=True)
class Change:
    """What happens to one post: a new state (or None: only fields change), the fields it
    sets, and what its history records. ``expect``: only from these states (else skipped)."""

    post_id: int
    state: str | None = None
    reason: str = ""
    fields: dict = field(default_factory=dict)
    old_at: int | None = None
    new_at: int | None = None
    detail: str = ""
    expect: tuple[str, ...] | None = None
    event: bool = True  # False: a quiet field update (in_queue) with no history line


class Posts(Part):
    """``store.posts``."""

    __slots__ = ()

    # -- reading ----------------------------------------------------------------------------

    def get(self, post_id: int) -> PostRow:
        row = self._conn.execute(_SELECT + " WHERE p.id = ?", (post_id,)).fetchone()
        if row is None:
            raise NotFound(f"no post with id {post_id}: 'sfogo posts' lists them")
        return _post(row)

    def listing(
        self,
        *,
        client_id: int | None = None,
        account_id: int | None = None,
        states: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
    ) -> list[PostRow]:
        """Posts by time (then id), narrowed by each argument given; ``until`` exclusive."""
        terms: list[str] = []
        params: list[str | int] = []
        if client_id is not None:
            terms.append("a.client_id = ?")
            params.append(client_id)
        if account_id is not None:
            terms.append("p.account_id = ?")
            params.append(account_id)
        if states:
            terms.append(f"p.state IN ({marks(len(states))})")
            params += list(states)
        if since is not None:
            terms.append("p.at >= ?")
            params.append(since)
        if until is not None:
            terms.append("p.at < ?")
            params.append(until)
        clause = f" WHERE {' AND '.join(terms)}" if terms else ""
        tail = " ORDER BY p.at, p.id" + (" LIMIT ?" if limit else "")
        if limit:
            params.append(limit)
        return [_post(r) for r in self._conn.execute(_SELECT + clause + tail, params)]

    def watched(self, account_id: int) -> list[PostRow]:
        """The account's posts the watchdog still compares (not settled, not refused)."""
        return [
            _post(r)
            for r in self._conn.execute(
                _SELECT + " WHERE p.account_id = ? AND p.state NOT IN"
                " ('published', 'late', 'cancelled', 'failed') ORDER BY p.at, p.id",
                (account_id,),
            )
        ]

    def platform_ids(self, account_id: int) -> set[str]:
        """Every queue id the account's posts ever had (settled ones too): an entry seen
        again is not a new post."""
        return {
            pid
            for (pid,) in self._conn.execute(
                "SELECT platform_id FROM posts WHERE account_id = ? AND platform_id != ''",
                (account_id,),
            )
        } | {
            detail[len(OLD_ID) :]
            for (detail,) in self._conn.execute(
                "SELECT e.detail FROM post_events e JOIN posts p ON p.id = e.post_id"
                " WHERE p.account_id = ? AND e.detail LIKE ?",
                (account_id, f"{OLD_ID}%"),
            )
        }

    def history(self, post_ids: Iterable[int]) -> dict[int, list[PostEvent]]:
        """Each post's transitions, oldest first."""
        ids = list(post_ids)
        found: dict[int, list[PostEvent]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for r in self._conn.execute(
                "SELECT id, post_id, at, state, reason, old_at, new_at, detail FROM post_events"
                f" WHERE post_id IN ({marks(len(chunk))}) ORDER BY post_id, id",
                chunk,
            ):
                found[r[1]].append(PostEvent(*r))
        return found

    def state_counts(self, *, since: int | None = None) -> dict[str, int]:
        """Posts per state (those whose time is at or after ``since``)."""
        sql = "SELECT state, count(*) FROM posts"
        params: list = []
        if since is not None:
            sql += " WHERE at >= ?"
            params.append(since)
        return dict(self._conn.execute(sql + " GROUP BY state", params).fetchall())

    def pending_due(self, now: int) -> list[tuple[int, int, int]]:
        """(post id, account id, at) of posts still expected whose time has come: the ones
        a gap can put at risk."""
        return self._conn.execute(
            "SELECT id, account_id, at FROM posts WHERE state IN ('scheduled', 'rescheduled')"
            " AND at <= ?",
            (now,),
        ).fetchall()

    def to_send(self, account_id: int, now: int) -> list[PostRow]:
        """The account's posts the outbox must act on now: a restore to the platform's
        queue at once, a post of sfogo's own queue once its time has come."""
        return [
            _post(r)
            for r in self._conn.execute(
                # The partial index's own term, then what waits for the manager left out.
                _SELECT + " WHERE p.account_id = ? AND p.send_state IN ('queued', 'sending',"
                " 'unknown') AND p.send_state != 'unknown'"
                " AND (p.send_action = 'schedule' OR p.at <= ?) ORDER BY p.at, p.id",
                (account_id, now),
            )
        ]

    def due_counts(self, now: int) -> dict[int, int]:
        """Account id -> posts the outbox must act on now."""
        return dict(
            self._conn.execute(
                "SELECT account_id, count(*) FROM posts"
                " WHERE send_state IN ('queued', 'sending', 'unknown') AND send_state != 'unknown'"
                " AND (send_action = 'schedule' OR at <= ?) GROUP BY account_id",
                (now,),
            ).fetchall()
        )

    def next_send_at(self, after: int) -> int | None:
        """The time of the next post of sfogo's own queue after ``after`` (the watch loop
        wakes for it)."""
        row = self._conn.execute(
            "SELECT min(at) FROM posts WHERE send_state = 'queued' AND send_action = 'publish'"
            " AND at > ?",
            (after,),
        ).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM posts").fetchone()[0]

    # -- writing ----------------------------------------------------------------------------

    def add(self, posts: Iterable[NewPost], *, now: int) -> list[int]:
        """Add posts (all or none, in one transaction), each with its first history line;
        return their ids."""
        ids = []
        with self._store.transaction() as conn:
            for p in posts:
                post_id = insert(
                    conn,
                    "INSERT INTO posts (account_id, at, text, media, notes, source, platform_id,"
                    " in_queue, seen_at, expires_at, send_action, send_state, idempotency_key,"
                    " reason, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        p.account_id,
                        p.at,
                        p.text,
                        p.media,
                        p.notes,
                        p.source,
                        p.platform_id,
                        int(p.in_queue),
                        now if p.in_queue else None,
                        p.expires_at,
                        p.send_action,
                        p.send_state,
                        p.idempotency_key,
                        redact(p.reason),
                        now,
                        now,
                    ),
                )
                conn.execute(
                    "INSERT INTO post_events (post_id, at, state, reason) VALUES (?, ?, ?, ?)",
                    (post_id, now, "scheduled", redact(p.reason)),
                )
                ids.append(post_id)
        return ids

    def apply(self, changes: Iterable[Change], *, now: int) -> int:
        """Apply changes in one transaction; return how many took place (a change whose
        post left its ``expect`` states meanwhile is skipped)."""
        done = 0
        with self._store.transaction() as conn:
            for change in changes:
                done += self._one(conn, change, now)
        return done

    def change(self, change: Change, *, now: int) -> bool:
        """Apply one change; False if the post was not in one of its ``expect`` states."""
        return self.apply([change], now=now) == 1

    @staticmethod
    def _one(conn: Connection, change: Change, now: int) -> int:
        unknown = set(change.fields) - SETTABLE
        if unknown:
            raise ValueError(f"posts cannot set {sorted(unknown)}")
        sets = ["updated_at = ?"]
        params: list = [now]
        reason = redact(change.reason)
        if change.state is not None:
            sets += ["state = ?", "reason = ?"]
            params += [change.state, reason]
        for name, value in change.fields.items():
            sets.append(f"{name} = ?")
            if name == "send_reason":
                value = redact(str(value))
            params.append(int(value) if isinstance(value, bool) else value)
        sql = f"UPDATE posts SET {', '.join(sets)} WHERE id = ?"
        params.append(change.post_id)
        if change.expect is not None:
            sql += f" AND state IN ({marks(len(change.expect))})"
            params += list(change.expect)
        if conn.execute(sql, params).rowcount != 1:
            return 0
        if change.event:
            state = change.state
            if state is None:
                state = conn.execute(
                    "SELECT state FROM posts WHERE id = ?", (change.post_id,)
                ).fetchone()[0]
            conn.execute(
                "INSERT INTO post_events (post_id, at, state, reason, old_at, new_at, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    change.post_id,
                    now,
                    state,
                    reason,
                    change.old_at,
                    change.new_at,
                    change.detail,  # a text before an edit, an old id: ours, read back
                ),
            )
        return 1

    # -- the outbox's compare-and-set writes ------------------------------------------------

    def take(self, post_id: int, *, expect: str, attempts: int, reason: str, now: int) -> bool:
        """Mark a post's send ``sending`` and count the attempt, if no one else took it
        since it was read (its send state and attempts unchanged)."""
        with self._store.transaction() as conn:
            cur = conn.execute(
                "UPDATE posts SET send_state = 'sending', attempts = attempts + 1,"
                " send_reason = ?, updated_at = ? WHERE id = ? AND send_state = ?"
                " AND attempts = ?",
                (reason, now, post_id, expect, attempts),
            )
        return cur.rowcount == 1

    def set_send(
        self, post_id: int, send_state: str, reason: str, *, now: int, expect: str | None = None
    ) -> bool:
        """Move a post's send to ``send_state`` (only from ``expect``, if given)."""
        sql = "UPDATE posts SET send_state = ?, send_reason = ?, updated_at = ? WHERE id = ?"
        params: list = [send_state, redact(reason), now, post_id]
        if expect is not None:
            sql += " AND send_state = ?"
            params.append(expect)
        with self._store.transaction() as conn:
            cur = conn.execute(sql, params)
        return cur.rowcount == 1
