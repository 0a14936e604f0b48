"""The ``[keys]`` table: rebinding the app's keys by binding id, checked before use.

::

    [keys]
    "inbox.done" = "e"               # one key
    "inbox.snooze" = ["z", "s"]      # or several (a string "z,s" works too)

Every binding in the app has an id (``?`` lists them with their keys). An unknown id, or
a key that does not reach a program over SSH or tmux (ctrl+enter, shift+enter, and the
ctrl keys terminals turn into other keys), is one line of error at startup and is left
out; the rest of the table still applies.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from sfogo.inbox.i18n import _

# Named keys every terminal sends, through SSH and tmux alike.
NAMED_KEYS = frozenset(
    {
        "enter",
        "escape",
        "tab",
        "shift+tab",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        "space",
        *(f"f{n}" for n in range(1, 13)),
    }
)
# ctrl+h/i/m/[ arrive as backspace, tab, enter and escape: binding them would not work.
CTRL_TAKEN = {"h": "backspace", "i": "tab", "m": "enter"}


def known_bindings(classes: Iterable[type]) -> dict[str, tuple[str, str]]:
    """Every binding id declared by ``classes`` (and their bases): id -> (default keys,
    description). The app passes its own classes, so this module imports none of them."""
    from textual.binding import Binding

    found: dict[str, tuple[str, str]] = {}
    for cls in classes:
        for klass in cls.__mro__:
            for binding in klass.__dict__.get("BINDINGS", ()):
                if isinstance(binding, Binding) and binding.id:
                    found.setdefault(binding.id, (binding.key, binding.description))
    return found


def check_key(key: str) -> str | None:
    """Why ``key`` cannot be used (None: it can). ``key`` is a Textual key name or one
    character."""
    if not key:
        return _("an empty key")
    if len(key) == 1:
        return None if key.isprintable() and key != " " else _("not a printable key")
    lowered = key.lower()
    if lowered in NAMED_KEYS:
        return None
    modifiers, _plus, base = lowered.rpartition("+")
    if modifiers == "ctrl":
        if base in ("enter", "return"):
            return _("ctrl+enter does not reach programs over SSH or tmux")
        if base in CTRL_TAKEN:
            return _("terminals send {key} as {value}").format(key=key, value=CTRL_TAKEN[base])
        if len(base) == 1 and base in string.ascii_lowercase:
            return None
        return _("only ctrl+letter survives SSH and tmux")
    if modifiers:
        if lowered in ("shift+enter", "shift+return"):
            return _("shift+enter does not reach programs over SSH or tmux")
        return _("{modifiers}+ keys do not reliably reach programs over SSH or tmux").format(
            modifiers=modifiers
        )
    # A Textual character name such as "question_mark" or "asterisk".
    from textual.keys import key_to_character

    if key_to_character(key) is not None:
        return None
    return _("not a key name (use a character, a name like pagedown or f2, or ctrl+letter)")


def parse_keys(data: dict, known: dict[str, tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """The usable part of ``[keys]`` as a Textual keymap, and one line per mistake;
    ``known`` is every binding id there is (:func:`known_bindings`)."""
    table = data.get("keys", {})
    if not isinstance(table, dict):
        return {}, ["config: [keys] must be a table of binding id = key"]
    keymap: dict[str, str] = {}
    errors: list[str] = []
    for binding_id, value in table.items():
        if binding_id not in known:
            close = [k for k in known if k.split(".")[-1] == binding_id.split(".")[-1]]
            hint = (
                _(" (did you mean {v0!r}?)").format(v0=close[0])
                if close
                else _(" (? lists the ids)")
            )
            errors.append(
                _("config: [keys] has no binding {binding_id!r}{hint}").format(
                    binding_id=binding_id, hint=hint
                )
            )
            continue
        if isinstance(value, str):
            keys = [k.strip() for k in value.split(",")] if len(value.strip()) > 1 else [value]
        elif isinstance(value, list) and all(isinstance(k, str) for k in value):
            keys = [k if len(k) == 1 else k.strip() for k in value]
        else:
            errors.append(
                _("config: [keys] {binding_id} must be a key or a list of keys").format(
                    binding_id=binding_id
                )
            )
            continue
        bad = next(((k, why) for k in keys if (why := check_key(k))), None)
        if bad:
            errors.append(
                _("config: [keys] {binding_id} = {v0!r}: {v1}").format(
                    binding_id=binding_id, v0=bad[0], v1=bad[1]
                )
            )
            continue
        from textual.keys import _character_to_key  # "," -> "comma": the list stays a list

        keymap[binding_id] = ",".join(_character_to_key(k) if len(k) == 1 else k for k in keys)
    return _without_clashes(keymap, known, errors), errors


def _without_clashes(
    keymap: dict[str, str], known: dict[str, tuple[str, str]], errors: list[str]
) -> dict[str, str]:
    """Drop rebindings that take a key another binding still uses on the same screen.

    App bindings (``app.*``) are active on every screen, so they clash with all; bindings of
    two different screens never meet. Without this, ``"inbox.done" = "q"`` would silently
    turn the quit key into "mark done".
    """

    def keys_of(binding_id: str) -> set[str]:
        return set((keymap.get(binding_id) or known[binding_id][0]).split(","))

    def scope(binding_id: str) -> str:
        return binding_id.split(".", 1)[0]

    kept = dict(keymap)
    for binding_id in keymap:
        mine = keys_of(binding_id)
        for other in known:
            if other == binding_id or (
                scope(other) != scope(binding_id) and "app" not in (scope(other), scope(binding_id))
            ):
                continue
            taken = mine & keys_of(other)
            if taken:
                errors.append(
                    _(
                        "config: [keys] {binding_id} = {v0!r} is already {other}'s key: rebind "
                        "{other} too"
                    ).format(binding_id=binding_id, v0=sorted(taken)[0], other=other)
                )
                kept.pop(binding_id, None)
                break
    return kept
