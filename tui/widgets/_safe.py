"""Text fields that never pass a pasted escape sequence to the terminal.

A bracketed paste reaches ``Input`` and ``TextArea`` as raw text, and both draw it as it is:
a pasted OSC 52 or clear-screen sequence would be sent to the terminal by the next frame.
These subclasses replace control characters (and bidi overrides) first, as ingest does.
Textual runs the subclass's handler before the base class's, so changing the event's text
here is enough.

Their cursors do not blink: over SSH every blink is a redraw sent down the line, and
nothing in sfogo depends on animation.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from sfogo.inbox.text import sanitize


class SafeInput(Input):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    def _on_paste(self, event: events.Paste) -> None:
        event.text = sanitize(event.text, single_line=True)


class SafeTextArea(TextArea):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cursor_blink = False

    # Async like TextArea's own handler, which runs after this one and inserts the text.
    async def _on_paste(self, event: events.Paste) -> None:
        event.text = sanitize(event.text).expandtabs(4)
