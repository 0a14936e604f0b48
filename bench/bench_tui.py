"""The full-screen app: time to the first frame, on an empty inbox and on the sized demo.

Method. Each measurement runs in a fresh Python process (so imports, Textual's caches and
sqlite's page cache of the previous run do not help the next one; the OS file cache does,
as it would for a user who just built the demo). Inside it, after importing, the clock
starts, ``SfogoApp`` is constructed and run headless at 80×24 (``App.run_test``). The app
class is subclassed so that every frame the compositor hands to the terminal layer
(``App._display``) is also turned into the bytes a real terminal would receive (headless
Textual skips that step). The clock stops at the first frame drawn after the inbox list
has its content: for the sized demo the first screenful of rows (the list paints as soon
as the first 256 ids arrive, before the rest of the ids are read), for the empty file the
list's "Inbox zero" line. The metric is the median of ``RUNS`` processes.

"Empty" means a file with one client and one account and no interactions: with no
accounts at all the app shows the how-to-start screen instead of the list, and the point
of this baseline is the same screen with no data behind it.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import BenchEnv, metric

RUNS = 5
ROOT = Path(__file__).resolve().parent.parent


def _child(db_path: str, now: int | None) -> None:
    """Runs in the measuring process: print the seconds from construction to first frame."""
    import asyncio
    import os
    import time

    from textual._compositor import CompositorUpdate

    from tui.app import SfogoApp
    from tui.widgets import InboxList

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
        app = Measured(db_path, now=now)
        async with app.run_test(size=(80, 24), headless=True) as pilot:
            while app.painted_at is None:
                await pilot.pause(0.001)
            return app.painted_at - start

    devnull = os.open(os.devnull, os.O_WRONLY)
    print(json.dumps({"first_paint_s": asyncio.run(run())}))


def _measure(db_path: Path, now: int | None) -> float:
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c",
             f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.bench_tui import _child;"
             f" _child({str(db_path)!r}, {now})"],
            capture_output=True, text=True, timeout=300, cwd=ROOT,
        )
        if out.returncode != 0:
            raise RuntimeError(f"the app failed: {out.stderr.strip().splitlines()[-1:]}")
        samples.append(json.loads(out.stdout.strip().splitlines()[-1])["first_paint_s"])
    return statistics.median(samples)


@metric("tui_first_paint_empty_s", unit="s")
def first_paint_empty(env: BenchEnv) -> float:
    from inbox.store import Store

    path = env.empty_db
    with Store(path) as store:
        store.add_client("Bench", "normal", now=env.now)
        store.add_account("Bench", "email", "bench@example.com", now=env.now)
    return _measure(path, env.now)


@metric("tui_first_paint_s", unit="s")
def first_paint(env: BenchEnv) -> float:
    # The app writes (it wakes snoozed items): measure on a copy, never the cached demo.
    path = env.scratch_copy()
    try:
        return _measure(path, env.now)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
