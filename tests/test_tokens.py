"""Tokens that stay alive, and warnings before they die: OAuth 2.0 refresh for X (rotating
refresh tokens, two-hour access tokens) and YouTube (Google's kept refresh tokens), and the
Graph token's expiry from ``debug_token``, over loopback against the emulators."""

from __future__ import annotations

import asyncio
import json
import os
import stat

import httpx
import pytest
from sync_world import world  # noqa: F401  (fixture)

from sfogo.inbox import grants
from sfogo.inbox.health import account_health
from sfogo.inbox.redact import redact
from sfogo.tui.demo.emulators.graph import GraphEmulator
from sfogo.tui.demo.emulators.graph_world import PAGE_ID
from sfogo.tui.demo.emulators.x import ME_ID, XEmulator
from sfogo.tui.demo.emulators.youtube import CHANNEL_ID, YouTubeEmulator
from sfogo.tui.widgets._health import AccountState, HealthState, health_line, load_health

HOUR = 3600
DAY = 86400


@pytest.fixture(autouse=True)
def new_process():
    """Each test starts, and leaves, with no grant in this process's memory."""
    grants._MEMORY.clear()
    grants._PENDING.clear()
    yield
    grants._MEMORY.clear()
    grants._PENDING.clear()


def serve(world, emu):
    emu.start()
    world.emulators.append(emu)
    return emu


def x_account(world, emu, refresh_token, *, secret=""):
    """An X account whose login stored ``refresh_token`` (and the client secret) in the
    config file's table; returns the Syncer's config."""
    world.client()
    world.store.accounts.add(
        "Acme",
        "x",
        "trattoria_sfogo",
        settings={"url": emu.base_url, "user_id": ME_ID, "client_id": emu.oauth.client_id},
        now=world.clock.now(),
    )
    table = {"refresh_token": refresh_token}
    if secret:
        table["client_secret"] = secret
    return {"accounts": {"x:trattoria_sfogo": table}}


def stored_grant(world, key):
    return json.loads((world_folder(world) / "sessions.json").read_text())[key]


def world_folder(world):
    from pathlib import Path

    return Path(world.config_path).parent


def refresh_with(emu, token, path="/2/oauth2/token", **form):
    """Spend ``token`` at the emulator's token endpoint as another client would."""
    data = {"grant_type": "refresh_token", "refresh_token": token, **form}
    auth = (emu.oauth.client_id, emu.oauth.client_secret) if emu.oauth.client_secret else None
    if auth is None:
        data["client_id"] = emu.oauth.client_id
    return httpx.post(emu.base_url + path, data=data, auth=auth, timeout=5)


def flat(text: str) -> str:
    """Output with its wrapping undone."""
    return " ".join(text.split())


def the_file_holds_no_token(world, *tokens):
    world.store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    raw = b"".join(p.read_bytes() for p in world_folder(world).glob("sfogo.db*") if p.is_file())
    for token in tokens:
        assert token.encode() not in raw


# -- X: two-hour access tokens, rotating refresh tokens -------------------------------------


def test_x_sync_lives_across_the_two_hour_expiry_and_keeps_the_rotated_refresh_token(world):
    emu = serve(world, XEmulator(clock=world.clock.time, mentions=12))
    emu.oauth.client_secret = "x-client-secret"  # a confidential client: Basic auth
    first = emu.oauth.login()
    config = x_account(world, emu, first, secret="x-client-secret")

    ran = world.sync(config=config)["x:trattoria_sfogo"]
    assert (ran.outcome, ran.items) == ("ok", 12)
    grant = stored_grant(world, "x:trattoria_sfogo")
    rotated = grant["refresh_token"]
    assert rotated != first and rotated in emu.oauth.refresh_tokens
    assert first not in emu.oauth.refresh_tokens
    # The token endpoint saw a confidential client's Basic header, never the secret in a form.
    token_calls = emu.requests_to(r"/2/oauth2/token$", "POST")
    assert token_calls and all(r.headers["authorization"].startswith("Basic ") for r in token_calls)
    assert all(b"x-client-secret" not in r.body for r in token_calls)
    mode = stat.S_IMODE(os.stat(world_folder(world) / "sessions.json").st_mode)
    assert mode == 0o600

    # Three hours on: the access token has expired; a new process (no memory) syncs again.
    world.clock.advance(3 * HOUR)
    grants._MEMORY.clear()
    emu.add_mention("still open tonight?", author="giulia")
    ran = world.sync(config=config)["x:trattoria_sfogo"]
    assert (ran.outcome, ran.items) == ("ok", 1)
    again = stored_grant(world, "x:trattoria_sfogo")["refresh_token"]
    assert again not in (first, rotated)
    # The spent tokens no longer work: the login's, then the first rotation's.
    for spent in (first, rotated):
        refused = refresh_with(emu, spent)
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_request"
    the_file_holds_no_token(world, first, rotated, again)
    # Wherever a token would be printed or logged, it is masked (inbox/redact.py).
    for token in (first, rotated, again):
        assert redact(f"said {token} twice") == "said *** twice"


