"""The one context object every command shares: the clock, the files, the open store.

Each run of the command line makes one :class:`Context` (tests hand in their own, with a
:class:`~sfogo.inbox.clock.ManualClock`). Commands take ``now`` from ``ctx.clock.now()``
and give ``ctx.clock`` to what runs for a while (the app, the sync loop).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfogo.inbox.clock import Clock, from_env

if TYPE_CHECKING:  # the store module is imported when a command first opens the file
    from sfogo.inbox.store import Store
    from sfogo.inbox.store.location import Location


class Context:
    """The clock, ``--db``/``SFOGO_DB``, ``--config``/``SFOGO_CONFIG`` and the store.

    The shared options write into it as they are parsed, before and after the command's
    name (``sfogo --db x.db list``, ``sfogo list --db x.db``): a value typed on the command
    line beats one from the environment, and a later one beats an earlier one.
    """

    def __init__(self, *, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else from_env()
        self.db: str | None = None
        self.config: str | None = None
        self.mouse = True
        self.pager = True  # --no-pager turns it off
        self._typed: set[str] = set()  # options given on the command line, not from the env
        self._store: Store | None = None
        self.quiet_damage = False  # `db check` says itself what it finds
        self.damage: Exception | None = None  # the data file was found damaged earlier

    def set_option(self, name: str, value: str, *, typed: bool) -> None:
        """Record ``--db``/``--config`` from the command line (``typed``) or the environment."""
        if typed or name not in self._typed:
            setattr(self, name, value)
        if typed:
            self._typed.add(name)

    @property
    def db_path(self) -> Location:
        """The inbox: ``--db``, else ``SFOGO_DB``, else sfogo.db in the user data folder; a
        file's path, or a PostgreSQL URL."""
        from sfogo.inbox.store.location import default_location, location_of

        if self.db:
            found = location_of(self.db)
            return found if isinstance(found, str) else found.expanduser()
        return default_location()

    @property
    def db_typed(self) -> str | None:
        """``--db`` as typed on the command line (the demo never writes into ``SFOGO_DB``)."""
        return self.db if "db" in self._typed else None

    @property
    def config_path(self) -> str | None:
        """``--config``, else ``SFOGO_CONFIG``; None means the default file."""
        return self.config

    @property
    def config_typed(self) -> str | None:
        """``--config`` as typed: that file must exist; the default one may be missing."""
        return self.config if "config" in self._typed else None

    @property
    def store(self) -> Store:
        """The data file, opened on first use with the command line's rules."""
        if self._store is None:
            from sfogo.inbox.store import Store, failures

            # Only the default location may be created on first use; a path the user gave
            # must lie in a folder that exists.
            self._store = Store(self.db_path, create_folder=not self.db)
            found = failures.recorded_damage(self._store.location)
            if found is not None and not self.quiet_damage:
                # Reads go on (what can be read can be saved) and say it once they are done
                # (main); writes are refused by the store.
                self.damage = failures.damaged(self._store.name, found)
        return self._store

    def failure(self, exc: BaseException):
        """The one-line error ``exc`` means for the data file (a StoreError), or None when
        it is not about the file (see inbox/store/failures.py)."""
        if not type(exc).__module__.startswith(("sqlite3", "psycopg")):
            return None  # nothing that opens the inbox ran: its driver may not be imported
        if self._store is not None:
            return self._store.failure(exc)
        from sfogo.inbox.store import failures

        return failures.failure(exc, self.db_path)

    def close(self) -> None:
        if self._store is not None:
            self._store.close(optimize=True)  # a short-lived connection: SQLite's advice
            self._store = None
