"""The [keys] table: rebinding by id, and refusing what would break the app."""

from __future__ import annotations

from sfogo.tui.app import binding_ids
from sfogo.tui.keymap import parse_keys as parse


def parse_keys(data: dict):
    """The [keys] table checked against every binding the app has."""
    return parse(data, binding_ids())


def test_a_rebinding_is_applied_by_binding_id():
    assert parse_keys({"keys": {"inbox.done": "e", "inbox.snooze": ["z", "s"]}}) == (
        {"inbox.done": "e", "inbox.snooze": "z,s"},
        [],
    )


def test_a_key_another_binding_of_the_screen_uses_is_refused():
    keymap, errors = parse_keys({"keys": {"inbox.done": "q"}})
    assert keymap == {}
    assert errors == [
        "config: [keys] inbox.done = 'q' is already app.quit's key: rebind app.quit too"
    ]
    # Moving quit away first makes room.
    keymap, errors = parse_keys({"keys": {"inbox.done": "q", "app.quit": "ctrl+q"}})
    assert errors == [] and keymap == {"inbox.done": "q", "app.quit": "ctrl+q"}


def test_different_screens_may_share_a_key():
    # The filters screen and the item screen never show at once.
    keymap, errors = parse_keys({"keys": {"filters.clear": "y"}})
    assert errors == [] and keymap == {"filters.clear": "y"}


def test_unknown_ids_and_keys_that_do_not_survive_ssh_are_one_line_each():
    keymap, errors = parse_keys({"keys": {"inbox.dnoe": "e", "inbox.pin": "ctrl+enter"}})
    assert keymap == {}
    assert len(errors) == 2 and all(e.startswith("config: [keys] ") for e in errors)
