"""Accounts: one client's presence on one platform, with the connector's cursor.

A removed account keeps its row (``removed_at`` set) so its items stay readable and still
say where they came from; it is no longer listed, synced or found by handle, and adding the
same channel and handle again brings it back.
"""

from __future__ import annotations

import json
from typing import Any

from sfogo.inbox.i18n import _

from ..errors import NotFound, SfogoError
from ..model import CHANNELS, Account, Channel, Tier
from ..rows import AccountOwner
from ._part import Part, insert

_SELECT = (
    "SELECT id, client_id, channel, handle, display_name, settings, cursor, removed_at"
    " FROM accounts"
)
_ACTIVE = " removed_at IS NULL"
# Plain strings from SQLite -> enum members (a dict lookup; every triage page reads these).
_TIER = {t.value: t for t in Tier}
_CHANNEL = {c.value: c for c in Channel}


def _account(row: tuple[Any, ...]) -> Account:
    return Account(
        id=row[0],
        client_id=row[1],
        channel=Channel(row[2]),
        handle=row[3],
        display_name=row[4],
        settings=json.loads(row[5] or "{}"),
        cursor=json.loads(row[6] or "{}"),
        removed_at=row[7],
    )


OWNERS_SQL = (
    "SELECT a.id, c.id, c.name, c.tier, c.target_s, a.channel, a.handle, a.removed_at"
    " FROM accounts a JOIN clients c ON c.id = a.client_id"
    " ORDER BY c.name, a.id"
)


