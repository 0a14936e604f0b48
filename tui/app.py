"""The full-screen app: ``SfogoApp(db_path, clock=...)`` opens one inbox (a data file, or a
PostgreSQL database by its URL).

The app holds what every screen shares, and screens reach it through one typed accessor
(``SfogoScreen.sfogo``): the UI thread's ``Store`` (page fetches and a change counter,
nothing slow), the clock, what the config says (triage settings, saved views, keymap), and
the one watcher of the file (:mod:`.changes`), which publishes on ``data_changed`` when
another connection commits. Screens own their queries and run them in named thread workers
with connections of their own.

The app syncs by itself (:mod:`.autosync`: the loop of ``sync --watch`` in a thread, or a
wait for the process that runs it), publishes who syncs on ``sync_changed``, counts what
arrived since you last looked and rings the bell for it (:mod:`.arrivals`).

A failure of the file itself (busy, damaged, read-only, full) is one notification, in the
words the command line uses (inbox/store/failures.py), and the app keeps running. Damage is
found only where a read reaches it, so a few seconds after opening, the app reads every
page once in the background (``PRAGMA quick_check``, ~1 s per 250,000 items).
"""

from __future__ import annotations

import inspect
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual import on
from textual.app import SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker

from sfogo.inbox.clock import Clock
from sfogo.inbox.errors import SfogoError, StoreError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.redact import redact
from sfogo.inbox.rows import ItemRow, MemberRow
from sfogo.inbox.store import (
    OPTIMIZE_EVERY_S,
    Store,
    failures,
    keep_connections,
    release_connections,
)
from sfogo.inbox.store.location import location_of, shown
from sfogo.inbox.text import sanitize

from . import screens, widgets
from .app_config import load_app_config
from .app_live import LiveApp
from .changes import LIVE_POLL_S, ChangeWatcher, FileChanged
from .keymap import known_bindings
from .screens import AwayScreen, BacklogScreen, EmptyScreen, HelpScreen, InboxScreen, PostsScreen
from .theme_config import keep_theme
from .widgets import WorkFailed


