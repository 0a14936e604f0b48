"""The interface's language: every text a person reads goes through :func:`_`.

Strings are marked where they are written (``_("Done")``, ``ngettext("%(n)d item",
"%(n)d items", n)``); a text that is built before the language is known (a binding's
description, a module-level table) is marked with :func:`N_` and translated where it is shown.
Until a language is chosen with :func:`set_language`, every text is returned as written
(English).
"""

from __future__ import annotations

import gettext

_translation: gettext.NullTranslations = gettext.NullTranslations()


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
    global _translation
    _translation = translation or gettext.NullTranslations()