class Accounts(Part):
    """``store.accounts``."""

    __slots__ = ()

    def add(
        self,
        client: str | int,
        channel: str,
        handle: str,
        display_name: str = "",
        settings: dict | None = None,
        *,
        now: int,
    ) -> Account:
        owner = self._store.clients.get(client)
        if channel not in CHANNELS:
            raise SfogoError(
                _("unknown channel {channel!r}: use one of {names}").format(
                    channel=channel, names=", ".join(CHANNELS)
                )
            )
        handle = handle.strip()
        if not handle:
            raise SfogoError(_("an account needs a handle"))
        gone = self._conn.execute(
            "SELECT id FROM accounts WHERE channel = ? AND handle = ? AND removed_at IS NOT NULL",
            (channel, handle),
        ).fetchone()
        if gone is not None:  # added again: the removed account comes back, with its items
            with self._store.transaction() as conn:
                conn.execute(
                    "UPDATE accounts SET client_id = ?, display_name = ?, settings = ?,"
                    " removed_at = NULL WHERE id = ?",
                    (owner.id, display_name, json.dumps(settings or {}), gone[0]),
                )
            return self.get(gone[0])
        try:
            with self._store.transaction() as conn:
                account_id = insert(
                    conn,
                    "INSERT INTO accounts (client_id, channel, handle, display_name, settings,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (owner.id, channel, handle, display_name, json.dumps(settings or {}), now),
                )
        except self._store.IntegrityError:
            raise SfogoError(
                _("the {channel} account {handle!r} already exists").format(
                    channel=channel, handle=handle
                )
            ) from None
        return Account(
            client_id=owner.id,
            channel=Channel(channel),
            handle=handle,
            display_name=display_name,
            settings=settings or {},
            id=account_id,
        )

    def all(self, client_id: int | None = None, *, removed: bool = False) -> list[Account]:
        """Every account (or one client's), by id; removed ones too with ``removed``."""
        where = [] if removed else [_ACTIVE]
        params: tuple = ()
        if client_id is not None:
            where.append(" client_id = ?")
            params = (client_id,)
        sql = _SELECT + (" WHERE" + " AND".join(where) if where else "") + " ORDER BY id"
        return [_account(r) for r in self._conn.execute(sql, params)]

    def get(self, ref: str | int, *, removed: bool = False) -> Account:
        """An account by id, ``handle``, or ``channel:handle`` when a handle is ambiguous;
        a removed account only with ``removed`` (else the error says it was removed)."""
        text = str(ref)
        rows = self._matches(text, by_id=isinstance(ref, int) or text.isdigit())
        found = rows if removed else [r for r in rows if r[7] is None]
        if rows and not found:
            raise NotFound(
                f"the account {text!r} was removed: 'sfogo account add' with the same channel "
                "and handle brings it back"
            )
        rows = found
        if not rows:
            raise NotFound(f"no account {text!r}: 'sfogo accounts' lists them")
        if len(rows) > 1:
            options = ", ".join(f"{r[2]}:{r[3]}" for r in rows)
            raise SfogoError(
                _("{text!r} names several accounts: say which, as one of {options}").format(
                    text=text, options=options
                )
            )
        return _account(rows[0])

    def update(
        self,
        account_id: int,
        *,
        settings: dict | None = None,
        cursor: dict | None = None,
        display_name: str | None = None,
    ) -> None:
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
            with self._store.transaction() as conn:
                conn.execute(
                    f"UPDATE accounts SET {', '.join(sets)} WHERE id = ?", (*params, account_id)
                )

    @staticmethod
    def by_id_statement(account_id: int) -> tuple[str, list]:
        """The statement :meth:`get` asks first for an id (a server engine sends it ahead)."""
        return _SELECT + " WHERE id = ?", [account_id]

    def _matches(self, text: str, *, by_id: bool) -> list[tuple[Any, ...]]:
        if by_id:
            rows = self._conn.execute(*self.by_id_statement(int(text))).fetchall()
            if rows:
                return rows
        channel, _, handle = text.partition(":")
        if handle and channel in CHANNELS:
            return self._conn.execute(
                _SELECT + " WHERE channel = ? AND handle = ?", (channel, handle)
            ).fetchall()
        return self._conn.execute(_SELECT + " WHERE handle = ?", (text,)).fetchall()

    def rename(self, account_id: int, handle: str) -> Account:
        """Give an account its new handle (the platform's handle changed)."""
        handle = handle.strip()
        if not handle:
            raise SfogoError(_("an account needs a handle"))
        account = self.get(account_id)
        try:
            with self._store.transaction() as conn:
                conn.execute("UPDATE accounts SET handle = ? WHERE id = ?", (handle, account_id))
        except self._store.IntegrityError:
            raise SfogoError(
                _(
                    "the {channel} account {handle!r} already exists (or was removed: "
                    "'sfogo accounts --all' lists it)"
                ).format(channel=account.channel, handle=handle)
            ) from None
        return self.get(account_id)

    def move(self, account_id: int, client: str | int) -> Account:
        """Give an account to another client (its items follow it)."""
        owner = self._store.clients.get(client)
        with self._store.transaction() as conn:
            conn.execute("UPDATE accounts SET client_id = ? WHERE id = ?", (owner.id, account_id))
        return self.get(account_id)

    def remove(self, account_id: int, *, now: int) -> int:
        """Remove an account: no longer synced or listed; its items stay. Its replies and
        posts still waiting are not sent (they stay listed). Returns how many items it has."""
        account = self.get(account_id)
        with self._store.transaction() as conn:
            conn.execute("UPDATE accounts SET removed_at = ? WHERE id = ?", (now, account.id))
        return self.item_count(account.id)

    def item_count(self, account_id: int) -> int:
        """How many items an account has (removed or not)."""
        return self._conn.execute(
            "SELECT count(*) FROM interactions WHERE account_id = ?", (account_id,)
        ).fetchone()[0]

    def ids(self) -> list[int]:
        return [r[0] for r in self._conn.execute("SELECT id FROM accounts ORDER BY id")]

    def owners(self) -> list[AccountOwner]:
        """Every account with its client, by client name then account id; removed ones too
        (their items keep their client's tier and target)."""
        return [
            AccountOwner(
                aid, cid, name, _TIER[tier], own, _CHANNEL[channel], handle, gone is not None
            )
            for aid, cid, name, tier, own, channel, handle, gone in self._conn.execute(OWNERS_SQL)
        ]

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