def test_an_access_token_refused_before_its_time_is_refreshed_once_and_the_request_retried(
    world,
):
    emu = serve(world, XEmulator(clock=world.clock.time, mentions=3))
    config = x_account(world, emu, emu.oauth.login())
    assert world.sync(config=config)["x:trattoria_sfogo"].outcome == "ok"
    refreshes = emu.oauth.refreshes

    before = len(emu.requests)
    emu.oauth.expire_all()  # the platform drops the access token an hour early
    emu.add_mention("table for two?", author="marco")
    ran = world.sync(config=config)["x:trattoria_sfogo"]

    assert (ran.outcome, ran.items) == ("ok", 1)
    assert emu.oauth.refreshes == refreshes + 1
    # In order: the mentions asked with the dropped token (401), one refresh, the same
    # mentions asked again with the new token.
    seen = [(r.path, r.headers.get("authorization", "")) for r in emu.requests[before:]]
    refused, refresh, retried = seen[:3]
    assert refused[0] == retried[0] == f"/2/users/{ME_ID}/mentions"
    assert refresh[0] == "/2/oauth2/token"
    assert refused[1] != retried[1] and emu.oauth.valid(retried[1].removeprefix("Bearer "))


def test_a_revoked_refresh_token_says_log_in_again_in_one_line_and_marks_the_account(
    world, cli, tmp_path
):
    emu = serve(world, XEmulator(clock=world.clock.time, mentions=3))
    login = emu.oauth.login()
    config = x_account(world, emu, login)
    assert world.sync(config=config)["x:trattoria_sfogo"].outcome == "ok"

    emu.oauth.revoke()  # the user revoked sfogo in X's settings
    world.clock.advance(3 * HOUR)
    ran = world.sync(config=config)["x:trattoria_sfogo"]

    assert ran.outcome == "auth"
    assert "\n" not in ran.detail
    assert ran.detail.endswith("log in again: sfogo account login x:trattoria_sfogo")
    [health] = account_health(world.store, now=world.clock.now())
    assert (health.state, health.last_outcome) == ("failing", "auth")
    assert health.gap_since is not None  # the account is marked: its gap is open

    shown = cli("health")
    assert shown.code == 0
    assert "log in again: sfogo account login x:trattoria_sfogo" in flat(shown.out)
    assert "Traceback" not in shown.out + shown.err


def test_the_sync_command_says_log_in_again_without_a_traceback(world, cli, tmp_path):
    emu = serve(world, XEmulator(clock=world.clock.time, mentions=3))
    x_account(world, emu, "never-issued-refresh-token")
    path = tmp_path / "config.toml"
    path.write_text(
        '[accounts."x:trattoria_sfogo"]\nrefresh_token = "never-issued-refresh-token"\n'
    )
    path.chmod(0o600)

    ran = cli("sync", "--once", "--config", str(path))

    assert ran.code == 1
    assert "log in again: sfogo account login x:trattoria_sfogo" in flat(ran.out)
    assert "Traceback" not in ran.out + ran.err
    assert "never-issued-refresh-token" not in ran.out + ran.err


# -- YouTube: Google's hour-long access tokens, a refresh token that stays ------------------


def youtube_account(world, emu, refresh_token):
    world.client()
    world.store.accounts.add(
        "Acme",
        "youtube",
        "Trattoria Sfogo",
        settings={
            "url": emu.base_url,
            "channel_id": CHANNEL_ID,
            "client_id": emu.oauth.client_id,
            "token_url": emu.base_url + "/token",
        },
        now=world.clock.now(),
    )
    table = {"refresh_token": refresh_token, "client_secret": emu.oauth.client_secret}
    return {"accounts": {"youtube:Trattoria Sfogo": table}}


