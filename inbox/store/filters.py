"""What a listing shows (:class:`InboxFilter`), and how an engine reads it.

The filter is plain data; :func:`where` spells it as SQL over the alias ``i``
(interactions) that both engines read, with the search in the engine's own full-text
spelling (:class:`SearchSql`: an FTS5 query here, a ``tsquery`` in :mod:`.pg.search`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    # Only the items this member owns (a team's "Mine"); ``unassigned``: only those nobody owns.
    assignee: int | None = None
    unassigned: bool = False


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


@dataclass(frozen=True, slots=True)
class SearchSql:
    """How an engine spells a full-text search for a user's ``text`` (None: no words).

    ``match(text)``: a term over ``i`` and its parameters; ``first(text, n)``: a query for
    the ids of up to ``n`` matching items, any status."""

    match: Callable[[str], tuple[str, list] | None]
    first: Callable[[str, int], tuple[str, list] | None]


def _fts_match(text: str) -> tuple[str, list] | None:
    query = fts_query(text)
    if not query:
        return None
    return "i.id IN (SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ?)", [query]


def _fts_first(text: str, n: int) -> tuple[str, list] | None:
    query = fts_query(text)
    if not query:
        return None
    return "SELECT rowid FROM interactions_fts WHERE interactions_fts MATCH ? LIMIT ?", [query, n]


SQLITE_SEARCH = SearchSql(_fts_match, _fts_first)


def marks(n: int) -> str:
    """``?, ?, ?`` for ``n`` parameters."""
    return ", ".join("?" * n)


def chunked(ids: Sequence[int], size: int) -> list[list[int]]:
    """``ids`` in lists of ``size`` at most: one ``IN (...)`` list each."""
    ids = list(ids)
    return [ids[n : n + size] for n in range(0, len(ids), size)]


def before_sql(before: Mapping[int, int]) -> tuple[str, list]:
    """Per-account cutoffs as one term over ``i``; no cutoffs: nothing matches."""
    if not before:
        return "0", []
    terms = " OR ".join("(i.account_id = ? AND i.created_at < ?)" for _ in before)
    params: list = []
    for account_id, cutoff in sorted(before.items()):
        params += [account_id, cutoff]
    return f"({terms})", params


def where(flt: InboxFilter | None, search: SearchSql = SQLITE_SEARCH) -> tuple[str, list]:
    """The WHERE clause (over alias ``i``) and its parameters; ``search`` is the engine's
    full-text spelling (``store.search_sql``)."""
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
        found = search.match(flt.search)
        if found is not None:
            terms.append(found[0])
            params += found[1]
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
    if flt.assignee is not None:
        terms.append("i.id IN (SELECT interaction_id FROM assignments WHERE member_id = ?)")
        params.append(flt.assignee)
    if flt.unassigned:
        terms.append("i.id NOT IN (SELECT interaction_id FROM assignments)")
    return (" AND ".join(terms) if terms else "1 = 1"), params
