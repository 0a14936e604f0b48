"""``sfogo demo --live``: platform emulators on loopback, accounts pointing at them, and a
real sync through the real connectors, told as a short story a newcomer can watch.

Every emulator that implements :meth:`Emulator.live_accounts` takes part; modules are
imported defensively so a channel that is missing or broken only drops out of the demo.
Secrets stay in this process (passed to the Syncer, never written anywhere); login sessions
go to a temporary folder, not the user's ``sessions.json``. E-mail takes no part: it needs
a real IMAP server (the tests start Dovecot), not an emulator.

``python -m sfogo.tui.demo.live serve`` runs Mastodon emulators in their own process for
the sync benchmark (bench/bench_sync.py) and prints how to reach them as one JSON line.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sfogo.inbox.clock import Clock
from sfogo.inbox.model import Account

from .emulators.base import Emulator

MODULES = ("mastodon", "bluesky", "graph", "x", "wordpress", "youtube")
LIVE_CLIENT = "Bottega Verde (live)"
SECRET_SETTINGS = {"token": "token_env", "password": "password_env"}
REPLY_TEXT = "Thanks for writing! We'll get back to you today."

# The most recent LiveDemo of this process, stopped: its emulators' request logs, what each
# account was served and the throwaway credentials it made up (memory only), so a test that
# runs ``sfogo demo --live`` through the command line can check the story's promises.
last_demo: LiveDemo | None = None


def emulator_classes() -> list[type[Emulator]]:
    """Emulator classes that take part in the live demo, in MODULES order."""
    found = []
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__package__}.emulators.{name}")
        except Exception:  # a channel still being written must not break the demo
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, Emulator)
                and cls.__module__ == module.__name__
                and cls.live_accounts is not Emulator.live_accounts
            ):
                found.append(cls)
    return found


def served_ids(emu: Emulator, owner) -> set[str]:
    """External ids of the incoming items a complete sync of ``owner``'s account holds now.

    Emulators written for the live demo say so with ``live_item_ids``; Mastodon's and
    Bluesky's name theirs after what they list."""
    for name in ("live_item_ids", "mention_ids", "notification_uris"):
        method = getattr(emu, name, None)
        if method is not None:
            return set(method(owner))
    return set()


