"""Secrets never leave the process: not into the data file, the command line, the app's
notifications or the log, and ``account add --set`` takes no secret and no unknown name."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
import reply_world
from sync_world import world  # noqa: F401 (world: a fixture)

from sfogo.inbox import redact
from sfogo.inbox.channels import OPTION_SETTINGS, SETTINGS
from sfogo.inbox.outbox import get_reply
from sfogo.inbox.posts.actions import queue_post

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaWQ6cGxjOmFjbWUifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_process():
    """Each test starts as a new process would: no secret remembered yet."""
    redact.forget()
    yield
    redact.forget()


def _file_text(path) -> str:
    """Every text value in the data file (what a copy of the file would hand over)."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            str(value)
            for table in tables
            if not table.startswith("interactions_fts")
            for row in conn.execute(f"SELECT * FROM {table}")
            for value in row
        )
    finally:
        conn.close()


def test_a_token_quoted_by_a_platforms_error_is_never_stored_nor_shown(world, cli):
    target = reply_world.mastodon(world)
    token = world.env["TOKEN_ACME"]
    echoed = f"Validation failed: Authorization Bearer {token} access_token={token} {JWT}"
    reply_id = reply_world.answer(world, target, "Grazie!")
    faults = target.emulator.faults
    faults.set("answer", paths=r"/api/v1/statuses$", status=422, body={"error": echoed})
    world.send()  # the reply fails with the echo in the platform's words
    faults.set("answer", paths=r"/notifications$", status=422, body={"error": echoed})
    world.sync()  # ... and so does a sync run

    assert "Validation failed" in world.runs(target.account.id)[-1]["detail"]
    reply = get_reply(world.store, reply_id)
    assert reply["state"] == "failed" and "Validation failed" in reply["reason"]
    listing = cli("outbox")
    health = cli("health")
    stored = _file_text(world.store.path)
    for text in (reply["reason"], listing.out, listing.err, health.out, stored):
        assert token not in text and "eyJ" not in text
    assert "***" in reply["reason"] and "***" in listing.err  # piped: the reason on stderr


def test_a_token_quoted_by_a_platforms_refusal_of_our_post_is_never_stored(world, cli):
    emu = world.mastodon(seed=31)
    account, _owner = world.mastodon_account(emu, "gino", client="Trattoria")
    token = world.env["TOKEN_GINO"]
    echoed = f"Validation failed: Authorization Bearer {token} access_token={token} {JWT}"
    post_id = queue_post(
        world.store, account.id, "Tonight: carbonara", at=world.clock.now(), now=world.clock.now()
    )
    emu.faults.set("answer", paths=r"/api/v1/statuses$", status=422, body={"error": echoed})
    world.send()  # the platform refuses our post, quoting the token

    post = world.store.posts.get(post_id)
    assert post["state"] == "failed" and "Validation failed" in post["reason"]
    history = world.store.posts.history([post_id])[post_id]
    listing = cli("posts", "--json")
    stored = _file_text(world.store.path)
    for text in (post["reason"], post["send_reason"], history[-1].reason, listing.out, stored):
        assert token not in text and "eyJ" not in text
    assert "***" in post["reason"] and "***" in history[-1].reason


def test_a_login_session_never_reaches_the_data_file_or_the_log(world, caplog):
    target = reply_world.bluesky(world)
    reply_world.answer(world, target, "Ciao!")
    world.send()
    session = world.syncer().secrets(target.account).session.load()
    assert session and session["accessJwt"]

    log = redact.logger("sfogo.sync")
    with caplog.at_level(logging.WARNING, logger="sfogo.sync"):
        log.warning("refresh answered %s", session["refreshJwt"])
        try:
            raise ValueError(f"createRecord with {session['accessJwt']} failed")
        except ValueError:
            log.exception("sending replies failed")

    stored = _file_text(world.store.path)
    for secret in (session["accessJwt"], session["refreshJwt"], world.env["PW_ACME"]):
        assert secret not in stored
        assert secret not in caplog.text
    assert "Traceback" in caplog.text and "***" in caplog.text


