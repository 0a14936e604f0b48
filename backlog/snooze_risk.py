"""What a snooze would hide past a deadline: a platform's reply window that closes (Facebook
and Instagram DMs: 24 h after the person's message) or a client's response target that runs
out before the items come back. The app asks before snoozing such items.

Only what is still ahead counts: an item already late, or whose window already closed, loses
nothing more by waiting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .settings import Settings
from .triage import deadline_at, window_closes_at

WINDOW, TARGET = "window", "target"


@dataclass(frozen=True, slots=True)
class SnoozeRisk:
    """One item that a snooze until ``until`` would take past a deadline."""

    item_id: int
    what: str  # WINDOW: the platform stops taking replies; TARGET: the client's target
    at: int  # when that happens (UTC epoch seconds)
    channel: str
    kind: str


def snooze_risks(
    rows: Iterable[Mapping], settings: Settings, *, until: int, now: int
) -> list[SnoozeRisk]:
    """The items of ``rows`` whose window closes or whose target runs out between ``now``
    and ``until``; windows first, then targets, each soonest first."""
    found: list[SnoozeRisk] = []
    for row in rows:
        if row["outgoing"] or row["status"] in ("done", "ignored"):
            continue
        closes = window_closes_at(row, settings)
        if closes is not None and now < closes <= until:
            found.append(SnoozeRisk(row["id"], WINDOW, closes, row["channel"], row["kind"]))
            continue
        due = deadline_at(row, settings)
        if now < due <= until:
            found.append(SnoozeRisk(row["id"], TARGET, due, row["channel"], row["kind"]))
    return sorted(found, key=lambda r: (r.what != WINDOW, r.at))
