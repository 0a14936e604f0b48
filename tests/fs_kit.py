"""Real file-system conditions for the store's failure tests: a disk that fills up, a disk,
folder or file that cannot be written, a file with damaged pages.

A full disk is a small tmpfs; a read-only disk is a tmpfs remounted read-only; a read-only
file is a read-only bind mount of it. Those need root and ``mount`` (a container may refuse
them). As another user, ``chmod`` makes a file or a folder read-only for real (root ignores
it). Where neither works, the test is skipped and says why.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NO_MOUNT = "needs root and mount (a small tmpfs) to make a real full or read-only disk"


def _run(*args: str) -> bool:
    return subprocess.run(args, capture_output=True, timeout=60).returncode == 0


@functools.cache
def can_mount() -> bool:
    """Whether this process may mount a tmpfs (root on Linux, mount allowed)."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as folder:
        if not _run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder):
            return False
        _run("umount", folder)
        return True


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``"2m"``) mounted on ``folder``: a disk that really fills up."""
    if not can_mount():
        pytest.skip(NO_MOUNT)
    folder.mkdir(parents=True, exist_ok=True)
    assert _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        _run("umount", "-l", str(folder))


@contextmanager
def freezable_folder(folder: Path) -> Iterator[Callable[[], None]]:
    """A folder to fill, and ``freeze()`` to make it read-only for real: a tmpfs remounted
    read-only as root (where chmod would not stop root), chmod 555 as another user."""
    if is_root():
        with small_disk(folder, "16m"):
            yield lambda: _frozen(_run("mount", "-o", "remount,ro", str(folder)))
        return
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield lambda: folder.chmod(0o555)
    finally:
        folder.chmod(0o755)


@contextmanager
def read_only_file(path: Path) -> Iterator[Path]:
    """``path`` read-only with its folder still writable: a read-only bind mount of the file
    as root, chmod 444 as another user."""
    if not is_root():
        path.chmod(0o444)
        try:
            yield path
        finally:
            path.chmod(0o644)
        return
    if not can_mount():
        pytest.skip(NO_MOUNT)
    assert _run("mount", "--bind", str(path), str(path))
    try:
        _frozen(_run("mount", "-o", "remount,ro,bind", str(path)))
        yield path
    finally:
        _run("umount", "-l", str(path))


def _frozen(ok: bool) -> None:
    assert ok, "the read-only remount failed"


def checkpoint(path: Path) -> None:
    """Move everything in the file's log into the file itself (as closing the last
    connection does), so what follows sees one file."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def damage_pages(path: Path, table: str = "interactions", pages: int = 2) -> list[int]:
    """Overwrite ``pages`` of ``table``'s leaf pages in the middle of the file with garbage,
    as a failing disk or a torn copy would; return their page numbers.

    The pages are found with SQLite's dbstat table where it is compiled in, else the middle
    of the file is hit."""
    checkpoint(path)
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    try:
        leaves = [
            row[0]
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
                (table,),
            )
        ]
    except sqlite3.OperationalError:  # no dbstat: the middle of the file
        leaves = [path.stat().st_size // page_size // 2 + i for i in range(pages)]
    conn.close()
    middle = len(leaves) // 2
    hit = leaves[middle : middle + pages]
    with open(path, "r+b") as handle:
        for page in hit:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))
    return hit
