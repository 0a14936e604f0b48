"""Who may see what on a shared PostgreSQL inbox: a member's role gets its clients' rows and
nothing else, through sfogo and through ``psql`` with its own login.

The module builds an agency once, as one would on a real server: an owner role that may
create roles (not a superuser), its database, the demo inbox in it, and a few rows more so
that every table holds rows of two clients; then a junior's role granted one client. Each
test works on its own copy of that database (``CREATE DATABASE … TEMPLATE``: the roles are
the server's, the rows, grants and policies the copy's own).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from conftest import NOW

from sfogo.inbox.errors import StoreError
from sfogo.inbox.model import Interaction
from sfogo.inbox.outbox import queue_reply
from sfogo.inbox.rows import TokenCheck
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.store.pg import access
from sfogo.inbox.store.pg.locks import PgSyncLock

ALL_STATUSES = ("new", "open", "snoozed", "done", "ignored")
_ACCOUNT = "(SELECT a.client_id FROM accounts a WHERE a.id = t.account_id)"
_ITEM = (
    "(SELECT a.client_id FROM interactions i JOIN accounts a ON a.id = i.account_id"
    " WHERE i.id = t.interaction_id)"
)
# Each client-bound table's client, found without the policies (the owner's reading).
CLIENT_OF = {
    "clients": "t.id",
    "accounts": "t.client_id",
    "interactions": _ACCOUNT,
    "sync_runs": _ACCOUNT,
    "posts": _ACCOUNT,
    "token_checks": _ACCOUNT,
    "interaction_tags": _ITEM,
    "replies": _ITEM,
    "drafts": _ITEM,
    "assignments": _ITEM,
    "replying": _ITEM,
    "sync_run_skips": (
        "(SELECT a.client_id FROM sync_runs r JOIN accounts a ON a.id = r.account_id"
        " WHERE r.id = t.run_id)"
    ),
    "post_events": (
        "(SELECT a.client_id FROM posts p JOIN accounts a ON a.id = p.account_id"
        " WHERE p.id = t.post_id)"
    ),
    "canned_replies": "(SELECT c.id FROM clients c WHERE c.name = CAST(t.client AS citext))",
    "client_access": "t.client_id",
    "triage_open_keys": "(SELECT a.client_id FROM accounts a WHERE a.id = t.key / 64)",
}
_names = itertools.count(1)


@dataclass
class Agency:
    server: object
    db: str
    owner: str
    junior: str
    granted: int  # the client the junior sees
    forbidden: int  # one it does not
    forbidden_item: int
    granted_item: int

    def url(self, role: str | None = None) -> str:
        return self.server.url(self.db, role or self.owner)  # type: ignore[attr-defined]

    def psql(self, sql: str, role: str | None = None):
        return self.server.psql(self.db, role or self.junior, sql)  # type: ignore[attr-defined]

    def owner_run(self, sql: str) -> None:
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def owner_one(self, sql: str):
        with psycopg.connect(self.url()) as conn:
            return conn.execute(sql).fetchone()


def _fill_every_table(store: Store) -> dict[int, int]:
    """Rows of every client in the tables the demo leaves empty; each client's own item."""
    items = {}
    store.canned.add("shared", "Grazie!", now=NOW)
    anna = store.team.add("Anna", now=NOW)
    for client in store.clients.all():
        account = next(a for a in store.accounts.all() if a.client_id == client.id)
        store.items.upsert(
            [
                Interaction(
                    account.id,
                    f"secret-{client.id}",
                    "comment",
                    NOW - 600,
                    text=f"riservato{client.id} pagamento",
                    tags=["segreto"],
                )
            ],
            now=NOW,
        )
        (row,) = store.items.page(InboxFilter(search=f"riservato{client.id}"))
        items[client.id] = row["id"]
        store.drafts.save(row["id"], "bozza", now=NOW)
        store.team.assign([row["id"]], anna, now=NOW)
        store.team.claim(row["id"], anna, now=NOW)
        queue_reply(store, row["id"], "Grazie per il messaggio", now=NOW)
        store.canned.add(f"per-{client.id}", "Ciao", client=client.name, now=NOW)
        store.runs.add(account.id, NOW - 60, NOW - 59, "ok", skipped={"no text": 2})
        store.runs.set_token_check(account.id, TokenCheck(NOW, NOW + 86400))
    store.away.add(NOW - 86400, NOW - 3600)
    return items


