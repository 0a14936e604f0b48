"""The store's one way in: typed rows from named functions, and no SQL anywhere else."""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

import pytest
from conftest import NOW

from sfogo.inbox.model import Channel, Interaction, Kind, ReplyState, Status, SyncOutcome, Tier
from sfogo.inbox.outbox import queue_reply
from sfogo.inbox.rows import ItemRow, ReplyRow, SyncRunRow
from sfogo.inbox.store import ROW_COLUMNS, InboxFilter

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(
    r"\.conn\b|\.execute(?:many|script)?\(|\b(?:SELECT|INSERT INTO|DELETE FROM)\b"
    r"|\bUPDATE \w+ SET\b|\bPRAGMA\b"
)


def test_rows_are_the_typed_dicts_with_the_vocabularies_as_enums(store):
    client = store.clients.add("Hotel", "vip", now=NOW)
    account = store.accounts.add(client.id, "mastodon", "@hotel@example.social", now=NOW)
    store.items.upsert(
        [Interaction(account.id, "m1", "mention", NOW - 60, text="ciao", tags=["vip"])], now=NOW
    )
    store.runs.add(account.id, NOW - 30, NOW - 29, "down", "HTTP 503")

    (row,) = store.items.page(InboxFilter())
    # ItemRow's optional keys, 'reply', 'liked', 'draft', 'owner' and 'replying', are the
    # inbox list's own (tui/screens/_inbox_load.py).
    list_only = ("reply", "liked", "draft", "owner", "replying")
    store_keys = [k for k in ItemRow.__annotations__ if k not in list_only]
    assert list(row) == [*ROW_COLUMNS, "tags"] == store_keys
    assert (type(row["tier"]), type(row["channel"]), type(row["kind"]), type(row["status"])) == (
        Tier,
        Channel,
        Kind,
        Status,
    )
    assert row["status"] == "new" and row["tags"] == ["vip"]
    # A row is still a plain dict for --json: the enums print as their words.
    assert json.loads(json.dumps(row))["channel"] == "mastodon"

    reply = store.outbox.get(queue_reply(store, row["id"], "Grazie!", now=NOW))
    assert set(reply) == set(ReplyRow.__annotations__)
    assert reply["state"] is ReplyState.QUEUED and reply["account"] == (
        "mastodon:@hotel@example.social"
    )
    run = store.runs.last(account.id)
    assert set(run) == set(SyncRunRow.__annotations__) and run["outcome"] is SyncOutcome.DOWN
    assert store.runs.last_per_account() == {account.id: run}


def _code_lines(path: Path) -> dict[int, str]:
    """Line -> the code on it (tokens joined), without comments and docstrings."""
    lines: dict[int, str] = {}
    previous = tokenize.NEWLINE
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL):
            continue
        standalone = previous in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        previous = tok.type
        if tok.type == tokenize.STRING and standalone:
            continue  # a docstring: a string standing alone as a statement
        lines[tok.start[0]] = lines.get(tok.start[0], "") + tok.string
    return lines


def test_backlog_and_tui_reach_the_file_only_through_store_functions():
    found = []
    for folder in ("backlog", "tui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line, text in _code_lines(path).items():
                if SQL.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]}")
    assert found == []
