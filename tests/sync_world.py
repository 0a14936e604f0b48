"""A small world for the sync, channel and outbox tests: the test clock, emulators on
loopback, a client with accounts pointing at them, and a Syncer wired to all of it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
import pytest

from sfogo.inbox.clock import ManualClock
from sfogo.inbox.store import Store
from sfogo.inbox.sync import Syncer
from sfogo.tui.demo.emulators.bluesky import BlueskyEmulator
from sfogo.tui.demo.emulators.mastodon import MastodonEmulator


@dataclass
class World:
    store: Store
    clock: ManualClock
    config_path: str
    env: dict = field(default_factory=dict)
    emulators: list = field(default_factory=list)

    def mastodon(self, **kwargs) -> MastodonEmulator:
        emu = MastodonEmulator(clock=self.clock.time, **kwargs)
        emu.start()
        self.emulators.append(emu)
        return emu

    def bluesky(self, **kwargs) -> BlueskyEmulator:
        emu = BlueskyEmulator(clock=self.clock.time, **kwargs)
        emu.start()
        self.emulators.append(emu)
        return emu

    def client(self, name: str = "Acme", tier: str = "vip"):
        try:
            return self.store.clients.get(name)
        except Exception:
            return self.store.clients.add(name, tier, now=self.clock.now())

    def mastodon_account(
        self, emu: MastodonEmulator, user: str, *, client: str = "Acme", token: str | None = None
    ):
        """A Mastodon account on ``emu`` and in sfogo; returns (sfogo account, emulator id)."""
        self.client(client)
        token = token or f"masto-secret-{user}-0123456789"
        owner = emu.add_account(user, token=token, display_name=user.title())
        var = f"TOKEN_{user.upper()}"
        self.env[var] = token
        account = self.store.accounts.add(
            client,
            "mastodon",
            f"@{user}@{emu.domain}",
            settings={"url": emu.base_url, "token_env": var},
            now=self.clock.now(),
        )
        return account, owner

    def bluesky_account(
        self,
        emu: BlueskyEmulator,
        handle: str,
        *,
        client: str = "Acme",
        password: str | None = None,
    ):
        self.client(client)
        password = password or f"bsky-app-pw-{handle.split('.')[0]}-abcd"
        did = emu.add_user(handle, password=password, display_name=handle.split(".")[0])
        var = f"PW_{handle.split('.')[0].upper()}"
        self.env[var] = password
        account = self.store.accounts.add(
            client,
            "bluesky",
            handle,
            settings={"url": emu.base_url, "token_env": var},
            now=self.clock.now(),
        )
        return account, did

    def syncer(self, **kwargs) -> Syncer:
        kwargs.setdefault("timeout", httpx.Timeout(3.0))
        kwargs.setdefault("config", {})
        return Syncer(
            self.store,
            clock=self.clock,
            config_path=self.config_path,
            env=self.env,
            **kwargs,
        )

    def sync(self, account_ref: str | None = None, **kwargs):
        """One pass; returns {account label: RunResult}."""
        syncer = self.syncer(**kwargs)
        results = asyncio.run(syncer.run_once(syncer.accounts(account_ref)))
        return {r.account: r for r in results}

    def send(self, **kwargs):
        syncer = self.syncer(**kwargs)
        return {r.account: r for r in asyncio.run(syncer.send_once())}

    def external_ids(self, account_id: int, *, outgoing: bool = False) -> list[str]:
        return [
            r[0]
            for r in self.store.conn.execute(
                "SELECT external_id FROM interactions WHERE account_id = ? AND outgoing = ?",
                (account_id, int(outgoing)),
            )
        ]

    def runs(self, account_id: int) -> list[dict]:
        keys = ("started_at", "outcome", "detail", "items", "retry_at", "lost")
        return [
            dict(zip(keys, r, strict=True))
            for r in self.store.conn.execute(
                f"SELECT {', '.join(keys)} FROM sync_runs WHERE account_id = ? ORDER BY id",
                (account_id,),
            )
        ]

    def close(self) -> None:
        for emu in self.emulators:
            emu.stop()


def forget_sessions() -> None:
    """What a new process starts with: no session in memory (the file stays)."""
    from sfogo.inbox import credentials

    credentials._MEMORY.clear()


@pytest.fixture
def world(store, tmp_path, clock):
    """A World on the test's clock (the one the ``cli`` fixture's commands read), starting
    and ending with no session in memory; its emulators stop after the test. Import it into
    a test module to use it."""
    forget_sessions()
    w = World(store, clock, str(tmp_path / "config.toml"))
    yield w
    w.close()
    forget_sessions()