def test_youtube_sync_lives_across_the_hourly_expiry_with_googles_kept_refresh_token(world):
    emu = serve(world, YouTubeEmulator(clock=world.clock.time, now=world.clock.now(), threads=8))
    login = emu.oauth.login()
    config = youtube_account(world, emu, login)

    ran = world.sync(config=config)["youtube:Trattoria Sfogo"]
    assert ran.outcome == "ok" and ran.items >= 8
    assert emu.oauth.refreshes == 1
    # Google answers no new refresh token: the login's stays, and keeps working.
    assert stored_grant(world, "youtube:Trattoria Sfogo")["refresh_token"] == login
    form = emu.requests_to(r"^/token$", "POST")[0].form()
    assert form["client_secret"] == [emu.oauth.client_secret]

    world.clock.advance(2 * HOUR)
    emu.add_thread("is the terrace heated?", at=world.clock.now())
    grants._MEMORY.clear()
    ran = world.sync(config=config)["youtube:Trattoria Sfogo"]
    assert (ran.outcome, ran.items) == ("ok", 1)
    assert emu.oauth.refreshes == 2
    assert login in emu.oauth.refresh_tokens


def test_a_revoked_google_grant_is_auth_with_the_login_command(world):
    emu = serve(world, YouTubeEmulator(clock=world.clock.time, now=world.clock.now(), threads=3))
    config = youtube_account(world, emu, emu.oauth.login())
    emu.oauth.revoke()

    ran = world.sync(config=config)["youtube:Trattoria Sfogo"]

    assert ran.outcome == "auth"
    assert ran.detail.endswith("log in again: sfogo account login 'youtube:Trattoria Sfogo'")


# -- Graph: debug_token's expires_at, warned of before it fails -----------------------------


def graph_account(world, emu):
    world.client()
    world.env["FB_TOKEN"] = emu.token
    return world.store.accounts.add(
        "Acme",
        "facebook",
        "Trattoria Sfogo",
        settings={"url": emu.base_url, "page_id": PAGE_ID, "token_env": "FB_TOKEN"},
        now=world.clock.now(),
    )


def test_a_graph_token_near_expiry_is_warned_of_in_health_and_on_the_bar(world, cli):
    emu = serve(world, GraphEmulator(clock=world.clock.time))
    emu.token_expires_at = world.clock.now() + 5 * DAY + HOUR
    graph_account(world, emu)

    assert world.sync()["facebook:Trattoria Sfogo"].outcome == "ok"
    assert len(emu.requests_to(r"/debug_token$")) == 1

    shown = cli("health")
    assert "facebook:Trattoria Sfogo: token expires in 5 days" in flat(shown.out)
    as_json = json.loads(cli("health", "--json").out)
    assert as_json[0]["token_warning"] == "token expires in 5 days"
    now = world.clock.now()
    bar = health_line(load_health(world.store, now), now, 80).plain
    assert "fb ok now ⚠ token expires in 5 days" in bar
    narrow = health_line(load_health(world.store, now), now, 30).plain
    assert "⚠ token 5d" in narrow

    # Within the warning, every sync asks again: a new token clears it at once.
    emu.token_expires_at = 0  # a Page token that never expires
    world.clock.advance(HOUR)
    assert world.sync()["facebook:Trattoria Sfogo"].outcome == "ok"
    assert "token expires" not in cli("health").out


def test_a_graph_token_far_from_expiry_is_asked_once_a_day_and_not_warned_of(world, cli):
    emu = serve(world, GraphEmulator(clock=world.clock.time))
    emu.token_expires_at = world.clock.now() + 50 * DAY
    graph_account(world, emu)

    world.sync()
    world.clock.advance(HOUR)
    world.sync()
    assert len(emu.requests_to(r"/debug_token$")) == 1
    world.clock.advance(DAY)
    world.sync()
    assert len(emu.requests_to(r"/debug_token$")) == 2
    assert "token expires" not in cli("health").out

    # Past its time the token is refused with Graph's 190/463: auth, not a crash.
    world.clock.advance(50 * DAY)
    ran = world.sync()["facebook:Trattoria Sfogo"]
    assert ran.outcome == "auth" and "the token expired" in ran.detail
    assert ran.detail.endswith("log in again: sfogo account login 'facebook:Trattoria Sfogo'")
    assert "token expired" in cli("health").out


