"""The full-screen app: ``SfogoApp(db_path)`` opens the inbox of one data file.

The app holds the UI thread's ``Store`` (page fetches only) and the clock; screens own
their queries and run them in named thread workers with connections of their own.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen

from inbox import when
from inbox.errors import SfogoError
from inbox.store import Store

from .screens import EmptyScreen, InboxScreen


class SfogoApp(App):
    """sfogo's inbox. ``now`` (epoch seconds, or a function returning them) freezes the clock."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "sfogo"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, db_path: str | Path, *, config_path: str | Path | None = None,
                 now: int | Callable[[], int] | None = None) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.config_path = config_path
        if now is None:
            self._clock: Callable[[], int] = when.now
        elif callable(now):
            self._clock = now
        else:
            self._clock = lambda: int(now)
        # Opened here, on the thread that runs the app, so a bad file fails before the
        # screen takes over the terminal (the command line prints one line for it).
        self.store = Store(self.db_path)

    def now(self) -> int:
        """The current time in UTC epoch seconds (frozen in tests)."""
        return self._clock()

    def get_default_screen(self) -> Screen:
        if not self.store.accounts():
            return EmptyScreen(self.db_path)
        return InboxScreen(self.db_path, self.store, self.now)

    def on_unmount(self) -> None:
        self.store.close()

    def report_error(self, error: BaseException, *, where: str = "") -> None:
        """A worker failed: say so in one line and keep running."""
        if isinstance(error, SfogoError):
            text = str(error)
        else:
            text = f"{where or 'background task'} failed: {type(error).__name__}: {error}"
        # Error text can quote untrusted data: Content, never markup.
        self.notify(Content(text), severity="error", timeout=8)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key binding with an id is also a command in the palette (ctrl+p)."""
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.id or binding.id in seen or binding.id == "app.quit":
                continue
            seen.add(binding.id)
            title = f"{binding.description or binding.action} ({binding.key_display or key})"
            yield SystemCommand(
                title, binding.tooltip or binding.description or binding.action,
                lambda node=active.node, action=binding.action: self.run_action(action, node),
            )
