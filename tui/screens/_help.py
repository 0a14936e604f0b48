"""``?``: the keys that work where you are, as they are bound now (after ``[keys]``), with
the binding ids the config uses to rebind them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from sfogo.inbox.i18n import N_, _

from ._base import DialogScreen

HELP_FOOTER = N_("""\
Rebind any key in the config file, by id:
  [keys]
  "inbox.done" = "e"
Keys that travel over SSH and tmux: letters, arrows,
F-keys, ctrl+letter. Modals close with q or escape.""")


def key_table(entries: list[tuple[str, str, str]], width: int) -> Content:
    """One line per binding: keys, what it does, its id (below it when narrow)."""
    keys_w = max((len(k) for k, _, _ in entries), default=4)
    keys_w = min(keys_w, 14)
    desc_w = max((len(d) for _, d, _ in entries), default=8)
    lines = []
    for keys, description, binding_id in entries:
        if width >= keys_w + desc_w + len(binding_id) + 6:
            lines.append(
                Content.from_markup(
                    "[b]$keys[/b] $desc [$text-muted]$id[/]",
                    keys=keys.ljust(keys_w),
                    desc=description.ljust(desc_w),
                    id=binding_id,
                )
            )
        else:
            lines.append(
                Content.from_markup(
                    "[b]$keys[/b] $desc\n$pad[$text-muted]$id[/]",
                    keys=keys.ljust(keys_w),
                    desc=description,
                    id=binding_id,
                    pad=" " * (keys_w + 1),
                )
            )
    return Content("\n").join(lines)


class HelpScreen(DialogScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", N_("Close"), id="help.close"),
        Binding("j,down", "scroll('down')", N_("Scroll down"), id="help.down", show=False),
        Binding("k,up", "scroll('up')", N_("Scroll up"), id="help.up", show=False),
    ]

    def __init__(self, title: str, entries: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._title = title
        self._entries = entries

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = _("Keys · {title}").format(title=self._title)
            box.border_subtitle = _("q closes")
            yield Static(id="help-keys")
            yield Static(Content(_(HELP_FOOTER)), id="help-footer")

    def on_resize(self) -> None:
        box = self.query_one(VerticalScroll)
        width = max(20, min(self.size.width, 76) - 4)
        box.query_one("#help-keys", Static).update(key_table(self._entries, width))

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.on_resize()

    def action_scroll(self, direction: str) -> None:
        box = self.query_one(VerticalScroll)
        if direction == "down":
            box.scroll_down(animate=False)
        else:
            box.scroll_up(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


def bindings_of(screen) -> list[tuple[str, str, str]]:
    """(keys, description, id) for every binding with an id active on ``screen``, in the
    order the focused widget, its containers, the screen and the app declare them."""
    app = screen.app
    seen: dict[str, list] = {}
    order: list[str] = []
    for _key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        if not binding.id:
            continue
        if binding.id not in seen:
            seen[binding.id] = [
                _(binding.description) if binding.description else binding.action,
                [],
            ]
            order.append(binding.id)
        display = app.get_key_display(binding)
        if display not in seen[binding.id][1]:
            seen[binding.id][1].append(display)
    notes = screen.binding_notes() if hasattr(screen, "binding_notes") else {}
    entries = [(" ".join(seen[i][1]), notes.get(i, seen[i][0]), i) for i in order]
    return entries + palette_entry(screen)


PALETTE_WORDS = N_("Commands: any action, by name")


def palette_entry(screen) -> list[tuple[str, str, str]]:
    """Textual's command palette (ctrl+p), where the screen has it: it has no id (the
    config does not rebind it), so its line shows none."""
    app = screen.app
    if not app.ENABLE_COMMAND_PALETTE:
        return []
    active = screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
    if active is None:
        return []
    return [(app.get_key_display(active.binding), _(PALETTE_WORDS), "")]
