"""Why the manager is going away: one key picks away, sick or offline."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from sfogo.inbox.model import AWAY_REASONS

HELP = {
    "away": "a day off, a holiday",
    "sick": "ill (reports say so)",
    "offline": "working, no connection",
}


class AwayScreen(ModalScreen[str | None]):
    """Returns the reason chosen (``a``/enter away, ``s`` sick, ``o`` offline) or None."""

    DEFAULT_CSS = """
    AwayScreen {
        align: center middle;
        & > Vertical {
            width: 46;
            max-width: 100%;
            height: auto;
            border: round $primary;
            border-title-align: left;
            background: $surface;
            padding: 0 1;
        }
        & Static { height: auto; }
        & #away-hint { color: $text-muted; margin-top: 1; }
    }
    """
    BINDINGS = [
        Binding("a,enter,1", "choose('away')", "Away", id="away.away"),
        Binding("s,2", "choose('sick')", "Sick", id="away.sick"),
        Binding("o,3", "choose('offline')", "Offline", id="away.offline"),
        Binding("escape,q", "choose('')", "Cancel", id="away.cancel"),
    ]

    def compose(self) -> ComposeResult:
        lines = [Content.from_markup("[b $text-accent]$key[/]  [b]$reason[/]  $help",
                                     key=reason[0], reason=reason.ljust(7), help=HELP[reason])
                 for reason in AWAY_REASONS]
        with Vertical() as box:
            box.border_title = "Going away"
            yield Static(Content("\n").join(lines), id="away-reasons")
            yield Static(Content("Every account counts as unwatched until you "
                                 "press a again. esc cancels."), id="away-hint")

    def action_choose(self, reason: str) -> None:
        self.dismiss(reason or None)
