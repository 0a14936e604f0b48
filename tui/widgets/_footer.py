"""The key bar: Textual's Footer, tighter on narrow terminals."""
from __future__ import annotations

from textual import events
from textual.widgets import Footer

NARROW = 60


class KeyFooter(Footer):
    """Under 60 columns: compact spacing and no palette hint, so more keys fit."""

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < NARROW
        if self.compact != narrow:
            self.compact = narrow
            self.show_command_palette = not narrow
            self.refresh(recompose=True)  # the palette key is composed, not styled
