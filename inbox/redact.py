"""Secrets out of everything sfogo writes: one function, applied wherever text leaves us.

A platform's error message can quote the token it refused, an HTTP library can print a URL
with ``access_token=`` in it, a traceback can hold a session. :func:`redact` replaces

- every secret value this process knows: :func:`remember` is called where secrets come in
  (the config file, environment variables, the keyring, login sessions and their refreshed
  tokens), so a secret is caught by value whatever shape it appears in;
- what looks like a secret whatever its value: ``Bearer``/``Basic`` credentials,
  ``access_token=``, ``key=``, ``password=`` … query and form parameters, JSON fields named
  like secrets, session JWTs (``eyJ…``), and the token shapes of the platforms sfogo talks
  to (Google ``ya29.``/``1//`` and ``AIza`` keys, Meta ``EAA…``, Bluesky app passwords).

It runs at the boundaries: what the data file stores (reply reasons, sync run details), what
the command line and the app print, and what the log records (:func:`logger`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

TYPE_CHECKING = False  # not typing's: the store imports this module on every command
if TYPE_CHECKING:
    import logging
    from typing import Any, TextIO

MASK = "***"
# Shorter values would mask ordinary words; no platform issues secrets this short.
MIN_SECRET = 6

_KNOWN: set[str] = set()
_LOCK = threading.Lock()

# Parameter and field names that hold secrets (query strings, forms, JSON, "name: value").
_NAMES = (
    r"access[_-]?token|refresh[_-]?token|id[_-]?token|access[_-]?jwt|refresh[_-]?jwt"
    r"|client[_-]?secret|app[_-]?password|api[_-]?key|apikey|password|passwd|secret"
    r"|token|key|sig|signature|bearer"
)
_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    # Authorization credentials: a token has a digit, a symbol or a capital after a small
    # letter ("Bearer authentication" is prose).
    (
        re.compile(
            r"\b([Bb]earer|Basic)(\s+)(?=[A-Za-z]*[0-9._~+/=-]|[A-Za-z]*[a-z][A-Z])"
            r"[A-Za-z0-9._~+/=-]{6,}"
        ),
        rf"\1\2{MASK}",
    ),
    # name=value in URLs and forms (key=… but not monkey=…, nor a placeholder: KEY=VALUE).
    (
        re.compile(rf"(?i)((?<!\w)(?:{_NAMES})=)(?-i:(?![A-Z_]+(?:[&\s\"'<>;,]|$)))[^&\s\"'<>;,]+"),
        rf"\1{MASK}",
    ),
    # "name": "value" in JSON.
    (re.compile(rf'(?i)("(?:{_NAMES})"\s*:\s*")[^"]*"'), rf'\1{MASK}"'),
    # JWTs: a base64url JSON header ('{"' encodes as eyJ), with or without its other parts.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,2}"), MASK),
    # Google OAuth access and refresh tokens, Google API keys, Meta (Graph) tokens.
    (re.compile(r"\bya29\.[0-9A-Za-z_-]+"), MASK),
    (re.compile(r"\b1//0[0-9A-Za-z_-]{10,}"), MASK),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"), MASK),
    (re.compile(r"\bEAA[A-Za-z0-9]{20,}"), MASK),
    # Bluesky app passwords: four groups of four.
    (re.compile(r"\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b"), MASK),
)


def remember(*values: object) -> None:
    """Secret values this process has seen: :func:`redact` masks them wherever they appear."""
    fresh = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET}
    if fresh - _KNOWN:
        with _LOCK:
            _KNOWN.update(fresh)


def forget() -> None:
    """Forget every remembered value (a test that starts a new "process")."""
    with _LOCK:
        _KNOWN.clear()


def redact(text: str, secrets: Iterable[object] = ()) -> str:
    """``text`` with every known secret value, each of ``secrets`` and everything that looks
    like a secret replaced by ``***``."""
    if not text:
        return text
    values = {v for v in secrets if isinstance(v, str) and len(v) >= MIN_SECRET}
    with _LOCK:
        values |= _KNOWN
    # Longest first: a secret that contains another is masked whole.
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_values(text: str) -> str:
    """``text`` with only the known secret values masked: for streams that also carry the
    inbox's own text (a message that quotes ``key=summer`` is not ours to change)."""
    if not text or not _KNOWN:
        return text
    with _LOCK:
        values = sorted(_KNOWN, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


class RedactingStream:
    """A text stream that masks known secret values in everything written through it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact_values(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Filter:
    """Masks secrets in a record's message and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            import traceback

            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = redact(text).rstrip("\n")
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = _Filter()


def logger(name: str) -> logging.Logger:
    """The logger ``name`` with secrets masked in every record it emits."""
    import logging

    log = logging.getLogger(name)
    if _FILTER not in log.filters:
        log.addFilter(_FILTER)
    return log
