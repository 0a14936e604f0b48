"""Three managers' apps, a ``sync --watch`` and command-line writes on one PostgreSQL inbox:
the world, the managers at their keyboards, and what the campaign measures
(tests/test_campaigns.py runs it).

Each manager's app runs in a pseudo-terminal of its own (:mod:`campaign_screen`) and works
on its own client's mentions (a search for the client's word): done, undo, snooze, reply,
reading the item it acts on from the detail pane. ``sync --watch`` holds the inbox's loop,
fetches the mentions the emulator keeps receiving and sends the replies. The command line
snoozes and replies to a fourth client's items in a loop.

Whether every app is live is measured with a probe: every few seconds 200 items of a fifth
client are snoozed, or brought back, in one transaction. Nobody else moves the snoozed count
by that much at once, so the jumps of the count in each app's header say which side of the
last flip it shows (:class:`Probe`); the delay of a flip in an app is the time from its
commit to the first screen that shows it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from campaign_kit import sfogo
from campaign_screen import PtyApp
from child import Lines
from conftest import NOW

from sfogo.inbox import when
from sfogo.inbox.clock import NOW_ENV, ShiftedClock
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.demo.emulators.mastodon import MastodonEmulator

MANAGERS = ("alpha", "bravo", "charlie")
CLI_WORD = "delta"
PROBE_ITEMS = 200
# Longer than the live bound (test_campaigns.LIVE_BOUND_S, 5 s), so a failure says which it
# was: a flip shown late has a delay over the bound, a flip never shown before the next one
# is a change the app missed (it hears a change every second from the sync's writes).
PROBE_EVERY_S = 8.0
TROUBLE = re.compile(r"locked|busy|Traceback|OperationalError|lock timeout|could not")
HEADER = re.compile(r"([\d,]+) snoozed")  # 1,234 above a thousand


def token(word: str) -> str:
    return f"TOKEN_{word.upper()}"


@dataclass
class PgWorld:
    """The inbox, the emulator and what each actor works on."""

    url: str
    env: dict[str, str]
    emu: MastodonEmulator
    owners: dict[str, str]  # word -> the emulator's account id
    probe_ids: list[int] = field(default_factory=list)
    cli_ids: list[int] = field(default_factory=list)
    sent_mentions: dict[str, list[str]] = field(default_factory=dict)  # word -> texts

    def mention(self, word: str) -> str:
        """A new mention of ``word``'s account, numbered; its text."""
        texts = self.sent_mentions.setdefault(word, [])
        text = f"{word}word {len(texts)}"
        with self.emu.lock:
            self.emu.mention(self.owners[word], text=text, at=self.emu.clock() - 1)
        texts.append(text)
        return text


def build_world(url: str, emu: MastodonEmulator, base_env: dict[str, str], start: int) -> PgWorld:
    """Four Mastodon accounts (three managers' clients and the command line's) with
    ``start`` mentions each, synced once; the probe's items; the command line's items
    snoozed (so its snoozes move no count)."""
    env = {**base_env, "SFOGO_DB": url}
    owners = {}
    with Store(url) as store:
        for word in (*MANAGERS, CLI_WORD):
            secret = f"masto-{word}-token-0123456789"
            owners[word] = emu.add_account(word, token=secret)
            env[token(word)] = secret
            client = f"{word.title()} Co"
            store.clients.add(client, "normal", now=NOW)
            store.accounts.add(
                client,
                "mastodon",
                f"@{word}@{emu.domain}",
                settings={"url": emu.base_url, "token_env": token(word)},
                now=NOW,
            )
        store.clients.add("Probe Co", "low", now=NOW)
        probe = store.accounts.add("Probe Co", "import", "probe", now=NOW)
        store.items.upsert(
            [
                Interaction(probe.id, f"p{n}", "comment", NOW - 7200 - n, text=f"probe {n}")
                for n in range(PROBE_ITEMS)
            ],
            now=NOW,
        )
    world = PgWorld(url, env, emu, owners)
    for word in owners:
        for _ in range(start):
            world.mention(word)
    done = run(world, "sync", "--once")
    assert done.returncode == 0, done.stderr
    with Store(url) as store:
        rows = store.items.page(InboxFilter(statuses=()), limit=None)
        accounts = {a.id: a.handle for a in store.accounts.all()}
        world.probe_ids = [r["id"] for r in rows if accounts[r["account_id"]] == "probe"]
        world.cli_ids = [
            r["id"] for r in rows if accounts[r["account_id"]].startswith(f"@{CLI_WORD}@")
        ]
        store.marks.set_status(world.cli_ids, "snoozed", until=NOW + 86400, now=NOW)
    return world


