"""The app syncs by itself: the loop of ``sfogo sync --watch`` (inbox/watch.py) in a thread of
its own, for every account whose secret this process can read.

One process syncs a data file at a time (inbox/synclock.py). When another one holds the loop
(``sfogo sync --watch``, another app), the app waits and takes it over when that one stops,
``kill -9`` included; meanwhile ``R`` asks the holder for a round (a signal). An account
whose secret this process cannot read is left out rather than recorded as an 'auth' failure:
the app may run in a shell without the variables ``sync --watch`` has, and a made-up gap
would stay in the client's history.

The thread has its own event loop and its own connection to the file, and talks to the app
only by posting messages: :class:`SyncChanged` when who syncs changes, :class:`SyncRound`
after each round, :class:`SyncFailed` for an error (the app shows it as a notification). A
round that fails is tried again after a pause, so one failure never stops the loop, and an
error never reaches the app as an exception.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from sfogo.inbox import synclock
from sfogo.inbox.clock import Clock
from sfogo.inbox.health import DEFAULT_INTERVAL_S
from sfogo.inbox.i18n import _, ngettext
from sfogo.inbox.store.location import location_of

if TYPE_CHECKING:
    from sfogo.inbox.model import Account
    from sfogo.inbox.sync import RunResult, Syncer
    from sfogo.inbox.watch import WatchLoop

HOST = "the app"
STOP_WAIT_S = 5.0  # the longest the app waits for the thread when it quits


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """Who runs the file's sync loop, as the app sees it."""

    where: str = "off"  # "here", "elsewhere" or "off"
    holder: synclock.Holder | None = None  # who runs it (here: this app)
    syncing: bool = False  # a round is running here now
    why: str = ""  # off: why, in one line ('' when there is nothing to sync)


class SyncChanged(Message):
    """Who syncs the file changed, or a round here started or ended."""

    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class SyncRound(Message):
    """A round of the app's loop ended (``forced``: the one ``R`` asked for)."""

    def __init__(self, results: list[RunResult], forced: bool) -> None:
        super().__init__()
        self.results = results
        self.forced = forced


