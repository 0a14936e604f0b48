"""Import is all or nothing per line, never per batch: a line the file cannot hold is named
and skipped, and every good line before and after it is written."""

from __future__ import annotations

import json
import sqlite3

import pytest

from sfogo.inbox.jsonl import BATCH, MAX_LINE_BYTES, MAX_TEXT_BYTES
from sfogo.inbox.store import InboxFilter, Store

GOOD = {"client": "Acme", "account": "acme", "kind": "comment"}


def good(n: int, **fields) -> str:
    return json.dumps({**GOOD, "id": f"g{n}", "created_at": "2026-11-20T09:00:00Z", **fields})


def bad(**fields) -> str:
    return json.dumps({**GOOD, "id": "bad", "created_at": "2026-11-20T09:00:00Z", **fields})


def stored_ids(db_path) -> set[str]:
    with Store(db_path) as store:
        return {r["external_id"] for r in store.items.iter_rows(InboxFilter(statuses=()))}


DEEP = "[" * 10_000 + "]" * 10_000

# (the bad line as written in the file, the reason printed after "line 2: ")
BAD_LINES = {
    "a lone surrogate in the text": (
        bad(text="a\ud800b"),
        "text: holds a lone surrogate ('\\ud800'), which is not text",
    ),
    "a lone surrogate in a name": (
        bad(author_name="\udfffx"),
        "author_name: holds a lone surrogate ('\\udfff')",
    ),
    "a lone surrogate in the id": (bad(id="x\udc00"), "id: holds a lone surrogate"),
    "a lone surrogate in a tag": (bad(tags=["ok", "\ud83d"]), "tags: holds a lone surrogate"),
    "a lone surrogate in html": (bad(html="<p>\ud800</p>"), "html: holds a lone surrogate"),
    "nesting 10,000 deep": (
        '{"id": "deep", "_note": ' + DEEP + "}",
        "not valid JSON (nested too deeply)",
    ),
    "a 30 MB text": (
        bad(text="x" * 30_000_000),
        f"{len(bad(text='x' * 30_000_000)):,} bytes; a line may hold at most 1 MiB (a text at "
        "most 64 KiB)",
    ),
    "a text over 64 KiB": (
        bad(text="é" * (MAX_TEXT_BYTES // 2 + 1)),
        "text: 65,538 bytes; at most 64 KiB fit in one item",
    ),
    "html whose text is over 64 KiB": (
        bad(html="<p>" + "z" * (MAX_TEXT_BYTES + 1) + "</p>"),
        "html: 65,537 bytes; at most 64 KiB fit in one item",
    ),
    "a name over 4 KiB": (bad(author_name="n" * 5000), "author_name: 5,000 bytes; at most 4 KiB"),
    "a date before 1970": (
        bad(created_at="1969-12-31T23:59:59Z"),
        "created_at: '1969-12-31T23:59:59Z' is not between 1970 and the end of 9999",
    ),
    "the year 1": (
        bad(created_at="0001-01-01T00:00:00+01:00"),
        "created_at: '0001-01-01T00:00:00+01:00' is not between 1970 and the end of 9999",
    ),
    "a date after 9999 in UTC": (
        bad(created_at="9999-12-31T23:00:00-05:00"),
        "created_at: '9999-12-31T23:00:00-05:00' is not between 1970 and the end of 9999",
    ),
    "the year 10000": (bad(handled_at="10000-01-01T00:00:00Z"), "handled_at: not an ISO 8601"),
    "a +25:00 offset": (
        bad(created_at="2026-11-27T09:30:00+25:00"),
        "created_at: +25:00 is not a time zone offset (they run from -23:59 to +23:59)",
    ),
    "a -2400 offset": (
        bad(created_at="2026-11-27T09:30:00-2400"),
        "created_at: -2400 is not a time zone offset",
    ),
    "a target of 10**30 seconds": (
        bad(target_s=10**30, client="Other", account="other"),
        "target_s: must be a whole number of seconds above zero (at most ten years)",
    ),
    "a number of 5,000 digits": (
        '{"id": ' + "9" * 5000 + "}",
        "not valid JSON (Exceeds the limit (4300 digits)",
    ),
    "NaN": (
        '{"id": "n", "account": "acme", "kind": "comment", "created_at": NaN}',
        "created_at: not an ISO 8601 time",
    ),
}


@pytest.mark.parametrize("case", list(BAD_LINES))
def test_a_line_the_file_cannot_hold_is_named_and_only_it_is_skipped(cli, db_path, tmp_path, case):
    line, reason = BAD_LINES[case]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([good(1), line, good(2)]) + "\n", encoding="utf-8")
    r = cli("import", path)
    assert r.code == 1
    errors = r.err.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"sfogo: line 2: {reason}"), errors
    assert "imported 2 new items, 0 already there, 1 bad lines skipped" in r.out
    assert stored_ids(db_path) == {"g1", "g2"}


