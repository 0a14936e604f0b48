"""Full-text search on PostgreSQL: a user's words as a ``tsquery`` over the GIN index.

The words are read as the index reads the text (schema.py's ``sfogo_search_doc``):
decomposed (NFKD) without combining marks, lower case, letters and digits only. Each word
of the input must match, as with FTS5: a word that holds punctuation ("e-mail") is a phrase
of its parts, and the last word matches as a prefix (search as you type: ``rimb`` finds
``rimborso``). User input never becomes tsquery syntax: only letters and digits reach it,
each quoted.
"""

from __future__ import annotations

import re
import unicodedata

from ..filters import SearchSql

_WORD = re.compile(r"[^\W_]+")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not 0x300 <= ord(c) <= 0x36F).lower()


def ts_query(text: str, *, prefix: bool = True) -> str:
    """A ``tsquery`` (for ``to_tsquery('simple', …)``) matching every word of ``text``;
    "" when it has no letters or digits."""
    words = [_WORD.findall(w) for w in _plain(text).split()]
    words = [w for w in words if w]
    if not words:
        return ""
    terms = []
    for n, parts in enumerate(words, 1):
        quoted = [f"'{p}'" for p in parts]
        if prefix and n == len(words):
            quoted[-1] += ":*"
        terms.append(quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")")
    return " & ".join(terms)


def _match(text: str) -> tuple[str, list] | None:
    query = ts_query(text)
    if not query:
        return None
    return "i.search @@ to_tsquery('simple', ?)", [query]


def _first(text: str, n: int) -> tuple[str, list] | None:
    query = ts_query(text)
    if not query:
        return None
    return "SELECT id FROM interactions WHERE search @@ to_tsquery('simple', ?) LIMIT ?", [
        query,
        n,
    ]


PG_SEARCH = SearchSql(_match, _first)
