"""The app, driven headless in a process of its own, marking items done for a while: one of
the writers of the three-process campaign (tests/test_campaigns.py).

``python tests/campaign_app.py DB SECONDS`` presses ``d`` on the highlighted item, waits for
the app's workers, and again, until SECONDS have passed; then prints JSON: the ids it marked
and every write the app reported as failed. The clock comes from ``SFOGO_NOW``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from textual.worker import WorkerFailed
from tui_kit import settle

from sfogo.inbox.clock import from_env
from sfogo.tui.app import SfogoApp
from sfogo.tui.widgets import InboxList


async def drive(db: str, seconds: float) -> dict:
    app = SfogoApp(db, clock=from_env())
    marked: list[int] = []
    failed: list[str] = []
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            current = app.screen.query_one(InboxList).current_id
            if current is None:
                break
            await pilot.press("d")
            marked.append(current)
            try:
                await settle(pilot)
            except WorkerFailed as exc:  # the app showed it; the campaign counts it
                failed.append(str(exc.error))
                await settle(pilot)
        running = app.is_running
    return {"marked": marked, "failed": failed, "running": running}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(drive(sys.argv[1], float(sys.argv[2])))))
