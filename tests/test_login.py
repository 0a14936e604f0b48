"""``sfogo account login``: a secret typed at a prompt that does not echo, kept in the
system keyring (here keyrings.alt's file backend) or, without one, in the 0600 config file;
and sync finds it there."""

from __future__ import annotations

import io
import json
import os
import select
import stat
import subprocess
import sys
import time
import tomllib

import pytest
from sync_world import world  # noqa: F401  (fixture)

from sfogo.inbox import grants, system_keyring
from sfogo.inbox.clock import NOW_ENV
from sfogo.tui.demo.emulators.x import ME_ID, XEmulator

CLI = "import sys; from sfogo.tui.cli import main; sys.exit(main())"
CONFIG_BEFORE = "# my settings\n[triage]\npinned = 9.0  # pins first\n"


@pytest.fixture
def file_keyring(tmp_path):
    """A keyring that stores in a file of the test's folder (keyrings.alt), as the system
    keyring for the test."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(backend)  # the conftest puts the "fail" backend back after the test
    return backend


@pytest.fixture(autouse=True)
def new_process():
    grants._MEMORY.clear()
    grants._PENDING.clear()
    yield
    grants._MEMORY.clear()
    grants._PENDING.clear()


def typed(monkeypatch, *lines: str) -> None:
    """What the login reads from a standard input that is not a terminal (a pipe)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def mastodon(world):
    """A Mastodon account whose token is nowhere sfogo looks yet: (account, its token)."""
    emu = world.mastodon()
    account, owner = world.mastodon_account(emu, "hotel")
    emu.mention(owner, text="a room for Saturday?")
    token = world.env.pop("TOKEN_HOTEL")
    settings = {k: v for k, v in account.settings.items() if k != "token_env"}
    world.store.accounts.update(account.id, settings=settings)
    return account, token


def test_a_login_goes_to_the_keyring_and_sync_reads_it_there(world, cli, monkeypatch, file_keyring):
    account, token = mastodon(world)
    key = f"mastodon:{account.handle}"
    typed(monkeypatch, token)

    done = cli("account", "login", key, "--config", world.config_path)

    assert done.code == 0, done.err
    assert "stored in the system keyring" in done.out and "service sfogo" in done.out
    assert file_keyring.get_password("sfogo", key) == token
    assert not os.path.exists(world.config_path)  # one copy: the keyring's
    ran = world.sync(config=None)[key]
    assert (ran.outcome, ran.items) == ("ok", 1)

    gone = cli("account", "logout", key, "--config", world.config_path)
    assert gone.code == 0 and "removed from the system keyring" in gone.out
    assert file_keyring.get_password("sfogo", key) is None
    assert world.sync(config=None)[key].outcome == "auth"


def test_without_a_keyring_the_login_goes_to_the_config_file_mode_0600_keeping_its_comments(
    world, cli, monkeypatch
):
    account, token = mastodon(world)
    key = f"mastodon:{account.handle}"
    with open(world.config_path, "w") as f:
        f.write(CONFIG_BEFORE)
    typed(monkeypatch, token)

    done = cli("account", "login", key, "--config", world.config_path)

    assert done.code == 0, done.err
    assert system_keyring.available() == ""
    assert f"stored in {world.config_path} (mode 0600)" in done.out
    assert done.err == ""  # no note that the file is read first: the file holds it
    with open(world.config_path) as f:
        text = f.read()
    assert text.startswith(CONFIG_BEFORE)
    assert tomllib.loads(text)["accounts"][key] == {"token": token}
    assert stat.S_IMODE(os.stat(world.config_path).st_mode) == 0o600
    ran = world.sync(config=None)[key]
    assert (ran.outcome, ran.items) == ("ok", 1)


def test_an_empty_answer_stores_nothing_and_says_so_in_one_line(world, cli, monkeypatch):
    account, _token = mastodon(world)
    typed(monkeypatch, "")

    done = cli("account", "login", f"mastodon:{account.handle}", "--config", world.config_path)

    assert done.code == 1
    assert done.err.strip() == "sfogo: no Mastodon access token given: nothing was stored"
    assert not os.path.exists(world.config_path)


def test_an_x_login_keeps_its_client_id_and_the_rotated_refresh_token_in_the_keyring(
    world, cli, monkeypatch, file_keyring
):
    emu = XEmulator(clock=world.clock.time, mentions=4)
    emu.start()
    world.emulators.append(emu)
    world.client()
    world.store.accounts.add(
        "Acme",
        "x",
        "trattoria_sfogo",
        settings={"url": emu.base_url, "user_id": ME_ID},
        now=world.clock.now(),
    )
    login = emu.oauth.login()
    typed(monkeypatch, emu.oauth.client_id, "", login)  # client id, no secret, refresh token

    done = cli("account", "login", "x:trattoria_sfogo", "--config", world.config_path)

    assert done.code == 0, done.err
    assert world.store.accounts.get("x:trattoria_sfogo").settings["client_id"] == (
        emu.oauth.client_id
    )
    entry = json.loads(file_keyring.get_password("sfogo", "x:trattoria_sfogo"))
    assert entry == {"refresh_token": login}
    ran = world.sync(config=None)["x:trattoria_sfogo"]
    assert (ran.outcome, ran.items) == ("ok", 4)
    # The rotated refresh token lives beside the login's, in the keyring entry, not on disk.
    entry = json.loads(file_keyring.get_password("sfogo", "x:trattoria_sfogo"))
    rotated = entry["grant"]["refresh_token"]
    assert rotated != login and rotated in emu.oauth.refresh_tokens
    assert login not in emu.oauth.refresh_tokens
    sessions = os.path.join(os.path.dirname(world.config_path), "sessions.json")
    if os.path.exists(sessions):
        with open(sessions) as f:
            assert rotated not in f.read()

    # A new process takes the stored rotation, not the spent login token.
    grants._MEMORY.clear()
    world.clock.advance(3 * 3600)
    assert world.sync(config=None)["x:trattoria_sfogo"].outcome == "ok"


# -- the prompt, on a real terminal -----------------------------------------------------------


def read_until(fd: int, want: bytes | None, timeout: float = 20.0) -> bytes:
    """What the terminal shows until ``want`` (None: until the child closes it), waiting at
    most ``timeout``."""
    seen = b""
    deadline = time.monotonic() + timeout
    while want is None or want not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {want!r} after {timeout} s; the terminal showed {seen!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            if want is None:
                return seen
            raise AssertionError(f"the terminal closed before {want!r}; it showed {seen!r}")
        seen += chunk
    return seen


def test_the_prompt_does_not_echo_the_secret_on_a_terminal(world, tmp_path):
    account, _token = mastodon(world)
    key = f"mastodon:{account.handle}"
    data = tmp_path / "data"
    env = {
        **os.environ,
        "SFOGO_DB": str(world.store.path),
        "SFOGO_CONFIG": world.config_path,
        NOW_ENV: str(world.clock.now()),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(data),
    }
    controller, terminal = os.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", CLI, "account", "login", key],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        prompt = read_until(controller, b"token: ")
        os.write(controller, b"typed-secret-0123456789\n")
        shown = prompt + read_until(controller, None)
        assert child.wait(timeout=20) == 0, shown
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=20)
        os.close(controller)

    assert b"Mastodon access token: " in prompt
    assert b"typed-secret" not in shown
    assert b"stored in the system keyring" in shown
    from keyrings.alt.file import PlaintextKeyring

    stored = PlaintextKeyring()
    stored.file_path = str(data / "python_keyring" / "keyring_pass.cfg")
    assert stored.get_password("sfogo", key) == "typed-secret-0123456789"
