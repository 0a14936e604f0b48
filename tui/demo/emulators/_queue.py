"""A platform's queue of scheduled posts, publishing each at its time on the emulator's clock.

The Mastodon, Graph, WordPress and YouTube emulators keep one. Time is the emulator's
(tests pass their manual clock): every request first lets the queue catch up, and a post is
published *as of* its due time even when nobody asked for an hour, as a platform that ran
all along would have done. The queue faults (``emulator.faults.set(kind, ...)``):

- ``drop_scheduled`` (``count``, ``match``): the queue silently loses posts, the first
  ``count`` entries (all if None) whose text matches the regex ``match``;
- ``stall_publish`` (``match``): due posts stay in the queue past their time, until the
  fault is cleared; then they go out, late;
- ``publish_late`` (``seconds``, default an hour; ``match``): posts go out that long after
  their time (they stay queued meanwhile).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .base import Faults


class PublishQueue:
    """Entries ``{"id", "at", "text", ...}`` by id; ``publish(entry, at)`` is called when
    one goes out, ``lose(entry)`` when a fault drops one (under the emulator's lock:
    callers tick from ``dispatch``)."""

    def __init__(
        self,
        faults: Faults,
        clock: Callable[[], float],
        publish: Callable[[dict, float], None],
        lose: Callable[[dict], None] | None = None,
    ) -> None:
        self.faults = faults
        self.clock = clock
        self.publish = publish
        self.lose = lose  # what else a post the queue lost loses (its WordPress status …)
        self.entries: dict[str, dict] = {}
        self.dropped: list[dict] = []  # what drop_scheduled lost, for assertions

    def add(self, entry_id: str, at: float, text: str, **data) -> dict:
        entry = {"id": entry_id, "at": at, "text": text, **data}
        self.entries[entry_id] = entry
        return entry

    def remove(self, entry_id: str) -> dict | None:
        return self.entries.pop(entry_id, None)

    def ordered(self) -> list[dict]:
        return sorted(self.entries.values(), key=lambda e: (e["at"], e["id"]))

    @staticmethod
    def _matches(spec: dict, entry: dict) -> bool:
        pattern = spec.get("match")
        return not pattern or re.search(pattern, entry["text"]) is not None

    def tick(self) -> None:
        """Drop what a fault loses, then publish every entry whose time has come."""
        drop = self.faults.peek("drop_scheduled")
        if drop is not None:
            for entry in self.ordered():
                if self.faults.peek("drop_scheduled") is None:
                    break
                if self._matches(drop, entry):
                    self.dropped.append(self.entries.pop(entry["id"]))
                    self.faults.spend("drop_scheduled")
                    if self.lose is not None:
                        self.lose(entry)
        now = self.clock()
        stall = self.faults.peek("stall_publish")
        late = self.faults.peek("publish_late")
        for entry in self.ordered():
            if entry["at"] > now:
                break
            if stall is not None and self._matches(stall, entry):
                entry["stalled"] = True  # it goes out when a request finds the stall over
                continue
            at = entry["at"]
            if entry.get("stalled"):
                at = now
            elif late is not None and self._matches(late, entry):
                at += late.get("seconds", 3600)
                if at > now:
                    continue
            del self.entries[entry["id"]]
            self.publish(entry, at)