@dataclass
class Built:
    """The module's agency, built once: its database is the template of each test's."""

    db: str
    owner: str
    junior: str
    granted: int
    forbidden: int
    items: dict[int, int]


@pytest.fixture(scope="module")
def built_agency(pg_server):
    from sfogo.tui.demo.build import build_demo

    n = next(_names)
    owner, junior = f"agency{n}", f"giulia{n}"
    pg_server.admin(f"CREATE ROLE {owner} LOGIN CREATEROLE")
    db = pg_server.new_database("agency")
    pg_server.admin(f"ALTER DATABASE {db} OWNER TO {owner}")
    with Store(pg_server.url(db, owner)) as store:
        build_demo(store, seed=3, size=300, now=NOW)
        items = _fill_every_table(store)
        first, second = sorted(items)[:2]
        control = access.access_of(store)
        control.add_role(junior, "not used: logins are trusted on the test server")
        control.grant(junior, [first], now=NOW)
        control.add_role(f"other{n}", "not used")
        control.grant(f"other{n}", [second], now=NOW)
    # No session may hold the template while it is copied (autovacuum neither).
    pg_server.admin(f"ALTER DATABASE {db} ALLOW_CONNECTIONS false")
    yield Built(db, owner, junior, first, second, items)
    pg_server.drop_database(db)


@pytest.fixture
def agency(pg_server, built_agency):
    b = built_agency
    db = pg_server.new_database("access", template=b.db)
    pg_server.admin(f"ALTER DATABASE {db} OWNER TO {b.owner}")
    yield Agency(
        pg_server,
        db,
        b.owner,
        b.junior,
        b.granted,
        b.forbidden,
        b.items[b.forbidden],
        b.items[b.granted],
    )
    pg_server.drop_database(db)


def _counts(agency: Agency, table: str) -> tuple[int, int]:
    """(rows of the granted client or of none, all rows), as the owner reads them."""
    client = CLIENT_OF[table]
    if table == "client_access":  # the junior's own grants
        mine = f"t.role_name = '{agency.junior}'"
    else:
        mine = f"coalesce({client}, {agency.granted}) = {agency.granted}"
    row = agency.owner_one(f"SELECT count(*) FILTER (WHERE {mine}), count(*) FROM {table} t")
    assert row is not None
    return int(row[0]), int(row[1])


def _psql_one(agency: Agency, sql: str, role: str | None = None) -> str:
    done = agency.psql(sql, role)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_every_table_is_client_bound_or_shared_and_held_to_its_policy(agency):
    with psycopg.connect(agency.url()) as conn:
        tables = dict(
            conn.execute(
                "SELECT relname, relrowsecurity FROM pg_class WHERE relkind = 'r'"
                " AND relnamespace = current_schema()::regnamespace"
            ).fetchall()
        )
    assert set(tables) == set(CLIENT_OF) | set(access.SHARED)
    assert set(tables) == set(access.MEMBER_PRIVILEGES)
    assert {t for t, rls in tables.items() if rls} == set(CLIENT_OF)


def test_the_juniors_psql_reads_only_its_clients_rows_in_every_table(agency):
    for table in CLIENT_OF:
        mine, every = _counts(agency, table)
        assert 0 < mine < every, table  # the table holds rows of both sides
        assert _psql_one(agency, f"SELECT count(*) FROM {table}") == str(mine), table
    for table in access.SHARED:
        row = agency.owner_one(f"SELECT count(*) FROM {table}")
        assert row is not None
        assert _psql_one(agency, f"SELECT count(*) FROM {table}") == str(row[0]), table
    # Nor from the planner's statistics, which hold a column's common values.
    agency.owner_run("ANALYZE")
    assert _psql_one(agency, "SELECT count(*) FROM pg_stats WHERE tablename = 'interactions'") == (
        "0"
    )


