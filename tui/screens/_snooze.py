"""Asking until when to snooze: a few presets, or any time ``parse_when`` reads."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _

from ..widgets._format import local_time
from ..widgets._safe import SafeInput
from ._base import DialogScreen

# (what the user would type, what the preset is called)
PRESETS = (
    ("1h", N_("in 1 hour")),
    ("3h", N_("in 3 hours")),
    ("tomorrow 9:00", N_("tomorrow 9:00")),
    ("monday 9:00", N_("Monday 9:00")),
)


class SnoozeScreen(DialogScreen[int | None]):
    """Returns the chosen time (UTC epoch seconds), or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="snooze.cancel"),
        Binding("q", "cancel", N_("Cancel"), id="snooze.cancel_q", show=False),
        Binding("1", "preset(0)", "1h", id="snooze.preset1", show=False),
        Binding("2", "preset(1)", "3h", id="snooze.preset2", show=False),
        Binding("3", "preset(2)", N_("Tomorrow"), id="snooze.preset3", show=False),
        Binding("4", "preset(3)", N_("Monday"), id="snooze.preset4", show=False),
        Binding("t", "type_time", N_("Type a time"), id="snooze.type"),
    ]

    def __init__(self, now: Callable[[], int]) -> None:
        super().__init__()
        self._now = now
        self._times: list[int] = []

    def compose(self) -> ComposeResult:
        ref = self._now()
        options = []
        for number, (text, label) in enumerate(PRESETS, start=1):
            at = when.parse_when(text, ref=ref)
            self._times.append(at)
            options.append(
                Option(
                    Content.from_markup(
                        "[b]$n[/b]  $label [$text-muted]($at)[/]",
                        n=str(number),
                        label=_(label),
                        at=local_time(at, ref),
                    )
                )
            )
        with Vertical() as box:
            box.border_title = _("Snooze until")
            yield OptionList(*options, id="snooze-presets")
            yield SafeInput(
                placeholder=_("or type: 2d, fri 17:00, 2026-12-01"), compact=True, id="snooze-input"
            )
            yield Static(Content(""), id="snooze-error")
            yield Static(Content(_("1-4 pick · t type · esc cancel")), id="snooze-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._times[event.option_index])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ref = self._now()
        try:
            at = when.parse_when(event.value, ref=ref)
            if at <= ref:
                raise SfogoError(_("that time has passed: pick a later one"))
        except SfogoError as exc:
            # The message quotes what was typed: Content, never markup.
            self.query_one("#snooze-error", Static).update(Content(str(exc)))
            return
        self.dismiss(at)

    def action_preset(self, index: int) -> None:
        if isinstance(self.focused, Input) or index >= len(self._times):
            return  # digits typed into the time field are text, not presets
        self.dismiss(self._times[index])

    def action_type_time(self) -> None:
        for field in self.query("#snooze-input"):  # none yet if t came before the screen
            field.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