def test_an_unreadable_entry_logged_by_a_connector_keeps_its_secrets_out_of_the_log(caplog):
    from sfogo.inbox.channels import base, email_read

    redact.remember("imap-secret-password")
    for log in (base.log, email_read.log):
        with caplog.at_level(logging.DEBUG, logger=log.name):
            try:
                raise ValueError("LOGIN gino imap-secret-password: unreadable answer")
            except ValueError:
                log.debug("an entry sfogo could not read was skipped", exc_info=True)
    assert caplog.text.count("Traceback") == 2
    assert "imap-secret-password" not in caplog.text


def test_the_command_line_masks_a_secret_it_knows_wherever_it_would_print_it(cli, world):
    target = reply_world.mastodon(world)
    token = world.env["TOKEN_ACME"]
    target.parent = target.emulator.mention(target.owner, text=f"@acme is this yours? {token}")
    world.sync()
    redact.remember(token)  # as the command line's own sync would have

    shown = cli("show", reply_world.item_id(world, target.parent))

    assert shown.code == 0 and token not in shown.out and "is this yours? ***" in shown.out


@pytest.mark.parametrize(
    "text",
    [
        "GET /v23.0/me?fields=id&access_token=EAABsbCS1iHgBAKZCZA0p&x=1",
        "https://www.googleapis.com/youtube/v3/commentThreads?key=AIzaSyDmtR-7Fq3Jo&part=id",
        "Authorization: Bearer ya29.a0AfH6SMBx9c",
        "refresh failed for 1//0gLmq4tQwZ9bCIgYIARAAGBASNwF",
        '{"refreshJwt": "anything-at-all", "did": "did:plc:x"}',
        f"session {JWT} expired",
        "app password abcd-efgh-ijkl-mnop refused",
        "client_secret=s3cr3t&grant_type=refresh_token",
    ],
)
def test_what_looks_like_a_secret_is_masked(text):
    masked = redact.redact(text)
    assert "***" in masked
    for secret in ("EAAB", "AIza", "ya29", "1//0g", "anything", "eyJ", "abcd-efgh", "s3cr3t"):
        assert secret not in masked


def test_prose_about_secrets_is_not_masked():
    for text in (
        "the access token is invalid or revoked",
        "Bearer authentication failed",
        "use KEY=VALUE, like page_id=1234",
        "monkey=banana",
    ):
        assert redact.redact(text) == text


# -- account add --set ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "key",
        "KEY",
        "api_key",
        "API-KEY",
        "apikey",
        "bearer",
        "token",
        "access_token",
        "refreshToken",
        "secret",
        "client-secret",
        "password",
        "app_password",
        "passwd",
    ],
)
def test_account_add_refuses_a_secret_like_setting(cli, name):
    cli("client", "add", "Hotel Aurora")
    result = cli("account", "add", "Hotel Aurora", "facebook", "p", "--set", f"{name}=s3cr3t")
    assert result.code == 1 and "secrets never go into the data file" in result.err
    assert "s3cr3t" not in result.err + result.out
    assert cli("accounts", "--json").json() == []


@pytest.mark.parametrize(
    "pair, message",
    [
        ("page_idd=123", "facebook has no setting 'page_idd' (its settings: page_id,"),
        ("url=https://graph.example", "use --url"),
        ("from=me@example.com", "use --from"),
    ],
)
def test_account_add_refuses_a_setting_the_channel_does_not_declare(cli, pair, message):
    cli("client", "add", "Hotel Aurora")
    result = cli("account", "add", "Hotel Aurora", "facebook", "p", "--set", pair)
    assert result.code == 1 and message in result.err


def test_every_setting_a_connector_reads_is_declared():
    read = re.compile(r"""settings\.get\(\s*["'](\w+)["']|self\.setting\(\s*["'](\w+)["']""")
    for path in sorted((ROOT / "inbox" / "channels").glob("*.py")):
        names = {a or b for a, b in read.findall(path.read_text())}
        declared = set(OPTION_SETTINGS).union(*SETTINGS.values())
        assert names <= declared, (path.name, names - declared)