def test_the_juniors_psql_cannot_write_another_clients_rows(agency):
    forbidden, item = agency.forbidden_item, agency.granted_item
    account = agency.owner_one(f"SELECT min(id) FROM accounts WHERE client_id = {agency.forbidden}")
    assert account is not None
    refused = {
        # A policy's check: the row written would be another client's.
        f"INSERT INTO drafts VALUES ({forbidden}, 'x', 1)": "row-level",
        "INSERT INTO replies (interaction_id, text, created_at, updated_at, idempotency_key)"
        f" VALUES ({forbidden}, 'x', 1, 1, 'k')": "row-level",
        f"INSERT INTO interaction_tags VALUES ({forbidden}, 'x')": "row-level",
        # No privilege: what a sync writes, and the grants.
        f"INSERT INTO client_access VALUES ('{agency.junior}', {agency.forbidden}, 1)": "denied",
        "UPDATE sync_runs SET outcome = 'ok'": "denied",
        "DELETE FROM interactions": "denied",
        f"UPDATE interactions SET account_id = {account[0]} WHERE id = {item}": "denied",
        f"UPDATE interactions SET text = 'x' WHERE id = {item}": "denied",
        "UPDATE accounts SET cursor = '{}'": "denied",
        "DELETE FROM canned_replies": "denied",
    }
    for sql, why in refused.items():
        done = agency.psql(sql)
        assert done.returncode != 0 and why in done.stderr, (sql, done.stderr)
    # Statements on every row reach the junior's rows only.
    others_pinned = _others_pinned(agency)
    assert _psql_one(agency, "UPDATE interactions SET pinned = 1") == f"UPDATE {_open_mine(agency)}"
    assert _psql_one(agency, "DELETE FROM drafts") == "DELETE 1"
    assert _psql_one(
        agency, f"UPDATE replies SET text = 'x' WHERE interaction_id = {forbidden}"
    ) == ("UPDATE 0")
    assert _others_pinned(agency) == others_pinned
    assert agency.owner_one(f"SELECT count(*) FROM drafts WHERE interaction_id = {forbidden}") == (
        1,
    )


def _others_pinned(agency: Agency) -> object:
    return agency.owner_one(
        "SELECT count(*) FROM interactions i JOIN accounts a ON a.id = i.account_id"
        f" WHERE a.client_id != {agency.granted} AND i.pinned = 1"
    )


def _open_mine(agency: Agency) -> int:
    mine, _every = _counts(agency, "interactions")
    return mine


def test_sfogo_as_the_junior_lists_searches_counts_and_ranks_only_its_clients(agency, cli):
    with Store(agency.url()) as store:
        names = {c.id: c.name for c in store.clients.all()}
        theirs = store.items.count(InboxFilter(statuses=ALL_STATUSES, client_ids=[agency.granted]))
    granted, forbidden = names[agency.granted], names[agency.forbidden]
    with Store(agency.url(agency.junior)) as store:
        assert [c.name for c in store.clients.all()] == [granted]
        assert store.items.count(InboxFilter(statuses=ALL_STATUSES)) == theirs
        assert {r["client"] for r in store.items.page(InboxFilter(statuses=ALL_STATUSES))} == {
            granted
        }
        assert store.items.page(InboxFilter(search=f"riservato{agency.forbidden}")) == []
        assert len(store.items.page(InboxFilter(search="pagamento"))) == 1

    junior = ("--db", agency.url(agency.junior))
    listed = cli("list", "--json", "--limit", "0", "--status", ",".join(ALL_STATUSES), *junior)
    assert listed.code == 0, listed.err
    rows = json.loads(listed.out)
    assert len(rows) == theirs and {r["client"] for r in rows} == {granted}
    found = cli("list", "--json", "--search", f"riservato{agency.forbidden}", *junior)
    assert found.code == 0 and json.loads(found.out) == []
    found = cli("list", "--json", "--search", "pagamento", *junior)
    assert [r["client"] for r in json.loads(found.out)] == [granted]
    ranked = cli("next", "--json", *junior)
    assert ranked.code == 0 and json.loads(ranked.out)["client"] == granted
    clients = cli("clients", "--json", *junior)
    assert [c["name"] for c in json.loads(clients.out)] == [granted]
    for command in (
        ("stats", "--json"),
        ("report", granted, "--since", "30d"),
        ("posts", "--json"),
        ("gaps", "--json"),
        ("health", "--json"),
        ("backlog",),
    ):
        done = cli(*command, *junior)
        assert done.code == 0, (command, done.err)
        assert forbidden not in done.out, command
    assert granted in cli("report", granted, "--since", "30d", *junior).out
    refused = cli("report", forbidden, "--since", "30d", *junior)
    assert refused.code == 1 and "no client" in refused.err
    outbox = json.loads(cli("outbox", "--json", *junior).out)
    assert outbox and all(r["client"] == granted for r in outbox)


