"""The app syncs by itself: from opening it on a data file that has accounts and nothing in
them yet to the first frame that shows an item its own sync loop fetched.

Method. The platform is a Mastodon emulator in a process of its own (``python -m
sfogo.tui.demo.live serve``: 4 accounts, 3 pages of 40 mentions each), as a real server
would be. Each run is a fresh Python process on a fresh data file holding those accounts,
with their tokens in its environment; the clock starts when ``SfogoApp`` is constructed and
stops at the first frame (turned into the bytes a terminal would receive, as in
bench_tui.py) whose inbox list holds an item. That spans the first frame, the loop's thread
taking the file's sync lock, the connectors' first pages, the change watcher noticing them
(it polls every half second at most) and the list reading and drawing them. Median of
``RUNS`` processes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import BenchEnv, metric

RUNS = 3
ACCOUNTS = 4
PAGES = 3
ROOT = Path(__file__).resolve().parent.parent
SERVE_ARGS = ("--accounts", str(ACCOUNTS), "--pages", str(PAGES))


def _child(db_path: str, now: int) -> None:
    """Runs in the measuring process: the seconds from construction to the first item."""
    import asyncio
    import time

    from textual._compositor import CompositorUpdate

    from sfogo.inbox.clock import ManualClock
    from sfogo.tui.app import SfogoApp
    from sfogo.tui.widgets import InboxList

    class Measured(SfogoApp):
        shown_at: float | None = None

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is None or self.shown_at is not None:
                return
            if isinstance(renderable, CompositorUpdate):  # what a terminal would be sent
                os.write(devnull, renderable.render_segments(self.console).encode())
            lists = screen.query(InboxList)
            if lists and len(lists.first().ids) and lists.first().painted:
                self.shown_at = time.perf_counter()

    async def run() -> float:
        start = time.perf_counter()
        app = Measured(db_path, clock=ManualClock(now))
        async with app.run_test(size=(80, 24), headless=True) as pilot:
            deadline = start + 120
            while app.shown_at is None:
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"no item after 120 s: {app.sync_status}")
                await pilot.pause(0.001)
            return app.shown_at - start

    devnull = os.open(os.devnull, os.O_WRONLY)
    print(json.dumps({"first_item_s": asyncio.run(run())}))


def _data_file(env: BenchEnv, info: dict) -> Path:
    from sfogo.inbox.store import Store

    path = env.empty_db
    with Store(path) as store:
        store.clients.add("Bench", "vip", now=env.now)
        for n, handle in enumerate(info["handles"]):
            settings = {"url": info["url"], "token_env": f"BENCH_TOKEN_{n}"}
            store.accounts.add("Bench", "mastodon", handle, settings=settings, now=env.now)
    return path


def _run(env: BenchEnv, info: dict) -> float:
    path = _data_file(env, info)
    tokens = {f"BENCH_TOKEN_{n}": token for n, token in enumerate(info["tokens"])}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.bench_app_sync import"
            f" _child; _child({str(path)!r}, {env.now})",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **tokens},
    )
    if out.returncode != 0:
        raise RuntimeError(f"the app failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["first_item_s"]


@metric("tui_first_synced_item_s", unit="s")
def first_synced_item(env: BenchEnv) -> float:
    server = subprocess.Popen(
        [sys.executable, "-m", "sfogo.tui.demo.live", "serve", *SERVE_ARGS],
        cwd=ROOT,
        env={**os.environ, "SFOGO_NOW": str(env.now)},  # the server's clock is the run's
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(server.stdout.readline())
        return statistics.median(_run(env, info) for _ in range(RUNS))
    finally:
        server.stdin.close()
        server.wait(10)
