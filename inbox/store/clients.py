"""Clients: who the manager works for, each with a tier and maybe its own response target."""

from __future__ import annotations

from typing import Any

from sfogo.inbox.i18n import _

from ..errors import NotFound, SfogoError
from ..model import TIERS, Client, Tier
from ._part import Part, insert

_SELECT = "SELECT id, name, tier, target_s FROM clients"


def _client(row: tuple[Any, ...]) -> Client:
    return Client(id=row[0], name=row[1], tier=Tier(row[2]), target_s=row[3])


OWN_TARGETS_SQL = "SELECT id, target_s FROM clients WHERE target_s IS NOT NULL"


class Clients(Part):
    """``store.clients``."""

    __slots__ = ()

    def add(
        self, name: str, tier: str = "normal", target_s: int | None = None, *, now: int
    ) -> Client:
        name = name.strip()
        if not name:
            raise SfogoError(_("a client needs a name"))
        if tier not in TIERS:
            raise SfogoError(
                _("unknown tier {tier!r}: use one of {names}").format(
                    tier=tier, names=", ".join(TIERS)
                )
            )
        if target_s is not None and target_s <= 0:
            raise SfogoError(_("a response-time target must be longer than zero"))
        try:
            with self._store.transaction() as conn:
                client_id = insert(
                    conn,
                    "INSERT INTO clients (name, tier, target_s, created_at) VALUES (?, ?, ?, ?)",
                    (name, tier, target_s, now),
                )
        except self._store.IntegrityError:
            raise SfogoError(
                _("a client named {name!r} already exists").format(name=name)
            ) from None
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

    def edit(
        self,
        ref: str | int,
        *,
        name: str | None = None,
        tier: str | None = None,
        target_s: int | None = None,
        tier_target: bool = False,
    ) -> Client:
        """Rename a client, change its tier or its own response target (``tier_target``:
        drop it, so the tier's applies again); returns the client as it now is."""
        client = self.get(ref)
        sets: dict[str, object] = {}
        if name is not None:
            if not name.strip():
                raise SfogoError(_("a client needs a name"))
            sets["name"] = name.strip()
        if tier is not None:
            if tier not in TIERS:
                raise SfogoError(
                    _("unknown tier {tier!r}: use one of {names}").format(
                        tier=tier, names=", ".join(TIERS)
                    )
                )
            sets["tier"] = tier
        if tier_target and target_s is not None:
            raise SfogoError(_("give either a response-time target or the tier's, not both"))
        if target_s is not None:
            if target_s <= 0:
                raise SfogoError(_("a response-time target must be longer than zero"))
            sets["target_s"] = target_s
        if tier_target:
            sets["target_s"] = None
        if sets:
            columns = ", ".join(f"{column} = ?" for column in sets)
            try:
                with self._store.transaction() as conn:
                    conn.execute(
                        f"UPDATE clients SET {columns} WHERE id = ?", (*sets.values(), client.id)
                    )
            except self._store.IntegrityError:
                raise SfogoError(
                    _("a client named {name!r} already exists").format(name=sets["name"])
                ) from None
        return self.get(client.id)

    def remove(self, ref: str | int) -> Client:
        """Remove a client that has no accounts (one added by mistake). A client whose
        accounts hold items stays, so those items keep their client."""
        client = self.get(ref)
        accounts = self._conn.execute(
            "SELECT count(*), count(removed_at) FROM accounts WHERE client_id = ?", (client.id,)
        ).fetchone()
        if accounts[0] > accounts[1]:
            raise SfogoError(
                _(
                    "{name!r} still has {value} account(s): remove them first ('sfogo "
                    "account remove')"
                ).format(name=client.name, value=accounts[0] - accounts[1])
            )
        if accounts[0]:
            raise SfogoError(
                _("{name!r} is kept: the items of its removed accounts still belong to it").format(
                    name=client.name
                )
            )
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM clients WHERE id = ?", (client.id,))
        return client

    def own_targets(self) -> dict[int, int]:
        """Client id -> its own response target, for clients that set one."""
        return {cid: t for cid, t in self._conn.execute(OWN_TARGETS_SQL)}

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM clients").fetchone()[0]
