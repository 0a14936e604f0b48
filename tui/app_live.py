"""What the app does by itself while it is open: it syncs (:mod:`.autosync`), counts what
arrived since you last looked and rings the bell for it (:mod:`.arrivals`).

:class:`LiveApp` is the base of :class:`~.app.SfogoApp`, kept apart so the app stays a
conductor. It publishes who syncs the file on ``sync_changed`` (the health bar says when the
next round comes) and the arrivals' count on ``arrivals_changed`` (the inbox header).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App
from textual.signal import Signal
from textual.timer import Timer

from sfogo.inbox.clock import Clock
from sfogo.inbox.i18n import _
from sfogo.inbox.store import Store

from .arrivals import Arrivals, ArrivalsCounted
from .autosync import AutoSync, SyncChanged, SyncFailed, SyncRound, SyncStatus, round_line
from .changes import FileChanged
from .widgets._work import Latest

# While a round of the app's loop runs, the file is looked at this often until its first
# change shows (the first page of a first sync), then at the usual pace (changes.LIVE_POLL_S):
# each look that finds a change reads the list again, which costs more in a big file.
FIRST_PAGE_POLL_S = 0.2


class LiveApp(App):
    """The app's sync loop, its arrivals and its bell."""

    # What SfogoApp provides.
    db_path: Path | str  # a data file, or a PostgreSQL inbox's URL
    clock: Clock
    data_changed: Signal[FileChanged]
    poll_changes: Callable[[], bool]
    report_error: Callable[..., None]

    def start_live(self, config_path: str | Path | None, newest_id: int, notify: str) -> None:
        """Set up (from ``__init__``); :meth:`go_live` starts the loop once mounted."""
        self.sync_status = SyncStatus()
        self.sync_changed: Signal[SyncStatus] = Signal(self, "sync-changed")
        self.autosync = AutoSync(
            self.post_message, self.db_path, clock=self.clock, config_path=config_path
        )
        self.arrivals = Arrivals(newest_id, notify)
        self.arrivals_changed: Signal[int] = Signal(self, "arrivals-changed")
        self._arrivals_latest = Latest()
        self._hears_rounds = False  # SIGUSR1 asks this app for a round (inbox/synclock.py)
        self._first_page: Timer | None = None  # the quick look while a round runs

    @property
    def sync_feed(self) -> tuple[Signal[SyncStatus], Callable[[], SyncStatus]]:
        """What the health bar follows: the signal, and who syncs now."""
        return self.sync_changed, lambda: self.sync_status

    def go_live(self, *, sync: bool) -> None:
        """Count arrivals whenever the file changes; start syncing after the first frame."""
        self.data_changed.subscribe(self, self.count_arrivals)
        if sync:
            self._round_signal(True)  # before the loop can hold the lock and name this pid
            self.call_after_refresh(self.autosync.start)

    def stop_live(self) -> None:
        self.autosync.stop()  # the lock is given back first: nobody asks for a round after
        self._round_signal(False)

    # -- syncing ----------------------------------------------------------------------------

    def action_sync_now(self) -> None:
        """Sync every account now: here, or by the process that runs the file's loop. That
        process is asked from a thread: on a PostgreSQL inbox asking opens a connection,
        which must never hold up the keys."""
        if self.autosync.status.where != "elsewhere":
            self.notify(self.autosync.sync_now(), markup=False, timeout=4)
            return

        def ask() -> None:
            try:
                text = self.autosync.sync_now()
            except Exception as exc:  # the server could not be reached: said, not raised
                self.call_from_thread(self.report_error, exc, where=_("Sync now"))
                return
            self.call_from_thread(self.notify, text, markup=False, timeout=4)

        self.run_worker(ask, thread=True, group="sync-now")

    def on_sync_changed(self, message: SyncChanged) -> None:
        before, status = self.sync_status, message.status
        self.sync_status = status
        if (before.where == "off") != (status.where == "off"):
            self.refresh_bindings()  # R is offered while a loop runs
        self._watch_first_page(status.where == "here" and status.syncing)
        if status.where == "elsewhere" and before.where != "elsewhere":
            who = status.holder.describe() if status.holder else _("another process")
            self.notify(
                _("{who} syncs this file; the app takes over when it stops.").format(who=who),
                markup=False,
            )
        elif status.where == "here" and before.where == "elsewhere":
            self.notify(_("The other process stopped: the app syncs this file now."), markup=False)
        self.sync_changed.publish(status)

    def _watch_first_page(self, on: bool) -> None:
        if on and self._first_page is None:
            self._first_page = self.set_interval(FIRST_PAGE_POLL_S, self._look_for_first_page)
        elif not on and self._first_page is not None:
            self._first_page.stop()
            self._first_page = None

    def _look_for_first_page(self) -> None:
        if self.poll_changes():
            self._watch_first_page(False)

    def on_sync_round(self, message: SyncRound) -> None:
        self.poll_changes()  # what the round wrote shows now, not at the next poll
        if message.forced:
            self.notify(round_line(message.results), markup=False, timeout=5)

    def on_sync_failed(self, message: SyncFailed) -> None:
        self.report_error(message.error, where="sync")

    def _round_signal(self, on: bool) -> None:
        """SIGUSR1 (another app's ``R``) asks the app for a round when it holds the loop. The
        handler is in place before the loop can take the lock (whose file names this
        process): a signal's default action would end the app. Afterwards the signal is
        ignored, so a late one cannot end it either."""
        import asyncio
        import signal

        from sfogo.inbox.synclock import ROUND_SIGNAL

        if ROUND_SIGNAL is None or on == self._hears_rounds:
            return
        try:
            loop = asyncio.get_running_loop()
            if on:
                loop.add_signal_handler(ROUND_SIGNAL, self.autosync.round_asked)
            else:
                loop.remove_signal_handler(ROUND_SIGNAL)
                signal.signal(ROUND_SIGNAL, signal.SIG_IGN)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            return
        self._hears_rounds = on

    # -- arrivals ---------------------------------------------------------------------------

    def count_arrivals(self, _change: FileChanged | None = None) -> None:
        """Count what arrived since you last looked, in a worker (the file changed)."""
        token = self._arrivals_latest.next()

        def work() -> None:
            with Store(self.db_path) as store:  # this thread's own connection
                counted = self.arrivals.read(store)
            self.post_message(ArrivalsCounted(token, counted))

        self.run_worker(work, name="arrivals", group="arrivals", thread=True, exit_on_error=False)

    def on_arrivals_counted(self, message: ArrivalsCounted) -> None:
        if self._arrivals_latest.is_current(message.token):
            if self.arrivals.apply(message.counted):
                self.bell()
            self.arrivals_changed.publish(self.arrivals.count)

    def arrivals_looked(self) -> None:
        """You went to the top of the list: the count starts again."""
        if self.arrivals.look():
            self.arrivals_changed.publish(0)
