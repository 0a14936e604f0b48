"""Clients and accounts change: renamed, edited, removed from the command line, and an
account's items outlive it."""

from __future__ import annotations

import pytest
from conftest import NOW
from pty_kit import run_on_pty, terminal_env

from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store

HOUR = 3600


@pytest.fixture
def agency(db_path, clock):
    """Two clients; Aurora has a Mastodon account with two items, Gino none."""
    now = clock.now()
    with Store(db_path) as s:
        s.clients.add("Hotel Aurora", "vip", now=now)
        s.clients.add("Pizzeria Da Gino", "low", now=now)
        masto = s.accounts.add(
            "Hotel Aurora",
            "mastodon",
            "@aurora",
            "Aurora",
            {"url": "https://mastodon.social", "token_env": "AURORA_TOKEN"},
            now=now,
        )
        s.items.upsert(
            [
                Interaction(masto.id, "1", "mention", now - HOUR, author_name="Ada", text="ciao"),
                Interaction(masto.id, "2", "mention", now - 2 * HOUR, text="una camera?"),
            ],
            now=now,
        )
    return masto.id


def one_line_error(r, fragment: str) -> None:
    assert r.code == 1 and r.out == "" and r.err.count("\n") == 1, r
    assert r.err.startswith("sfogo: ") and fragment in r.err, r.err


def test_a_client_is_renamed_and_its_items_follow(cli, agency):
    r = cli("client", "rename", "hotel aurora", "Aurora Hotels Group")
    assert r.code == 0 and r.out == "renamed client 'Hotel Aurora' to 'Aurora Hotels Group'\n"
    assert [c["name"] for c in cli("clients", "--json").json()] == [
        "Aurora Hotels Group",
        "Pizzeria Da Gino",
    ]
    assert {row["client"] for row in cli("list", "--json").json()} == {"Aurora Hotels Group"}
    one_line_error(cli("client", "rename", "Aurora Hotels Group", "pizzeria da gino"), "exists")
    one_line_error(cli("client", "rename", "Nobody", "X"), "no client 'Nobody'")


def test_a_clients_tier_and_target_are_edited(cli, agency):
    r = cli("client", "edit", "Pizzeria Da Gino", "--tier", "high", "--target", "4h")
    assert r.code == 0, r.err
    assert r.out == "client 'Pizzeria Da Gino': high, replies within 4 hours, its own target\n"
    gino = cli("clients", "--json").json()[1]
    assert (gino["tier"], gino["target_s"], gino["target_is_default"]) == ("high", 4 * HOUR, False)
    assert cli("client", "edit", "Pizzeria Da Gino", "--tier-target").code == 0
    gino = cli("clients", "--json").json()[1]
    assert gino["target_is_default"] is True and gino["tier"] == "high"
    one_line_error(cli("client", "edit", "Pizzeria Da Gino"), "nothing to change")
    one_line_error(
        cli("client", "edit", "Pizzeria Da Gino", "--target", "2h", "--tier-target"), "not both"
    )


def test_a_client_is_removed_only_without_accounts_and_never_unasked(cli, agency):
    one_line_error(cli("client", "remove", "Pizzeria Da Gino"), "add --yes")
    assert len(cli("clients", "--json").json()) == 2  # piped and unasked: nothing removed
    one_line_error(cli("client", "remove", "Hotel Aurora", "--yes"), "still has 1 account")
    r = cli("client", "remove", "Pizzeria Da Gino", "--yes")
    assert r.code == 0 and r.out == "removed client 'Pizzeria Da Gino'\n"
    assert [c["name"] for c in cli("clients", "--json").json()] == ["Hotel Aurora"]


def test_an_account_gets_its_new_handle_and_new_settings(cli, agency):
    r = cli("account", "rename", "@aurora", "@aurora_hotels")
    assert r.code == 0 and r.out == "renamed mastodon account '@aurora' to '@aurora_hotels'\n"
    r = cli(
        "account", "edit", "mastodon:@aurora_hotels", "--token-env", "AURORA_NEW", "--name", "Rome"
    )
    assert r.code == 0, r.err
    (account,) = cli("accounts", "--json").json()
    assert account["handle"] == "@aurora_hotels" and account["display_name"] == "Rome"
    assert account["settings"] == {"url": "https://mastodon.social", "token_env": "AURORA_NEW"}
    assert cli("account", "edit", str(agency), "--client", "Pizzeria Da Gino").code == 0
    assert {row["client"] for row in cli("list", "--json").json()} == {"Pizzeria Da Gino"}
    assert cli("account", "edit", str(agency), "--unset", "url").code == 0
    assert cli("accounts", "--json").json()[0]["settings"] == {"token_env": "AURORA_NEW"}
    one_line_error(cli("account", "edit", str(agency), "--token-env", "s3cr3t-t0ken"), "NAME")
    one_line_error(cli("account", "edit", str(agency), "--unset", "url"), "no setting 'url'")
    one_line_error(cli("account", "edit", str(agency)), "nothing to change")


