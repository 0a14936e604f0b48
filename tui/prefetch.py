"""The first page of the inbox, read before Textual starts.

Textual takes ~130 ms to start (CSS, compose, the first layout) and keeps the GIL busy
doing it. A worker started after mount waits for the GIL at each of the ~100 short queries
the triage merge makes for its first page (sqlite releases the GIL for each one): alone it
reads the page in ~15 ms at 1M items, alongside the startup it took ~150 ms, and the first
paint of a 1M-item inbox came 30-45 ms after an empty one's.

So the app, when constructed, starts a thread that reads the page and waits for it up to
``HEAD_START_S`` before starting Textual: uncontended, the page is usually ready by then,
and the terminal still shows the shell, so nothing on screen waits. A slower read (a cold
disk, a big file) goes on alongside the startup. The inbox screen's first load takes
the page over (connection, iterator and all) and streams the rest.
"""

from __future__ import annotations

import threading
from itertools import islice
from pathlib import Path

HEAD_START_S = 0.05


class FirstPage(threading.Thread):
    """Resolves ``view`` and reads its first ``count`` ids; :meth:`take` hands them over."""

    def __init__(self, db_path: str | Path, view, settings_base, now, count: int) -> None:
        super().__init__(name="sfogo-first-page", daemon=True)
        self._args = (db_path, view, settings_base, now, count)
        self._done = threading.Event()
        self._taken = False
        self.result: dict | None = None
        self.error: BaseException | None = None
        self.start()
        self._done.wait(HEAD_START_S)

    def run(self) -> None:
        from sfogo.backlog.gaps import find_gaps
        from sfogo.backlog.settings import client_targets
        from sfogo.inbox.store import Store

        from .views import Filters, iter_query_ids, resolve

        db_path, view, settings_base, now, count = self._args
        store = None
        try:
            store = Store(db_path)
            at = now()
            settings = settings_base.with_client_targets(client_targets(store))
            gaps = find_gaps(store, now=at)
            query = resolve(view, Filters(), store, settings, at, gaps=gaps)
            found = iter_query_ids(store, query, settings, at, gaps=gaps)
            first = list(islice(found, count))
            self.result = dict(
                store=store, settings=settings, query=query, found=found, first=first, gaps=gaps
            )
        except BaseException as exc:  # the worker reports it, or reads again itself
            self.error = exc
            if store is not None:
                store.close()
        finally:
            self._done.set()

    def take(self, timeout: float = 30.0) -> dict | None:
        """The page (once; the caller then owns the store and must close it), or None."""
        if self._taken:
            return None
        self._taken = True
        self._done.wait(timeout)
        return self.result

    def discard(self) -> None:
        """Nobody will take it (the app quit first): close its store if it is done."""
        result = self.take(timeout=1.0)
        if result is not None:
            result["store"].close()