def test_sfogo_as_the_junior_finds_no_forbidden_item_and_works_its_own(agency, cli):
    forbidden, item = agency.forbidden_item, agency.granted_item
    junior = ("--db", agency.url(agency.junior))
    for command in (("show", forbidden), ("done", forbidden), ("reply", forbidden, "Ciao")):
        done = cli(*command, *junior)
        assert done.code == 1 and "no item" in done.err, (command, done.err)
        assert str(forbidden) in done.err and "riservato" not in done.err
    assert cli("done", item, *junior).code == 0
    assert cli("reply", item, "A presto", *junior).code == 0
    status = agency.owner_one(f"SELECT status FROM interactions WHERE id = {forbidden}")
    assert status == ("new",)
    assert agency.owner_one(f"SELECT status FROM interactions WHERE id = {item}") == ("done",)


def test_only_a_role_that_sees_every_client_takes_the_sync_loop(agency, cli):
    junior = PgSyncLock(agency.url(agency.junior), "inbox")
    with pytest.raises(StoreError, match="sees only some clients"):
        junior.try_acquire("{}")
    assert not junior.held
    owner = PgSyncLock(agency.url(), "inbox")
    assert owner.try_acquire("{}")
    owner.release()
    with Store(agency.url()) as store:  # an account that syncs (the demo's are generated)
        store.accounts.add(agency.granted, "mastodon", "@giulia@example.social", now=NOW)
    watch = cli("sync", "--watch", "--db", agency.url(agency.junior))
    assert watch.code == 1 and "sees only some clients" in watch.err
    assert len(watch.err.strip().splitlines()) == 1


def test_a_change_notice_tells_the_junior_nothing_of_another_client(agency):
    with psycopg.connect(agency.url(agency.junior), autocommit=True) as listener:
        listener.execute("LISTEN sfogo_changes")
        with Store(agency.url()) as store:
            store.marks.set_status([agency.forbidden_item], "done", now=NOW)
        heard = list(listener.notifies(timeout=10, stop_after=1))
    assert [n.payload for n in heard] == [""]


def test_the_owner_reads_without_the_policies(agency):
    """The owner's plans are the plans without row-level security (no timing: the plan)."""
    query = "EXPLAIN SELECT id FROM interactions WHERE status IN ('new', 'open') LIMIT 50"
    with psycopg.connect(agency.url()) as conn:
        owners = "\n".join(r[0] for r in conn.execute(query))
    juniors = _psql_one(agency, query)
    assert "accounts" not in owners and "client_access" not in owners
    assert "accounts" in juniors


def test_a_table_a_migration_adds_is_shared_with_the_members(agency, monkeypatch):
    from sfogo.inbox.store.pg import schema

    later = "CREATE TABLE later_notes (note text);\n"
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, later])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", len(schema.MIGRATIONS))
    monkeypatch.setitem(access.MEMBER_PRIVILEGES, "later_notes", "SELECT")
    before = agency.psql("SELECT count(*) FROM later_notes")
    assert before.returncode == 1 and "does not exist" in before.stderr
    Store(agency.url()).close()  # the owner opens it: the step runs
    assert _psql_one(agency, "SELECT count(*) FROM later_notes") == "0"


def test_a_members_newer_sfogo_leaves_the_upgrade_to_the_owner(agency, cli):
    agency.owner_run("UPDATE sfogo_meta SET value = '1' WHERE name = 'schema'")
    with pytest.raises(StoreError, match=r"has schema 1 .* owner \(agency\d+\) opens it once"):
        Store(agency.url(agency.junior))
    done = cli("list", "--db", agency.url(agency.junior))
    assert done.code == 1 and "opens it once" in done.err


# -- the command line -------------------------------------------------------------------------