class LiveDemo:
    """Emulators, their accounts in ``store``, and a Syncer wired to both, on one clock."""

    def __init__(
        self, store, *, clock: Clock, out: Callable[[str], None] = print, seed: int = 0
    ) -> None:
        self.store, self.clock, self.out, self.seed = store, clock, out, seed
        self.emulators: list[Emulator] = []
        self.accounts: list[tuple[Account, Emulator, object]] = []  # (account, emulator, owner)
        self.env: dict[str, str] = {}
        # account id -> ids of what its emulator held at the account's last successful sync
        self.served: dict[int, set[str]] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="sfogo-live-")

    def start(self) -> None:
        from sfogo.inbox.errors import SfogoError

        try:
            client = self.store.clients.get(LIVE_CLIENT)
        except SfogoError:
            client = self.store.clients.add(LIVE_CLIENT, "high", now=self.clock.now())
        for cls in emulator_classes():
            try:
                kwargs: dict[str, Any] = {"clock": self.clock}
                if "seed" in inspect.signature(cls).parameters:
                    kwargs["seed"] = self.seed
                emu = cls(**kwargs)
                emu.start()
                specs = emu.live_accounts()
            except Exception as exc:
                self.out(f"  (skipping the {cls.__name__}: {type(exc).__name__})")
                continue
            self.emulators.append(emu)
            for n, spec in enumerate(specs, 1):
                var = f"SFOGO_LIVE_{spec['channel'].upper()}_{len(self.env) + 1}"
                self.env[var] = spec["secret"]
                setting = SECRET_SETTINGS.get(spec.get("secret_kind", "token"), "token_env")
                settings = {
                    **spec.get("settings", {}),
                    "url": spec["url"],
                    setting: var,
                    "demo": True,
                }
                handle = spec["handle"]
                if any(
                    a.channel == spec["channel"] and a.handle == handle
                    for a in self.store.accounts.all()
                ):
                    handle = f"{handle}-{n}"
                account = self.store.accounts.add(
                    client.id, spec["channel"], handle, settings=settings, now=self.clock.now()
                )
                self.accounts.append((account, emu, spec.get("owner")))

    def emulator(self, platform: str) -> Emulator | None:
        return next((e for e in self.emulators if e.platform == platform), None)

    def account(self, channel: str) -> Account | None:
        return next((a for a, _, _ in self.accounts if a.channel == channel), None)

    def syncer(self):
        from sfogo.inbox.sync import Syncer

        return Syncer(
            self.store,
            clock=self.clock,
            config={},
            config_path=Path(self._tmp.name) / "config.toml",
            env=self.env,
            on_result=self._print_result,
        )

    def _print_result(self, r) -> None:
        from sfogo.inbox.text import excerpt

        if not r.attempted:
            line = f"{r.account}: waits, {r.detail}"
        elif r.outcome == "ok":
            line = f"{r.account}: ok, {r.items} new in {r.pages} page{'s' * (r.pages != 1)}"
            for count, verb in ((r.sent, "sent"), (r.held, "held")):
                if count:
                    line += f", {count} repl{'y' if count == 1 else 'ies'} {verb}"
        else:
            line = (
                f"{r.account}: {r.outcome.replace('_', ' ')}, a gap is recorded\n"
                f"    {excerpt(r.detail, 74)}"
            )
        self.out("  " + (line if "\n" in line else excerpt(line, 76)))

    def sync_round(self):
        results = asyncio.run(self.syncer().run_once([a for a, _, _ in self.accounts]))
        done = {r.account_id for r in results if r.attempted and r.outcome == "ok"}
        for account, emu, owner in self.accounts:
            if account.id in done:  # arrivals wait for the round: this is what it could see
                self.served[account.id] = served_ids(emu, owner)
        return results

    def arrive(self, count: int) -> None:
        for _, emu, owner in self.accounts:
            with emu.lock:
                emu.add_live_items(owner, count)

    def reply_posts(self) -> dict[str, int]:
        """POST requests each emulator received other than logins: the replies it was sent."""
        return {
            e.platform: sum(1 for r in e.requests_to(".", "POST") if "Session" not in r.path)
            for e in self.emulators
        }

    def stop(self) -> None:
        for emu in self.emulators:
            emu.stop()
        self._tmp.cleanup()

    def __enter__(self) -> LiveDemo:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _fill(text: str, first: str = "", rest: str = "") -> str:
    """``text`` wrapped to 80 columns, never inside a quoted command such as 'sfogo gaps'."""
    wrapped = textwrap.fill(
        text.replace("'sfogo ", "'sfogo\0"), 80, initial_indent=first, subsequent_indent=rest
    )
    return wrapped.replace("\0", " ")


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _exhaust_quota(emulator: Emulator) -> None:
    from .emulators.youtube import YouTubeEmulator

    assert isinstance(emulator, YouTubeEmulator)
    emulator.exhaust_quota()


# What goes wrong in step 2, per platform: (what the newcomer reads, how the emulator does it).
# Bluesky's limit ends two seconds later, so step 4 shows sync waiting for the reset; YouTube's
# quota is really spent and resets at midnight Pacific, so sync does not ask again today.
FAULTS: dict[str, tuple[str, Callable[[Emulator], None]]] = {
    "mastodon": ("Mastodon goes into maintenance", lambda e: e.faults.set("down")),
    "bluesky": (
        "Bluesky rate-limits us",
        lambda e: e.faults.set("rate_limited", reset=e.clock() + 2),
    ),
    "x": ("X suspends the account (an error inside a 200)", lambda e: e.faults.set("blocked")),
    "youtube": ("YouTube's daily quota runs out", _exhaust_quota),
}
NAMES = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "wordpress": "WordPress",
    "youtube": "YouTube",
}


def _queue_window_closed_dm(store, account, now: int) -> int | None:
    """Queue a reply to the newest Facebook DM whose sender last wrote over a day ago (their
    24-hour window has closed); return the reply id."""
    from sfogo.inbox.outbox import queue_reply

    item_id = store.items.newest_quiet_dm(account.id, before=now - 25 * 3600)
    if item_id is None:
        return None
    return queue_reply(
        store, item_id, "Sorry for the slow answer: yes, we still have a table for Friday.", now=now
    )