class AwayDone(Message):
    """Away mode started or ended (``text`` says which, plain text)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AwayAsk(Message):
    """The manager is not away: ask why they are going."""


# The background check of every page starts this long after the app opens, so it never
# competes with the first screenful.
FILE_CHECK_DELAY_S = 5.0
REPEAT_AFTER_S = 10.0  # the same error is not shown again while its notification still shows


class SfogoApp(LiveApp):
    """sfogo's inbox; ``clock`` is where "now" comes from (frozen in tests)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "sfogo"
    BINDINGS = [
        Binding("q", "quit", N_("Quit"), id="app.quit"),
        Binding("question_mark", "help", N_("Keys"), id="app.help"),
        Binding("b", "backlog", N_("Backlog"), id="app.backlog"),
        Binding("a", "away", N_("Away"), id="app.away"),
        # P, not o: o reopens a done item.
        Binding("P", "posts", N_("Posts"), id="app.posts"),
        Binding("R", "sync_now", N_("Sync now"), id="app.sync"),
    ]

    def __init__(
        self,
        db_path: str | Path,
        *,
        clock: Clock,
        config_path: str | Path | None = None,
        user: str = "",
    ) -> None:
        """``user``: the team member this app is, over the config's (the demo's own)."""
        super().__init__()
        self.db_path = location_of(db_path)
        self.config_path = config_path
        self.clock = clock
        # Opened here, on the thread that runs the app, so a bad file fails before the
        # screen takes over the terminal (the command line prints one line for it).
        self.store = Store(self.db_path)
        self.data_changed: Signal[FileChanged] = Signal(self, "data-changed")
        self.changes = ChangeWatcher(self.store.data_version, self.data_changed.publish)
        self.config = load_app_config(config_path, binding_ids())
        self.views = self.config.views
        if user:
            self.config.user = user
        # Who this person is on a team's inbox (None: nobody, a one-person inbox as ever).
        self.me = self._who_am_i()
        self._prepare_store()
        self._has_accounts = bool(self.store.accounts.all())
        self._shown: dict[str, float] = {}  # error text -> when it was last shown (monotonic)
        self.start_live(config_path, self.store.items.newest_id(), self.config.notify)
        self.first_page = None
        if self._has_accounts:
            from .prefetch import FirstPage
            from .screens._inbox_load import FIRST_IDS

            # The first screenful is read while Textual starts (see tui/prefetch.py).
            self.first_page = FirstPage(
                self.db_path, self.views[0], self.config.settings_base, self.now, FIRST_IDS
            )

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this terminal, writing fewer bytes (see tui/lean_output.py)."""
        from .lean_output import lean_driver

        return lean_driver(super().get_driver_class())

    def _prepare_store(self) -> None:
        """What the app's long-lived connection does once: record the config's triage
        keywords (a write only when they changed, so reads never have to) and refresh the
        planner's statistics where SQLite thinks they are stale."""
        from sfogo.backlog.triage import apply_keywords

        try:
            apply_keywords(self.store, self.config.settings_base)
        except (sqlite3.Error, StoreError):  # read-only, busy or damaged: reads score
            pass  # unkeyed items in memory, and the file's state is shown once mounted
        self.store.optimize(opening=True)

    def _who_am_i(self) -> MemberRow | None:
        """The team member using the app (inbox/team.py); with one, a "Mine" view follows
        the built-in ones."""
        from sfogo.inbox.team import who

        from .views import mine_view

        try:
            me = who(self.store, self.config.user)
        except (SfogoError, sqlite3.Error) as exc:
            self.config.errors.append(str(exc))
            return None
        if me is not None:
            self.views, error = mine_view(self.views, me.name)
            if error:
                self.config.errors.append(error)
        return me

    # -- what screens use -------------------------------------------------------------------

    def now(self) -> int:
        """The current time in UTC epoch seconds, from the app's clock."""
        return self.clock.now()

    def settings_for(self, store: Store):
        """The triage settings with each client's own response target (any thread)."""
        from sfogo.backlog.settings import client_targets

        return self.config.settings_base.with_client_targets(client_targets(store))

    def take_first_page(self) -> dict | None:
        """The page read before Textual started, once (see tui/prefetch.py)."""
        return self.first_page.take() if self.first_page is not None else None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification of every screen, with secrets masked (inbox/redact.py)."""
        super().notify(
            redact(message),
            title=redact(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def report_error(self, error: BaseException, *, where: str = "") -> None:
        """A worker failed: say so in one line and keep running (the file's failures in the
        command line's words; the same line is not repeated while it still shows)."""
        error = failures.failure(error, self.db_path, waited_s=self.store.busy_timeout_s) or error
        if isinstance(error, SfogoError):
            text = str(error)
        else:
            text = _("{value} failed: {name}: {error}").format(
                value=where or "background task", name=type(error).__name__, error=error
            )
        shown = self._shown.get(text)
        if shown is not None and time.monotonic() - shown < REPEAT_AFTER_S:
            return
        self._shown[text] = time.monotonic()
        # Error text can quote untrusted data: controls replaced, never parsed as markup.
        self.notify(sanitize(text), markup=False, severity="error", timeout=8)

    def rows_by_ids(self, ids: Sequence[int]) -> dict[int, ItemRow]:
        """A page of the inbox list, read on the UI thread by primary key. A failure of the
        file (a damaged page) is shown once and leaves those lines blank, so drawing the
        list never stops the app."""
        from .screens._inbox_load import list_rows  # with each row's waiting reply (the mark)

        try:
            return list_rows(self.store, ids, now=self.now(), me=self.my_id())
        except Exception as exc:  # the engine's own error class: sqlite3's or psycopg's
            if failures.failure(exc, self.db_path) is None:
                raise
            self.report_error(exc)
            return {}

    def poll_changes(self) -> bool:
        """Tell the screens if another connection committed since the last look."""
        return self.changes.poll()

    # -- running --------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        if not self._has_accounts:
            return EmptyScreen(shown(self.db_path))
        return InboxScreen()

    def on_mount(self) -> None:
        # Every worker opens its own store: on a server, reuse closed ones' connections.
        keep_connections()
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        keep_theme(self, self.config_path, self.config.theme)
        for error in self.config.errors:
            self.notify(sanitize(error), markup=False, severity="error", timeout=15)
        found = failures.recorded_damage(self.db_path)
        if found is not None:
            self.report_error(failures.damaged(self.db_path, found))
        self.set_interval(LIVE_POLL_S, self.poll_changes)
        self.set_interval(OPTIMIZE_EVERY_S, self.store.optimize)
        self.set_timer(FILE_CHECK_DELAY_S, self.check_file)
        self.go_live(sync=self._has_accounts)

    def check_file(self) -> None:
        """Read every page of the file in a worker; damage is recorded and shown."""

        def check() -> None:
            with Store(self.db_path) as store:  # this thread's own connection
                problems = store.quick_check()
            if problems:
                what = _("a check of every page found {count} problems").format(count=len(problems))
                raise failures.found_damage(self.db_path, what)

        self.run_worker(
            check, name="file-check", group="file-check", thread=True, exit_on_error=False
        )

    def on_unmount(self) -> None:
        self.stop_live()
        if self.first_page is not None:
            self.first_page.discard()
        self.store.close()
        release_connections()

    @on(WorkFailed)
    def _work_failed(self, message: WorkFailed) -> None:
        self.report_error(message.error, where=message.where)

    # -- keys -------------------------------------------------------------------------------

    def action_backlog(self) -> None:
        """The backlog screen (not over a modal, not twice)."""
        if not isinstance(self.screen, (BacklogScreen, ModalScreen)):
            self.push_screen(BacklogScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A file without accounts has no posts: the Posts key is not offered there. ``R`` is
        offered while a sync loop runs on the file (here or in another process)."""
        if action == "sync_now":
            return self.sync_status.where != "off" and not isinstance(self.screen, EmptyScreen)
        return not (action == "posts" and isinstance(self.screen, EmptyScreen))

    def action_posts(self) -> None:
        """The Posts screen (not over a modal, not twice, not without accounts)."""
        if not isinstance(self.screen, (PostsScreen, ModalScreen, EmptyScreen)):
            self.push_screen(PostsScreen())

    def action_help(self) -> None:
        from .screens._help import bindings_of

        if isinstance(self.screen, HelpScreen):
            return
        title = _(getattr(self.screen, "HELP_TITLE", "")) or type(self.screen).__name__
        self.push_screen(HelpScreen(title, bindings_of(self.screen)))

    def action_away(self) -> None:
        """End the open away period, or ask why and start one (not in a file without
        accounts: there is nothing to be away from)."""
        if not isinstance(self.screen, EmptyScreen):
            self._end_away()

    def _end_away(self) -> None:
        def work() -> None:
            from .away import end_away

            with Store(self.db_path) as store:  # this thread's own connection
                text = end_away(store, self.now(), self.my_id())
            self.post_message(AwayAsk() if text is None else AwayDone(text))

        self.run_worker(work, name="away", group="away", thread=True, exit_on_error=False)

    def on_away_ask(self, message: AwayAsk) -> None:
        def chosen(reason: str | None) -> None:
            if reason is not None:
                self._start_away(reason)

        self.push_screen(AwayScreen(), callback=chosen)

    def _start_away(self, reason: str) -> None:
        def work() -> None:
            from .away import start_away

            with Store(self.db_path) as store:
                said = start_away(store, reason, self.now(), self.my_id())
                self.post_message(AwayDone(said))

        self.run_worker(work, name="away", group="away", thread=True, exit_on_error=False)

    def my_id(self) -> int | None:
        """The id of the member using the app (whose away ``a`` records); None: one person."""
        return None if self.me is None else self.me.id

    def on_away_done(self, message: AwayDone) -> None:
        self.notify(message.text, markup=False, timeout=4)
        # The gaps changed: the health bar and the backlog show it now, not at the next poll.
        self.changes.announce(FileChanged(urgent=True))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (away mode) report their errors here."""
        failed = WorkFailed.of(event)
        if failed is not None and event.worker.node is self:
            self.report_error(failed.error, where=failed.where)

    # -- the palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key binding with an id is also a command in the palette (ctrl+p)."""
        for command in super().get_system_commands(screen):  # Textual's own, in our words
            yield command._replace(title=_(command.title), help=_(command.help))
        seen: set[str] = set()
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id or binding.id in seen or binding.id == "app.quit":
                continue
            seen.add(binding.id)
            words = _(binding.description) if binding.description else binding.action
            title = f"{words} ({self.get_key_display(binding)})"
            yield SystemCommand(
                title,
                _(binding.tooltip) if binding.tooltip else words,
                lambda node=active.node, action=binding.action: self.run_action(action, node),
            )


# Textual's own palette commands (App.get_system_commands), as Textual writes them.
TEXTUAL_COMMANDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


def binding_ids() -> dict[str, tuple[str, str]]:
    """Every binding id in the app (what ``[keys]`` may rebind): id -> (keys, description)."""
    classes: list[type] = [SfogoApp]
    for module in (screens, widgets):
        classes += [
            obj for name in module.__all__ if inspect.isclass(obj := getattr(module, name, None))
        ]
    return known_bindings(classes)