def test_access_on_a_file_says_it_needs_postgresql(cli, db_path):
    Store(db_path).close()
    for command in (("list",), ("grant", "giulia", "Hotel"), ("role", "add", "giulia")):
        done = cli("access", *command)
        assert done.code == 1, command
        assert (
            done.err
            == "sfogo: access control needs a PostgreSQL inbox (--db postgresql://USER@HOST/DB)\n"
        )


def test_roles_are_added_granted_listed_and_revoked(agency, cli, monkeypatch, pg_server):
    n = next(_names)
    marco, lead = f"marco{n}", f"anna{n}"
    owner = ("--db", agency.url())
    monkeypatch.setenv("SFOGO_ROLE_PASSWORD", "s3greta-lunga")
    added = cli("access", "role", "add", marco, *owner)
    assert added.code == 0 and "s3greta" not in added.out + added.err
    verifier = agency.server.psql(  # type: ignore[attr-defined]
        "postgres", "sfogo_admin", f"SELECT rolpassword FROM pg_authid WHERE rolname = '{marco}'"
    ).stdout
    assert verifier.startswith("SCRAM-SHA-256$") and "s3greta" not in verifier
    again = cli("access", "role", "add", marco, *owner)
    assert again.code == 1 and "exists already" in again.err
    assert _psql_one(agency, "SELECT count(*) FROM clients", marco) == "0"

    with Store(agency.url()) as store:
        names = {c.id: c.name for c in store.clients.all()}
    granted = cli("access", "grant", marco, names[agency.granted], str(agency.forbidden), *owner)
    assert granted.code == 0 and "2 more clients" in granted.out
    assert _psql_one(agency, "SELECT count(*) FROM clients", marco) == "2"
    unknown = cli("access", "grant", marco, "Nessuno", *owner)
    assert unknown.code == 1 and "no client 'Nessuno'" in unknown.err
    nobody = cli("access", "grant", "nessuno_qui", names[agency.granted], *owner)
    assert nobody.code == 1 and "no role nessuno_qui" in nobody.err
    bad = cli("access", "grant", "pg_monitor", names[agency.granted], *owner)
    assert bad.code == 1 and "cannot be a member's role" in bad.err

    pg_server.admin(f"CREATE ROLE {lead} LOGIN")
    assert cli("access", "grant", lead, "--all", *owner).code == 0
    assert _psql_one(agency, "SELECT count(*) FROM clients", lead) == str(len(names))
    assert PgSyncLock(agency.url(lead), "inbox").try_acquire("{}")

    listed = {r["role"]: r for r in json.loads(cli("access", "list", "--json", *owner).out)}
    assert listed[marco]["clients"] == sorted([names[agency.granted], names[agency.forbidden]])
    assert listed[lead]["every_client"] and listed[agency.junior]["login"]
    shown = cli("access", "list", *owner).out
    assert marco in shown and "every client" in shown
    # A member lists itself only.
    mine = json.loads(cli("access", "list", "--json", "--db", agency.url(agency.junior)).out)
    assert [r["role"] for r in mine] == [agency.junior]

    revoked = cli("access", "revoke", marco, str(agency.forbidden), *owner)
    assert revoked.code == 0 and "lost 1 client" in revoked.out
    assert _psql_one(agency, "SELECT count(*) FROM clients", marco) == "1"
    assert cli("access", "revoke", lead, "--all", *owner).code == 0
    gone = agency.psql("SELECT count(*) FROM clients", lead)  # never in the members' group
    assert gone.returncode == 1 and "permission denied" in gone.stderr
    # A member may not change who sees what.
    refused = cli(
        "access", "grant", agency.junior, str(agency.forbidden), "--db", agency.url(agency.junior)
    )
    assert refused.code == 1 and "run it as the inbox's owner" in refused.err


def test_a_role_is_added_only_with_a_password(agency, cli, monkeypatch):
    monkeypatch.delenv("SFOGO_ROLE_PASSWORD", raising=False)
    done = cli("access", "role", "add", f"luca{next(_names)}", "--db", agency.url())
    assert done.code == 1 and "no password" in done.err


def test_the_readme_sets_up_a_team_with_these_commands():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## For a team") :]
    for command in ("sfogo access role add", "sfogo access grant", "--all"):
        assert command in section
