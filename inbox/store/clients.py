"""Clients: who the manager works for, each with a tier and maybe its own response target."""

from __future__ import annotations

from typing import Any

from ..errors import NotFound, SfogoError
from ..model import TIERS, Client, Tier
from ._part import Part, insert

_SELECT = "SELECT id, name, tier, target_s FROM clients"


def _client(row: tuple[Any, ...]) -> Client:
    return Client(id=row[0], name=row[1], tier=Tier(row[2]), target_s=row[3])


class Clients(Part):
    """``store.clients``."""

    __slots__ = ()

    def add(
        self, name: str, tier: str = "normal", target_s: int | None = None, *, now: int
    ) -> Client:
        name = name.strip()
        if not name:
            raise SfogoError("a client needs a name")
        if tier not in TIERS:
            raise SfogoError(f"unknown tier {tier!r}: use one of {', '.join(TIERS)}")
        if target_s is not None and target_s <= 0:
            raise SfogoError("a response-time target must be longer than zero")
        try:
            with self._store.transaction() as conn:
                client_id = insert(
                    conn,
                    "INSERT INTO clients (name, tier, target_s, created_at) VALUES (?, ?, ?, ?)",
                    (name, tier, target_s, now),
                )
        except self._store.IntegrityError:
            raise SfogoError(f"a client named {name!r} already exists") from None
        return Client(name=name, tier=Tier(tier), target_s=target_s, id=client_id)

    def all(self) -> list[Client]:
        """Every client, by name."""
        return [_client(r) for r in self._conn.execute(_SELECT + " ORDER BY name")]

    def get(self, ref: str | int) -> Client:
        """A client by id or by name (case-insensitive)."""
        row = None
        if isinstance(ref, int) or str(ref).isdigit():
            row = self._conn.execute(_SELECT + " WHERE id = ?", (int(ref),)).fetchone()
        if row is None:
            row = self._conn.execute(_SELECT + " WHERE name = ?", (str(ref),)).fetchone()
        if row is None:
            raise NotFound(f"no client {ref!r}: 'sfogo clients' lists them")
        return _client(row)

    def own_targets(self) -> dict[int, int]:
        """Client id -> its own response target, for clients that set one."""
        return {
            cid: t
            for cid, t in self._conn.execute(
                "SELECT id, target_s FROM clients WHERE target_s IS NOT NULL"
            )
        }

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM clients").fetchone()[0]
