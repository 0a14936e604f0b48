"""Gap probes a process remembers, per database: the triage streams' answers to "was the
account failing then?" (see :class:`..triage.TriageIndex`'s ``many_reader``).

For a time before the account's gap horizon (the start of the run after its last failure)
the answer never changes: every run that started by then has ended, and runs are only ever
added at the clock's now. A stream read that asks returns, with each answer, when the run it
comes from started; every time from then to the item's has the same answer (no run started
in between). A triage page is read again on every change the app hears, and each read of a
1M-item demo's first page asked about 227 items (1.1 ms of the server's work on every
page): the next reads of the same streams skip the times the kept spans cover, and an item
that arrived inside a stream's known stretch since (a late fetch after an outage) is asked
alone. SQLite's probes cost microseconds in process and keep nothing.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

MAX_SPANS = 200_000  # per database; past it the spans start again (memory stays small)
UNBOUNDED = 2**61  # a request's probe_before past this: the gap is open, nothing is final


@dataclass(slots=True)
class Answers:
    """One database's spans (per account) and, per key, the stretch of created_at its
    streams have had answered. The app reads in several threads at once: a lock keeps each
    account's two lists in step."""

    starts: dict[int, list[int]] = field(default_factory=dict)  # account -> span starts
    spans: dict[int, list[tuple[int, int, bool]]] = field(default_factory=dict)
    stretch: dict[int, tuple[int, int]] = field(default_factory=dict)  # key -> (lo, hi)
    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def failing(self, account_id: int, t: int) -> bool | None:
        """The kept answer for ``t`` (None: no span covers it)."""
        with self._lock:
            starts = self.starts.get(account_id)
            if not starts:
                return None
            i = bisect.bisect_right(starts, t) - 1
            if i < 0:
                return None
            lo, hi, failing = self.spans[account_id][i]
        return failing if lo <= t <= hi else None

    def keep(self, account_id: int, lo: int, hi: int, failing: bool) -> None:
        """Keep that every time in [lo, hi] has the answer ``failing``."""
        with self._lock:
            if self.count >= MAX_SPANS:
                self.starts.clear()
                self.spans.clear()
                self.stretch.clear()
                self.count = 0
            starts = self.starts.setdefault(account_id, [])
            spans = self.spans.setdefault(account_id, [])
            i = bisect.bisect_left(starts, lo)
            if i < len(starts) and starts[i] == lo:  # the same run: keep the longer span
                if spans[i][1] < hi:
                    spans[i] = (lo, hi, failing)
                return
            starts.insert(i, lo)
            spans.insert(i, (lo, hi, failing))
            self.count += 1

    def widen(self, key: int, lo: int, hi: int) -> None:
        """The key's streams had every item in [lo, hi] answered."""
        with self._lock:
            known = self.stretch.get(key)
            self.stretch[key] = (
                (lo, hi) if known is None else (min(lo, known[0]), max(hi, known[1]))
            )


_BY_DATABASE: dict[tuple, Answers] = {}


def answers(database: tuple) -> Answers:
    """The answers kept for ``database`` (an identity that a new database never shares)."""
    return _BY_DATABASE.setdefault(database, Answers())
