"""A like queued in the app goes out now, as a queued reply does: it wakes the app's loop
rather than wait for its account's next round (tui/autosync.py, inbox/watch.py)."""

from __future__ import annotations

from sync_world import world  # noqa: F401 (a fixture)
from test_tui_autosync import acme, until
from tui_kit import make_app, settle

from sfogo.tui.widgets import InboxList


async def test_a_like_queued_in_the_app_goes_out_now_not_with_the_next_round(world, monkeypatch):
    masto, _account, owner = acme(world, monkeypatch, 1)
    app = make_app(world.store.path, clock=world.clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, "the first round", lambda: len(app.query_one(InboxList).ids) == 1)
        await until(pilot, "the loop's wait", lambda: not app.sync_status.syncing)
        await pilot.press("l")
        await settle(pilot)
        # The next round is two minutes away: the queued like wakes the loop instead.
        await until(pilot, "the like", lambda: bool(masto.favourited_by(owner)), timeout=15)
    assert len(masto.favourited_by(owner)) == 1
