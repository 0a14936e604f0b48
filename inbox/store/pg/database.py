"""An inbox in a PostgreSQL database: the connection, its migrations, its transactions and
its change notices.

One psycopg connection in autocommit mode per :class:`PgStore`, one store per thread (the
same rule as SQLite's). Every write transaction first takes one advisory transaction lock
(:data:`WRITE_LOCK`): PostgreSQL could write in parallel, but the store's compare-and-set
writes and its counts of what a write added were written for one writer at a time, as
SQLite's ``BEGIN IMMEDIATE`` gives them. Writes are short (a page of a sync, a mark), so
the wait is milliseconds; ``lock_timeout`` (the busy timeout) bounds it, and a writer that
waited longer gets the same one line as on a busy file.

Live updates: every table's statement trigger sends ``NOTIFY sfogo_changes``; the store
whose :meth:`PgStore.data_version` is polled (the app's) listens, and counts the notices
other sessions sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from ...errors import StoreError
from ...rows import ItemRow
from ..database import Store
from ..filters import SearchSql
from ..tables import Table, quoted
from . import failures, pool, schema
from .connection import PgConnection, load_numeric_as_number
from .driver import TransactionStatus, psycopg
from .search import PG_SEARCH
from .tables import pg_tables

# Advisory lock keys (classid, objid): 0x5f060 is sfogo's class, so other programs sharing
# the database do not collide with them. Advisory locks are per database: per inbox.
LOCK_CLASS = 0x5F060
WRITE_LOCK = (LOCK_CLASS, 1)  # the one writer at a time, per transaction
SYNC_LOCK = (LOCK_CLASS, 2)  # the one sync loop, per session (see .locks)
MIN_SERVER = 130000  # normalize() (the search index's accents), generated identity
CONNECT_TIMEOUT_S = 10
_SCHEMA_SQL = "SELECT value FROM sfogo_meta WHERE name = 'schema'"


class PgStore(Store):
    """An open sfogo inbox in a PostgreSQL database."""

    engine = "postgresql"
    search_sql: ClassVar[SearchSql] = PG_SEARCH
    CONTENT_ERRORS = (psycopg.DataError, psycopg.IntegrityError, ValueError, OverflowError)
    IntegrityError = psycopg.IntegrityError
    conn: PgConnection

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._listening = False
        self._kept = False  # its connection went back to the pool: closed for this store
        self._version = 0
        self._pid = 0
        super().__init__(*args, **kwargs)

    @property
    def url(self) -> str:
        return str(self.location)

    def _specialise(self) -> None:
        from .parts import PgItems, PgReports, PgSyncRuns
        from .triage import PgTriageIndex

        self.items = PgItems(self)
        self.reports = PgReports(self)
        self.runs = PgSyncRuns(self)
        self.triage = PgTriageIndex(self)

    # -- opening -------------------------------------------------------------------------

    def _open(self, create: bool, create_folder: bool) -> PgConnection:
        kept = pool.take(self.url)
        if kept is not None and self._reuse(*kept):
            return self.conn
        try:
            raw = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="sfogo",
            )
        except psycopg.Error as exc:
            raise failures.connect_failure(exc, self.name) from None
        self.conn = PgConnection(raw)
        try:
            self._setup(raw, create)
        except BaseException as exc:
            raw.close()
            if isinstance(exc, psycopg.Error):
                raise self.failure(exc) or StoreError(
                    f"cannot use {self.name}: {failures.first_line(exc)}"
                ) from None
            raise
        return self.conn

    def _reuse(self, raw: psycopg.Connection, setup: Any) -> bool:
        """Whether a kept connection (see .pool) serves this store: the same busy timeout,
        and the schema still this sfogo's (one statement; any error, e.g. a restarted
        server: no, and it is closed)."""
        try:
            if setup == self._lock_timeout():
                row = raw.execute(_SCHEMA_SQL).fetchone()
                if row is not None and int(row[0]) == schema.SCHEMA_VERSION:
                    self.conn = PgConnection(raw)
                    return True
        except psycopg.Error:
            pass
        try:
            raw.close()
        except psycopg.Error:
            pass
        return False

    def _lock_timeout(self) -> str:
        return f"{int(self.busy_timeout_s * 1000)}ms"

    def _setup(self, raw: psycopg.Connection, create: bool) -> None:
        load_numeric_as_number(raw)
        if raw.info.server_version < MIN_SERVER:
            raise StoreError(
                f"{self.name} runs PostgreSQL {raw.info.server_version // 10000}: sfogo needs"
                f" {MIN_SERVER // 10000} or later"
            )
        encoding = raw.execute("SHOW server_encoding").fetchone()
        if encoding is None or encoding[0] != "UTF8":
            raise StoreError(f"{self.name} is not a UTF8 database: create it with -E UTF8")
        raw.execute("SELECT set_config('lock_timeout', %s, false)", (self._lock_timeout(),))
        version = self.schema_version()
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.name} was written by a newer sfogo (schema {version}; this one reads"
                f" up to {schema.SCHEMA_VERSION}): upgrade sfogo to open it"
            )
        if version == 0:
            found = raw.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchone()
            if found and found[0]:
                raise StoreError(
                    f"{self.name} holds tables that are not sfogo's: pass another database"
                )
            if not create:
                raise StoreError(f"no sfogo inbox in {self.name}: run 'sfogo demo' or add a client")
        if version < schema.SCHEMA_VERSION:
            if version:
                from .access import Access

                Access(self).check_upgrade(version, schema.SCHEMA_VERSION)
            self.migrate(schema.SCHEMA_VERSION)

    def schema_version(self) -> int:
        raw = self.conn.raw
        exists = raw.execute("SELECT to_regclass('sfogo_meta') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return 0
        row = raw.execute(_SCHEMA_SQL).fetchone()
        return int(row[0]) if row else 0

    def migrate(self, target: int) -> None:
        """Move the inbox forward to schema ``target``, all steps in one transaction under
        the writers' lock (another process may be doing it at the same moment)."""
        raw = self.conn.raw
        with raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK)
            raw.execute(
                "CREATE TABLE IF NOT EXISTS sfogo_meta"
                ' (name text COLLATE "C" PRIMARY KEY, value text NOT NULL)'
            )
            version = self.schema_version()
            for step in schema.MIGRATIONS[version:target]:
                raw.execute(step)
            if version < target:
                raw.execute(
                    "INSERT INTO sfogo_meta (name, value) VALUES ('schema', %s)"
                    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (str(target),),
                )
        if version < target:
            from .access import Access

            Access(self).share_again()  # a new table gets the members' privileges too

    # -- transactions ----------------------------------------------------------------------

    def _begin(self) -> None:
        raw = self.conn.raw
        raw.execute("BEGIN")
        raw.execute("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK)

    def _commit(self) -> None:
        self.conn.raw.execute("COMMIT")

    def _roll_back(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.raw.execute("ROLLBACK")
            except Exception:
                pass  # a lost connection rolled back on the server already

    def ahead_gap_reads(self) -> None:
        from ..accounts import OWNERS_SQL
        from ..runs import AWAY_SQL

        with self.conn.together():
            self.conn.ahead(AWAY_SQL)
            self.conn.ahead(OWNERS_SQL)

    def ahead_item_extras(self, item: ItemRow) -> None:
        statements = [
            self.outbox.for_item_statement(item["id"]),
            self.accounts.by_id_statement(item["account_id"]),
            self.items.thread_statement(item),
        ]
        with self.conn.together():
            for sql, params in statements:
                self.conn.ahead(sql, params)

    def ahead_list_rows(self, ids: Sequence[int], *, now: int | None) -> None:
        from .parts import by_ids_statements

        if not ids:
            return
        statements = [
            *by_ids_statements(ids),
            *self.outbox.waiting_statements(ids),
            *self.outbox.likes_statements(ids),
            *self.drafts.marked_statements(ids),
            *self.team.assignees_statements(ids),
            *(self.team.replying_statements(ids, now=now) if now is not None else []),
        ]
        with self.conn.together():
            for sql, params in statements:
                self.conn.ahead(sql, params)

    # -- living and closing ----------------------------------------------------------------

    def close(self, *, optimize: bool = False) -> None:
        """Close the connection (the server's autovacuum keeps the statistics fresh), or
        keep it for the next store on this inbox (see .pool) if the session holds nothing."""
        raw = self.conn.raw
        if self._kept:  # closed twice: the connection may serve another store by now
            return
        if (
            not self._listening
            and not raw.closed
            and not raw.broken
            and raw.info.transaction_status == TransactionStatus.IDLE
            and pool.give(self.url, raw, self._lock_timeout())
        ):
            self._kept = True
            return
        self.conn.close()

    def failure(self, exc: BaseException) -> StoreError | None:
        return failures.failure(exc, self.name, waited_s=self.busy_timeout_s)

    def data_version(self) -> int:
        """How many change notices other sessions sent since this store first asked (it
        listens from then on)."""
        raw = self.conn.raw
        if not self._listening:
            raw.execute(f"LISTEN {schema.CHANNEL}")
            self._listening = True
            self._pid = raw.info.backend_pid
        for notice in raw.notifies(timeout=0):
            if notice.pid != self._pid:
                self._version += 1
        return self._version

    # -- bulk loading ------------------------------------------------------------------------

    def tables(self) -> list[Table]:
        return pg_tables(self.conn)

    def load_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        self.copy_rows(quoted(table), [quoted(c) for c in columns], rows)

    def after_load(self, table: str) -> None:
        """Rows that came with their ids leave the identity's sequence behind: move it past
        the largest, so the next new row does not collide with a copied one."""
        raw = self.conn.raw
        found = raw.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(%s AS regclass)"
            " AND attidentity != ''",
            (quoted(table),),
        ).fetchall()
        for (column,) in found:
            raw.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s),"
                f" coalesce((SELECT max({quoted(column)}) FROM {quoted(table)}), 0) + 1, false)",
                (quoted(table), column),
            )

    def copy_rows(self, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> None:
        """Load rows with COPY (inside a transaction): several times faster than INSERTs."""
        names = ", ".join(columns)
        with self.conn.raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def vacuum(self, *tables: str) -> None:
        """VACUUM (ANALYZE) after a bulk load, outside any transaction: fresh statistics,
        and the visibility map that lets the triage index answer without the table."""
        for table in tables:
            self.conn.raw.execute(f"VACUUM (ANALYZE) {table}")
