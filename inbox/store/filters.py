"""What a listing shows (:class:`InboxFilter`), and how SQLite reads it.

The filter is plain data that any engine could read; :func:`where` spells it as SQLite SQL
over the alias ``i`` (interactions), with the search as an FTS5 query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..model import STATUSES


@dataclass(slots=True)
class InboxFilter:
    """What a listing shows: every field narrows it; empty fields do not."""

    statuses: Sequence[str] = ("new", "open")
    client_ids: Sequence[int] = ()
    channels: Sequence[str] = ()
    kinds: Sequence[str] = ()
    search: str = ""
    tag: str = ""
    pinned: bool | None = None
    # Account id -> only items created before this time; accounts not named are left out
    # (the backlog's cutoffs, a view's due horizon). None: no such limit.
    before: Mapping[int, int] | None = None
    # Only items done or ignored at this time or later (the "Done recently" view).
    handled_since: int | None = None


def fts_query(text: str, *, prefix: bool = True) -> str:
    """An FTS5 query matching every word of ``text``; user input never becomes FTS syntax.

    Each word is quoted; the last one matches as a prefix so search-as-you-type finds
    ``rimb`` → ``rimborso``.
    """
    words = [w for w in text.replace('"', " ").split() if w]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    if prefix:
        quoted[-1] += "*"
    return " ".join(quoted)


def marks(n: int) -> str:
    """``?, ?, ?`` for ``n`` parameters."""
    return ", ".join("?" * n)


def before_sql(before: Mapping[int, int]) -> tuple[str, list]:
    """Per-account cutoffs as one term over ``i``; no cutoffs: nothing matches."""
    if not before:
        return "0", []
    terms = " OR ".join("(i.account_id = ? AND i.created_at < ?)" for _ in before)
    params: list = []
    for account_id, cutoff in sorted(before.items()):
        params += [account_id, cutoff]
    return f"({terms})", params


def where(flt: InboxFilter | None) -> tuple[str, list]:
    """The WHERE clause (over alias ``i``) and its parameters."""
    flt = flt or InboxFilter()
    terms: list[str] = []
    params: list = []
    statuses = tuple(flt.statuses)
    if statuses and set(statuses) != set(STATUSES):
        # Spelled exactly like the partial index's WHERE so SQLite can use it.
        if statuses == ("new", "open"):
            terms.append("i.status IN ('new', 'open')")
        else:
            terms.append(f"i.status IN ({marks(len(statuses))})")
            params += statuses
    if flt.client_ids:
        terms.append(
            "i.account_id IN (SELECT id FROM accounts WHERE client_id IN "
            f"({marks(len(flt.client_ids))}))"
        )
        params += list(flt.client_ids)
    if flt.channels:
        terms.append(
            "i.account_id IN (SELECT id FROM accounts WHERE channel IN "
            f"({marks(len(flt.channels))}))"
        )
        params += list(flt.channels)
    if flt.kinds:
        terms.append(f"i.kind IN ({marks(len(flt.kinds))})")
        params += list(flt.kinds)
    if flt.search:
        query = fts_query(flt.search)
        if query:
            terms.append(
                "i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?)"
            )
            params.append(query)
    if flt.tag:
        terms.append("i.id IN (SELECT interaction_id FROM interaction_tags WHERE tag = ?)")
        params.append(flt.tag)
    if flt.pinned is not None:
        terms.append("i.pinned = ?")
        params.append(int(flt.pinned))
    if flt.before is not None:
        term, more = before_sql(flt.before)
        terms.append(term)
        params += more
    if flt.handled_since is not None:
        terms.append("i.handled_at >= ?")
        params.append(flt.handled_since)
    return (" AND ".join(terms) if terms else "1"), params