def test_bad_lines_in_every_batch_never_cost_their_batch(cli, db_path, tmp_path):
    lines, bad_numbers = [], []
    for n in range(1, 3 * BATCH + 51):
        if n % 97 == 0:
            lines.append(bad(text="\ud800"))
            bad_numbers.append(n)
        else:
            lines.append(good(n))
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli("import", path)
    assert [int(e.split()[2].rstrip(":")) for e in r.err.splitlines()] == bad_numbers
    good_numbers = set(range(1, 3 * BATCH + 51)) - set(bad_numbers)
    assert stored_ids(db_path) == {f"g{n}" for n in good_numbers}


def test_a_line_the_file_itself_refuses_is_skipped_alone(cli, db_path, tmp_path):
    """The checks above catch what they know; anything the file still refuses (here a
    trigger, as a constraint of a future schema would) costs that line only: the batch is
    written again line by line, with the client and account its first line created."""
    assert cli("client", "add", "Seed", "--tier", "low").code == 0
    with Store(db_path) as store:
        store.conn.execute(
            "CREATE TRIGGER refuse_cursed BEFORE INSERT ON interactions"
            " WHEN NEW.external_id = 'cursed' BEGIN SELECT RAISE(ABORT, 'cursed \x1b[2J'); END"
        )
    path = tmp_path / "in.jsonl"
    lines = [good(1, client="New Client", account="new"), bad(id="cursed"), good(2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = cli("import", path)
    assert r.err.splitlines() == [
        "sfogo: line 2: cannot be stored (IntegrityError: cursed \ufffd[2J)",
    ]
    assert "created client 'New Client'" in r.out and "created account import:new" in r.out
    assert "imported 2 new items" in r.out
    assert stored_ids(db_path) == {"g1", "g2"}
    with Store(db_path) as store:
        assert [c.name for c in store.clients.all()] == ["Acme", "New Client", "Seed"]


def test_the_largest_text_allowed_is_stored_whole_and_shown(cli, db_path, tmp_path):
    biggest = ("ab" * MAX_TEXT_BYTES)[:MAX_TEXT_BYTES]
    path = tmp_path / "big.jsonl"
    path.write_text(good(1, text=biggest) + "\n", encoding="utf-8")
    assert cli("import", path).code == 0
    with Store(db_path) as store:
        row = store.items.page(InboxFilter(statuses=()), limit=1)[0]
    assert row["text"] == biggest
    r = cli("show", row["id"])
    assert r.code == 0 and r.out.count("ab") >= MAX_TEXT_BYTES // 2 - 100


def test_a_line_longer_than_the_limit_is_skipped_without_reading_it_whole(cli, db_path, tmp_path):
    path = tmp_path / "long.jsonl"
    huge = '{"id": "huge", "text": "' + "w" * (3 * MAX_LINE_BYTES) + '"}'
    with open(path, "w", encoding="utf-8") as out:
        out.write(good(1) + "\n")
        out.write(huge + "\r\n")
        out.write(good(2) + "\n")
        out.write("q" * (MAX_LINE_BYTES + 5))  # the last line, with no newline
    r = cli("import", path)
    assert r.err.splitlines() == [
        f"sfogo: line 2: {len(huge):,} bytes; a line may hold at most 1 MiB "
        "(a text at most 64 KiB)",
        f"sfogo: line 4: {MAX_LINE_BYTES + 5:,} bytes; a line may hold at most 1 MiB "
        "(a text at most 64 KiB)",
    ]
    assert stored_ids(db_path) == {"g1", "g2"}


def test_an_integrity_error_from_sqlite_is_not_taken_for_a_failure_of_the_file():
    from sfogo.inbox.store.failures import CONTENT_ERRORS, failure

    error = sqlite3.IntegrityError("cursed")
    assert isinstance(error, CONTENT_ERRORS) and failure(error, "x.db") is None
