"""Writing files so that a reader never sees half of one: the config, sessions, exports.

A file is written under a unique temporary name in its own folder (so two writers never
share one), flushed to disk, then renamed over the target in one step. Readers see the old
file or the new one, never a torn one; a failure leaves the old file and no temporary.
Files are created mode 0600: they hold credentials or clients' conversations.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` survive a power cut (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the rename still happened
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_write(
    path: str | os.PathLike,
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Iterator[IO]:
    """Open a private file that replaces ``path`` when the block ends without an error.

    ``newline=""`` is what the csv module wants. Raises OSError when the folder is missing
    or not writable.
    """
    target = Path(path)
    # mkstemp creates the file readable and writable by its owner only (0600), with a name
    # no other writer can pick.
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(
            fd,
            "wb" if binary else "w",
            encoding=None if binary else encoding,
            newline=None if binary else newline,
        ) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def write_private(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically, mode 0600."""
    with atomic_write(path, binary=isinstance(data, bytes)) as handle:
        handle.write(data)
    return Path(path)


@contextmanager
def built_beside(path: str | os.PathLike) -> Iterator[Path]:
    """A path in a fresh private folder beside ``path``, for a file another writer builds
    (SQLite, with its journal files beside it). When the block ends without an error the
    file replaces ``path``; the folder and whatever is left in it are removed either way.

    The file keeps the mode its writer gave it: a demo inbox is a data file like any other.
    """
    target = Path(path)
    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        built = folder / target.name
        yield built
        fd = os.open(built, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(built, target)
        _sync_folder(target.parent)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