class SyncFailed(Message):
    """The loop failed (the file busy, full or read-only, a bug); it tries again later."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class AutoSync:
    """The app's sync loop; ``post`` delivers its messages to the app (any thread)."""

    def __init__(
        self,
        post: Callable[[Message], object],
        db_path: str | Path,
        *,
        clock: Clock,
        config_path: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        interval: int = DEFAULT_INTERVAL_S,
    ) -> None:
        self._post = post
        self.db_path = location_of(db_path)  # a data file, or a PostgreSQL inbox's URL
        self.clock = clock
        self.config_path = config_path
        self.env = env  # where token_env variables are read (default: this process's)
        self.interval = interval
        self.status = SyncStatus()  # the thread's view; the app keeps its own copy
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._watch: WatchLoop | None = None
        self._stopping = False
        self._asker = synclock.SyncLock(self.db_path)  # only asks; never held

    # -- the app's side -----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name="sfogo-sync", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """End the loop (a round in flight is cancelled) and give the lock back."""
        self._stopping = True
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # its loop has closed already
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    def sync_now(self) -> str:
        """``R``: a round of every account now, here or by the loop's holder; what to say."""
        status = self.status
        if status.where == "here" and self._watch is not None:
            self._watch.sync_now()
            return _("Syncing every account now.")
        if status.where == "elsewhere":
            who = synclock.ask_for_round(self._asker)
            if who is not None:
                return _("Asked {describe} to sync now.").format(describe=who.describe())
            return _("Another process syncs this file and could not be asked: try again.")
        return status.why or _("Nothing to sync here.")

    def reply_queued(self) -> None:
        """A reply (or a like) was queued in the app: it goes out now, not with its account's
        next round. Here the loop wakes for the accounts with replies or likes queued;
        elsewhere its holder is asked for a round (from a thread: asking may open a
        connection)."""
        status = self.status
        if status.where == "here" and self._watch is not None:
            self._watch.send_now()
        elif status.where == "elsewhere":
            threading.Thread(target=self._ask_quietly, name="sfogo-ask", daemon=True).start()

    def _ask_quietly(self) -> None:
        try:
            synclock.ask_for_round(self._asker)
        except Exception:  # the holder's next round sends it all the same
            pass

    def round_asked(self) -> None:
        """Another process asked for a round (a signal): one now, if this app holds the loop
        (a signal that comes before the loop starts is dropped: its first round is near)."""
        if self._watch is not None:
            self._watch.sync_now()

    # -- the thread's side --------------------------------------------------------------------

    def _set(self, status: SyncStatus) -> None:
        if status != self.status:
            self.status = status
            self._post(SyncChanged(status))

    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # reported, never raised into the app
            self._post(SyncFailed(exc))

    async def _run(self) -> None:
        from sfogo.inbox import credentials
        from sfogo.inbox.store import Store
        from sfogo.inbox.sync import Syncer

        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        if self._stopping:
            return
        with Store(self.db_path) as store:  # this thread's own connection
            config = credentials.load_config(self.config_path, warn=lambda _m: None)
            syncer = Syncer(
                store, clock=self.clock, config=config, config_path=self.config_path, env=self.env
            )
            accounts = self._accounts(syncer)
            if not accounts:
                self._set(SyncStatus(why=_why_not(syncer)))
                return
            if not synclock.available(self.db_path):
                self._set(SyncStatus(why="No file locks here: run 'sfogo sync --watch'."))
                return
            await self._hold(syncer, accounts)

    async def _hold(self, syncer: Syncer, accounts: list[Account]) -> None:
        """Take the loop (waiting while another process has it) and run it until stopped."""
        from sfogo.inbox.watch import WatchLoop

        lock = synclock.SyncLock(self.db_path)
        me = synclock.Holder(
            os.getpid(), HOST, self.interval, self.clock.now(), tuple(a.id for a in accounts)
        )
        try:
            await synclock.acquire(
                lock,
                me,
                waiting=lambda who: self._set(SyncStatus("elsewhere", who)),
                on_round=self.round_asked,
            )
            here = SyncStatus("here", me)
            self._set(here)
            watch = WatchLoop(
                syncer,
                interval=self.interval,
                accounts=lambda: self._accounts(syncer),
                on_round=lambda results, _states: self._post(SyncRound(results, watch.last_forced)),
                on_syncing=lambda busy: self._set(replace(here, syncing=busy)),
            )
            self._watch = watch
            while not self._stopping:
                try:
                    await watch.run()
                except Exception as exc:  # a round failed: say so, pause, go on
                    self._post(SyncFailed(exc))
                    self._set(here)
                    await watch.pause(self.interval)
        finally:
            self._watch = None
            lock.release()

    @staticmethod
    def _accounts(syncer: Syncer) -> list[Account]:
        return [a for a in syncer.accounts() if syncer.has_secrets(a)]


def _why_not(syncer: Syncer) -> str:
    """Why the app has nothing to sync, in one line (``R`` says it)."""
    accounts = syncer.accounts()
    if not accounts:
        if any(a.settings.get("generated") for a in syncer.store.accounts.all()):
            return _(
                "Nothing to sync: the demo's accounts are generated (try 'sfogo demo --live')."
            )
        return _("Nothing to sync: no account has a connector ('sfogo account add').")
    return ngettext(
        "Nothing syncs here: no secret of the {count} account is set in this session "
        "('sfogo account test HANDLE' says what is missing).",
        "Nothing syncs here: no secret of the {count} accounts is set in this session "
        "('sfogo account test HANDLE' says what is missing).",
        len(accounts),
    ).format(count=len(accounts))


def round_line(results: list[RunResult]) -> str:
    """What a round did, in one line (after ``R``)."""
    asked = [r for r in results if r.attempted]
    if not asked:
        return _("Synced: nothing was due (a rate limit is honoured).")
    new = sum(r.items for r in asked)
    failed = sum(r.outcome != "ok" for r in asked)
    line = ngettext(
        "Synced {count} account: {new} new", "Synced {count} accounts: {new} new", len(asked)
    ).format(count=len(asked), new=new)
    if failed:
        line += _("; {failed} failed (the health bar says which)").format(failed=failed)
    return line + "."