def test_a_page_token_whose_data_access_ends_soon_is_warned_of_too(world, cli):
    emu = serve(world, GraphEmulator(clock=world.clock.time))
    emu.data_access_expires_at = world.clock.now() + 3 * DAY  # the token itself never expires
    graph_account(world, emu)

    world.sync()

    assert "facebook:Trattoria Sfogo: token expires in 3 days" in flat(cli("health").out)


def test_a_warned_account_that_does_not_fit_the_bar_is_not_counted_as_ok():
    now = 1795780800
    warned = AccountState(9, "fb HAR", "ok", now - 60, False, token_expires_at=now + 5 * DAY)
    healthy = tuple(AccountState(i, f"m{i}", "ok", now - 60, False) for i in range(8))
    state = HealthState((warned, *healthy), None)

    assert health_line(state, now, 80).plain.startswith("fb HAR ok 1m ⚠ token expires in 5 days")
    assert health_line(state, now, 20).plain == "+9 (1 ⚠)"


def test_a_rotated_token_that_cannot_be_stored_is_kept_and_stored_at_the_next_sync(world):
    emu = serve(world, XEmulator(clock=world.clock.time, mentions=3))
    login = emu.oauth.login()
    config = x_account(world, emu, login)
    sessions = world_folder(world) / "sessions.json"
    sessions.mkdir()  # a file that cannot be written (even by root)

    ran = world.sync(config=config)["x:trattoria_sfogo"]

    assert ran.outcome == "auth"
    assert "could not store" in ran.detail and "stores it again at the next sync" in ran.detail
    [rotated] = emu.oauth.refresh_tokens  # the login's is spent: only this process has it
    assert rotated != login

    sessions.rmdir()
    ran = world.sync(config=config)["x:trattoria_sfogo"]  # the same process, a sync later

    assert (ran.outcome, ran.items) == ("ok", 3)
    assert stored_grant(world, "x:trattoria_sfogo")["refresh_token"] == rotated
    assert emu.oauth.refreshes == 1  # the kept access token was used, not a second refresh


def test_two_syncs_at_once_spend_the_rotating_refresh_token_once(world):
    """The app's sync and a cron sync refresh together: the second waits for the first's
    grant instead of spending the same refresh token (X would refuse it: the account
    would need a new login)."""
    emu = serve(world, XEmulator(clock=world.clock.time, mentions=3))
    config = x_account(world, emu, emu.oauth.login())
    # The first refresh takes half a second: the other sync arrives while it runs.
    emu.faults.set("slow", paths=r"/2/oauth2/token$", count=1, seconds=0.5)

    async def both():
        return await asyncio.gather(
            world.syncer(config=config).run_once(), world.syncer(config=config).run_once()
        )

    first, second = asyncio.run(both())

    assert [r.outcome for r in (*first, *second)] == ["ok", "ok"]
    assert emu.oauth.refreshes == 1
    assert len(emu.requests_to(r"/2/oauth2/token$")) == 1


def test_a_google_refresh_token_with_time_based_access_is_warned_of_before_it_ends(world, cli):
    emu = serve(world, YouTubeEmulator(clock=world.clock.time, now=world.clock.now(), threads=3))
    emu.oauth.refresh_lifetime = 10 * DAY  # the person granted access for ten days
    config = youtube_account(world, emu, emu.oauth.login())

    assert world.sync(config=config)["youtube:Trattoria Sfogo"].outcome == "ok"
    assert "token expires" not in cli("health").out

    world.clock.advance(4 * DAY)
    assert world.sync(config=config)["youtube:Trattoria Sfogo"].outcome == "ok"
    shown = flat(cli("health").out)
    assert "youtube:Trattoria Sfogo: token expires in 6 days" in shown
    assert "log in again before then: sfogo account login 'youtube:Trattoria Sfogo'" in shown

    world.clock.advance(7 * DAY)  # past it: Google refuses the refresh token
    ran = world.sync(config=config)["youtube:Trattoria Sfogo"]
    assert ran.outcome == "auth" and ran.detail.endswith(
        "log in again: sfogo account login 'youtube:Trattoria Sfogo'"
    )
