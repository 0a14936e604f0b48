"""A team on one inbox: members, who each person is, assignment, "is replying", each
person's away periods and hours in the catch-up plan; the store's part on both engines."""

from __future__ import annotations

import json

import pytest
from conftest import NOW
from test_plan import DAY, TEN_MINUTES, office, rome, three_old_emails

from sfogo.backlog.gaps import find_gaps
from sfogo.backlog.plan import make_plan
from sfogo.inbox.errors import NotFound, SfogoError
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.store.team import REPLYING_EXPIRES_S
from sfogo.inbox.team import identity

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

ROME_WORK = {"work": {"timezone": "Europe/Rome"}}


@pytest.fixture
def items(store) -> list[int]:
    store.clients.add("Hotel Roma", "vip", now=NOW - DAY)
    account = store.accounts.add("Hotel Roma", "mastodon", "@hotelroma", now=NOW - DAY)
    store.items.upsert(
        [
            Interaction(account.id, f"m{i}", "mention", NOW - 3600 + i, text=f"hi {i}")
            for i in range(4)
        ],
        now=NOW,
    )
    return sorted(store.items.ids(InboxFilter(statuses=())))


# -- members and identity --------------------------------------------------------------------


def test_members_have_unique_names_whatever_their_case_and_unique_login_roles(store):
    anna = store.team.add("Anna", login_role="anna", now=NOW)
    store.team.add("Bruno", now=NOW)
    with pytest.raises(SfogoError, match="already exists"):
        store.team.add("ANNA", now=NOW)
    with pytest.raises(SfogoError, match="is Anna's already"):
        store.team.add("Carla", login_role="anna", now=NOW)
    assert [m.name for m in store.team.members()] == ["Anna", "Bruno"]
    assert store.team.get("anna").id == anna
    edited = store.team.edit(store.team.get("Bruno"), name="Bruno R", hours="14:00-20:00")
    assert store.team.get("bruno r") == edited and edited.hours == "14:00-20:00"
    with pytest.raises(NotFound, match="'sfogo team' shows"):
        store.team.get("Bruno")


def test_each_person_is_known_by_the_config_else_by_their_database_role(store):
    assert identity(store, {}) is None  # one person, no team: nobody, as ever
    store.team.add("Anna", now=NOW)
    assert identity(store, {"user": "anna"}).name == "Anna"
    with pytest.raises(SfogoError, match="is not a team member"):
        identity(store, {"user": "Zoe"})
    role = store.team.login_role()
    if store.engine == "sqlite":
        assert role == "" and identity(store, {}) is None
    else:  # the test server's role logs in: the member with that role is who this is
        assert role
        store.team.add("Bruno", login_role=role, now=NOW)
        assert identity(store, {}).name == "Bruno"
        assert identity(store, {"user": "Anna"}).name == "Anna"  # the config wins


# -- assignment --------------------------------------------------------------------------------


def test_assigned_items_are_listed_by_owner_and_a_removed_member_leaves_them_unassigned(
    store, items
):
    anna = store.team.add("Anna", now=NOW)
    bruno = store.team.add("Bruno", now=NOW)
    store.team.assign(items[:2], anna, now=NOW)
    store.team.assign(items[1:3], bruno, now=NOW)  # the second item changes hands
    assert store.items.ids(InboxFilter(assignee=anna)) == [items[0]]
    assert sorted(store.items.ids(InboxFilter(assignee=bruno))) == items[1:3]
    assert store.items.ids(InboxFilter(unassigned=True)) == [items[3]]
    owners = store.team.assignees(items)
    assert {i: m.name for i, m in owners.items()} == {
        items[0]: "Anna",
        items[1]: "Bruno",
        items[2]: "Bruno",
    }
    assert store.team.open_counts() == {anna: 1, bruno: 2}
    store.team.assign([items[2]], None, now=NOW)
    store.team.remove(store.team.get("Bruno"))
    assert sorted(store.items.ids(InboxFilter(unassigned=True))) == items[1:]


# -- who is replying ---------------------------------------------------------------------------