def run(world: PgWorld, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        sfogo(*args), env=world.env, capture_output=True, text=True, timeout=timeout
    )


# -- the probe ----------------------------------------------------------------------------------


class Probe:
    """Flips the probe's items between new and snoozed; remembers each flip's commit.

    Which side of the flips an app shows is read from the jumps of the snoozed count in its
    header, not from the count itself: a flip moves it by ``PROBE_ITEMS`` in one
    transaction, while everything else the campaign does (a manager's snooze, a reply sent
    for a snoozed item) moves it by one item at a time, a few between two screens. So the
    managers' own work cannot make a screen read as the wrong side, however long it runs."""

    def __init__(self, world: PgWorld) -> None:
        self.world = world
        self.flips: list[tuple[float, bool]] = []  # (monotonic time of the commit, snoozed)
        with Store(world.url) as store:
            self.base = store.items.status_counts().get("snoozed", 0)

    def flip(self) -> None:
        snoozed = not (self.flips and self.flips[-1][1])
        with Store(self.world.url) as store:
            if snoozed:
                store.marks.set_status(
                    self.world.probe_ids, "snoozed", until=NOW + 86400 * 30, now=NOW
                )
            else:
                store.marks.set_status(self.world.probe_ids, "new", now=NOW)
            self.flips.append((time.monotonic(), snoozed))  # committed, and the next flip waits

    def sides(self, seen: list[tuple[float, int]]) -> list[tuple[float, bool]]:
        """The side each screen of ``seen`` (time, snoozed count, on every change) showed:
        the first from the count (nobody has worked yet: it is the base or the base and the
        probe), then a jump of at least half the probe moves to its side, smaller changes
        leave it where it was."""
        out: list[tuple[float, bool]] = []
        for n, (at, count) in enumerate(seen):
            if n == 0:
                side = count >= self.base + PROBE_ITEMS // 2
            else:
                jump = count - seen[n - 1][1]
                side = jump > 0 if abs(jump) >= PROBE_ITEMS // 2 else out[-1][1]
            out.append((at, side))
        return out

    def shown_last(self, seen: list[tuple[float, int]]) -> bool:
        """Whether the counts ``seen`` end on the last flip's side (True: no flip yet)."""
        if not self.flips:
            return True
        return bool(seen) and self.sides(seen)[-1][1] == self.flips[-1][1]

    def delays(self, seen: list[tuple[float, int]], until: float) -> list[float | None]:
        """Each flip's delay in an app that showed the snoozed counts ``seen`` (time, count,
        on every change): the first time it showed the flip's side before the next flip
        (None: it never did)."""
        sides = self.sides(seen)
        out: list[float | None] = []
        for n, (at, side) in enumerate(self.flips):
            end = self.flips[n + 1][0] if n + 1 < len(self.flips) else until
            before = [s for t, s in sides if t <= at]
            if before and before[-1] == side:
                out.append(0.0)  # a commit the app had shown already (it cannot be seen early)
                continue
            hits = [t for t, s in sides if at < t <= end and s == side]
            out.append(hits[0] - at if hits else None)
        return out


# -- a manager at the keyboard ------------------------------------------------------------------


