"""Copying a whole inbox to another one, of either engine: ``sfogo db copy --to``.

Every table both inboxes hold is copied in the order of its foreign keys, in chunks of
rows ordered by the first column of its primary key, one transaction per chunk: a copy
that is killed keeps whole chunks. Run again, it finds how far the target got (the largest
key there), checks that what is there is exactly the source's rows up to that key (count
and checksum), and goes on after it; a target that holds anything else is refused.

The checksum of a table is the sum, modulo 2^128, of a hash of each row's values in a
canonical form (JSON of the columns both sides hold): it does not depend on the order
rows are read in, so each engine reads in its own. Secrets are not in an inbox (accounts
name the variable or keyring entry that holds them), so there are none to copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sfogo.inbox.i18n import _

from ..errors import SfogoError
from .tables import Table, in_copy_order, quoted

if TYPE_CHECKING:
    from .database import Store

CHUNK_ROWS = 5000
_MOD = 1 << 128

# (table, rows copied so far in this table, the table's rows): after each chunk's commit.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableCopy:
    """One table's copy: the source's and the target's count and checksum after it."""

    table: str
    rows: int
    checksum: str
    target_rows: int
    target_checksum: str
    copied: int  # rows written by this run (the rest were there from an earlier one)

    @property
    def same(self) -> bool:
        return self.rows == self.target_rows and self.checksum == self.target_checksum


def _row_hash(row: Iterable[Any]) -> int:
    text = json.dumps(list(row), ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")


def _select(table: Table, columns: tuple[str, ...], where: str = "") -> str:
    names = ", ".join(quoted(c) for c in columns)
    return f"SELECT {names} FROM {quoted(table.name)}{where}"


def summary(
    store: Store, table: Table, columns: tuple[str, ...], upto: Any = None
) -> tuple[int, str]:
    """(rows, checksum) of ``columns`` of ``table``, of the rows whose first key column is
    at most ``upto`` when given."""
    where, params = "", []
    if upto is not None:
        where, params = f" WHERE {quoted(table.key[0])} <= ?", [upto]
    total = count = 0
    for row in store.conn.execute(_select(table, columns, where), params):
        total += _row_hash(row)
        count += 1
    return count, f"{total % _MOD:032x}"


def _largest_key(store: Store, table: Table) -> Any:
    if not table.key:
        return None
    return store.conn.execute(
        f"SELECT max({quoted(table.key[0])}) FROM {quoted(table.name)}"
    ).fetchone()[0]


def _count(store: Store, table: Table) -> int:
    return store.conn.execute(f"SELECT count(*) FROM {quoted(table.name)}").fetchone()[0]


def _chunk_end(store: Store, table: Table, after: Any, rows: int) -> Any:
    """The key that ends the next chunk of about ``rows`` rows after ``after`` (None: the
    rest of the table). A chunk holds every row of its last key (a composite key's rows of
    one first column never straddle two chunks)."""
    key = quoted(table.key[0])
    where, params = ("", ()) if after is None else (f" WHERE {key} > ?", (after,))
    found = store.conn.execute(
        f"SELECT {key} FROM {quoted(table.name)}{where} ORDER BY {key} LIMIT 1 OFFSET ?",
        (*params, rows - 1),
    ).fetchone()
    return None if found is None else found[0]


def _copy_table(
    source: Store,
    target: Store,
    table: Table,
    columns: tuple[str, ...],
    chunk: int,
    progress: Progress | None,
) -> TableCopy:
    done = _largest_key(target, table) if table.key else None
    if table.key and done is None and _count(target, table):
        raise SfogoError(
            _("the target's {name} is not empty: copy into a new inbox").format(name=table.name)
        )
    if not table.key and _count(target, table):
        done_rows, done_sum = summary(target, table, columns)
        if (done_rows, done_sum) != summary(source, table, columns):
            raise SfogoError(
                _("the target's {name} holds other rows: copy into a new inbox").format(
                    name=table.name
                )
            )
    if done is not None and summary(target, table, columns, done) != summary(
        source, table, columns, done
    ):
        raise SfogoError(
            _(
                "the target's {name} holds rows that are not the source's: copy into a new inbox"
            ).format(name=table.name)
        )
    rows = _count(source, table)
    copied = 0
    before = _count(target, table)
    key = quoted(table.key[0]) if table.key else ""
    while table.key or not before:
        end = _chunk_end(source, table, done, chunk) if table.key else None
        terms, params = [], []
        if table.key and done is not None:
            terms.append(f"{key} > ?")
            params.append(done)
        if end is not None:
            terms.append(f"{key} <= ?")
            params.append(end)
        where = (" WHERE " + " AND ".join(terms)) if terms else ""
        batch = source.conn.execute(_select(table, columns, where), params).fetchall()
        if batch:
            with target.transaction():
                target.load_rows(table.name, columns, batch)
        copied += len(batch)
        if progress is not None and batch:
            progress(table.name, before + copied, rows)
        if end is None:
            break
        done = end
    target.after_load(table.name)
    target_rows, target_sum = summary(target, table, columns)
    source_rows, source_sum = summary(source, table, columns)
    return TableCopy(table.name, source_rows, source_sum, target_rows, target_sum, copied)


def copy_inbox(
    source: Store, target: Store, *, chunk: int = CHUNK_ROWS, progress: Progress | None = None
) -> list[TableCopy]:
    """Copy every table of ``source`` into ``target`` (new, or an earlier copy of it that
    was stopped); each table's count and checksum on both sides, to compare."""
    theirs = {t.name: t for t in target.tables()}
    results = []
    for table in in_copy_order(source.tables()):
        other = theirs.get(table.name)
        if other is None:
            raise SfogoError(
                _("{name} has no table {name2}: upgrade the sfogo that made it").format(
                    name=target.name, name2=table.name
                )
            )
        columns = tuple(c for c in table.columns if c in other.columns)
        results.append(_copy_table(source, target, table, columns, chunk, progress))
    return results
