"""What a failure of the PostgreSQL server means: psycopg's errors as sfogo's one-line errors.

Classified on the SQLSTATE the server sends (``exc.sqlstate``) or, before there is a
server to answer, on psycopg's own class, never on the message text (which is translated
with the server's locale)::

    cannot connect (refused, no such host, role or   StoreError  libpq's first line, and
      database, a bad URL, a refused login)                      what to check
    55P03 lock_not_available (lock_timeout)           StoreBusy   another writer held on
    40001 / 40P01 serialization, deadlock             StoreBusy   try again
    42501 insufficient_privilege                      StoreReadOnly  this role may not
    53100 disk_full, 53xxx resources                  StoreFull   the server's disk
    57P01-03, 08xxx connection lost, shutdown         StoreError  the server went away
    XX001 / XX002 data or index corrupted             StoreDamaged  (the server's own)

Anything else (a constraint, a value the server refuses) is not about the inbox: None.
"""

from __future__ import annotations

from ...errors import StoreBusy, StoreDamaged, StoreError, StoreFull, StoreReadOnly

_BUSY = {"55P03", "40001", "40P01", "57014"}  # 57014: a statement cancelled (its timeout)
_GONE = {"57P01", "57P02", "57P03"}


def failure(exc: BaseException, name: str, *, waited_s: float | None = None) -> StoreError | None:
    """The sfogo error ``exc`` means for the inbox ``name`` (a URL without its password),
    or None when it is not about the inbox."""
    if isinstance(exc, StoreError):
        return exc
    from .driver import psycopg

    if not isinstance(exc, psycopg.Error):
        return None
    state = exc.sqlstate or ""
    if state in _BUSY:
        waited = f" for {waited_s:g} s" if waited_s else ""
        return StoreBusy(
            f"the inbox is busy (another writer held {name} locked{waited}); try again"
        )
    if state == "42501":
        return StoreReadOnly(
            f"this PostgreSQL role may not change {name}: ask the inbox's owner for access"
            f" ({first_line(exc)})"
        )
    if state.startswith("53"):
        return StoreFull(f"the PostgreSQL server of {name} is out of space: {first_line(exc)}")
    if state in ("XX001", "XX002"):
        return StoreDamaged(f"the PostgreSQL server found {name} damaged: {first_line(exc)}")
    if state in _GONE or state.startswith("08") or isinstance(exc, psycopg.OperationalError):
        return StoreError(f"lost the PostgreSQL server of {name}: {first_line(exc)}; try again")
    return None


def connect_failure(exc: BaseException, name: str) -> StoreError:
    """The one line for a connection that could not be made. libpq reports these before
    any server speaks, with no SQLSTATE: its first line says what failed (refused, no such
    host, no such role or database, a bad option in the URL)."""
    why = first_line(exc).removeprefix("connection failed: ").removeprefix("connection is bad: ")
    return StoreError(
        f"cannot open the PostgreSQL inbox {name}: {why} (check the URL, that the server"
        " runs, and the login in ~/.pgpass or PGPASSWORD)"
    )


def first_line(exc: BaseException) -> str:
    from ...redact import redact

    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return redact(lines[0]) if lines else type(exc).__name__
