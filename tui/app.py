"""The full-screen app: ``SfogoApp(db_path)`` opens the inbox of one data file.

The app holds the UI thread's ``Store`` (page fetches and a change counter, nothing slow),
the clock, and what the config says about the app: triage settings, saved views and the
keymap. Screens own their queries and run them in named thread workers with connections of
their own.

Live: every ``LIVE_POLL_S`` the app reads ``PRAGMA data_version`` (microseconds); when
another connection committed, it publishes ``data_changed`` and each screen reloads what it
shows, keeping its cursor and open item. The app's own writes are absorbed when they
report back, so they do not reload the list a second time.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.signal import Signal

from sfogo.inbox.clock import SystemClock
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.store import OPTIMIZE_EVERY_S, Store
from sfogo.inbox.text import sanitize

from .screens import EmptyScreen, InboxScreen
from .views import DEFAULT_VIEWS, View

LIVE_POLL_S = 1.5


def read_config(config_path: str | Path | None) -> tuple[dict, list[str]]:
    """The config as a dict, and the one-line error if it cannot be read (then {})."""
    from sfogo.inbox import config

    path = config_path
    if path and not os.path.exists(os.path.expanduser(path)) and (
            os.fspath(path) == os.environ.get("SFOGO_CONFIG")):
        return {}, []  # SFOGO_CONFIG may name a file not written yet: all defaults
    try:
        return config.load(path, warn=lambda _m: None), []
    except SfogoError as exc:
        return {}, [f"{exc} (using the defaults)"]


class SfogoApp(App):
    """sfogo's inbox. ``now`` (epoch seconds, or a function returning them) freezes the clock."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "sfogo"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Keys", id="app.help"),
        Binding("b", "backlog", "Backlog", id="app.backlog"),
        Binding("a", "away", "Away", id="app.away"),
    ]

    def __init__(self, db_path: str | Path, *, config_path: str | Path | None = None,
                 now: int | Callable[[], int] | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.config_path = config_path
        if now is None:
            self._clock: Callable[[], int] = SystemClock().now
        elif callable(now):
            self._clock = now
        else:
            self._clock = lambda: int(now)
        # Opened here, on the thread that runs the app, so a bad file fails before the
        # screen takes over the terminal (the command line prints one line for it).
        self.store = Store(self.db_path)
        self.data_changed: Signal[None] = Signal(self, "data-changed")
        self._data_version = self.store.data_version()
        self._load_config()
        self._prepare_store()
        self._has_accounts = bool(self.store.accounts.all())
        self.first_page = None
        if self._has_accounts:
            from .prefetch import FirstPage
            from .screens._inbox import FIRST_IDS

            # The first screenful is read while Textual starts (see tui/prefetch.py).
            self.first_page = FirstPage(self.db_path, self.views[0], self.settings_base,
                                        self.now, FIRST_IDS)

    def _load_config(self) -> None:
        """Triage settings, views and keys from the config; each mistake is one line shown
        at startup, and that part falls back to its defaults."""
        from sfogo.backlog.settings import Settings, from_dict

        from .keymap import parse_keys
        from .views import parse_views

        data, errors = read_config(self.config_path)
        try:
            self.settings_base = from_dict(data)
        except SfogoError as exc:
            errors.append(f"{exc} (triage uses the defaults)")
            self.settings_base = Settings()
        self.views: list[View]
        self.views, view_errors = parse_views(data)
        self.keymap_config, key_errors = parse_keys(data)
        self.config_errors: list[str] = errors + view_errors + key_errors

    def _prepare_store(self) -> None:
        """What the app's long-lived connection does once: record the config's triage
        keywords (a write only when they changed, so reads never have to) and refresh the
        planner's statistics where SQLite thinks they are stale."""
        from sfogo.backlog.triage import apply_keywords

        try:
            apply_keywords(self.store, self.settings_base)
        except sqlite3.Error:  # read-only or busy: reads score unkeyed items in memory
            pass
        self.store.optimize(opening=True)

    def settings_for(self, store: Store):
        """The triage settings with each client's own response target (any thread)."""
        from sfogo.backlog.settings import client_targets

        return self.settings_base.with_client_targets(client_targets(store))

    def now(self) -> int:
        """The current time in UTC epoch seconds (frozen in tests)."""
        return self._clock()

    def get_default_screen(self) -> Screen:
        if not self._has_accounts:
            return EmptyScreen(self.db_path)
        return InboxScreen(self.db_path, self.store, self.now,
                           views=getattr(self, "views", list(DEFAULT_VIEWS)))

    def on_mount(self) -> None:
        if self.keymap_config:
            self.set_keymap(self.keymap_config)
        for error in self.config_errors:
            self.notify(Content(sanitize(error)), severity="error", timeout=15)
        self.set_interval(LIVE_POLL_S, self.poll_changes)
        self.set_interval(OPTIMIZE_EVERY_S, self.store.optimize)

    def on_unmount(self) -> None:
        if self.first_page is not None:
            self.first_page.discard()
        self.store.close()

    # -- live -----------------------------------------------------------------------------

    def poll_changes(self) -> bool:
        """Tell the screens if another connection committed since the last look."""
        version = self.store.data_version()
        if version == self._data_version:
            return False
        self._data_version = version
        self.data_changed.publish(None)
        return True

    def absorb_own_writes(self) -> None:
        """Our worker just committed: its change is on screen already, do not reload for it.

        (A change another process commits in the same instant is then seen with its next
        commit; sync commits page by page, so it is not lost for long.)"""
        self._data_version = self.store.data_version()

    # -- errors, help, palette --------------------------------------------------------------

    def report_error(self, error: BaseException, *, where: str = "") -> None:
        """A worker failed: say so in one line and keep running."""
        if isinstance(error, SfogoError):
            text = str(error)
        else:
            text = f"{where or 'background task'} failed: {type(error).__name__}: {error}"
        # Error text can quote untrusted data: controls replaced, Content, never markup.
        self.notify(Content(sanitize(text)), severity="error", timeout=8)

    def action_backlog(self) -> None:
        """The backlog screen (not over a modal, not twice)."""
        from textual.screen import ModalScreen

        from .screens import BacklogScreen

        if not isinstance(self.screen, (BacklogScreen, ModalScreen)):
            self.push_screen(BacklogScreen(self.db_path, self.now, config_path=self.config_path,
                                           data_version=self.store.data_version))

    def action_away(self) -> None:
        """Start or end away mode through a health bar, which shows the state."""
        from .widgets import HealthBar

        for screen in reversed(self.screen_stack):
            for bar in screen.query(HealthBar):
                bar.toggle_away()
                return

    def action_help(self) -> None:
        from .screens import HelpScreen
        from .screens._help import bindings_of

        if isinstance(self.screen, HelpScreen):
            return
        title = getattr(self.screen, "HELP_TITLE", "") or type(self.screen).__name__
        self.push_screen(HelpScreen(title, bindings_of(self.screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key binding with an id is also a command in the palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id or binding.id in seen or binding.id == "app.quit":
                continue
            seen.add(binding.id)
            title = f"{binding.description or binding.action} ({self.get_key_display(binding)})"
            yield SystemCommand(
                title, binding.tooltip or binding.description or binding.action,
                lambda node=active.node, action=binding.action: self.run_action(action, node),
            )
