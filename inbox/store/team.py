"""The team on one inbox: its members, who owns which item, and who is replying to which.

A member has a unique name (whatever its case), an optional PostgreSQL login role (unique
when set: the database tells an app whose role it is, see inbox/team.py) and their own
working time ('' where the config's ``[work]`` applies). Removing a member leaves their items
unassigned and drops their away periods and replying claims (foreign keys cascade).

"Is replying" is a claim on an item with the time it was last renewed: a composer open on
the item renews it every :data:`RENEW_S`; a claim not renewed for :data:`REPLYING_EXPIRES_S`
is over (an app that crashed or lost its connection never says goodbye).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import NotFound, SfogoError
from ..i18n import _
from ..rows import MemberRow, Presence
from ._part import Part, insert
from .filters import chunked, marks

# The composer renews its claim this often; the claim lapses after this long without one.
# Two missed renewals are tolerated (a slow disk, a busy server); a crashed app's claim is
# gone within five minutes, short enough that a colleague waiting on it is not stuck.
RENEW_S = 120
REPLYING_EXPIRES_S = 300
_CHUNK = 500
_SELECT = "SELECT id, name, login_role, days, hours, timezone FROM members"


class Team(Part):
    """``store.team``."""

    __slots__ = ()

    # -- members ------------------------------------------------------------------------

    def members(self) -> list[MemberRow]:
        """Every member, by name."""
        return [MemberRow(*r) for r in self._conn.execute(_SELECT + " ORDER BY lower(name), id")]

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM members").fetchone()[0]

    def find(self, name: str) -> MemberRow | None:
        """The member called ``name`` (any case), if there is one."""
        row = self._conn.execute(_SELECT + " WHERE name = ?", (name,)).fetchone()
        return None if row is None else MemberRow(*row)

    def get(self, name: str) -> MemberRow:
        found = self.find(name)
        if found is None:
            raise NotFound(_("no team member {name!r}: 'sfogo team' shows them").format(name=name))
        return found

    def by_role(self, role: str) -> MemberRow | None:
        """The member whose login role is ``role``."""
        if not role:
            return None
        row = self._conn.execute(_SELECT + " WHERE login_role = ?", (role,)).fetchone()
        return None if row is None else MemberRow(*row)

    def login_role(self) -> str:
        """The database role this connection logged in as ('' for an SQLite file)."""
        if self._store.engine != "postgresql":
            return ""
        return self._conn.execute("SELECT CAST(current_user AS text)").fetchone()[0]

    def add(
        self,
        name: str,
        *,
        login_role: str = "",
        days: str = "",
        hours: str = "",
        timezone: str = "",
        now: int,
    ) -> int:
        """Add a member (values checked by the caller); return their id."""
        try:
            with self._store.transaction() as conn:
                return insert(
                    conn,
                    "INSERT INTO members (name, login_role, days, hours, timezone, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (name, login_role, days, hours, timezone, now),
                )
        except self._store.IntegrityError:
            raise SfogoError(self._taken(name, login_role)) from None

    def _taken(self, name: str, role: str) -> str:
        if role and (other := self.by_role(role)) is not None and other.name != name:
            return _("the login role {role!r} is {name}'s already").format(
                role=role, name=other.name
            )
        return _("a team member named {name!r} already exists: pick another name").format(name=name)

    def edit(self, member: MemberRow, **changes: str) -> MemberRow:
        """Change some of ``name``, ``login_role``, ``days``, ``hours``, ``timezone``."""
        new = member._replace(**changes)  # type: ignore[arg-type]  # names checked by callers
        try:
            with self._store.transaction() as conn:
                conn.execute(
                    "UPDATE members SET name = ?, login_role = ?, days = ?, hours = ?,"
                    " timezone = ? WHERE id = ?",
                    (new.name, new.login_role, new.days, new.hours, new.timezone, member.id),
                )
        except self._store.IntegrityError:
            raise SfogoError(self._taken(new.name, new.login_role)) from None
        return new

    def remove(self, member: MemberRow) -> None:
        """Forget a member: their items become unassigned, their away periods go."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM members WHERE id = ?", (member.id,))

    def open_counts(self) -> dict[int, int]:
        """Member id -> how many new or open items they own."""
        return dict(
            self._conn.execute(
                "SELECT s.member_id, count(*) FROM assignments s JOIN interactions i"
                " ON i.id = s.interaction_id WHERE i.status IN ('new', 'open')"
                " GROUP BY s.member_id"
            ).fetchall()
        )

    # -- assignment ---------------------------------------------------------------------

    def assign(self, item_ids: Sequence[int], member_id: int | None, *, now: int) -> None:
        """Give ``item_ids`` to a member (None: to nobody). Inside a transaction of the
        caller's, or in one of its own."""
        with self._store.transaction() as conn:
            if member_id is None:
                for start in range(0, len(item_ids), _CHUNK):
                    chunk = list(item_ids[start : start + _CHUNK])
                    conn.execute(
                        f"DELETE FROM assignments WHERE interaction_id IN ({marks(len(chunk))})",
                        chunk,
                    )
                return
            conn.executemany(
                "INSERT INTO assignments (interaction_id, member_id, assigned_at) VALUES (?, ?, ?)"
                " ON CONFLICT (interaction_id) DO UPDATE SET member_id = excluded.member_id,"
                " assigned_at = excluded.assigned_at",
                [(i, member_id, now) for i in item_ids],
            )

    def assignees(self, item_ids: Sequence[int]) -> dict[int, MemberRow]:
        """Item id -> its owner, for the items that have one (key look-ups only)."""
        found: dict[int, MemberRow] = {}
        for sql, params in self.assignees_statements(item_ids):
            for row in self._conn.execute(sql, params):
                found[row[0]] = MemberRow(*row[1:])
        return found

    @staticmethod
    def assignees_statements(item_ids: Sequence[int]) -> list[tuple[str, list]]:
        """:meth:`assignees`'s statements (a server engine sends them ahead)."""
        return [
            (
                "SELECT s.interaction_id, m.id, m.name, m.login_role, m.days, m.hours,"
                " m.timezone FROM assignments s JOIN members m ON m.id = s.member_id"
                f" WHERE s.interaction_id IN ({marks(len(chunk))})",
                chunk,
            )
            for chunk in chunked(item_ids, _CHUNK)
        ]

    # -- who is replying ----------------------------------------------------------------

    def replying(self, item_ids: Sequence[int], *, now: int) -> dict[int, Presence]:
        """Item id -> who is writing a reply to it now (claims that have not lapsed)."""
        found: dict[int, Presence] = {}
        for sql, params in self.replying_statements(item_ids, now=now):
            for row in self._conn.execute(sql, params):
                found[row[0]] = Presence(*row)
        return found

    @staticmethod
    def replying_statements(item_ids: Sequence[int], *, now: int) -> list[tuple[str, list]]:
        """:meth:`replying`'s statements (a server engine sends them ahead)."""
        return [
            (
                "SELECT r.interaction_id, r.member_id, m.name, r.since, r.renewed_at"
                " FROM replying r JOIN members m ON m.id = r.member_id"
                f" WHERE r.interaction_id IN ({marks(len(chunk))}) AND r.renewed_at > ?",
                [*chunk, now - REPLYING_EXPIRES_S],
            )
            for chunk in chunked(item_ids, _CHUNK)
        ]

    def claim(
        self, item_id: int, member_id: int, *, now: int, force: bool = False
    ) -> Presence | None:
        """Say ``member_id`` is replying to ``item_id`` (or renew it). If someone else's
        claim on it is still live and ``force`` is not given, nothing is written and their
        claim is returned: ask first."""
        with self._store.transaction() as conn:
            other = self.replying([item_id], now=now).get(item_id)
            if other is not None and other.member_id != member_id and not force:
                return other
            since = now if other is None or other.member_id != member_id else other.since
            conn.execute(
                "INSERT INTO replying (interaction_id, member_id, since, renewed_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (interaction_id) DO UPDATE SET"
                " member_id = excluded.member_id, since = excluded.since,"
                " renewed_at = excluded.renewed_at",
                (item_id, member_id, since, now),
            )
        return None

    def release(self, item_id: int, member_id: int) -> None:
        """``member_id`` stopped replying to ``item_id`` (another's claim is left alone)."""
        with self._store.transaction() as conn:
            conn.execute(
                "DELETE FROM replying WHERE interaction_id = ? AND member_id = ?",
                (item_id, member_id),
            )
