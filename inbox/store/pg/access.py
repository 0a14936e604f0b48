"""Who may see what in a shared PostgreSQL inbox: roles, and row-level security by client.

The server enforces it, so it holds for sfogo and for ``psql`` alike:

- The **owner** of the inbox's tables (the role that created it) and every role that is a
  member of the owner's role see every client. PostgreSQL does not hold a table's owner
  to its row-level policies, so the owner's queries run as they would without any: no
  policy is evaluated, no plan changes. ``sfogo access grant ROLE --all`` makes a role a
  member of the owner's (an agency's lead: every client, and the owner's powers).
- A **member** sees the clients it was granted: a row per (role, client) in
  ``client_access``. Every table that holds a client's data has a policy (:data:`V1_POLICIES`)
  that lets any other role reach only the rows of those clients, directly (``clients``,
  ``accounts``), through the account (items, sync runs, posts, token checks), the item
  (tags, replies and likes, drafts), the run (its skips), the post (its events) or the
  triage key (the account it packs: the keys a triage page reads). A grant
  to a group role counts for its members.
- What a member may do to each table is :data:`MEMBER_PRIVILEGES`, granted to the group
  role :data:`MEMBER_GROUP` (cluster-wide, as PostgreSQL's roles are). A member reads its
  clients and works on their items: marks, tags, replies, likes, drafts, posts. It never
  writes what a sync writes (items, accounts, sync runs, token checks) nor what the whole
  agency shares (canned replies, away periods, the triage's keyword lists).
- **The sync loop** runs only in the app of a role that sees every client
  (:data:`SEES_EVERY_CLIENT`): a member's app would sync its own clients' accounts only and
  record the other clients' silence as theirs (:mod:`.locks` refuses it the loop).
- **Change notices** carry no payload (``NOTIFY sfogo_changes, ''``): a member hears that
  something changed, never what or whose.

A table added later declares its own policy in its own migration step
(:func:`client_policy`) and its line in :data:`MEMBER_PRIVILEGES`; the tests fail until
every table is one or the other of client-bound and shared.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...errors import NotFound, SfogoError, StoreError
from ...i18n import _
from ...rows import AccessRow
from .driver import psycopg

if TYPE_CHECKING:
    from .database import PgStore

MEMBER_GROUP = "sfogo_member"

# What a member's role may do to each table; the policies pick the rows. A table missing
# here is not granted at all.
MEMBER_PRIVILEGES: dict[str, str] = {
    "sfogo_meta": "SELECT",
    "client_access": "SELECT",
    "clients": "SELECT",
    "accounts": "SELECT",
    # Marks, snoozes and pins (the triage key follows them); what a customer wrote is
    # the sync's alone.
    "interactions": "SELECT, UPDATE (status, snoozed_until, handled_at, pinned, triage_key)",
    "interaction_tags": "SELECT, INSERT, DELETE",
    "replies": "SELECT, INSERT, UPDATE",  # the outbox: queue, edit, drop a reply or a like
    "drafts": "SELECT, INSERT, UPDATE, DELETE",
    "posts": "SELECT, INSERT, UPDATE",
    "post_events": "SELECT, INSERT",
    "sync_runs": "SELECT",
    "sync_run_skips": "SELECT",
    "token_checks": "SELECT",
    "canned_replies": "SELECT",
    "away_periods": "SELECT",
    "triage_meta": "SELECT",
    # The team (inbox/store/team.py): who is who, who owns an item, who is replying.
    "members": "SELECT",
    "assignments": "SELECT, INSERT, UPDATE, DELETE",
    "replying": "SELECT, INSERT, UPDATE, DELETE",
    "triage_open_keys": "SELECT",  # written by a trigger, as the table's owner
}

# The roles whose grants count for the current one: itself and the groups it inherits.
_MINE = "role_name IN (SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'USAGE'))"
_MY_CLIENTS = f"SELECT client_id FROM client_access WHERE {_MINE}"
# The accounts a role sees, once per statement (an InitPlan): accounts' own policy applies.
_BY_ACCOUNT = "account_id = ANY (ARRAY(SELECT id FROM accounts))"
# A triage key's account is its key divided by 64 (inbox/triage_keys.py's KEY_SPAN).
BY_KEY = "key / 64 = ANY (ARRAY(SELECT id FROM accounts))"


def by_item(table: str) -> str:
    """A policy's rows: those whose item (``interaction_id``) the role sees."""
    return f"EXISTS (SELECT 1 FROM interactions i WHERE i.id = {table}.interaction_id)"


