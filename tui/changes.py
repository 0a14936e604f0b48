"""The one watcher of the data file: when another connection commits, every screen hears it.

``PRAGMA data_version`` on the UI thread's connection costs microseconds; the app reads it
every ``LIVE_POLL_S`` and publishes a :class:`FileChanged` on one signal, to which screens
(and the health bar) subscribe. Nothing else polls the file.

The app's own writes would look like changes from another connection too (each worker has
its own), so they are declared: while one is in flight the watcher does not look, and when
the last reports back, the counter is taken as seen less one step per write of ours that
committed (one that failed or was refused moved nothing, and is not taken off). What
moved it further was another process's commit (one that came before the write or during
it), and is published then: an app that writes all the time (a manager going down the list
with ``d``) would otherwise take every other process's commit for one of its own, and show
none of them while it kept writing. (A PostgreSQL inbox counts one notice per transaction
exactly; SQLite's counter may count several commits as one step, so there such a commit can
still wait for the next.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LIVE_POLL_S = 1.5


@dataclass(frozen=True, slots=True)
class FileChanged:
    """What subscribers of ``SfogoApp.data_changed`` receive.

    ``urgent``: the app itself changed something the screens must show now (away mode),
    so a screen that paces its re-reads (the backlog) reads at once all the same."""

    urgent: bool = False


class ChangeWatcher:
    """Compares the change counter with the last one seen and publishes the difference."""

    def __init__(
        self, data_version: Callable[[], int], publish: Callable[[FileChanged], None]
    ) -> None:
        self._data_version = data_version
        self._publish = publish
        self._seen = data_version()
        self._own_writes = 0
        self._own_ended = 0  # writes of ours that reported back since the watcher last looked

    def poll(self) -> bool:
        """Publish if another connection committed since the last look; True if it did."""
        if self._own_writes:
            return False  # one of ours is committing: look again once it reported back
        version = self._data_version()
        if version == self._seen:
            return False
        self._seen = version
        self._publish(FileChanged())
        return True

    def own_write_started(self) -> None:
        self._own_writes += 1

    def own_write_ended(self, *, committed: bool = True) -> None:
        """One of our writes is back: what it changed is on screen already; once the last
        is back, a commit of another process in the meantime is published.

        ``committed``: False when the write failed or was refused and wrote nothing (or may
        still commit after this: a composer closed while queueing). Such a write moved no
        counter, so it is not taken off the difference: counted as one of ours, it would
        hide another process's commit of the same moment until some later commit. When
        unsure, say False: one reload too many is harmless, a change not shown is not."""
        self._own_writes = max(0, self._own_writes - 1)
        if committed:
            self._own_ended += 1
        if self._own_writes:
            return
        version = self._data_version()
        others = version - self._seen - self._own_ended
        self._seen, self._own_ended = version, 0
        if others > 0:
            self._publish(FileChanged())

    def announce(self, change: FileChanged) -> None:
        """We changed the file and every screen must know now (not at the next poll)."""
        self._seen, self._own_ended = self._data_version(), 0
        self._publish(change)