def test_a_reply_claim_is_seen_by_others_asks_a_second_writer_and_lapses_if_not_renewed(
    store, items
):
    anna = store.team.add("Anna", now=NOW)
    bruno = store.team.add("Bruno", now=NOW)
    item = items[0]
    assert store.team.claim(item, anna, now=NOW) is None
    seen = store.team.replying(items, now=NOW + 60)
    assert list(seen) == [item] and seen[item].name == "Anna" and seen[item].since == NOW
    # Bruno opens the reply box too: nothing is written, Anna's claim comes back to ask.
    other = store.team.claim(item, bruno, now=NOW + 60)
    assert other is not None and other.name == "Anna"
    assert store.team.replying([item], now=NOW + 60)[item].member_id == anna
    # Anna's app renews while her reply box stays open; then it crashes and never renews.
    assert store.team.claim(item, anna, now=NOW + 120) is None
    assert store.team.replying([item], now=NOW + 120)[item].since == NOW
    assert store.team.replying([item], now=NOW + 120 + REPLYING_EXPIRES_S - 1)
    assert store.team.replying([item], now=NOW + 120 + REPLYING_EXPIRES_S) == {}
    assert store.team.claim(item, bruno, now=NOW + 120 + REPLYING_EXPIRES_S) is None
    store.team.release(item, anna)  # not Anna's any more: left alone
    assert store.team.replying([item], now=NOW + 500)[item].name == "Bruno"
    store.team.release(item, bruno)
    assert store.team.replying([item], now=NOW + 500) == {}


# -- away and the plan -------------------------------------------------------------------------


def test_a_members_sick_days_are_not_a_gap_of_the_inbox(store):
    anna = store.team.add("Anna", now=NOW)
    store.away.add(NOW - 2 * DAY, NOW - DAY, "sick", member_id=anna)
    assert find_gaps(store, now=NOW) == []
    assert store.away.current() is None
    store.away.add(NOW - 3600, None, "away", member_id=anna)
    assert store.away.current() is None and store.away.current(anna).reason == "away"


def test_the_plan_shares_the_backlog_among_the_members_present(store):
    now = rome(2026, 11, 27, 17, 50)  # Friday, ten minutes before Anna's day ends
    three_old_emails(store, now)
    alone = make_plan(store, now=now, work=office(), config=TEN_MINUTES)
    store.team.add("Anna", hours="09:00-18:00", now=now)
    bruno = store.team.add("Bruno", hours="14:00-22:00", now=now)
    config = {**TEN_MINUTES, **ROME_WORK}
    # Each e-mail on its own (no batches): until 18:00 both work, Anna takes the first and
    # Bruno the second; then Bruno alone until 22:00 takes the third (Anna would finish it
    # on Monday). Each item is one person's: nobody answers an e-mail in five minutes by
    # sharing it, as the pooled hours once said (17:55, 18:00, 18:10).
    one_by_one = {**config, "plan": {"lookahead": 0}}
    plan = make_plan(store, now=now, work=office(), config=one_by_one)
    assert [(i.member, i.finish_at) for i in plan.items] == [
        ("Anna", rome(2026, 11, 27, 18, 0)),
        ("Bruno", rome(2026, 11, 27, 18, 0)),
        ("Bruno", rome(2026, 11, 27, 18, 10)),
    ]
    assert plan.team is not None and [p.name for p in plan.team.people] == ["Anna", "Bruno"]
    assert [(s.name, s.items, s.finish_at) for s in plan.shares] == [
        ("Anna", 1, rome(2026, 11, 27, 18, 0)),
        ("Bruno", 2, rome(2026, 11, 27, 18, 10)),
    ]
    # Batched (one client and channel), the three go whole to whoever finishes them first:
    # Bruno at 18:20; Anna would be done on Monday.
    batched = make_plan(store, now=now, work=office(), config=config)
    assert [(i.member, i.finish_at) for i in batched.items] == [
        ("Bruno", rome(2026, 11, 27, 18, 0)),
        ("Bruno", rome(2026, 11, 27, 18, 10)),
        ("Bruno", rome(2026, 11, 27, 18, 20)),
    ]
    # Bruno is sick from now: Anna's hours alone, exactly one person's plan.
    store.away.add(now, None, "sick", member_id=bruno)
    sick = make_plan(store, now=now, work=office(), config=config)
    assert (
        [i.finish_at for i in sick.items]
        == [i.finish_at for i in alone.items]
        == [
            rome(2026, 11, 27, 18, 0),
            rome(2026, 11, 30, 9, 10),
            rome(2026, 11, 30, 9, 20),
        ]
    )
    assert alone.team is None and alone.shares == []
    assert [(s.name, s.items, s.away, s.back_at) for s in sick.shares] == [
        ("Anna", 3, False, None),
        ("Bruno", 0, True, None),
    ]


