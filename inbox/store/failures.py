"""What a failure of the data file means: SQLite's result codes as sfogo's one-line errors.

The one place where sqlite3 errors become sfogo errors, classified on SQLite's result code
(``sqlite_errorcode``, whose low byte is the primary code), never on the message text::

    SQLITE_BUSY, SQLITE_LOCKED       StoreBusy      another writer kept the lock too long
    SQLITE_CORRUPT, SQLITE_NOTADB    StoreDamaged   a malformed page or header (recorded)
    SQLITE_READONLY                  StoreReadOnly  the file, its folder or its disk
    SQLITE_CANTOPEN                  StoreReadOnly when the folder or disk cannot be
                                     written, else StoreError
    SQLITE_FULL                      StoreFull      the disk (or SQLite's page limit)
    SQLITE_IOERR, SQLITE_PERM, …     StoreError     the system refused to read or write

Anything else (a constraint, a value SQLite cannot bind) is not about the file: ``failure``
returns None and the caller decides (the import skips the line; elsewhere it is a bug).

Damage is seen only when a read reaches a damaged page, and most commands read a few pages:
a damaged file can serve many commands before one trips over it (a full check reads every
page, ~1 s per 250,000 items, too slow for every command). So when one does, the damage is
*recorded* beside the file (``sfogo.db-damaged``: one line saying what was found), and from
then on every command names it and no write is made, until ``sfogo db check`` finds the
file sound again (a restored backup).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from ..errors import StoreBusy, StoreDamaged, StoreError, StoreFull, StoreReadOnly
from .location import is_url

# SQLite's primary result codes (https://sqlite.org/rescode.html).
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

_FILE_CODES = {SQLITE_PERM, SQLITE_IOERR, SQLITE_CANTOPEN}
# What a value can raise when it is written, when it is not the file's fault: a constraint
# (an integrity error), a string or number SQLite cannot bind (a lone surrogate, an int over
# 64 bits). Writers of outside data (the import) skip the value's line for these.
CONTENT_ERRORS = (sqlite3.Error, ValueError, OverflowError)
SQLITE_MAGIC = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite file
DAMAGE_SUFFIX = "-damaged"  # beside the file, like SQLite's own -wal and -shm


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of ``exc`` (None: not an error SQLite reported)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def failure(
    exc: BaseException, path: str | os.PathLike, *, waited_s: float | None = None
) -> StoreError | None:
    """The sfogo error ``exc`` means for the file at ``path``, or None when it is not about
    the file. Damage is recorded beside the file (see the module docstring)."""
    if isinstance(exc, StoreError):
        return exc
    if not isinstance(exc, sqlite3.Error):
        if type(exc).__module__.startswith("psycopg"):
            from .location import shown
            from .pg.failures import failure as pg_failure

            return pg_failure(exc, shown(str(path)), waited_s=waited_s)
        return None
    code = primary_code(exc)
    path = Path(path)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        waited = f" for {waited_s:g} s" if waited_s else ""
        return StoreBusy(
            f"the inbox is busy (another program kept {path} locked{waited}); try again"
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        if code == SQLITE_NOTADB and not is_sqlite_file(path):
            return StoreError(f"{path} is not an SQLite data file: pass another file to --db")
        return found_damage(path, str(exc))
    if code == SQLITE_FULL:
        return StoreFull(
            f"no space left for {path} ({_free(path)} free on its disk): free some space, "
            "then try again"
        )
    if code == SQLITE_READONLY or (code == SQLITE_CANTOPEN and cannot_write(path)):
        return read_only(path)
    if code in _FILE_CODES:
        return StoreError(f"cannot use {path}: {exc} ({exc.sqlite_errorname})")
    return None


def found_damage(path: str | os.PathLike, what: str) -> StoreDamaged:
    """Damage just found: recorded beside the file, and the one line that says so."""
    record_damage(path, what)
    return damaged(Path(path), what)


def damaged(path: Path | str, what: str) -> StoreDamaged:
    """The one line for a damaged file, with the ways out."""
    return StoreDamaged(
        f"{path} is damaged ({what}): 'sfogo db check' says what is wrong (and clears this "
        "once the file is sound); restore a backup, or save what can still be read with "
        "'sfogo export'"
    )


def read_only(path: Path) -> StoreReadOnly:
    return StoreReadOnly(f"{path} is read-only: {why_read_only(path)}; commands that read work")


# -- what the file and its folder allow --------------------------------------------------------


def is_sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def _read_only_disk(folder: Path) -> bool:
    if not hasattr(os, "statvfs"):  # Windows
        return False
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def cannot_write(path: Path) -> bool:
    """Whether this process cannot write ``path``, or create files in its folder (SQLite's
    ``-wal`` and ``-shm``)."""
    folder = path.parent
    if _read_only_disk(folder) or not os.access(folder, os.W_OK):
        return True
    return path.exists() and not os.access(path, os.W_OK)


def why_read_only(path: Path) -> str:
    folder = path.parent
    if _read_only_disk(folder):
        return "its disk is mounted read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file's permissions do not allow writing"
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} does not allow writing (SQLite keeps its log there)"
    return "SQLite refused to write to it"


def _free(path: Path) -> str:
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return "no"
    import humanize

    return humanize.naturalsize(free)


# -- damage, recorded beside the file ----------------------------------------------------------


def damage_marker(path: str | os.PathLike) -> Path:
    return Path(f"{path}{DAMAGE_SUFFIX}")


def recorded_damage(path: str | os.PathLike) -> str | None:
    """What an earlier command found wrong with the file, or None (none recorded; a
    PostgreSQL inbox has no file beside which to record: its server guards its pages)."""
    if is_url(path):
        return None
    try:
        text = damage_marker(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.strip().splitlines()[0] if text.strip() else "damage found earlier"


def record_damage(path: str | os.PathLike, what: str) -> None:
    """Remember that the file is damaged (best effort: a folder that cannot be written
    keeps nothing, and nothing can be written to the file there anyway)."""
    if is_url(path):
        return
    try:
        damage_marker(path).write_text(what.splitlines()[0] + "\n", encoding="utf-8")
    except (OSError, IndexError):
        pass


def clear_damage(path: str | os.PathLike) -> None:
    """The file was found sound (``sfogo db check``): forget what was recorded."""
    if is_url(path):
        return
    try:
        damage_marker(path).unlink()
    except OSError:  # none recorded, or a folder that cannot be written
        pass