@dataclass
class Manager:
    """One app in a pseudo-terminal and what its manager did in it."""

    word: str
    app: PtyApp
    expected: dict[int, str | None] = field(default_factory=dict)  # mention number -> status
    replies: list[tuple[int, str]] = field(default_factory=list)  # (mention number, text)
    replied: set[int] = field(default_factory=set)  # done by the loop once the reply is out
    actions: int = 0
    seen: list[tuple[float, int]] = field(default_factory=list)  # (time, snoozed count)
    trouble: list[str] = field(default_factory=list)
    stalls: list[str] = field(default_factory=list)  # waits for an effect that ran out

    def pump(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.app.ended:
            self.app.pump(min(0.05, max(0.0, deadline - time.monotonic())))
            self.look()

    def look(self) -> None:
        text = self.app.screen.text()
        found = HEADER.search(text.split("\n", 1)[0])
        if found:
            count = int(found.group(1).replace(",", ""))
            if not self.seen or self.seen[-1][1] != count:
                self.seen.append((time.monotonic(), count))
        for line in text.splitlines():
            if TROUBLE.search(line) and line not in self.trouble:
                self.trouble.append(line)

    def until(self, what, seconds: float = 8.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.app.ended:
            if what(self.app.screen.text()):
                return True
            self.pump(0.05)
        return False

    def current(self) -> int | None:
        """The mention number the detail pane shows (None: no item of ours)."""
        lines = self.app.screen.lines()
        rule = next((n for n, line in enumerate(lines) if line.startswith("────")), None)
        if rule is None:
            return None
        pattern = re.compile(rf"\b{self.word}word (\d+)\b")
        for line in lines[rule + 1 :]:
            found = pattern.search(line)
            if found:
                return int(found.group(1))
        return None

    def composing(self) -> int | None:
        """The mention number the open composer answers, as its box quotes it (None: none)."""
        lines = self.app.screen.lines()
        top = next((n for n, line in enumerate(lines) if "╭─ Reply" in line), None)
        if top is None:
            return None
        pattern = re.compile(rf"\b{self.word}word (\d+)\b")
        for line in lines[top + 1 :]:
            if "╰" in line:
                break
            inside = line[line.find("│") + 1 : line.rfind("│")]
            if found := pattern.search(inside):
                return int(found.group(1))
        return None

    def moved(self, before: int) -> bool:
        return self.until(lambda _t: self.current() not in (before, None), 4.0)

    def start(self) -> bool:
        if not self.until(lambda t: HEADER.search(t.split("\n", 1)[0]) is not None, 90):
            return False
        self.app.type("/")
        if not self.until(lambda t: "search: words" in t, 30):
            return False
        self.app.type(f"{self.word}word\r")
        return self.until(lambda _t: self.current() is not None, 30)

    def work(self, deadline: float) -> None:
        """Done, undo, snooze, reply, done… on the item the pane shows, until ``deadline``."""
        steps = ("done", "undo", "snooze", "reply", "done")
        n = 0
        last_done: tuple[int, str | None] | None = None
        while time.monotonic() < deadline and not self.app.ended:
            item = self.current()
            self.pump(0.3)  # the pane follows the cursor after a pause: a key acts on the
            if item is None or self.current() != item:  # cursor's item, so wait until it shows
                continue
            step = steps[n % len(steps)]
            n += 1
            if step == "done":
                last_done = (item, self.expected.get(item))
                self.app.type("d")
                self.expected[item] = "done"
                if not self.moved(item):
                    self.stalls.append(f"done {item}: the pane stayed")
            elif step == "undo" and last_done is not None:
                self.app.type("u")
                back = last_done[0]
                self.expected[back] = last_done[1] or "new"
                last_done = None
                # The undo puts the cursor back on the item: act on nothing before it shows.
                if not self.until(lambda _t, back=back: self.current() == back, 4.0):
                    self.stalls.append(f"undo {back}: the item did not come back")
            elif step == "snooze":
                self.app.type("s")
                if not self.until(lambda t: "Snooze until" in t, 4):
                    self.stalls.append(f"snooze {item}: no dialog")
                self.app.type("1")
                self.expected[item] = "snoozed"
                if not self.moved(item):
                    self.stalls.append(f"snooze {item}: the pane stayed")
            elif step == "reply":
                self.app.type("r")
                if not self.until(lambda t: "ctrl+s queue" in t, 5):
                    self.stalls.append(f"reply {item}: no composer")
                    self.app.type(b"\x1b")
                    continue
                # The item the composer answers (the pane can lag behind the cursor).
                item = self.composing() or item
                text = f"{self.word} answers {item} ({len(self.replies)})"
                self.app.type(text)
                self.pump(0.2)
                self.app.type(b"\x13")  # ctrl+s queues it
                self.replies.append((item, text))
                self.expected[item] = None
                self.replied.add(item)
                if not self.until(lambda t: "ctrl+s queue" not in t, 5):
                    self.stalls.append(f"reply {item}: the composer stayed")
            self.actions += 1


def launch(world: PgWorld, word: str, home: Path) -> Manager:
    env = {
        **world.env,
        "TERM": "xterm-256color",
        "COLORTERM": "",
        "NO_COLOR": "",
        "HOME": str(home),
        "PYTHONFAULTHANDLER": "1",  # a stuck app says where it is stuck (PtyApp.quit)
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    home.mkdir(parents=True, exist_ok=True)
    return Manager(word, PtyApp(env))


# -- the command line -------------------------------------------------------------------------


class CliLoop(threading.Thread):
    """``sfogo snooze`` and ``sfogo reply`` on the command line's items, in a loop."""

    def __init__(self, world: PgWorld) -> None:
        super().__init__(daemon=True)
        self.world = world
        self.stop = threading.Event()
        self.snoozed: dict[int, int] = {}  # item -> the last time given
        self.replies: list[tuple[int, str]] = []
        self.failures: list[str] = []
        self.waits: list[float] = []

    def run(self) -> None:
        n = 0
        ids = self.world.cli_ids
        while not self.stop.is_set():
            item = ids[n % len(ids)]
            started = time.monotonic()
            if n % 3 == 2:
                text = f"cli answers {item} ({n})"
                done = run(self.world, "reply", str(item), text)
                ok = done.returncode == 0
                if ok:
                    self.replies.append((item, text))
            else:
                until = NOW + 86400 + n * 60
                done = run(self.world, "snooze", str(item), "--until", when.iso(until))
                ok = done.returncode == 0
                if ok:
                    self.snoozed[item] = until
            self.waits.append(time.monotonic() - started)
            if not ok or TROUBLE.search(done.stderr):
                self.failures.append(done.stderr.strip() or f"exit {done.returncode}")
            n += 1


def campaign_env(tmp: Path) -> dict[str, str]:
    """The processes' environment: no config of the user's, the tests' clock."""
    return {
        **os.environ,
        "SFOGO_CONFIG": str(tmp / "config.toml"),
        NOW_ENV: str(NOW),
    }


# -- the server's word on lock waits ------------------------------------------------------------

WAITED = re.compile(r"(?:still waiting for|acquired) (\w+) on (.+?) after ([\d.]+) ms")


def lock_waits(log: str) -> list[tuple[str, float]]:
    """Every lock wait the server logged (``log_lock_waits``): (what, milliseconds)."""
    return [(f"{m.group(1)} on {m.group(2)}", float(m.group(3))) for m in WAITED.finditer(log)]


# -- the campaign -------------------------------------------------------------------------------


@dataclass
class Result:
    """What the campaign saw; the test asserts on it and prints :meth:`figures`."""

    seconds: float = 0.0
    arrivals: int = 0
    managers: list[Manager] = field(default_factory=list)
    cli: CliLoop | None = None
    probe: Probe | None = None
    app_statuses: list[int] = field(default_factory=list)
    trouble: list[str] = field(default_factory=list)
    missing_mentions: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    wrong_statuses: list[str] = field(default_factory=list)
    cli_snoozes_wrong: list[int] = field(default_factory=list)
    replies_not_sent_once: list[str] = field(default_factory=list)
    delays: dict[str, list[float | None]] = field(default_factory=dict)
    server_log: str = ""

    @property
    def unseen_flips(self) -> list[str]:
        return [
            f"{word}: flip {n}"
            for word, ds in self.delays.items()
            for n, d in enumerate(ds)
            if d is None
        ]

    @property
    def worst_delay_s(self) -> float:
        return max((d for ds in self.delays.values() for d in ds if d is not None), default=0.0)

    def waits_over(self, ms: float) -> list[tuple[str, float]]:
        return [(what, waited) for what, waited in lock_waits(self.server_log) if waited > ms]

    def figures(self) -> dict[str, object]:
        waits = lock_waits(self.server_log)
        cli = self.cli
        return {
            "seconds": round(self.seconds, 1),
            "arrivals": self.arrivals,
            "app_actions": sum(m.actions for m in self.managers),
            "cli_writes": len(cli.waits) if cli else 0,
            "replies": sum(len(m.replies) for m in self.managers)
            + (len(cli.replies) if cli else 0),
            "probe_flips": len(self.probe.flips) if self.probe else 0,
            "worst_live_delay_s": round(self.worst_delay_s, 2),
            "lock_waits_over_100ms": len(waits),
            "longest_lock_wait_ms": round(max((w for _, w in waits), default=0)),
            "cli_slowest_s": round(max(cli.waits, default=0), 2) if cli else 0,
            "app_stalls": sum(len(m.stalls) for m in self.managers),
            "lost": 0,
            "locked": 0,
        }


class Campaign:
    """Sets the world up, runs every actor for the campaign's seconds, then checks."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.url, self.tmp = url, tmp

    def run(self, seconds: float) -> Result:
        result = Result()
        emu = MastodonEmulator(clock=ShiftedClock(NOW), rate_limit=100_000)
        emu.start()
        managers: list[Manager] = []
        sync: subprocess.Popen | None = None
        try:
            world = build_world(self.url, emu, campaign_env(self.tmp), start=6)
            result.probe = Probe(world)
            errors = open(self.tmp / "sync.err", "w+")  # noqa: SIM115 (the child's lifetime)
            sync = subprocess.Popen(
                sfogo("sync", "--watch", "--interval", "1s"),
                env=world.env,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
            assert sync.stdout is not None
            said = Lines(sync.stdout, lambda: (self.tmp / "sync.err").read_text())
            said.next("the watch's banner", timeout=60)  # it holds the loop before the apps
            managers = result.managers = [launch(world, word, self.tmp / word) for word in MANAGERS]
            self._run_actors(world, managers, result, seconds)
            result.app_statuses = [m.app.quit() for m in managers]
            result.trouble += [
                f"{m.word} did not quit; its screen and stacks:\n{m.app.last_words}"
                for m in managers
                if m.app.last_words
            ]
            self._drain(world)
            sync.send_signal(signal.SIGINT)
            sync.wait(timeout=60)
            said.rest()
            errors.close()
            sync_err = (self.tmp / "sync.err").read_text()
            result.trouble += [f"sync --watch: {line}" for line in sync_err.splitlines()]
            last = run(world, "sync", "--once")
            if last.returncode != 0 or last.stderr.strip():
                result.trouble.append(f"sync --once: {last.stderr.strip()}")
        finally:
            for m in managers:
                if m.app.status is None:
                    m.app.quit(timeout=5)
            if sync is not None and sync.poll() is None:
                sync.kill()
                sync.wait(timeout=30)
            emu.stop()
        self._check(world, result)
        return result

    def _run_actors(
        self, world: PgWorld, managers: list[Manager], result: Result, seconds: float
    ) -> None:
        ready = threading.Barrier(len(managers) + 1)
        end = [0.0]  # set once every app is ready: the apps' start is not the campaign's time
        go = threading.Event()  # end is set

        def manage(m: Manager) -> None:
            ok = m.start()
            if not ok:
                m.trouble.append(f"{m.word}: the app never showed its items")
            try:
                ready.wait(timeout=180)
            except threading.BrokenBarrierError:
                return
            go.wait(timeout=60)
            if ok:
                m.work(end[0])
            probe = result.probe
            assert probe is not None
            # Until the last flip shows (a miss shows as one in the delays).
            m.until(lambda _t: probe.shown_last(m.seen), PROBE_EVERY_S)

        threads = [threading.Thread(target=manage, args=(m,), daemon=True) for m in managers]
        for t in threads:
            t.start()
        ready.wait(timeout=180)
        began = time.monotonic()
        end[0] = began + seconds
        go.set()
        cli = result.cli = CliLoop(world)
        cli.start()
        next_flip = began + 1
        while time.monotonic() < end[0]:
            for word in (*MANAGERS, CLI_WORD):
                world.mention(word)
                result.arrivals += 1
            if time.monotonic() >= next_flip:
                result.probe.flip()  # type: ignore[union-attr]
                next_flip += PROBE_EVERY_S
            cli.stop.wait(0.5)
        result.seconds = time.monotonic() - began
        cli.stop.set()
        cli.join(timeout=120)
        for t in threads:
            t.join(timeout=120)
        watched_until = time.monotonic()
        for m in managers:
            result.delays[m.word] = result.probe.delays(m.seen, watched_until)  # type: ignore[union-attr]
            result.trouble += [f"{m.word}'s screen: {line}" for line in m.trouble]
        result.trouble += [f"cli: {line}" for line in cli.failures]

    def _drain(self, world: PgWorld) -> None:
        """Until the loop has sent every reply queued (at most a minute)."""
        deadline = time.monotonic() + 60
        pace = threading.Event()  # never set: a look every half second
        with Store(world.url) as store:
            while time.monotonic() < deadline:
                if not store.outbox.replies(states=("queued", "sending")):
                    return
                pace.wait(0.5)

    def _check(self, world: PgWorld, result: Result) -> None:
        with Store(world.url) as store:
            rows = store.items.page(InboxFilter(statuses=()), limit=None)
            accounts = {a.id: a.handle for a in store.accounts.all()}
            by_text: dict[str, list[dict]] = {}
            for r in rows:
                by_text.setdefault(r["text"], []).append(r)
            replies = store.outbox.replies()
        stored = {}
        for word, texts in world.sent_mentions.items():
            for text in texts:
                found = [
                    r
                    for r in by_text.get(f"@{word} {text}", [])
                    if accounts[r["account_id"]].startswith(f"@{word}@")
                ]
                if not found:
                    result.missing_mentions.append(text)
                elif len(found) > 1:
                    result.duplicates.append(text)
                else:
                    stored[text] = found[0]
        for m in result.managers:
            for number, status in m.expected.items():
                row = stored.get(f"{m.word}word {number}")
                if status is None or row is None:
                    continue
                ok = row["status"] in (("new", "open") if status == "new" else (status,))
                # A reply, once the loop sends it, marks its item done (inbox/outbox.py), maybe
                # after an undo brought the item back.
                ok = ok or (number in m.replied and row["status"] == "done")
                if not ok:
                    result.wrong_statuses.append(
                        f"{m.word}word {number}: {row['status']} not {status}"
                    )
        cli = result.cli
        if cli is not None:
            with Store(world.url) as store:
                got = store.items.by_ids(list(cli.snoozed))
            result.cli_snoozes_wrong = [
                i for i, until in cli.snoozed.items() if got[i]["snoozed_until"] != until
            ]
        queued = [text for m in result.managers for _, text in m.replies]
        queued += [text for _, text in (cli.replies if cli else [])]
        on_platform: dict[str, int] = {}
        with world.emu.lock:
            for status in world.emu.statuses.values():
                on_platform[status["text"]] = on_platform.get(status["text"], 0) + 1
        states = {r["text"]: r["state"] for r in replies}
        for text in queued:
            sent = sum(n for body, n in on_platform.items() if body.endswith(text))
            if sent != 1 or states.get(text) != "sent":
                result.replies_not_sent_once.append(f"{text!r}: {sent} sent, {states.get(text)}")