# How the rows of each table of the first five schema versions reach their client.
V1_POLICIES: dict[str, str] = {
    "client_access": _MINE,
    "clients": f"id IN ({_MY_CLIENTS})",
    "accounts": f"client_id IN ({_MY_CLIENTS})",
    "interactions": _BY_ACCOUNT,
    "sync_runs": _BY_ACCOUNT,
    "posts": _BY_ACCOUNT,
    "token_checks": _BY_ACCOUNT,
    "interaction_tags": by_item("interaction_tags"),
    "replies": by_item("replies"),
    "drafts": by_item("drafts"),
    "sync_run_skips": "EXISTS (SELECT 1 FROM sync_runs r WHERE r.id = sync_run_skips.run_id)",
    "post_events": "EXISTS (SELECT 1 FROM posts p WHERE p.id = post_events.post_id)",
    # A canned reply for one client names it: shown to those who see the client.
    "canned_replies": "client = '' OR CAST(client AS citext) IN (SELECT name FROM clients)",
}
# Tables with no client's data: every member reads them whole.
SHARED = ("sfogo_meta", "triage_meta", "away_periods", "members")

# Whether the current role sees every client: the owner, its members, a superuser.
SEES_EVERY_CLIENT = """
SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(current_user, c.relowner, 'USAGE')
FROM pg_roles r, pg_class c
WHERE r.rolname = current_user AND c.oid = to_regclass('interactions')
"""
_OWNER = "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('interactions')"


def client_policy(table: str, rows: str) -> str:
    """The statements that hold every role but the owner's to ``rows`` of ``table`` (an SQL
    condition on its columns): for reading, and for what a write leaves behind."""
    return (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
        f"CREATE POLICY sfogo_by_client ON {table} USING ({rows}) WITH CHECK ({rows});\n"
    )


# The migration step (never edited once released: a later table adds its own policy).
CLIENT_ACCESS = """
CREATE TABLE client_access (
  role_name text COLLATE "C" NOT NULL,
  client_id bigint NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  granted_at bigint NOT NULL,
  PRIMARY KEY (role_name, client_id)
);
CREATE INDEX client_access_client ON client_access(client_id);
CREATE TRIGGER client_access_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON client_access FOR EACH STATEMENT EXECUTE FUNCTION sfogo_changed();
""" + "".join(client_policy(t, rows) for t, rows in V1_POLICIES.items())

ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")


def check_role_name(role: str) -> str:
    """``role`` if it can be a member's login role, else a one-line error."""
    if not ROLE_NAME.match(role) or role.startswith("pg_") or role == MEMBER_GROUP:
        raise SfogoError(
            _(
                "%(role)r cannot be a member's role: letters, digits, _ . - (up to 63,"
                " not starting with pg_ nor named %(group)s)"
            )
            % {"role": role, "group": MEMBER_GROUP}
        )
    return role


def access_of(store: object) -> Access:
    """The access control of ``store``; a one-line error on a SQLite inbox."""
    from .database import PgStore

    if not isinstance(store, PgStore):
        raise SfogoError(
            _("access control needs a PostgreSQL inbox (--db postgresql://USER@HOST/DB)")
        )
    return Access(store)


