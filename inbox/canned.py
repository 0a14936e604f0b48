"""Canned replies: named texts with placeholders, from the config file and the data file.

::

    [[replies]]
    name = "thanks-it"
    text = "Grazie {author}! A presto da {client}."
    language = "it"                  # optional: offered first for items in that language
    client = "Hotel Roma Centrale"   # optional: offered first for that client's items

``sfogo replies add NAME TEXT`` stores one in the data file. The two lists are offered
together; a name is one reply, and where both hold it the config file's wins (``sfogo
replies`` marks the other hidden). The command line refuses to add a name the config holds.

Placeholders are ``{author}`` (the author's name, else their handle), ``{handle}`` (the
author's handle) and ``{client}`` (the client's name); ``{{`` and ``}}`` are braces. Any
other placeholder is refused when the reply is added or the config is read, so a typo never
reaches a customer.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sfogo.inbox.i18n import _

from .errors import SfogoError
from .text import sanitize

PLACEHOLDERS = {
    "author": "the author's name (their handle when the name is unknown)",
    "handle": "the author's handle",
    "client": "the client's name",
}
NAME_MAX = 40
TEXT_MAX = 5000  # the outbox's own limit (inbox/outbox.py)
FIELDS = ("name", "text", "language", "client")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


@dataclass(frozen=True, slots=True)
class Canned:
    """One canned reply; ``source`` is "config" or "file"."""

    name: str
    text: str
    language: str = ""
    client: str = ""
    source: str = "file"


def check_name(name: str) -> str:
    clean = " ".join(sanitize(name, single_line=True).split())
    if not clean:
        raise SfogoError(_("a canned reply needs a name"))
    if len(clean) > NAME_MAX:
        raise SfogoError(
            _("a canned reply's name can be at most {name_max} characters").format(
                name_max=NAME_MAX
            )
        )
    return clean


def check_text(text: str) -> str:
    """The text, cleaned; raises SfogoError for an unknown placeholder or a lone brace."""
    clean = sanitize(text).strip()
    if not clean:
        raise SfogoError(_("a canned reply needs a text"))
    if len(clean) > TEXT_MAX:
        raise SfogoError(
            _("a canned reply can be at most {text_max} characters").format(text_max=TEXT_MAX)
        )
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(clean)
            if name is not None
        ]
    except ValueError:
        raise SfogoError(
            _(
                "a lone {{ or }} in the text: write {{{{ and }}}} for braces, or use a "
                "placeholder: {known}"
            ).format(known=_known())
        ) from None
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            shown = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise SfogoError(
                _("unknown placeholder {value}: use {known}").format(
                    value=shown[:40], known=_known()
                )
            )
    return clean


def _known() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def check_language(language: str) -> str:
    clean = language.strip().lower().replace("_", "-")
    if clean and not _LANGUAGE.match(clean):
        raise SfogoError(
            _("language {value!r}: use a language code like it, en or pt-br").format(
                value=language[:20]
            )
        )
    return clean


def fill(text: str, *, author: str, handle: str, client: str) -> str:
    """The reply with its placeholders filled (the text was checked when it was added)."""
    values = {"author": author or handle, "handle": handle, "client": client}
    try:
        return text.format_map(values)
    except (KeyError, ValueError, IndexError):  # an unchecked text: leave it as written
        return text


# -- the config -----------------------------------------------------------------------------


def _entry(label: str, table: object) -> Canned:
    if not isinstance(table, dict):
        raise SfogoError(
            _("config: {label} must be a table with a name and a text").format(label=label)
        )
    unknown = sorted(set(table) - set(FIELDS), key=str)
    name = table.get("name")
    if isinstance(name, str) and name.strip():
        label = f"reply {check_name(name)!r}"
    if unknown:
        raise SfogoError(
            _("config: {label} has no field {value!r}: use {names}").format(
                label=label, value=str(unknown[0])[:40], names=", ".join(FIELDS)
            )
        )
    values = {}
    for key in FIELDS:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise SfogoError(_("config: {label}: {key} must be text").format(label=label, key=key))
        values[key] = value
    try:
        return Canned(
            check_name(values["name"]),
            check_text(values["text"]),
            check_language(values["language"]),
            " ".join(sanitize(values["client"], single_line=True).split()),
            source="config",
        )
    except SfogoError as exc:
        raise SfogoError(_("config: {label}: {exc}").format(label=label, exc=exc)) from None


def from_config(data: Mapping) -> tuple[list[Canned], list[str]]:
    """The config's ``[[replies]]`` and one line per mistake (that reply is left out)."""
    tables = data.get("replies", [])
    if isinstance(tables, dict):  # [replies] instead of [[replies]]
        labelled = [("[replies]", tables)]
    elif isinstance(tables, list):
        labelled = [(f"[[replies]] #{n}", t) for n, t in enumerate(tables, start=1)]
    else:
        return [], ["config: replies must be [[replies]] tables, each with a name and a text"]
    found: list[Canned] = []
    errors: list[str] = []
    for label, table in labelled:
        try:
            reply = _entry(label, table)
        except SfogoError as exc:
            errors.append(str(exc))
            continue
        if any(r.name.casefold() == reply.name.casefold() for r in found):
            errors.append(
                _("config: reply {name!r} is there twice: the first one is used").format(
                    name=reply.name
                )
            )
            continue
        found.append(reply)
    return found, errors


def combine(
    config: Iterable[Canned], stored: Iterable[Canned]
) -> tuple[list[Canned], list[Canned]]:
    """(every reply offered, by name; the stored ones a config reply of the same name hides)."""
    offered = {r.name.casefold(): r for r in config}
    hidden = []
    for reply in stored:
        if reply.name.casefold() in offered:
            hidden.append(reply)
        else:
            offered[reply.name.casefold()] = reply
    return sorted(offered.values(), key=lambda r: r.name.casefold()), hidden


# -- the item's language --------------------------------------------------------------------

# A few of the commonest words of each language replies are written in: enough to tell a
# customer's Italian from their English in a sentence or two, not a language detector.
_WORDS = {
    "it": "il lo la che di e è per non una un sono con ciao grazie buongiorno vorrei",
    "en": "the and is are you to of for with this that hi thanks thank would please",
    "fr": "le la les et est des une un pour bonjour merci vous je pas avec",
    "es": "el la los las y es una un por para hola gracias usted con muy",
    "de": "der die das und ist ein eine nicht mit für hallo danke sie ich bitte",
    "pt": "o a os as e é um uma para com não obrigado olá você muito",
}
_VOCAB = {lang: frozenset(words.split()) for lang, words in _WORDS.items()}
_WORD = re.compile(r"\w+", re.UNICODE)


def guess_language(text: str) -> str | None:
    """The language ``text`` is most likely in, among a few, or None when unsure."""
    words = [w.lower() for w in _WORD.findall(text[:2000])]
    if not words:
        return None
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in _VOCAB.items()}
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 2 or ranked[0] == ranked[1]:
        return None
    return best
