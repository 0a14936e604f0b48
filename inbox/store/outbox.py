"""Outbox rows: the replies and likes the outbox holds, and the compare-and-set writes that
send each once (the rules are inbox/outbox.py's). Every reason is redacted on its way into
the file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import NotFound
from ..model import Channel, Kind, OutboxAction, ReplyState
from ..redact import redact
from ..rows import ReplyRow
from ._part import Part, insert
from .filters import chunked, marks

# A reply not yet out, most pressing first: what the manager must decide, then what waits.
WAITING = ("unknown", "failed", "held", "sending", "queued")
_CHUNK = 500  # ids per IN (...) list

_SELECT = """
SELECT r.id, r.interaction_id, r.text, r.state, r.reason, r.created_at, r.updated_at,
       r.sent_at, r.attempts, r.idempotency_key, r.external_id, r.link, r.lookups,
       r.attempted_at, i.account_id, a.channel, a.handle, c.name, i.author_name,
       i.author_handle, i.text, i.kind, r.action
FROM replies r JOIN interactions i ON i.id = r.interaction_id
JOIN accounts a ON a.id = i.account_id JOIN clients c ON c.id = a.client_id
"""
_FIELDS = (
    "id",
    "item_id",
    "text",
    "state",
    "reason",
    "created_at",
    "updated_at",
    "sent_at",
    "attempts",
    "idempotency_key",
    "external_id",
    "link",
    "lookups",
    "attempted_at",
    "account_id",
    "channel",
    "handle",
    "client",
    "parent_author",
    "parent_handle",
    "parent_text",
    "parent_kind",
    "action",
)


def _reply(row: tuple[Any, ...]) -> ReplyRow:
    data = dict(zip(_FIELDS, row, strict=True))
    data["state"] = ReplyState(data["state"])
    data["channel"] = Channel(data["channel"])
    data["parent_kind"] = Kind(data["parent_kind"])
    data["action"] = OutboxAction(data["action"])
    data["account"] = f"{data['channel']}:{data['handle']}"
    return data  # type: ignore[return-value]  # built from _FIELDS, a ReplyRow's keys


class Outbox(Part):
    """``store.outbox``."""

    __slots__ = ()

    def get(self, reply_id: int) -> ReplyRow:
        row = self._conn.execute(_SELECT + " WHERE r.id = ?", (reply_id,)).fetchone()
        if row is None:
            raise NotFound(f"no reply with id {reply_id}: 'sfogo outbox' lists them")
        return _reply(row)

    def replies(
        self,
        *,
        states: tuple[str, ...] | None = None,
        account_id: int | None = None,
        since: int | None = None,
    ) -> list[ReplyRow]:
        """Replies newest first; ``since`` keeps sent/dropped ones only if updated after it."""
        terms: list[str] = []
        params: list[str | int] = []
        if states:
            terms.append(f"r.state IN ({marks(len(states))})")
            params += states
        if account_id is not None:
            terms.append("i.account_id = ?")
            params.append(account_id)
        if since is not None:
            terms.append("(r.state NOT IN ('sent', 'dropped') OR r.updated_at >= ?)")
            params.append(since)
        clause = f" WHERE {' AND '.join(terms)}" if terms else ""
        return [
            _reply(r)
            for r in self._conn.execute(
                _SELECT + clause + " ORDER BY r.created_at DESC, r.id DESC", params
            )
        ]

    @staticmethod
    def for_item_statement(item_id: int) -> tuple[str, list]:
        """:meth:`for_item`'s statement (a server engine sends it ahead)."""
        return _SELECT + " WHERE r.interaction_id = ? ORDER BY r.id", [item_id]

    def for_item(self, item_id: int) -> list[ReplyRow]:
        """The replies to one item, oldest first."""
        return [_reply(r) for r in self._conn.execute(*self.for_item_statement(item_id))]

    def add(
        self,
        item_id: int,
        text: str,
        *,
        idempotency_key: str,
        now: int,
        action: OutboxAction = OutboxAction.REPLY,
    ) -> int:
        """Queue a reply (or a like: ``action``, no text); return its id."""
        with self._store.transaction() as conn:
            return insert(
                conn,
                "INSERT INTO replies (interaction_id, text, state, created_at, updated_at,"
                " idempotency_key, action) VALUES (?, ?, 'queued', ?, ?, ?, ?)",
                (item_id, text, now, now, idempotency_key, str(action)),
            )

    def _swap(self, reply_id: int, expect: str, sets: str, params: tuple) -> bool:
        with self._store.transaction() as conn:
            cur = conn.execute(
                f"UPDATE replies SET {sets} WHERE id = ? AND state = ?", (*params, reply_id, expect)
            )
        return cur.rowcount == 1

    def edit(
        self, reply_id: int, *, expect: str, text: str, idempotency_key: str, now: int
    ) -> bool:
        """New text and key for a reply still in state ``expect``; False if it moved on."""
        return self._swap(
            reply_id,
            expect,
            "text = ?, idempotency_key = ?, updated_at = ?",
            (text, idempotency_key, now),
        )

    def set_state(
        self, reply_id: int, state: str, reason: str | None, *, now: int, expect: str | None = None
    ) -> bool:
        """Move a reply to ``state`` with ``reason`` (None: the reason stays), only from
        state ``expect`` if given; False if the reply was not in that state."""
        sets = "state = ?, updated_at = ?" + ("" if reason is None else ", reason = ?")
        params = (state, now) + (() if reason is None else (redact(reason),))
        if expect is not None:
            return self._swap(reply_id, expect, sets, params)
        with self._store.transaction() as conn:
            cur = conn.execute(f"UPDATE replies SET {sets} WHERE id = ?", (*params, reply_id))
        return cur.rowcount == 1

    def take(self, reply_id: int, *, expect: str, attempts: int, reason: str, now: int) -> bool:
        """Mark a reply ``sending`` and count the attempt, if no one else took it since it
        was read (its state and attempts unchanged)."""
        with self._store.transaction() as conn:
            cur = conn.execute(
                "UPDATE replies SET state = 'sending', attempts = attempts + 1, reason = ?,"
                " updated_at = ?, attempted_at = ?, lookups = 0"
                " WHERE id = ? AND state = ? AND attempts = ?",
                (redact(reason), now, now, reply_id, expect, attempts),
            )
        return cur.rowcount == 1

    def looked_up(
        self, reply_id: int, *, lookups: int, reason: str, now: int, state: str = "sending"
    ) -> bool:
        """A failed look-up for a reply still ``sending``: count it, say why (and move it to
        ``state``: ``unknown`` after the last one)."""
        return self._swap(
            reply_id,
            "sending",
            "state = ?, lookups = ?, reason = ?, updated_at = ?",
            (state, lookups, redact(reason), now),
        )

    def mark_sent(self, reply_id: int, external_id: str, *, link: str = "", now: int) -> None:
        """Sent, with the platform's id for it (group it with storing our own item)."""
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE replies SET state = 'sent', reason = '', sent_at = ?, updated_at = ?,"
                " external_id = ?, link = ? WHERE id = ?",
                (now, now, external_id, link, reply_id),
            )

    def set_link(self, reply_id: int, link: str) -> None:
        """Where a sent reply can be seen, when the platform told us after it took it."""
        with self._store.transaction() as conn:
            conn.execute("UPDATE replies SET link = ? WHERE id = ?", (link, reply_id))

    def waiting_counts(self) -> dict[tuple[int, str], int]:
        """(account id, state) -> replies and likes queued, sending, held or unknown."""
        return {
            (account_id, state): n
            for account_id, state, n in self._conn.execute(
                "SELECT i.account_id, r.state, count(*) FROM replies r"
                " JOIN interactions i ON i.id = r.interaction_id"
                " WHERE r.state IN ('queued', 'sending', 'held', 'unknown')"
                " GROUP BY i.account_id, r.state"
            )
        }

    def waiting_for(self, item_ids: Sequence[int]) -> dict[int, ReplyState]:
        """Item id -> the state of a reply of ours to it not yet out (queued, sending, held,
        failed or unknown), for a page of the list; the most pressing state if several."""
        found: dict[int, ReplyState] = {}
        for sql, params in self.waiting_statements(item_ids):
            for item_id, state in self._conn.execute(sql, params):
                state = ReplyState(state)
                if WAITING.index(state) < WAITING.index(found.get(item_id, state)):
                    found[item_id] = state
                else:
                    found.setdefault(item_id, state)
        return found

    @staticmethod
    def waiting_statements(item_ids: Sequence[int]) -> list[tuple[str, list]]:
        """:meth:`waiting_for`'s statements (a server engine sends them ahead)."""
        return [
            (
                "SELECT interaction_id, state FROM replies WHERE interaction_id IN"
                f" ({marks(len(chunk))}) AND state IN ({marks(len(WAITING))})"
                " AND action = 'reply'",
                [*chunk, *WAITING],
            )
            for chunk in chunked(item_ids, _CHUNK)
        ]

    def likes_for(self, item_ids: Sequence[int]) -> dict[int, ReplyState]:
        """Item id -> the state of our like of it (any state but dropped), for a page of the
        list; the most pressing state if several, a sent one before a waiting one."""
        order = ("sent", *WAITING)
        found: dict[int, ReplyState] = {}
        for sql, params in self.likes_statements(item_ids):
            for item_id, state in self._conn.execute(sql, params):
                state = ReplyState(state)
                if item_id not in found or order.index(state) < order.index(found[item_id]):
                    found[item_id] = state
        return found

    @staticmethod
    def likes_statements(item_ids: Sequence[int]) -> list[tuple[str, list]]:
        """:meth:`likes_for`'s statements."""
        return [
            (
                "SELECT interaction_id, state FROM replies WHERE interaction_id IN"
                f" ({marks(len(chunk))}) AND action = 'like' AND state != 'dropped'",
                chunk,
            )
            for chunk in chunked(item_ids, _CHUNK)
        ]
