"""``ctrl+t`` in the composer: pick a canned reply by typing a few letters of its name or
text. The item's client and language come first; the reply comes back with its placeholders
filled (the author's name, the client's name).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from sfogo.inbox.canned import Canned, fill, guess_language
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.rows import ItemRow

from ..widgets._format import one_line
from ..widgets._safe import SafeInput
from ._base import DialogScreen

SHOWN = 20  # matches listed at most


def fuzzy(query: str, text: str) -> int | None:
    """How well ``query``'s letters appear in order in ``text`` (None: they do not);
    letters that follow each other or start a word score more."""
    query, text = query.casefold(), text.casefold()
    if not query:
        return 0
    if query in text:
        return 100 + (50 if text.startswith(query) else 0) - len(text) // 10
    score, at, previous = 0, 0, -2
    for ch in query:
        found = text.find(ch, at)
        if found < 0:
            return None
        score += 3 if found == previous + 1 else 1
        if found == 0 or not text[found - 1].isalnum():
            score += 2
        previous, at = found, found + 1
    return score


def affinity(reply: Canned, client: str, language: str | None) -> tuple[int, int]:
    """(client, language): 0 for the item's own, 1 for any, 2 for another's."""
    own_client = 1 if not reply.client else 0 if reply.client.casefold() == client.casefold() else 2
    if not reply.language or language is None:
        own_language = 1
    else:
        own_language = 0 if reply.language.split("-")[0] == language else 2
    return own_client, own_language


def rank(
    replies: Sequence[Canned], query: str, *, client: str, language: str | None
) -> list[Canned]:
    """The replies matching ``query``: a match in the name before one in the text only,
    then the item's client and language first, then the better match, then by name."""
    ranked = []
    for reply in replies:
        in_name, in_text = fuzzy(query, reply.name), fuzzy(query, reply.text)
        if in_name is None and in_text is None:
            continue
        where = 0 if in_name is not None else 1
        score = in_name if in_name is not None else in_text or 0
        ranked.append(((where, *affinity(reply, client, language), -score, reply.name), reply))
    return [reply for _, reply in sorted(ranked, key=lambda pair: pair[0])]


class CannedPicker(DialogScreen[str | None]):
    """Returns the chosen reply's text, filled for ``row``, or None."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Close"), id="canned.cancel"),
        # Typed into the search field, q is a letter; it closes only when the list has focus.
        Binding("q", "cancel", N_("Close"), id="canned.cancel_q", show=False),
        Binding("down", "move(1)", N_("Next"), id="canned.down", show=False),
        Binding("up", "move(-1)", N_("Previous"), id="canned.up", show=False),
    ]

    def __init__(self, replies: Sequence[Canned], row: ItemRow) -> None:
        super().__init__()
        self._replies = list(replies)
        self._row = row
        self._language = guess_language(row["text"])
        self._shown: list[Canned] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Canned replies")
            yield SafeInput(placeholder=_("type to search"), compact=True, id="canned-search")
            yield OptionList(id="canned-list")
            yield Static(Content(""), id="canned-empty")
            yield Static(Content(_("↑↓ choose · enter inserts · esc closes")), id="canned-hint")

    def on_mount(self) -> None:
        self.query_one("#canned-search").focus()
        self._show("")

    def _filled(self, reply: Canned) -> str:
        row = self._row
        return fill(
            reply.text,
            author=row["author_name"],
            handle=row["author_handle"],
            client=row["client"],
        )

    def _show(self, query: str) -> None:
        self._shown = rank(
            self._replies, query, client=self._row["client"], language=self._language
        )[:SHOWN]
        width = max(20, min(self.app.size.width, 72) - 8)
        options = []
        for reply in self._shown:
            marks = " ".join(x for x in (reply.language, one_line(reply.client, 24)) if x)
            options.append(
                Option(
                    Content.from_markup(
                        "[b]$name[/b] [$text-muted]$marks[/]\n$text",
                        name=one_line(reply.name, 40),
                        marks=marks,
                        text=one_line(self._filled(reply), width),
                    )
                )
            )
        listing = self.query_one("#canned-list", OptionList)
        listing.clear_options()
        listing.add_options(options)
        if options:
            listing.highlighted = 0
        empty = self.query_one("#canned-empty", Static)
        if self._replies:
            empty.update(Content("" if options else _("No canned reply matches.")))
        else:
            empty.update(
                Content(_("No canned replies yet: add one with 'sfogo replies add NAME TEXT'."))
            )

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._pick(self.query_one("#canned-list", OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option_index)

    def _pick(self, index: int | None) -> None:
        if index is None or index >= len(self._shown):
            return
        self.dismiss(self._filled(self._shown[index]))

    def action_move(self, step: int) -> None:
        listing = self.query_one("#canned-list", OptionList)
        if listing.option_count:
            current = listing.highlighted or 0
            listing.highlighted = max(0, min(listing.option_count - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)
