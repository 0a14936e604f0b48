"""An open item's triage key: what scoring needs of it that never changes with time.

The key packs account, pin, kind and keyword flags into one integer (``account id x 64 +
pinned x 32 + kind x 4 + flags``), stored per open item and indexed with ``created_at``, so
the first page in urgency order reads an index instead of scoring every row (the scoring
itself is backlog/triage.py's). Keys are computed whenever an item is written, with the
keyword lists the file records (the config's, once the app or a command applied them; the
defaults below until then), so reading never has to write them.

The default keyword lists live here because every writer of items computes keys, and the
inbox layer cannot read the backlog's settings.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

KEY_VERSION = "1"  # bump when the key layout changes: every stored key is recomputed
KIND_CODES = {"mention": 0, "comment": 1, "reply": 2, "dm": 3, "email": 4, "review": 5}
CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}
OTHER_KIND = 7
WORDS_BIT, QUESTION_BIT, PINNED_BIT = 1, 2, 32
KEY_SPAN = 64  # keys of one account: [account_id * 64, account_id * 64 + 63]
KEYED_STATUSES = ("new", "open")  # items that carry a key: exactly the index's WHERE

DEFAULT_URGENT_WORDS = (
    # English
    "urgent",
    "asap",
    "emergency",
    "immediately",
    "refund",
    "money back",
    "broken",
    "not working",
    "doesn't work",
    "does not work",
    "can't",
    "cannot",
    "cancel",
    "complaint",
    "complain",
    "disappointed",
    "unacceptable",
    "terrible",
    "scam",
    "help",
    "lawyer",
    "wrong",
    "missing",
    "never arrived",
    # Italiano
    "urgente",
    "subito",
    "emergenza",
    "rimborso",
    "rimborsi",
    "rimborsare",
    "rotto",
    "non funziona",
    "non va",
    "guasto",
    "cancellare",
    "cancellazione",
    "annullare",
    "disdetta",
    "disdire",
    "reclamo",
    "lamentela",
    "deluso",
    "delusa",
    "inaccettabile",
    "vergogna",
    "truffa",
    "aiuto",
    "avvocato",
    "sbagliato",
    "mai arrivato",
)
DEFAULT_QUESTION_WORDS = ("?",)


def encode_key(account_id: int, kind: str, pinned: bool, words: bool, question: bool) -> int:
    return (
        account_id * KEY_SPAN
        + (PINNED_BIT if pinned else 0)
        + KIND_CODES.get(kind, OTHER_KIND) * 4
        + (WORDS_BIT if words else 0)
        + (QUESTION_BIT if question else 0)
    )


def decode_key(key: int) -> tuple[int, str, bool, bool, bool]:
    """(account id, kind, pinned, words, question)."""
    account_id, low = divmod(key, KEY_SPAN)
    kind = CODE_KINDS.get((low >> 2) & 7, "")
    return account_id, kind, bool(low & PINNED_BIT), bool(low & WORDS_BIT), bool(low & QUESTION_BIT)


def keyword_pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """One regex for a keyword list, to run on ``text.casefold()``.

    A word that starts with a letter or digit matches only at the start of a word
    ("refund" finds "refunds", not "prefund"); spaces match any run of white space, and an
    apostrophe matches the typographic one too. Anything else ("?") matches anywhere.
    Casefolding the text once beats re.IGNORECASE by a factor of four (measured).
    """
    wordy: list[str] = []
    other: list[str] = []
    for word in sorted(
        {w.strip().casefold() for w in words if w.strip()}, key=lambda w: (-len(w), w)
    ):
        body = r"\s+".join(re.escape(piece).replace("'", "['\u2019]") for piece in word.split())
        (wordy if word[0].isalnum() else other).append(body)
    parts = ([r"(?<!\w)(?:" + "|".join(wordy) + ")"] if wordy else []) + other
    return re.compile("|".join(parts)) if parts else None


def keyword_fingerprint(urgent: tuple[str, ...], question: tuple[str, ...]) -> str:
    """Changes when the keyword lists change (stored per-item flags must be recomputed)."""
    digest = hashlib.sha256()
    for group in (urgent, question):
        digest.update("\x1f".join(sorted(w.casefold() for w in group)).encode())
        digest.update(b"\x1e")
    return f"{KEY_VERSION}:{digest.hexdigest()[:16]}"


@dataclass(frozen=True, slots=True)
class Keywords:
    """The keyword lists keys are computed with, and the computation."""

    urgent: tuple[str, ...] = DEFAULT_URGENT_WORDS
    question: tuple[str, ...] = DEFAULT_QUESTION_WORDS
    _patterns: list = field(default_factory=list, compare=False, repr=False)
    _fingerprint: list = field(default_factory=list, compare=False, repr=False)

    @property
    def fingerprint(self) -> str:
        if not self._fingerprint:  # read on every triage page: hashed once
            self._fingerprint.append(keyword_fingerprint(self.urgent, self.question))
        return self._fingerprint[0]

    def flags(self, text: str) -> tuple[bool, bool]:
        """(has urgent words, has a question)."""
        if not text:
            return False, False
        if not self._patterns:
            self._patterns.extend((keyword_pattern(self.urgent), keyword_pattern(self.question)))
        urgent, question = self._patterns
        folded = text.casefold()
        return (
            bool(urgent is not None and urgent.search(folded)),
            bool(question is not None and question.search(folded)),
        )

    def key(self, account_id: int, kind: str, pinned: bool | int, text: str) -> int:
        words, question = self.flags(text)
        return encode_key(account_id, kind, bool(pinned), words, question)
