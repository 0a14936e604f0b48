"""The app's one watcher of the inbox (tui/changes.py): a write of ours that wrote nothing
must not hide another process's commit of the same moment.

The watcher takes one step of the change counter off per write of ours. A write that failed
or was refused (a like its platform has no API for) moved no counter: taken off all the
same, it would swallow a colleague's commit, which would then show only after some later
commit (on a quiet shared inbox, hours later).
"""

from __future__ import annotations

import asyncio

from tui_kit import make_app, settle

from sfogo.inbox.store import Store
from sfogo.tui.changes import ChangeWatcher
from sfogo.tui.widgets import InboxList

INSTAGRAM_DM = 1  # in the small inbox (tui_kit.build_inbox): its platform cannot like it


def test_a_write_of_ours_that_wrote_nothing_does_not_hide_another_commit():
    version, heard = [0], []
    watcher = ChangeWatcher(lambda: version[0], heard.append)
    watcher.own_write_started()
    version[0] += 1  # another process commits while ours is in flight
    watcher.own_write_ended(committed=False)  # ours failed, or was refused: nothing written
    assert len(heard) == 1  # the other process's commit, published now
    watcher.own_write_started()
    version[0] += 1  # ours commits this time
    watcher.own_write_ended()
    assert len(heard) == 1 and not watcher.poll()  # ours alone: no reload


async def test_a_colleagues_change_shows_when_our_like_is_refused_at_the_same_moment(inbox_db):
    db_path, ids = inbox_db
    app = make_app(db_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        inbox = app.screen.query_one(InboxList)
        inbox.move_to(ids.index(INSTAGRAM_DM))
        await settle(pilot)
        theirs = next(i for i in inbox.ids if i != INSTAGRAM_DM)
        with Store(db_path) as colleague:  # before the app's next look for changes
            colleague.marks.set_status([theirs], "done", now=0)
        await pilot.press("l")  # refused: instagram has no like for direct messages
        deadline = asyncio.get_running_loop().time() + 10
        while theirs in inbox.ids and asyncio.get_running_loop().time() < deadline:
            await pilot.pause(0.1)
        assert theirs not in inbox.ids, "the colleague's change never showed"
        toasts = [str(n.message) for n in app._notifications]
        assert "instagram has no like for direct messages in its API" in toasts
