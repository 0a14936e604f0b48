"""The one sync loop of a PostgreSQL inbox: a session advisory lock on the server.

Machines that share an inbox share no folder, so a lock file cannot keep them to one loop.
The loop's host holds :data:`~.database.SYNC_LOCK` with ``pg_try_advisory_lock`` on a
connection of its own, open for the loop's life. The server releases the lock the moment
that session ends: a holder killed with ``kill -9`` closes its socket at once; a machine
that vanishes from the network is dropped by TCP keepalives (set short on the session).

The holder's words (what it says about itself, JSON) are the ``sync_holder`` row of
``sfogo_meta``, with the server process of its session: a reader trusts them only while
that session holds the lock, so a dead holder is never named. A round is asked for with
``NOTIFY`` on :data:`ROUND_CHANNEL`, which the holder's session listens to.

Only a role that sees every client takes the lock (:mod:`.access`): a member's loop would
sync its own clients alone and record the other clients' silence as gaps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from ...errors import StoreError
from ...i18n import _
from . import failures
from .access import SEES_EVERY_CLIENT
from .database import CONNECT_TIMEOUT_S, SYNC_LOCK
from .driver import psycopg

ROUND_CHANNEL = "sfogo_sync_round"
META_NAME = "sync_holder"
# A vanished machine's session is dropped after about 10 + 3 x 5 s of silence.
SESSION_SETTINGS = (
    ("tcp_keepalives_idle", "10"),
    ("tcp_keepalives_interval", "5"),
    ("tcp_keepalives_count", "3"),
)
# The server's own pid of the session that holds the lock in this database, if one does.
HOLDER_BACKEND = """
SELECT pid FROM pg_locks
 WHERE locktype = 'advisory' AND granted AND mode = 'ExclusiveLock'
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
   AND classid = %s AND objid = %s AND objsubid = 2
"""


def _connect(url: str, name: str) -> psycopg.Connection:
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="sfogo sync lock",
            keepalives=1,  # the holder notices a lost server too
            keepalives_idle=10,
            keepalives_interval=5,
        )
    except psycopg.Error as exc:
        raise failures.connect_failure(exc, name) from None


def _failure(exc: psycopg.Error, name: str) -> StoreError:
    """Always a one-line error: the lock's callers know no psycopg."""
    return failures.failure(exc, name) or StoreError(
        f"cannot use {name}: {failures.first_line(exc)}"
    )


def _said(conn: psycopg.Connection) -> str | None:
    row = conn.execute("SELECT value FROM sfogo_meta WHERE name = %s", (META_NAME,)).fetchone()
    return None if row is None else str(row[0])


def _backend(said: str | None) -> int | None:
    """The holder's session, as its words name it (None: unreadable words)."""
    try:
        return int(json.loads(said or "")["backend"])
    except (ValueError, KeyError, TypeError):
        return None


def _sees_every_client(conn: psycopg.Connection, name: str) -> None:
    """Refuse the loop to a role that sees only some clients: its rounds would sync their
    accounts alone, and the others' silence would read as gaps."""
    row = conn.execute(SEES_EVERY_CLIENT).fetchone()
    if row is not None and not row[0]:
        role = conn.info.user
        conn.close()
        raise StoreError(
            _(
                "role %(role)s sees only some clients of %(inbox)s: the sync loop runs in the"
                " app of a role that sees them all (the inbox's owner)"
            )
            % {"role": role, "inbox": name}
        )


class PgSyncLock:
    """The loop's advisory lock on one PostgreSQL inbox; holder's words as JSON text."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self._conn: psycopg.Connection | None = None  # only while held

    @property
    def held(self) -> bool:
        return self._conn is not None

    @contextmanager
    def _session(self) -> Iterator[psycopg.Connection]:
        """A short connection for a question; the held one when this lock holds the loop."""
        if self._conn is not None:
            yield self._conn
            return
        conn = _connect(self.url, self.name)
        try:
            yield conn
        except psycopg.Error as exc:
            raise _failure(exc, self.name) from None
        finally:
            conn.close()

    def try_acquire(self, words: str) -> bool:
        """Take the lock if no session holds it and write ``words``; False if one does."""
        if self._conn is not None:
            return True
        conn = _connect(self.url, self.name)
        try:
            _sees_every_client(conn, self.name)
            row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", SYNC_LOCK).fetchone()
            if not row or not row[0]:
                conn.close()
                return False
            for setting, value in SESSION_SETTINGS:
                conn.execute("SELECT set_config(%s, %s, false)", (setting, value))
            if conn.info.server_version >= 140000:  # a server's idle timeout must spare it
                conn.execute("SELECT set_config('idle_session_timeout', '0', false)")
            conn.execute(f"LISTEN {ROUND_CHANNEL}")
            said = json.dumps({**json.loads(words), "backend": conn.info.backend_pid})
            conn.execute(
                "INSERT INTO sfogo_meta (name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (META_NAME, said),
            )
        except psycopg.Error as exc:
            conn.close()
            raise _failure(exc, self.name) from None
        self._conn = conn
        return True

    def release(self) -> None:
        """Say nobody holds the loop, and end the session (which ends the lock)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if _backend(_said(conn)) == conn.info.backend_pid:  # not a successor's words
                conn.execute("DELETE FROM sfogo_meta WHERE name = %s", (META_NAME,))
        except psycopg.Error:
            pass  # a lost session: the server released the lock already
        conn.close()

    def held_elsewhere(self) -> bool:
        """True while another session holds the loop."""
        if self._conn is not None:
            return False
        with self._session() as conn:
            return conn.execute(HOLDER_BACKEND, SYNC_LOCK).fetchone() is not None

    def words(self) -> str | None:
        """The words of the session that holds the loop now (None: nobody does)."""
        with self._session() as conn:
            said = _said(conn)
            row = conn.execute(HOLDER_BACKEND, SYNC_LOCK).fetchone()
        if said is None or row is None or _backend(said) != row[0]:
            return None  # nobody holds it, or the words are a dead holder's
        return said

    def ask_for_round(self) -> bool:
        """Notify the holder's session that a round is asked for; False if nobody holds."""
        with self._session() as conn:
            if conn.execute(HOLDER_BACKEND, SYNC_LOCK).fetchone() is None:
                return False
            conn.execute("SELECT pg_notify(%s, '')", (ROUND_CHANNEL,))
        return True

    def rounds_asked(self) -> int:
        """How many rounds were asked for since the last call (never waits); raises
        :class:`~sfogo.inbox.errors.StoreError` when the session is lost."""
        if self._conn is None:
            return 0
        try:
            return sum(1 for _ in self._conn.notifies(timeout=0))
        except psycopg.Error as exc:
            raise _failure(exc, self.name) from None
