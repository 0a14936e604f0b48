"""Accounts: one client's presence on one platform, with the connector's cursor."""

from __future__ import annotations

import json
from typing import Any

from ..errors import NotFound, SfogoError
from ..model import CHANNELS, Account, Channel, Tier
from ..rows import AccountOwner
from ._part import Part, insert

_SELECT = "SELECT id, client_id, channel, handle, display_name, settings, cursor FROM accounts"
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
            raise SfogoError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}")
        handle = handle.strip()
        if not handle:
            raise SfogoError("an account needs a handle")
        try:
            with self._store.transaction() as conn:
                account_id = insert(
                    conn,
                    "INSERT INTO accounts (client_id, channel, handle, display_name, settings,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (owner.id, channel, handle, display_name, json.dumps(settings or {}), now),
                )
        except self._store.IntegrityError:
            raise SfogoError(f"the {channel} account {handle!r} already exists") from None
        return Account(
            client_id=owner.id,
            channel=Channel(channel),
            handle=handle,
            display_name=display_name,
            settings=settings or {},
            id=account_id,
        )

    def all(self, client_id: int | None = None) -> list[Account]:
        """Every account (or one client's), by id."""
        if client_id is None:
            rows = self._conn.execute(_SELECT + " ORDER BY id")
        else:
            rows = self._conn.execute(_SELECT + " WHERE client_id = ? ORDER BY id", (client_id,))
        return [_account(r) for r in rows]

    def get(self, ref: str | int) -> Account:
        """An account by id, ``handle``, or ``channel:handle`` when a handle is ambiguous."""
        text = str(ref)
        if isinstance(ref, int) or text.isdigit():
            row = self._conn.execute(_SELECT + " WHERE id = ?", (int(text),)).fetchone()
            if row:
                return _account(row)
        channel, _, handle = text.partition(":")
        if handle and channel in CHANNELS:
            rows = self._conn.execute(
                _SELECT + " WHERE channel = ? AND handle = ?", (channel, handle)
            ).fetchall()
        else:
            rows = self._conn.execute(_SELECT + " WHERE handle = ?", (text,)).fetchall()
        if not rows:
            raise NotFound(f"no account {text!r}: 'sfogo accounts' lists them")
        if len(rows) > 1:
            options = ", ".join(f"{r[2]}:{r[3]}" for r in rows)
            raise SfogoError(f"{text!r} names several accounts: say which, as one of {options}")
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

    def ids(self) -> list[int]:
        return [r[0] for r in self._conn.execute("SELECT id FROM accounts ORDER BY id")]

    def owners(self) -> list[AccountOwner]:
        """Every account with its client, by client name then account id."""
        return [
            AccountOwner(aid, cid, name, _TIER[tier], own, _CHANNEL[channel], handle)
            for aid, cid, name, tier, own, channel, handle in self._conn.execute(
                "SELECT a.id, c.id, c.name, c.tier, c.target_s, a.channel, a.handle"
                " FROM accounts a JOIN clients c ON c.id = a.client_id"
                " ORDER BY c.name, a.id"
            )
        ]

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM accounts").fetchone()[0]