def run_live(
    store, *, clock: Clock, out: Callable[[str], None] = print, seed: int = 0, pause: float = 0.8
) -> dict:
    """Start the emulators, sync, break four of them, sync, queue two replies, recover,
    sync. Returns counts for the caller's summary."""
    # Long: the story is told in order, one numbered step after the other.
    global last_demo
    from sfogo.inbox.outbox import get_reply, queue_reply

    with LiveDemo(store, clock=clock, out=out, seed=seed) as live:
        last_demo = live
        if not live.accounts:
            out("No emulator is available for a live demo.")
            return {"accounts": 0, "items": 0}
        platforms = {e.platform for e in live.emulators}
        channels = sorted({a.channel for a, _, _ in live.accounts})
        out(
            _fill(
                f"Live demo: {len(live.accounts)} accounts of {LIVE_CLIENT} on "
                f"{len(channels)} channel{'s' * (len(channels) != 1)} ({', '.join(channels)}), "
                f"served by {len(live.emulators)} "
                f"emulator{'s' * (len(live.emulators) != 1)} on 127.0.0.1."
            )
        )
        out("1. First sync, through the real connectors:")
        live.sync_round()
        clock.sleep(pause)

        faulty = [p for p in FAULTS if p in platforms]
        steady = [NAMES.get(c, c) for c in channels if c not in faulty]
        story = [FAULTS[p][0] for p in faulty]
        if steady:
            story.append(f"{_joined(steady)} keep{'s' * (len(steady) == 1)} syncing")
        out(_fill("2. New items arrive. " + "; ".join(story) + ":", rest="   "))
        live.arrive(6)
        for platform in faulty:
            emulator = live.emulator(platform)
            if emulator is not None:  # (faulty names only platforms that are served)
                FAULTS[platform][1](emulator)
        live.sync_round()
        clock.sleep(pause)

        mastodon, facebook = live.account("mastodon"), live.account("facebook")
        queued = []
        if mastodon is not None:
            queued.append("one to a Mastodon mention")
        if facebook is not None:
            queued.append("one to a Facebook DM whose 24-hour window has closed")
        out(
            _fill(
                "3. More arrive while they are away. "
                + (f"Replies are queued: {_joined(queued)}." if queued else ""),
                rest="   ",
            )
        )
        live.arrive(4)
        replies = []
        if mastodon is not None:
            newest = store.items.newest_incoming(mastodon.id)
            if newest is not None:
                replies.append(queue_reply(store, newest, REPLY_TEXT, now=clock.now()))
        if facebook is not None:
            held = _queue_window_closed_dm(store, facebook, clock.now())
            if held is not None:
                replies.append(held)
        for emu in live.emulators:
            emu.faults.clear()  # the suspension is lifted too; YouTube's quota stays spent
        clock.sleep(max(pause, 2.2))  # past Bluesky's reset: sync never asks before it

        back = [NAMES[p] for p in faulty if p != "youtube"]
        then = ["sync backfills from each cursor"]
        if mastodon is not None:
            then.append("sends the Mastodon reply once")
        if facebook is not None:
            then.append("holds the Facebook one")
        if "youtube" in faulty:
            then.append("does not ask YouTube before its quota resets")
        out(
            _fill(
                f"4. {_joined(back) + ' are back' if back else 'Later'}: {_joined(then)}:",
                rest="   ",
            )
        )
        live.sync_round()
        for reply_id in replies:
            reply = get_reply(store, reply_id)
            if reply["state"] not in ("sent", "queued"):
                out(_fill(f"{reply['state']}: {reply['account']}: {reply['reason']}", "  ", "    "))
        ids = [a.id for a, _, _ in live.accounts]
        items = store.items.total(ids)
        out(
            _fill(
                f"Done: {items:,} items from the live accounts are in the inbox, each once. The "
                "failures above are recorded as gaps: see 'sfogo gaps' and 'sfogo health'; the "
                "replies: 'sfogo outbox'. E-mail is not in the live demo (it needs an IMAP "
                "server)."
            )
        )
        return {
            "accounts": len(ids),
            "items": items,
            "channels": channels,
            "replies": replies,
            "reply_posts": live.reply_posts(),
        }


# -- a separate process serving Mastodon accounts, for the sync benchmark ----------------------


def serve(accounts: int, pages: int, per_page: int = 40, *, clock: Clock) -> None:
    """Serve ``accounts`` Mastodon accounts with ``pages`` pages of mentions each; print
    ``{"url", "tokens": [...], "handles": [...]}`` and serve until stdin closes."""
    from .emulators.mastodon import MastodonEmulator

    emu = MastodonEmulator(seed=1, rate_limit=10_000, clock=clock)
    now = clock.time()
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

    parser = argparse.ArgumentParser(prog="python -m sfogo.tui.demo.live")
    parser.add_argument("mode", choices=["serve"])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--per-page", type=int, default=40)
    args = parser.parse_args()
    from sfogo.inbox.clock import from_env

    serve(args.accounts, args.pages, args.per_page, clock=from_env())
