"""Why the manager is going away: one key picks away, sick or offline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.model import AWAY_REASONS

from ._base import DialogScreen

HELP = {
    "away": N_("a day off, a holiday"),
    "sick": N_("ill (reports say so)"),
    "offline": N_("working, no connection"),
}
WORDS = {"away": N_("away"), "sick": N_("sick"), "offline": N_("offline")}


class AwayScreen(DialogScreen[str | None]):
    """Returns the reason chosen (``a``/enter away, ``s`` sick, ``o`` offline) or None."""

    BINDINGS = [
        Binding("a,enter,1", "choose('away')", N_("Away"), id="away.away"),
        Binding("s,2", "choose('sick')", N_("Sick"), id="away.sick"),
        Binding("o,3", "choose('offline')", N_("Offline"), id="away.offline"),
        Binding("escape,q", "choose('')", N_("Cancel"), id="away.cancel"),
    ]

    def compose(self) -> ComposeResult:
        words = {reason: _(WORDS.get(reason, reason)) for reason in AWAY_REASONS}
        width = max(len(w) for w in words.values())  # the reasons line up in any language
        lines = [
            Content.from_markup(
                "[b $text-accent]$key[/]  [b]$reason[/]  $help",
                key=reason[0],
                reason=words[reason].ljust(width),
                help=_(HELP[reason]),
            )
            for reason in AWAY_REASONS
        ]
        with Vertical() as box:
            box.border_title = _("Going away")
            yield Static(Content("\n").join(lines), id="away-reasons")
            yield Static(
                Content(
                    _("Every account counts as unwatched until you press a again. esc cancels.")
                ),
                id="away-hint",
            )

    def action_choose(self, reason: str) -> None:
        self.dismiss(reason or None)