def test_a_removed_account_keeps_its_items_and_comes_back_when_added_again(cli, agency):
    one_line_error(cli("account", "remove", "@aurora"), "add --yes")
    assert len(cli("accounts", "--json").json()) == 1  # unasked: nothing removed
    r = cli("account", "remove", "@aurora", "--yes")
    assert r.code == 0 and r.out == "removed mastodon account '@aurora'; its 2 items stay\n"
    # No longer listed, synced or in the health bar; its items stay readable.
    assert cli("accounts", "--json").json() == []
    (gone,) = cli("accounts", "--all", "--json").json()
    assert gone["handle"] == "@aurora" and gone["removed_at"].endswith("Z")
    assert "removed just now" in cli("accounts", "--all").out
    assert cli("health", "--json").json() == []
    one_line_error(cli("sync", "--account", "@aurora"), "was removed")
    rows = cli("list", "--json").json()
    assert sorted(row["text"] for row in rows) == ["ciao", "una camera?"]
    assert all(row["account_removed"] is True and "owner" not in row for row in rows)
    assert len(cli("export").out.splitlines()) == 2  # exported with their account
    shown = cli("show", str(rows[0]["id"]))
    assert "Account  mastodon @aurora (removed)" in shown.out
    one_line_error(cli("account", "remove", "@aurora", "--yes"), "was removed")
    one_line_error(cli("client", "remove", "Hotel Aurora", "--yes"), "is kept")
    # Added again: the same account, with its items and settings it is given now.
    r = cli("account", "add", "Hotel Aurora", "mastodon", "@aurora", "--token-env", "AURORA_T2")
    assert r.code == 0, r.err
    (back,) = cli("accounts", "--json").json()
    assert back["id"] == agency and back["settings"] == {"token_env": "AURORA_T2"}
    assert "(removed)" not in cli("show", str(rows[0]["id"])).out
    assert not any(row["account_removed"] for row in cli("list", "--json").json())


def test_removing_an_account_at_a_terminal_asks_first(db_path, clock, agency):
    env = terminal_env(clock.now(), SFOGO_DB=str(db_path))
    code, out = run_on_pty(["account", "remove", "@aurora"], env=env, typed="n\n")
    assert "Remove the mastodon account '@aurora' of 'Hotel Aurora'? Its 2 items stay" in out
    assert code == 1 and "nothing removed" in out
    with Store(db_path) as s:
        assert [a.handle for a in s.accounts.all()] == ["@aurora"]
    code, out = run_on_pty(["account", "remove", "@aurora"], env=env, typed="y\n")
    assert code == 0 and "removed mastodon account '@aurora'; its 2 items stay" in out
    with Store(db_path) as s:
        assert s.accounts.all() == [] and s.accounts.item_count(agency) == 2


def test_a_removed_accounts_items_say_so_in_the_list(cli, agency, db_path, clock):
    env = terminal_env(clock.now(), SFOGO_DB=str(db_path))
    code, out = run_on_pty(["list"], env=env, cols=120)
    assert code == 0 and "ciao" in out and "(account removed)" not in out
    assert cli("account", "remove", "@aurora", "--yes").code == 0
    code, out = run_on_pty(["list"], env=env, cols=120)
    assert code == 0, out
    assert "(account removed) ciao" in out and "(account removed) una camera?" in out
    # Piped, the text is the item's own: whole values, as ever.
    assert sorted(line.split("\t")[6] for line in cli("list").out.splitlines()[1:]) == [
        "ciao",
        "una camera?",
    ]
    cli("account", "add", "Hotel Aurora", "mastodon", "@aurora", "--token-env", "AURORA_T2")
    code, out = run_on_pty(["list"], env=env, cols=120)
    assert code == 0 and "(account removed)" not in out


async def test_the_apps_pane_says_an_items_account_was_removed(cli, agency, db_path):
    from tui_kit import make_app, screen_text, settle

    with Store(db_path) as s:  # another account: the app opens on the inbox
        s.accounts.add("Pizzeria Da Gino", "import", "gino", now=NOW)
    assert cli("account", "remove", "@aurora", "--yes").code == 0
    app = make_app(db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "@aurora · mention · new · account removed" in screen_text(app)
    cli("account", "add", "Hotel Aurora", "mastodon", "@aurora", "--token-env", "AURORA_T2")
    app = make_app(db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "mastodon @aurora · mention · new" in screen_text(app)
        assert "account removed" not in screen_text(app)
