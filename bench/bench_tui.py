"""The full-screen app: time to the first frame, and from a key to the frame showing its result.

Method. Each measurement runs in a fresh Python process (so imports, Textual's caches and
sqlite's page cache of the previous run do not help the next one; the OS file cache does,
as it would for a user who just built the demo). The app class is subclassed so that every
frame the compositor hands to the terminal layer (``App._display``) is also turned into the
bytes a real terminal would receive (headless Textual skips that step) and written to
/dev/null; the clock stops at a frame.

The sized demo is copied and the settings' keyword lists recorded in it, as ``sfogo demo``
does (its triage keys were computed as it was built: this writes nothing unless the lists
differ).

First paint: from constructing ``SfogoApp`` to the first frame drawn after the inbox list
has its content (the first screenful of rows in triage order, before the rest of the ids
are read; for the empty file the list's "Inbox zero" line). Median of ``RUNS`` processes.
The clock includes the app's head start (tui/prefetch.py: up to 50 ms reading the first
page before Textual starts).
"Empty" means one client and one account and no interactions: with no accounts at all the
app shows the how-to-start screen instead of the list.

Keys (one process at 80×24, after the whole list has loaded): a key event is posted to the
app exactly as the terminal driver posts one, and the clock stops at the first frame in
which the result is drawn: the cursor on its new line (``j``/``k`` at random, then
``pagedown``), the list redrawn with the new view's ids (number keys cycling through the
views: a filter), the list redrawn with a search's results (the last letter of a word typed
after a pause, so the debounce does not wait). Between keys the app is left to finish (the
detail pane, workers). Each metric is the median. Textual paints at most 60 frames a
second, so a key waits 0–17 ms for its frame: ~8 ms of every figure is that wait.
Peak memory is the process's maximum resident set size after all of that (``ru_maxrss``).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import ENGINES, BenchEnv, metric

RUNS = 5
ROOT = Path(__file__).resolve().parent.parent
CURSOR_KEYS = 200
PAGE_KEYS = 60
VIEW_ROUNDS = 4
SEARCH_WORDS = (
    "rimborso",
    "room",
    "refund",
    "parcheggio",
    "terrace",
    "dashboard",
    "marco",
    "invoice",
    "crash",
    "booking",
    "fattura",
    "grazie",
)


def _clock(now: int):
    """The app's clock: the bench demo's fixed "now"."""
    from sfogo.inbox.clock import ManualClock

    return ManualClock(now)


def _child(db_path: str, now: int) -> None:
    """Runs in the measuring process: print the seconds from construction to first frame."""
    import asyncio
    import os
    import time

    from textual._compositor import CompositorUpdate

    from sfogo.tui.app import SfogoApp
    from sfogo.tui.widgets import InboxList

    class Measured(SfogoApp):
        painted_at: float | None = None

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is None or self.painted_at is not None:
                return
            if isinstance(renderable, CompositorUpdate):  # what a terminal would be sent
                os.write(devnull, renderable.render_segments(self.console).encode())
            lists = screen.query(InboxList)
            if lists and lists.first().loaded and lists.first().painted:
                self.painted_at = time.perf_counter()

    async def run() -> float:
        start = time.perf_counter()
        app = Measured(db_path, clock=_clock(now))
        async with app.run_test(size=(80, 24), headless=True) as pilot:
            while app.painted_at is None:
                await pilot.pause(0.001)
            return app.painted_at - start

    devnull = os.open(os.devnull, os.O_WRONLY)
    print(json.dumps({"first_paint_s": asyncio.run(run())}))


def _keys_child(db_path: str, now: int) -> None:
    """Runs in the measuring process: key-to-frame times and peak memory, as JSON."""
    import asyncio
    import os
    import random
    import resource
    import time

    from textual import events
    from textual._compositor import CompositorUpdate

    from sfogo.tui.app import SfogoApp
    from sfogo.tui.screens import InboxScreen
    from sfogo.tui.widgets import InboxList, SearchBar

    devnull = os.open(os.devnull, os.O_WRONLY)

    class Measured(SfogoApp):
        done = None  # a predicate: is the result on the frame just drawn?
        frame_at: float | None = None

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                os.write(devnull, renderable.render_segments(self.console).encode())
            if self.done is not None and self.frame_at is None and self.done():
                self.frame_at = time.perf_counter()

    async def settle(pilot) -> None:
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()

    async def press(pilot, key: str, char: str | None, done) -> float:
        app.frame_at = None
        app.done = done
        event = events.Key(key, char)
        event.set_sender(app)
        start = time.perf_counter()
        app._driver.send_message(event)
        while app.frame_at is None:
            await asyncio.sleep(0.0005)
            if time.perf_counter() - start > 30:
                raise RuntimeError(f"no frame showed the result of {key!r}")
        took = app.frame_at - start
        app.done = None
        await settle(pilot)
        return took * 1000

    async def run() -> dict:
        rng = random.Random(7)
        async with app.run_test(size=(80, 24), headless=True) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, InboxScreen)
            inbox = screen.query_one(InboxList)
            while not inbox.complete:
                await settle(pilot)
            out: dict[str, float] = {"items": len(inbox.ids)}

            cursor = []
            for _ in range(CURSOR_KEYS):
                up = inbox.cursor > 0 and rng.random() < 0.3
                target = inbox.cursor - 1 if up else inbox.cursor + 1
                key = "k" if up else "j"
                cursor.append(await press(pilot, key, key, lambda t=target: inbox.cursor == t))
            out["cursor_ms"] = statistics.median(cursor)

            pages = []
            for _ in range(PAGE_KEYS):
                target = min(len(inbox.ids) - 1, inbox.cursor + inbox._page_height())
                if target == inbox.cursor:  # the last row (a small demo): nothing would show
                    break
                pages.append(
                    await press(pilot, "pagedown", None, lambda t=target: inbox.cursor == t)
                )
            if not pages:
                raise RuntimeError("the list is one screen long: no page down to time")
            out["pagedown_ms"] = statistics.median(pages)

            views = []
            for _ in range(VIEW_ROUNDS):
                for number in (2, 3, 4, 5, 1):
                    version = inbox.ids_version
                    views.append(
                        await press(
                            pilot,
                            str(number),
                            str(number),
                            lambda n=number, v=version: (
                                screen.view_index == n - 1 and inbox.painted_version > v
                            ),
                        )
                    )
            out["filter_ms"] = statistics.median(views)

            bar = screen.query_one(SearchBar)
            searches = []
            screen.action_search()
            await settle(pilot)
            for word in SEARCH_WORDS:
                bar.value = word[:-1]
                bar.cursor_position = len(bar.value)
                await asyncio.sleep(0.3)  # a pause in typing
                await settle(pilot)
                version = inbox.ids_version
                last = word[-1]
                searches.append(
                    await press(
                        pilot,
                        last,
                        last,
                        lambda w=word, v=version: (
                            screen.search.text == w and inbox.painted_version > v
                        ),
                    )
                )
            out["search_ms"] = statistics.median(searches)
            out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            return out

    app = Measured(db_path, clock=_clock(now))
    print(json.dumps(asyncio.run(run())))


def _run_child(func: str, db_path: Path | str, now: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.bench_tui import {func};"
            f" {func}({str(db_path)!r}, {now})",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise RuntimeError(f"the app failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _measure(db_path: Path | str, now: int) -> float:
    samples = [_run_child("_child", db_path, now)["first_paint_s"] for _ in range(RUNS)]
    return statistics.median(samples)


def _keyed_copy(env: BenchEnv) -> Path | str:
    """A scratch copy of the sized demo with its triage keys, as ``sfogo demo`` leaves it."""
    from sfogo.backlog import settings, triage
    from sfogo.inbox.store import Store

    path = env.scratch_location()
    with Store(path) as store:
        triage.apply_keywords(store, settings.load(None, store=store))
    return path


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# (size, seed, engine, round) -> the key run's results
_KEYS: dict[tuple[int, int, str, int], dict | Exception] = {}


def _keys(env: BenchEnv) -> dict:
    """One measuring process serves the five key metrics of a run (a failure too)."""
    cache_key = (env.size, env.seed, env.engine, env.round)
    if cache_key not in _KEYS:
        path = _keyed_copy(env)  # the app writes (wakes snoozed items): never the cache
        try:
            _KEYS[cache_key] = _run_child("_keys_child", path, env.now)
        except Exception as exc:
            _KEYS[cache_key] = exc
        finally:
            env.discard(path)
    result = _KEYS[cache_key]
    if isinstance(result, Exception):
        raise result
    return result


@metric("tui_first_paint_empty_s", unit="s")
def first_paint_empty(env: BenchEnv) -> float:
    from sfogo.inbox.store import Store

    path = env.empty_db
    with Store(path) as store:
        store.clients.add("Bench", "normal", now=env.now)
        store.accounts.add("Bench", "email", "bench@example.com", now=env.now)
    return _measure(path, env.now)


@metric("tui_first_paint_s", unit="s", engines=ENGINES)
def first_paint(env: BenchEnv) -> float:
    path = _keyed_copy(env)
    try:
        return _measure(path, env.now)
    finally:
        env.discard(path)


@metric("tui_key_cursor_ms", unit="ms", engines=ENGINES)
def key_cursor(env: BenchEnv) -> float:
    return _keys(env)["cursor_ms"]


@metric("tui_key_pagedown_ms", unit="ms", engines=ENGINES)
def key_pagedown(env: BenchEnv) -> float:
    return _keys(env)["pagedown_ms"]


@metric("tui_filter_ms", unit="ms", engines=ENGINES)
def key_filter(env: BenchEnv) -> float:
    return _keys(env)["filter_ms"]


@metric("tui_search_ms", unit="ms", engines=ENGINES)
def key_search(env: BenchEnv) -> float:
    return _keys(env)["search_ms"]


@metric("tui_peak_mb", unit="MB", engines=ENGINES)
def peak_mb(env: BenchEnv) -> float:
    return _keys(env)["peak_mb"]
