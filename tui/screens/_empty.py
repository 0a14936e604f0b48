"""What a file with no accounts shows: how to get something into it."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from ..widgets import KeyFooter

EMPTY_TEXT = """\
[b]Nothing to show yet[/b]
[$text-muted]$path has no accounts.[/]

Look around a demo inbox:
  [b $text-accent]sfogo demo[/]

Or add a client and its accounts:
  [b $text-accent]sfogo client add Rome --tier vip[/]
  [b $text-accent]sfogo account add Rome \\
    mastodon @hotel@example.social[/]
  [b $text-accent]sfogo import items.jsonl[/]

Then run [b]sfogo[/b] again."""


def empty_content(db_path: str | Path) -> Content:
    return Content.from_markup(EMPTY_TEXT, path=str(db_path))


class EmptyScreen(Screen):
    """Shown instead of the inbox while the file has no accounts."""

    def __init__(self, db_path: str | Path) -> None:
        super().__init__()
        self._db_path = db_path

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(empty_content(self._db_path), id="empty")
        yield KeyFooter()
