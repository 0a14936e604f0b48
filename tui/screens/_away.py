"""Why the manager is going away: one key picks away, sick or offline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from sfogo.inbox.model import AWAY_REASONS

from ._base import DialogScreen

HELP = {
    "away": "a day off, a holiday",
    "sick": "ill (reports say so)",
    "offline": "working, no connection",
}


class AwayScreen(DialogScreen[str | None]):
    """Returns the reason chosen (``a``/enter away, ``s`` sick, ``o`` offline) or None."""

    BINDINGS = [
        Binding("a,enter,1", "choose('away')", "Away", id="away.away"),
        Binding("s,2", "choose('sick')", "Sick", id="away.sick"),
        Binding("o,3", "choose('offline')", "Offline", id="away.offline"),
        Binding("escape,q", "choose('')", "Cancel", id="away.cancel"),
    ]

    def compose(self) -> ComposeResult:
        lines = [
            Content.from_markup(
                "[b $text-accent]$key[/]  [b]$reason[/]  $help",
                key=reason[0],
                reason=reason.ljust(7),
                help=HELP[reason],
            )
            for reason in AWAY_REASONS
        ]
        with Vertical() as box:
            box.border_title = "Going away"
            yield Static(Content("\n").join(lines), id="away-reasons")
            yield Static(
                Content("Every account counts as unwatched until you press a again. esc cancels."),
                id="away-hint",
            )

    def action_choose(self, reason: str) -> None:
        self.dismiss(reason or None)
