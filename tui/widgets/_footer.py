"""The key bar: Textual's Footer, tighter on narrower terminals, never cutting a key."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from sfogo.inbox.i18n import _

NARROW = 60  # phones: "? Keys" first, the bar is cut short
ROOMY = 100  # from here: Textual's spacing and the palette hint (ctrl+p)
FIRST_WHEN_NARROW = ("help",)
KEEP = ("help",)  # never left out: it lists every key, those the bar has no room for too


def key_width(key: FooterKey, *, compact: bool) -> int:
    """Cells a key takes in the bar, its margin included (Textual's footer styles: compact,
    "k Label" and one space after; roomy, " k Label ")."""
    label = len(key.key_display) + (1 + len(key.description) if key.description else 0)
    return label + (1 if compact else 2)


def fitting(keys: list[Widget], width: int, *, compact: bool) -> list[Widget]:
    """``keys`` without the last ones that would not fit in ``width`` cells (a key cut in
    half reads as another word: "o Post"); the help key stays whatever happens."""
    bar = [k for k in keys if isinstance(k, FooterKey)]
    if width <= 0 or len(bar) != len(keys):
        return keys  # not laid out yet, or groups this bar does not use
    palette = [k for k in bar if k.has_class("-command-palette")]
    room = width - sum(key_width(k, compact=compact) + 1 for k in palette)
    kept = [k for k in bar if k not in palette]
    used = sum(key_width(k, compact=compact) for k in kept) - (1 if compact else 0)
    while used > room:
        drop = next((k for k in reversed(kept) if k.action not in KEEP), None)
        if drop is None:
            break
        kept.remove(drop)
        used -= key_width(drop, compact=compact)
    return [*kept, *palette]


class KeyFooter(Footer):
    """Under 100 columns: compact spacing and no palette hint (``?`` lists every key,
    palette included), so more keys fit; under 60, ``? Keys`` comes first so the key that
    explains the others is never cut off. Keys that do not fit are left out whole, from
    the end."""

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        compact = width < ROOMY
        narrow = width < NARROW
        if self.compact != compact or getattr(self, "_narrow", None) != narrow:
            self.compact = compact
            self._narrow = narrow
            self.show_command_palette = not compact
        self.refresh(recompose=True)  # the palette key is composed, not styled; so is the fit

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        for key in keys:  # bindings are declared before the language is chosen
            if isinstance(key, FooterKey):
                key.description = _(str(key.description))
                if isinstance(key.tooltip, str) and key.tooltip:
                    key.tooltip = _(key.tooltip)
        if getattr(self, "_narrow", False):
            first = [k for k in keys if getattr(k, "action", None) in FIRST_WHEN_NARROW]
            keys = first + [k for k in keys if k not in first]
        yield from fitting(keys, self.size.width, compact=self.compact)
