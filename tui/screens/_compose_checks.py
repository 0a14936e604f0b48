"""What the composer reads about the item it answers (in a worker): the handles a reply may
mention, the canned replies in the data file, and what stands in the way of the reply (the
platform's reply window, an account the platform blocked).

The same check runs again, in the queueing worker, just before a reply is queued, so a
reply is never queued into a closed window or a blocked account without the manager saying
yes to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from sfogo.inbox.canned import Canned
from sfogo.inbox.i18n import _
from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import Store
from sfogo.inbox.timefmt import span_words


@dataclass(slots=True)
class Obstacles:
    """Why the platform may refuse the reply (``refused``), and what is worth knowing
    (``notes``, e.g. a window closing soon). Plain text."""

    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def obstacles(store: Store, row: ItemRow, settings, *, now: int) -> Obstacles:
    """What stands between this reply and the platform."""
    from sfogo.backlog.triage import window_closes_at

    found = Obstacles()
    channel = str(row["channel"])
    run = store.runs.last(row["account_id"])
    if run is not None and run["outcome"] == "blocked":
        when = span_words(now - run["started_at"])
        found.refused.append(
            _(
                "{channel} blocked this account at its last sync ({when} ago): the "
                "reply will likely be refused"
            ).format(channel=channel, when=when)
        )
    closes = window_closes_at(row, settings)
    if closes is not None and not row["outgoing"]:
        if closes <= now:
            found.refused.append(
                _(
                    "this {kind}'s reply window closed {span_words} ago: {channel} refuses "
                    "replies after {span_words2}"
                ).format(
                    kind=row["kind"],
                    span_words=span_words(now - closes),
                    channel=channel,
                    span_words2=span_words(closes - row["created_at"]),
                )
            )
        elif closes - now <= settings.window_warning_s:
            found.notes.append(
                _("reply window closes in {span_words}").format(span_words=span_words(closes - now))
            )
    return found


class ComposeContext(Message):
    """What the composer's worker read (posted to the composer)."""

    def __init__(self, handles: list[str], canned: list[Canned], found: Obstacles) -> None:
        super().__init__()
        self.handles = handles
        self.canned = canned
        self.obstacles = found


def read_context(store: Store, row: ItemRow, settings, *, now: int) -> ComposeContext:
    handles = store.items.handles_near(row) if row["channel"] != "email" else []
    stored = [
        Canned(r["name"], r["text"], r["language"], r["client"], source="file")
        for r in store.canned.all()
    ]
    return ComposeContext(handles, stored, obstacles(store, row, settings, now=now))
