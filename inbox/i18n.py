"""The interface's language: every text a person reads goes through :func:`_`.

Strings are marked where they are written (``_("Done")``, ``ngettext("%(n)d item",
"%(n)d items", n)``); a text that is built before the language is known (a binding's
description, a command's help, a module-level table) is marked with :func:`N_` and
translated where it is shown. Until a language is chosen with :func:`use` (or
:func:`set_language`), every text is returned as written (English).

The language comes from the config's top-level ``language = "it"``, else from the
environment the gettext way (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else
English. The catalogues are compiled gettext files shipped in ``locale/``, read with the
standard library alone (Babel is only the tool that writes them).

Reports for clients do not go through here: they speak the client's language
(``backlog/report_text.py``), whatever language the manager works in.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "sfogo"
LOCALE_DIR = Path(__file__).with_name("locale")
# The languages the interface speaks: English as written, and each shipped catalogue.
LANGUAGES = ("en", "it")
# Where the environment may name the language, in gettext's order of precedence.
ENV_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """``message`` in the interface's language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the interface's language."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:  # gettext's conventional name for a marker
    """Mark ``message`` for translation without translating it yet (it is shown later)."""
    return message


def set_language(translation: gettext.NullTranslations | None) -> None:
    """Use ``translation`` from now on (None: English, as written)."""
    global _translation, _language
    _translation = translation or gettext.NullTranslations()
    info = _translation.info() if translation is not None else {}
    _language = info.get("language", "en") if translation is not None else "en"


def current() -> str:
    """The language the interface speaks now (``"en"``, ``"it"``)."""
    return _language


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for, as gettext reads it: the first of
    ``LANGUAGE`` (a colon-separated list), ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set;
    ``"en"`` when it names none sfogo speaks (``C``, ``POSIX``, ``de_DE``…)."""
    env = os.environ if environ is None else environ
    for name in ENV_VARIABLES:
        value = env.get(name)
        if not value:
            continue
        for wanted in value.split(":"):
            code = wanted.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in LANGUAGES:
                return code
        return "en"  # the first variable set decides, as in gettext
    return "en"


def check_language(value: object) -> str | None:
    """A one-line complaint about the config's ``language``, or None when it is fine."""
    if value is None or (isinstance(value, str) and value.lower() in LANGUAGES):
        return None
    choices = " or ".join(repr(lang) for lang in LANGUAGES)
    return _(
        "language = {value!r} is not one sfogo speaks: use {choices} (English is used)"
    ).format(value=value, choices=choices)


def choose(configured: object = None, environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: the config's ``language`` when it names one sfogo speaks,
    else the environment's, else English."""
    if isinstance(configured, str) and configured.lower() in LANGUAGES:
        return configured.lower()
    if configured is not None:
        return "en"  # a language sfogo does not speak: English, and check_language says so
    return from_environment(environ)


def translation_for(language: str) -> gettext.NullTranslations | None:
    """The shipped catalogue for ``language`` (None for English, or a missing catalogue)."""
    if language == "en":
        return None
    try:
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
    except OSError:  # not shipped: English rather than no interface
        return None


def use(language: str) -> None:
    """Speak ``language`` from now on (``"en"``: as written)."""
    set_language(translation_for(language))
