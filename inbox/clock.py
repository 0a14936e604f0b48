"""The one clock: where "now" comes from.

Every entry point (the command line, the app, the sync loop) takes a :class:`Clock` from its
context and passes ``now`` down as UTC epoch seconds; library code never reads the real
clock by itself. :class:`SystemClock` is the only place that reads it. Tests hand in a
:class:`ManualClock` (in-process) or set ``SFOGO_NOW`` (a child process), so nothing passes
only in the week it was written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Protocol

from sfogo.inbox.i18n import _

from .errors import SfogoError

# A child process's clock starts at this instant and runs on from there (tests and the
# benchmarks set it; ISO 8601 or epoch seconds).
NOW_ENV = "SFOGO_NOW"


class Clock(Protocol):
    """Where "now" comes from."""

    def time(self) -> float:
        """UTC epoch seconds, with a fraction (backoff, emulators' rate windows)."""
        ...

    def now(self) -> int:
        """UTC epoch seconds, whole: what the inbox stores and compares."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass on this clock (a story paced for a reader, a wait for a
        platform's reset): real time for the machine's clock, a step for a manual one."""
        ...


class SystemClock:
    """The machine's clock: the only reader of the real time."""

    def time(self) -> float:
        return time.time()

    def now(self) -> int:
        return int(time.time())

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """Time that moves only when told to (tests; the emulators and sync share one)."""

    def __init__(self, start: float) -> None:
        self.t = float(start)

    def time(self) -> float:
        return self.t

    def now(self) -> int:
        return int(self.t)

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def sleep(self, seconds: float) -> None:
        """Nothing waits: the time moves on at once."""
        self.advance(seconds)

    def set(self, t: float) -> None:
        self.t = float(t)

    def __repr__(self) -> str:
        return f"ManualClock({self.t!r})"


class ShiftedClock:
    """The machine's clock moved to start at ``start``: it runs at the real pace from there
    (a child process in a test, a long-running ``sync --watch`` told when it is)."""

    def __init__(self, start: float, *, base: SystemClock | None = None) -> None:
        self._base = base or SystemClock()
        self._offset = float(start) - self._base.time()

    def time(self) -> float:
        return self._base.time() + self._offset

    def now(self) -> int:
        return int(self.time())

    def sleep(self, seconds: float) -> None:
        self._base.sleep(seconds)

    def __repr__(self) -> str:
        return f"ShiftedClock(offset={self._offset:.0f}s)"


def from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """The clock an entry point starts with: ``SFOGO_NOW`` if set, else the machine's."""
    env = os.environ if environ is None else environ
    raw = env.get(NOW_ENV, "").strip()
    if not raw:
        return SystemClock()
    try:
        start = float(raw)
    except ValueError:
        from .when import parse_iso

        try:
            start = parse_iso(raw)
        except ValueError:
            raise SfogoError(
                _(
                    "{now_env}={raw!r} is not a time: use ISO 8601 or epoch seconds, or unset it"
                ).format(now_env=NOW_ENV, raw=raw)
            ) from None
    return ShiftedClock(start)
