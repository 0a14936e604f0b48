"""The key bar: Textual's Footer, tighter on narrower terminals."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

NARROW = 60  # phones: "? Keys" first, the bar is cut short
ROOMY = 100  # from here: Textual's spacing and the palette hint (ctrl+p)
FIRST_WHEN_NARROW = ("help",)


class KeyFooter(Footer):
    """Under 100 columns: compact spacing and no palette hint (``?`` lists every key,
    palette included), so the keys fit at 80; under 60, ``? Keys`` comes first so the key
    that explains the others is never cut off."""

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        compact = width < ROOMY
        narrow = width < NARROW
        if self.compact != compact or getattr(self, "_narrow", None) != narrow:
            self.compact = compact
            self._narrow = narrow
            self.show_command_palette = not compact
            self.refresh(recompose=True)  # the palette key is composed, not styled

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        if getattr(self, "_narrow", False):
            first = [k for k in keys if getattr(k, "action", None) in FIRST_WHEN_NARROW]
            keys = first + [k for k in keys if k not in first]
        yield from keys
