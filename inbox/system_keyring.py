"""The system keyring, where there is one: service ``sfogo``, user ``CHANNEL:HANDLE``.

It is used when the ``keyring`` package finds a backend that stores (the macOS Keychain,
Windows Credential Locker, the Secret Service of GNOME or KDE, or one named by
``PYTHON_KEYRING_BACKEND``); its "fail" and "null" backends, chosen where nothing stores,
count as no keyring. An entry holds either the account's one secret as
text (what ``keyring set sfogo CHANNEL:HANDLE`` stores by hand, and what ``sfogo account
login`` stores for a token or a password), or a JSON object that ``sfogo account login``
writes for an OAuth account: ``refresh_token``, ``client_secret`` and, once sync has used
them, ``grant`` (the live grant: :mod:`inbox.grants`).
"""

from __future__ import annotations

import json
from typing import Any

from sfogo.inbox.i18n import _

SERVICE = "sfogo"


class KeyringUnavailable(OSError):
    """The keyring refused to store or read (locked, no backend, a D-Bus error)."""


def _backend() -> Any:
    """The keyring backend that stores, or None (only the "fail" or "null" backend)."""
    import keyring  # imported here: a command that never needs a secret does not pay for it

    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    return backend if getattr(backend, "priority", 1) > 0 else None


def available() -> str:
    """The backend's name ("SecretService Keyring", "PlaintextKeyring" …), '' when none."""
    backend = _backend()
    if backend is None:
        return ""
    return str(getattr(backend, "name", "") or type(backend).__name__)


def get(name: str) -> str:
    """The entry's text, '' when there is none or no keyring (never an error: a keyring
    that cannot be read is like one that holds nothing, and the sync says 'no credentials')."""
    backend = _backend()
    if backend is None:
        return ""
    try:
        return backend.get_password(SERVICE, name) or ""
    except Exception:
        return ""


def entry(name: str) -> dict[str, object]:
    """The entry as a JSON object; a plain text entry is ``{"secret": text}``; {} when none."""
    text = get(name)
    if not text:
        return {}
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
    return {"secret": text}


def put(name: str, value: str) -> None:
    """Store ``value`` as the entry ``name``, and read it back: a keyring that answered
    without storing raises :class:`KeyringUnavailable` like one that refused."""
    backend = _backend()
    if backend is None:
        raise KeyringUnavailable(_("no system keyring"))
    try:
        backend.set_password(SERVICE, name, value)
        stored = backend.get_password(SERVICE, name)
    except Exception as exc:
        raise KeyringUnavailable(
            _("the keyring refused ({name})").format(name=type(exc).__name__)
        ) from None
    if stored != value:
        raise KeyringUnavailable(_("the keyring did not keep what was stored"))


def put_entry(name: str, data: dict[str, object]) -> None:
    put(name, json.dumps(data, sort_keys=True))


def delete(name: str) -> bool:
    """Remove the entry; True when there was one."""
    backend = _backend()
    if backend is None:
        return False
    try:
        if backend.get_password(SERVICE, name) is None:
            return False
        backend.delete_password(SERVICE, name)
    except Exception:
        return False
    return True
