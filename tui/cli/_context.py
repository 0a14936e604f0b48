"""What every command shares: the data file it works on, opened once and closed at exit."""
from __future__ import annotations

import os
from pathlib import Path

from sfogo.inbox.clock import Clock, from_env
from sfogo.inbox.store import Store, default_path


class Context:
    """Resolves ``--db``/``SFOGO_DB``/default and opens the store on first use; holds the
    clock every command takes ``now`` from."""

    def __init__(self, db: str | None = None, config: str | None = None, *,
                 clock: Clock | None = None) -> None:
        self.clock = clock if clock is not None else from_env()
        self.db_path = Path(db).expanduser() if db else default_path()
        # Only the default location may be created on first use; a path the user gave must
        # lie in a folder that exists.
        self.db_explicit = bool(db or os.environ.get("SFOGO_DB"))
        self.config_path = config or os.environ.get("SFOGO_CONFIG")
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path, create_folder=not self.db_explicit)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close(optimize=True)  # a short-lived connection: SQLite's advice
            self._store = None
