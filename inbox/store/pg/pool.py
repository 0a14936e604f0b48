"""Idle connections kept for the next store opened on the same inbox in this process.

The app opens a store for every list read (one per thread, the rule both engines follow),
and opening one on PostgreSQL costs a new server process, a login and the setup's checks:
about 5 ms on an idle machine and 10 ms under load, on every keystroke of a search. A
closed store gives its connection back here instead, if nothing of the session lingers on
it (no transaction, no LISTEN, no answer sent ahead); the next store opened on the same URL
takes it after one statement that re-reads the schema version (another process may have
migrated the inbox, or the server may have restarted: any error, and a new connection is
made). A kept connection also keeps the statements the server prepared for it.

Only while a long-lived program asks for it (:func:`keep` to :func:`release`: the app, from
its start to its end): elsewhere a closed store closes its connection, as one-off commands
and tests expect (an idle session would, for one, stop ``CREATE DATABASE … TEMPLATE``
copying its database).
At most :data:`KEEP` connections per URL wait here, none longer than :data:`MAX_IDLE_S`,
and never across a fork. They are closed when the last keeper stops, or the process exits.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from typing import Any

KEEP = 2  # idle connections kept per URL
MAX_IDLE_S = 60.0  # an older one is closed rather than reused

_lock = threading.Lock()
_keepers = 0  # keep() calls not yet released
# url -> [(connection, pid that made it, monotonic time it was given back, its setup)]
_idle: dict[str, list[tuple[Any, int, float, Any]]] = {}


def keep() -> None:
    """From now on, keep closed stores' connections for reuse (until :func:`release`)."""
    global _keepers
    with _lock:
        _keepers += 1


def release() -> None:
    """The end of one :func:`keep`; after the last, every idle connection is closed."""
    global _keepers
    with _lock:
        _keepers = max(0, _keepers - 1)
        last = _keepers == 0
    if last:
        clear()


def take(url: str) -> tuple[Any, Any] | None:
    """An idle connection to ``url`` and what its setup recorded, or None."""
    now = time.monotonic()
    stale = []
    found = None
    with _lock:
        kept = _idle.get(url, [])
        while kept:
            raw, pid, at, setup = kept.pop()
            if pid == os.getpid() and now - at <= MAX_IDLE_S and not raw.closed:
                found = (raw, setup)
                break
            stale.append((raw, pid))
    for raw, pid in stale:
        _discard(raw, pid)
    return found


def give(url: str, raw: Any, setup: Any) -> bool:
    """Keep ``raw`` for the next store on ``url``; False when it was not kept (the caller
    closes it)."""
    with _lock:
        kept = _idle.setdefault(url, [])
        if not _keepers or len(kept) >= KEEP:
            return False
        kept.append((raw, os.getpid(), time.monotonic(), setup))
    return True


def clear() -> None:
    """Close every idle connection (at exit, or before a database is dropped)."""
    with _lock:
        every = [(raw, pid) for kept in _idle.values() for raw, pid, _at, _s in kept]
        _idle.clear()
    for raw, pid in every:
        _discard(raw, pid)


def _discard(raw: Any, pid: int) -> None:
    if pid != os.getpid():  # a forked child must not close its parent's session
        return
    try:
        raw.close()
    except Exception:
        pass  # already gone with the server


atexit.register(clear)
