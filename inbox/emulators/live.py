"""``sfogo demo --live``: platform emulators on loopback, accounts pointing at them, and a
real sync through the real connectors, told as a short story a newcomer can watch.

Every emulator that implements :meth:`Emulator.live_accounts` takes part; modules are
imported defensively so a channel that is missing or broken only drops out of the demo.
Secrets stay in this process (passed to the Syncer, never written anywhere); login sessions
go to a temporary folder, not the user's ``sessions.json``.

``python -m inbox.emulators.live serve`` runs Mastodon emulators in their own process for
the sync benchmark (bench/bench_sync.py) and prints how to reach them as one JSON line.
"""
from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .base import Emulator

MODULES = ("mastodon", "bluesky", "graph", "x", "wordpress", "youtube")
LIVE_CLIENT = "Bottega Verde (live)"


def emulator_classes() -> list[type[Emulator]]:
    """Emulator classes that take part in the live demo, in MODULES order."""
    found = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__package__}.{name}")
        except Exception:  # a channel still being written must not break the demo
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (issubclass(cls, Emulator) and cls.__module__ == module.__name__
                    and cls.live_accounts is not Emulator.live_accounts):
                found.append(cls)
    return found


class LiveDemo:
    """Emulators, their accounts in ``store``, and a Syncer wired to both."""

    def __init__(self, store, *, out: Callable[[str], None] = print, seed: int = 0) -> None:
        self.store, self.out, self.seed = store, out, seed
        self.emulators: list[Emulator] = []
        self.accounts: list[tuple[object, Emulator, object]] = []  # (account, emulator, owner)
        self.env: dict[str, str] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="sfogo-live-")

    def start(self) -> None:
        from ..errors import SfogoError

        try:
            client = self.store.client(LIVE_CLIENT)
        except SfogoError:
            client = self.store.add_client(LIVE_CLIENT, "high")
        for cls in emulator_classes():
            try:
                emu = cls(seed=self.seed) if "seed" in inspect.signature(cls).parameters else cls()
                emu.start()
                specs = emu.live_accounts()
            except Exception as exc:
                self.out(f"  (skipping the {cls.__name__}: {type(exc).__name__})")
                continue
            self.emulators.append(emu)
            for n, spec in enumerate(specs, 1):
                var = f"SFOGO_LIVE_{spec['channel'].upper()}_{len(self.env) + 1}"
                self.env[var] = spec["secret"]
                settings = {**spec.get("settings", {}), "url": spec["url"], "token_env": var,
                            "demo": True}
                handle = spec["handle"]
                if any(a.channel == spec["channel"] and a.handle == handle
                       for a in self.store.accounts()):
                    handle = f"{handle}-{n}"
                account = self.store.add_account(client.id, spec["channel"], handle,
                                                 settings=settings)
                self.accounts.append((account, emu, spec.get("owner")))

    def syncer(self):
        from ..sync import Syncer

        return Syncer(self.store, config_path=Path(self._tmp.name) / "config.toml", config={},
                      env=self.env, on_result=self._print_result)

    def _print_result(self, r) -> None:
        from ..text import excerpt

        if not r.attempted:
            line = f"{r.account}: waits, {r.detail}"
        elif r.outcome == "ok":
            line = f"{r.account}: ok, {r.items} new in {r.pages} page{'s' * (r.pages != 1)}"
            if r.sent:
                line += f", {r.sent} repl{'y' if r.sent == 1 else 'ies'} sent"
        else:
            line = (f"{r.account}: {r.outcome.replace('_', ' ')}, a gap is recorded\n"
                    f"    {excerpt(r.detail, 74)}")
        self.out("  " + (line if "\n" in line else excerpt(line, 76)))

    def sync_round(self):
        return asyncio.run(self.syncer().run_once([a for a, _, _ in self.accounts]))

    def arrive(self, count: int) -> None:
        for _, emu, owner in self.accounts:
            with emu.lock:
                emu.add_live_items(owner, count)

    def stop(self) -> None:
        for emu in self.emulators:
            emu.stop()
        self._tmp.cleanup()

    def __enter__(self) -> LiveDemo:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def run_live(store, *, out: Callable[[str], None] = print, seed: int = 0,
             pause: float = 0.8) -> dict:
    """Start the emulators, sync, break two of them, sync, recover, reply, sync. Returns
    counts for the caller's summary."""
    from ..outbox import queue_reply

    with LiveDemo(store, out=out, seed=seed) as live:
        if not live.accounts:
            out("No emulator is available for a live demo.")
            return {"accounts": 0, "items": 0}
        channels = sorted({a.channel for a, _, _ in live.accounts})
        out(f"Live demo: {len(live.accounts)} accounts of {LIVE_CLIENT} on "
            f"{len(live.emulators)} platform\nemulators on 127.0.0.1 ({', '.join(channels)}).")
        out("1. First sync, through the real connectors:")
        live.sync_round()
        time.sleep(pause)

        out("2. New items arrive; Mastodon goes into maintenance, Bluesky rate-limits us:")
        live.arrive(6)
        for emu in live.emulators:
            if emu.platform == "mastodon":
                emu.faults.set("down")
            elif emu.platform == "bluesky":
                emu.faults.set("rate_limited", reset=time.time() + 2)
        live.sync_round()
        time.sleep(pause)

        out("3. More arrive while they are away; a reply is queued for a Mastodon mention:")
        live.arrive(4)
        mastodon = next((a for a, _, _ in live.accounts if a.channel == "mastodon"), None)
        if mastodon is not None:
            newest = store.conn.execute(
                "SELECT id FROM interactions WHERE account_id = ? AND outgoing = 0"
                " ORDER BY created_at DESC LIMIT 1", (mastodon.id,)).fetchone()
            if newest:
                queue_reply(store, newest[0], "Thanks for writing! We'll get back to you today.")
        for emu in live.emulators:
            emu.faults.clear()
        time.sleep(max(pause, 2.2))  # past Bluesky's reset: sync never asks before it

        out("4. Back online: sync backfills from each cursor and sends the reply once:")
        live.sync_round()
        ids = [a.id for a, _, _ in live.accounts]
        items = store.conn.execute(
            f"SELECT count(*) FROM interactions WHERE account_id IN ({','.join('?' * len(ids))})",
            ids).fetchone()[0]
        out(f"Done: {items} items from the live accounts are in the inbox; the failures\n"
            "above are recorded as gaps: see 'sfogo gaps' and 'sfogo health'.")
        return {"accounts": len(ids), "items": items, "channels": channels}


# -- a separate process serving Mastodon accounts, for the sync benchmark ----------------------


def serve(accounts: int, pages: int, per_page: int = 40) -> None:
    """Serve ``accounts`` Mastodon accounts with ``pages`` pages of mentions each; print
    ``{"url", "tokens": [...], "handles": [...]}`` and serve until stdin closes."""
    from .mastodon import MastodonEmulator

    emu = MastodonEmulator(seed=1, rate_limit=10_000)
    now = time.time()
    tokens, handles = [], []
    for n in range(accounts):
        token = f"bench-token-{n}"
        owner = emu.add_account(f"brand{n}", token=token)
        emu.add_mentions(owner, pages * per_page, start=now - pages * per_page * 30, spacing=30)
        tokens.append(token)
        handles.append(f"@brand{n}@{emu.domain}")
    emu.start()
    print(json.dumps({"url": emu.base_url, "tokens": tokens, "handles": handles}), flush=True)
    sys.stdin.read()
    emu.stop()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m inbox.emulators.live")
    parser.add_argument("mode", choices=["serve"])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--per-page", type=int, default=40)
    args = parser.parse_args()
    serve(args.accounts, args.pages, args.per_page)