class Access:
    """The roles of one PostgreSQL inbox and the clients each may see."""

    __slots__ = ("_store",)

    def __init__(self, store: PgStore) -> None:
        self._store = store

    def _one(self, query: str, params: tuple = ()) -> object:
        row = self._store.conn.raw.execute(query, params).fetchone()
        return None if row is None else row[0]

    def current_role(self) -> str:
        return str(self._one("SELECT current_user"))

    def owner(self) -> str:
        return str(self._one(_OWNER))

    def sees_every_client(self) -> bool:
        return bool(self._one(SEES_EVERY_CLIENT))

    def _exists(self, role: str) -> bool:
        return self._one("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)) is not None

    def _refused(self, what: str) -> SfogoError:
        return StoreError(
            _("role %(me)s may not %(what)s: run it as the inbox's owner (%(owner)s)")
            % {"me": self.current_role(), "what": what, "owner": self.owner()}
        )

    def _fail(self, exc: psycopg.Error, what: str) -> SfogoError:
        if exc.sqlstate == "42501":
            return self._refused(what)
        return self._store.failure(exc) or StoreError(str(exc).splitlines()[0])

    def check_owner(self, what: str) -> None:
        """Only a role that sees every client changes who sees what."""
        if not self.sees_every_client():
            raise self._refused(what)

    def check_upgrade(self, version: int, target: int) -> None:
        """A member's sfogo, newer than the inbox, waits for the owner's to upgrade it."""
        if not self.sees_every_client():
            raise StoreError(
                _(
                    "%(inbox)s has schema %(version)d and this sfogo needs %(target)d: the"
                    " inbox's owner (%(owner)s) opens it once with this sfogo to upgrade it"
                )
                % {
                    "inbox": self._store.name,
                    "version": version,
                    "target": target,
                    "owner": self.owner(),
                }
            )

    # -- changing ------------------------------------------------------------------------

    def share_tables(self) -> None:
        """Make sure the members' group exists and holds exactly :data:`MEMBER_PRIVILEGES`
        on the tables there are (run after each migration by the owner)."""
        sql = psycopg.sql
        raw = self._store.conn.raw
        tables = {
            name
            for (name,) in raw.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r'"
                " AND relnamespace = current_schema()::regnamespace"
            )
        }
        group = sql.Identifier(MEMBER_GROUP)
        with raw.transaction():
            if not self._exists(MEMBER_GROUP):
                raw.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(group))
            for table in sorted(tables):
                name = sql.Identifier(table)
                raw.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(name, group))
                privileges = MEMBER_PRIVILEGES.get(table)
                if privileges:
                    raw.execute(sql.SQL("GRANT " + privileges + " ON {} TO {}").format(name, group))

    def share_again(self) -> None:
        """:meth:`share_tables` if the inbox has members, after a migration."""
        if self._exists(MEMBER_GROUP):
            self.share_tables()

    def add_role(self, role: str, password: str) -> None:
        """Create ``role``, a login role in the members' group; the server keeps only the
        password's verifier, computed here (the password never crosses the wire)."""
        sql = psycopg.sql
        check_role_name(role)
        self.check_owner(_("create roles"))
        if self._exists(role):
            raise SfogoError(
                _("role %(role)s exists already: 'sfogo access grant %(role)s CLIENT…'")
                % {"role": role}
            )
        raw = self._store.conn.raw
        try:
            self.share_tables()
            verifier = raw.pgconn.encrypt_password(password.encode(), role.encode()).decode()
            raw.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(role), sql.Literal(verifier), sql.Identifier(MEMBER_GROUP)
                )
            )
        except psycopg.Error as exc:
            raise self._fail(exc, _("create roles (it needs CREATEROLE)")) from None

    def grant(self, role: str, client_ids: list[int], *, now: int) -> int:
        """Let ``role`` see these clients; how many it did not see yet."""
        sql = psycopg.sql
        self.check_owner(_("grant access"))
        self._known(role)
        raw = self._store.conn.raw
        try:
            self.share_tables()
            raw.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(MEMBER_GROUP), sql.Identifier(role))
            )
            with self._store.transaction() as conn:
                added = 0
                for client_id in client_ids:
                    added += conn.execute(
                        "INSERT INTO client_access (role_name, client_id, granted_at)"
                        " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        (role, client_id, now),
                    ).rowcount
        except psycopg.Error as exc:
            raise self._fail(exc, _("grant access")) from None
        return added

    def grant_every_client(self, role: str) -> None:
        """Make ``role`` a member of the owner's: it sees every client, now and later."""
        sql = psycopg.sql
        self.check_owner(_("grant access"))
        self._known(role)
        try:
            self._store.conn.raw.execute(
                sql.SQL("GRANT {} TO {}").format(sql.Identifier(self.owner()), sql.Identifier(role))
            )
        except psycopg.Error as exc:
            raise self._fail(exc, _("grant access")) from None

    def revoke(self, role: str, client_ids: list[int] | None) -> int:
        """Take these clients from ``role`` (None: every client, and the owner's membership);
        how many it saw."""
        sql = psycopg.sql
        self.check_owner(_("revoke access"))
        try:
            with self._store.transaction() as conn:
                if client_ids is None:
                    if self._exists(role):
                        self._store.conn.raw.execute(
                            sql.SQL("REVOKE {} FROM {}").format(
                                sql.Identifier(self.owner()), sql.Identifier(role)
                            )
                        )
                    return conn.execute(
                        "DELETE FROM client_access WHERE role_name = ?", (role,)
                    ).rowcount
                return sum(
                    conn.execute(
                        "DELETE FROM client_access WHERE role_name = ? AND client_id = ?",
                        (role, c),
                    ).rowcount
                    for c in client_ids
                )
        except psycopg.Error as exc:
            raise self._fail(exc, _("revoke access")) from None

    def _known(self, role: str) -> None:
        check_role_name(role)
        if not self._exists(role):
            raise NotFound(
                _("no role %(role)s on this server: 'sfogo access role add %(role)s' creates it")
                % {"role": role}
            )

    # -- reading -------------------------------------------------------------------------

    def roles(self) -> list[AccessRow]:
        """The members' roles and what each sees, by name: every role granted a client,
        in the members' group, or a member of the owner's. A member reads its own."""
        raw = self._store.conn.raw
        granted: dict[str, list[str]] = {}
        for role, client in raw.execute(
            "SELECT a.role_name, c.name FROM client_access a JOIN clients c ON c.id = a.client_id"
            " ORDER BY a.role_name, c.name"
        ):
            granted.setdefault(role, []).append(str(client))
        found = raw.execute(
            "SELECT r.rolname, r.rolcanlogin,"
            " r.rolsuper OR r.rolbypassrls OR pg_has_role(r.oid, o.relowner, 'USAGE')"
            " FROM pg_roles r, pg_class o WHERE o.oid = to_regclass('interactions')"
            " AND r.oid != o.relowner AND r.rolname != %s AND (r.rolname = ANY(%s)"
            "  OR r.oid IN (SELECT m.member FROM pg_auth_members m WHERE m.roleid = o.relowner"
            "   OR m.roleid IN (SELECT oid FROM pg_roles WHERE rolname = %s)))",
            (MEMBER_GROUP, list(granted), MEMBER_GROUP),
        ).fetchall()
        known = {str(name): (bool(login), bool(every)) for name, login, every in found}
        mine = None if self.sees_every_client() else self._my_roles()
        rows = []
        for name in sorted({*known, *granted}):
            if mine is not None and name not in mine:
                continue
            login, every = known.get(name, (False, False))
            rows.append(
                AccessRow(
                    role=name,
                    exists=name in known,
                    login=login,
                    every_client=every,
                    clients=granted.get(name, []),
                )
            )
        return rows

    def _my_roles(self) -> set[str]:
        return {
            str(name)
            for (name,) in self._store.conn.raw.execute(
                "SELECT rolname FROM pg_roles WHERE pg_has_role(current_user, oid, 'USAGE')"
            )
        }

    def client_ids(self, refs: list[str]) -> list[int]:
        """The ids of the clients named (by id or name); a one-line error for an unknown one."""
        return [self._store.clients.get(ref).id for ref in refs]