# -- the command line --------------------------------------------------------------------------


def test_the_team_commands_add_assign_and_list_by_assignee(store, items, cli, tmp_path):
    assert cli("team", "add", "Anna", "--role", "anna", "--hours", "09:00-13:00").code == 0
    assert cli("team", "add", "Bruno", "--days", "mon,wed", "--timezone", "Europe/Rome").code == 0
    bad = cli("team", "add", "Carla", "--hours", "9-5")
    assert (
        bad.code == 1 and bad.err.strip() == "sfogo: bad hours '9-5': write them as \"09:00-18:00\""
    )
    assert cli("team", "add", "carla", "--timezone", "Mars/Base").code == 1
    r = cli("assign", f"{items[0]},{items[1]}", "Anna")
    assert r.code == 0 and r.out.strip() == "assigned 2 items to Anna"
    r = cli("assign", str(items[2]), "me")
    assert r.code == 1 and "does not know who you are" in r.err
    (tmp_path / "config.toml").write_text('user = "Bruno"\n')
    assert cli("assign", str(items[2]), "me").out.strip() == "assigned 1 item to Bruno"
    listed = json.loads(cli("list", "--assignee", "anna", "--json").out)
    assert sorted(r["id"] for r in listed) == items[:2]
    mine = json.loads(cli("list", "--assignee", "me", "--json").out)
    assert [r["id"] for r in mine] == [items[2]]
    nobody = json.loads(cli("list", "--assignee", "nobody", "--json").out)
    assert [r["id"] for r in nobody] == [items[3]]
    listing = cli("list", "--assignee", "anna").out
    assert f"{items[0]}\t" in listing and "Anna› hi 0" in listing
    assert "Owner    Bruno" in cli("show", str(items[2])).out
    assert "Owner" not in cli("show", str(items[3])).out
    assert cli("unassign", str(items[0])).out.strip() == "unassigned 1 item"
    team = {r["name"]: r for r in json.loads(cli("team", "--json").out)}
    assert team["Anna"]["open_items"] == 1 and team["Bruno"]["you"] is True
    assert (
        team["Anna"]["hours"]
        == "mon, tue, wed, thu, fri 09:00-13:00 " + team["Anna"]["hours"].split()[-1]
    )
    plan = cli("plan", "--all").out
    assert "Working time: the team's (Anna mon, tue, wed, thu, fri 09:00-13:00" in plan
    assert json.loads(cli("plan", "--all", "--json").out)["team"] == ["Anna", "Bruno"]
    assert cli("away", "--member", "Anna", "--reason", "sick").code == 0
    assert json.loads(cli("team", "list", "--json").out)[0]["away"] == "sick"
    (tmp_path / "config.toml").write_text('user = "Zoe"\n')
    listed = cli("team", "list")
    assert listed.code == 0 and "Anna" in listed.out and "Zoe" in listed.err
    (tmp_path / "config.toml").write_text('user = "Bruno"\n')
    assert cli("back", "--member", "Anna").code == 0
    refused = cli("team", "remove", "Anna")  # no terminal to ask on
    assert refused.code == 1 and "--yes" in refused.err
    assert cli("team", "remove", "Anna", "--yes").code == 0
    with Store(store.location) as again:
        assert [m.name for m in again.team.members()] == ["Bruno"]
