"""JSON Lines in, JSON Lines and CSV out: bad lines named, nothing doubled, nothing lost."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from conftest import NOW

from sfogo.inbox import when
from sfogo.inbox.jsonl import EXPORT_FIELDS, export_jsonl
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

GOOD = {
    "client": "Hotel Aurora",
    "tier": "vip",
    "channel": "instagram",
    "account": "@aurora",
    "kind": "dm",
    "author_name": "Giulia",
    "author_handle": "@giulia",
}


def line(**fields) -> str:
    return json.dumps({**GOOD, **fields}, ensure_ascii=False)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(db: Path) -> dict:
    """Everything an import may touch, without internal ids."""
    with Store(db) as s:
        conn = s.conn
        return {
            "clients": conn.execute(
                "SELECT name, tier, target_s, created_at FROM clients ORDER BY name"
            ).fetchall(),
            "accounts": conn.execute(
                "SELECT channel, handle, display_name, settings, cursor"
                " FROM accounts ORDER BY channel, handle"
            ).fetchall(),
            "items": conn.execute(
                "SELECT a.channel, a.handle, i.external_id, i.kind, i.author_name,"
                " i.author_handle, i.text, i.url, i.thread_ref, i.parent_ref, i.outgoing,"
                " i.created_at, i.fetched_at, i.status, i.snoozed_until, i.handled_at, i.pinned,"
                " (SELECT group_concat(tag, ',') FROM (SELECT tag FROM interaction_tags t"
                "   WHERE t.interaction_id = i.id ORDER BY tag))"
                " FROM interactions i JOIN accounts a ON a.id = i.account_id"
                " ORDER BY a.channel, a.handle, i.external_id"
            ).fetchall(),
            "fts": conn.execute(
                "SELECT count(*), group_concat(hex(block)) FROM interactions_fts_data"
            ).fetchone(),
        }


# -- import ----------------------------------------------------------------------------------


def test_good_lines_are_written_and_each_bad_line_is_named(cli, db_path, tmp_path):
    path = write(
        tmp_path / "in.jsonl",
        [
            line(id="m1", created_at="2026-11-27T09:00:00Z", text="Camera per sabato?"),
            line(id="m2", created_at="27/11/2026", text="bad time"),
            "",  # blank lines are skipped, but still counted in line numbers
            line(
                id="m3",
                created_at="2026-11-27T10:00:00+01:00",
                html="<p>Grazie <b>mille</b></p>",
                tags=["thanks"],
            ),
            '{"id": "m4", "created_at": ',
            line(
                id="m5",
                created_at="2026-11-27T11:00:00Z",
                client="Brand New Client",
                account="brandnew",
                kind="like",
            ),
        ],
    )
    r = cli("import", path)
    assert r.code == 1
    assert r.err.splitlines() == [
        "sfogo: line 2: created_at: not an ISO 8601 time",
        "sfogo: line 5: not valid JSON (Expecting value at column 28)",
        "sfogo: line 6: kind: 'like' is not one of mention, comment, reply, dm, email, review",
    ]
    assert "imported 2 new items, 0 already there, 3 bad lines skipped" in r.out
    with Store(db_path) as s:
        rows = {r["external_id"]: r for r in s.items.page(InboxFilter(statuses=()))}
        assert set(rows) == {"m1", "m3"}
        assert rows["m3"]["text"] == "Grazie mille"
        assert rows["m3"]["tags"] == ["thanks"]
        assert rows["m3"]["created_at"] == when.parse_iso("2026-11-27T09:00:00Z")
        assert (rows["m1"]["client"], rows["m1"]["tier"], rows["m1"]["channel"]) == (
            "Hotel Aurora",
            "vip",
            "instagram",
        )
        # Nothing of a bad line is written: not even the client it named.
        assert [c.name for c in s.clients.all()] == ["Hotel Aurora"]


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"id": None}, "id: missing"),
        ({"id": ["x"]}, "id: must be a string"),
        ({"account": ""}, "account: missing"),
        ({"kind": None}, "kind: missing"),
        ({"created_at": None}, "created_at: missing"),
        ({"created_at": 1795780800}, "created_at: not an ISO 8601 time"),
        ({"created_at": "2026-02-30T10:00:00Z"}, "created_at: not an ISO 8601 time"),
        ({"html": "<p>x</p>", "text": "x"}, "html: give text or html, not both"),
        ({"url": "javascript:alert(1)"}, "url: must start with http://, https:// or mailto:"),
        ({"status": "archived"}, "status: 'archived' is not one of"),
        ({"status": "snoozed"}, "snoozed_until: missing"),
        ({"snoozed_until": "2026-12-01T09:00:00Z"}, "snoozed_until: only a snoozed item has one"),
        ({"handled_at": "later"}, "handled_at: not an ISO 8601 time"),
        ({"tags": "a,b"}, "tags: must be a list of strings"),
        ({"pinned": "yes"}, "pinned: must be true or false"),
        ({"channel": "myspace"}, "channel: 'myspace' is not one of"),
        ({"tier": "gold"}, "tier: 'gold' is not one of vip, high, normal, low"),
        ({"target_s": -5}, "target_s: must be a whole number of seconds above zero"),
        ({"auhtor_name": "typo"}, "unknown field 'auhtor_name'"),
        ({"client": None}, "client: missing (needed to create the account instagram:@aurora)"),
    ],
)
def test_each_kind_of_bad_line_has_a_reason(cli, tmp_path, fields, reason):
    record = {**GOOD, "id": "x1", "created_at": "2026-11-27T09:00:00Z", **fields}
    record = {k: v for k, v in record.items() if v is not None}
    r = cli("import", write(tmp_path / "one.jsonl", [json.dumps(record)]))
    assert r.code == 1
    assert r.err.startswith(f"sfogo: line 1: {reason}"), r.err
    assert "imported 0 new items" in r.out


def test_lines_that_are_not_objects_or_not_utf8(cli, tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b'["a list"]\n"a string"\n{"text": "caf\xe9"}\n')
    r = cli("import", path)
    assert r.err.splitlines() == [
        "sfogo: line 1: not a JSON object",
        "sfogo: line 2: not a JSON object",
        "sfogo: line 3: not UTF-8 text",
    ]


def test_fields_starting_with_underscore_are_ignored_and_minimal_lines_work(cli, db_path, tmp_path):
    path = write(
        tmp_path / "min.jsonl",
        [
            json.dumps(
                {
                    "client": "Trattoria",
                    "account": "trattoria",
                    "id": 7,
                    "kind": "review",
                    "created_at": "2026-11-27T09:00:00",
                    "_source": "old crm",
                    "_likes": 4,
                }
            )
        ],
    )
    r = cli("import", path)
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "created client 'Trattoria'",
        "created account import:trattoria",
        "imported 1 new item, 0 already there",
    ]
    with Store(db_path) as s:
        [row] = s.items.page(InboxFilter(statuses=()))
        # Defaults: the generic channel, status new, a naive time read as UTC.
        assert (
            row["channel"],
            row["tier"],
            row["external_id"],
            row["status"],
            row["created_at"],
        ) == ("import", "normal", "7", "new", when.parse_iso("2026-11-27T09:00:00Z"))


def test_an_existing_account_needs_no_client_and_may_not_change_owner(cli, db_path, tmp_path):
    with Store(db_path) as s:
        s.clients.add("Pizzeria", "low", now=NOW)
        s.clients.add("Hotel", "vip", now=NOW)
        s.accounts.add("Pizzeria", "facebook", "dagino", now=NOW)
    base = {
        "channel": "facebook",
        "account": "dagino",
        "kind": "comment",
        "created_at": "2026-11-27T09:00:00Z",
    }
    path = write(
        tmp_path / "acc.jsonl",
        [
            json.dumps({**base, "id": "1"}),
            json.dumps({**base, "id": "2", "client": "Hotel"}),
            json.dumps({**base, "id": "3", "client": "pizzeria"}),
        ],
    )
    r = cli("import", path)
    assert r.err.splitlines() == [
        "sfogo: line 2: client: the account facebook:dagino belongs to 'Pizzeria', not 'Hotel'"
    ]
    assert "imported 2 new items" in r.out


def test_reimporting_the_same_file_changes_nothing(cli, db_path, tmp_path):
    path = write(
        tmp_path / "in.jsonl",
        [
            line(id="m1", created_at="2026-11-27T09:00:00Z", text="prima", tags=["a", "b"]),
            line(
                id="m2",
                created_at="2026-11-27T10:00:00Z",
                text="seconda",
                thread="m1",
                parent="m1",
                outgoing=True,
                status="done",
                handled_at="2026-11-27T10:00:00Z",
            ),
            line(
                id="m3",
                created_at="2026-11-27T10:30:00Z",
                status="snoozed",
                snoozed_until="2026-12-01T09:00:00Z",
                pinned=True,
            ),
        ],
    )
    assert cli("import", path).code == 0
    # The manager works on an item between the two imports: that work is kept too.
    with Store(db_path) as s:
        [m1] = [r["id"] for r in s.items.page(InboxFilter(statuses=())) if r["external_id"] == "m1"]
        s.marks.set_status([m1], "done", now=NOW)
    before = snapshot(db_path)
    r = cli("import", path)
    assert (r.code, r.out.strip()) == (0, "imported 0 new items, 3 already there")
    assert snapshot(db_path) == before


def test_import_errors(cli, tmp_path):
    r = cli("import", tmp_path / "missing.jsonl")
    assert (r.code, r.err) == (1, f"sfogo: no file '{tmp_path / 'missing.jsonl'}' to import\n")
    r = cli("import", tmp_path)
    assert r.code == 1 and "is a folder" in r.err and len(r.err.splitlines()) == 1


def test_import_reads_standard_input(cli, db_path, monkeypatch):
    data = line(id="s1", created_at="2026-11-27T09:00:00Z", text="dal pipe") + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    r = cli("import", "-")
    assert r.code == 0 and "imported 1 new item" in r.out


def test_hostile_text_is_sanitised_at_import(cli, db_path, tmp_path):
    path = write(
        tmp_path / "evil.jsonl",
        [
            line(
                id="e1",
                created_at="2026-11-27T09:00:00Z",
                text="\x1b]0;pwned\x07 [@click=app.quit]click me[/] \u202eevil",
                author_name="\x1b]52;c;ZXZpbA==\x07Eve\nline2",
                author_handle="@eve\x1b[2J",
            ),
            line(
                id="e2",
                created_at="2026-11-27T09:00:00Z",
                html="<p>&#x1b;]0;t&#7;\x1b[31mred</p>",
                client="\x1b]0;x\x07Evil Corp",
                account="evil\u202e",
            ),
        ],
    )
    assert cli("import", path).code == 0
    with Store(db_path) as s:
        rows = {r["external_id"]: r for r in s.items.page(InboxFilter(statuses=()))}
        names = [c.name for c in s.clients.all()]
        handles = [a.handle for a in s.accounts.all()]
    single_line = [
        *names,
        *handles,
        *(v for r in rows.values() for v in (r["author_name"], r["author_handle"])),
    ]
    for value in [*single_line, *(r["text"] for r in rows.values())]:
        assert not any(c in value for c in "\x1b\x07\u202e"), repr(value)
    assert not any("\n" in value for value in single_line)
    assert "[@click=app.quit]click me[/]" in rows["e1"]["text"]  # markup stays literal text
    assert rows["e1"]["author_name"] == "\ufffd]52;c;ZXZpbA==\ufffdEve line2"
    # …and the export carries the sanitised text, not the original escapes.
    out = cli("export").out
    assert "\x1b" not in out and "\\u001b" not in out and "\u202e" not in out


# -- export ----------------------------------------------------------------------------------


def build_varied_inbox(path: Path) -> None:
    """Every field in use: states, threads, tags, pins, outgoing, custom target, names."""
    with Store(path) as s:
        s.clients.add("Hotel Aurora", "vip", target_s=3600, now=NOW)
        s.clients.add("Onlus Mare", "low", now=NOW)
        ig = s.accounts.add(
            "Hotel Aurora",
            "instagram",
            "@aurora",
            "Hotel Aurora Roma",
            settings={"token_env": "AURORA_TOKEN", "url": "https://graph.test"},
            now=NOW,
        )
        mail = s.accounts.add("Onlus Mare", "email", "info@mare.example", now=NOW)
        s.items.upsert(
            [
                Interaction(
                    ig.id,
                    "q1",
                    "dm",
                    NOW - 7200,
                    "Avete posto?\nPer due.",
                    "Giulia",
                    "@giulia",
                    "https://ig.test/q1",
                    tags=["booking", "weekend"],
                ),
                Interaction(
                    ig.id,
                    "a1",
                    "dm",
                    NOW - 7000,
                    "Sì!",
                    thread_ref="q1",
                    parent_ref="q1",
                    outgoing=True,
                    status="done",
                    handled_at=NOW - 7000,
                ),
                Interaction(
                    ig.id,
                    "c1",
                    "comment",
                    NOW - 60,
                    '=HYPERLINK("http://x")',
                    "-Mallory",
                    "@mallory",
                    status="snoozed",
                    snoozed_until=NOW + 86400,
                    pinned=True,
                ),
                Interaction(
                    mail.id,
                    "<abc@mail>",
                    "email",
                    NOW - 86400 * 3,
                    "Donazione, grazie",
                    'Anna, "la presidente"',
                    "anna@mare.example",
                    status="ignored",
                    handled_at=NOW - 86400,
                ),
            ],
            now=NOW - 5,
        )


def test_export_then_import_into_an_empty_file_gives_the_same_inbox(cli, tmp_path):
    source, copy = tmp_path / "source.db", tmp_path / "copy.db"
    build_varied_inbox(source)
    exported = tmp_path / "inbox.jsonl"
    r = cli("--db", source, "export", "-o", exported)
    assert r.code == 0 and r.err.strip() == f"exported 4 items to {exported}"
    r = cli("--db", copy, "import", exported)
    assert r.code == 0, r.err
    assert "imported 4 new items" in r.out

    a, b = snapshot(source), snapshot(copy)
    assert b["items"] == a["items"]
    assert [c[:3] for c in b["clients"]] == [c[:3] for c in a["clients"]]  # name, tier, target
    assert [x[:3] for x in b["accounts"]] == [x[:3] for x in a["accounts"]]
    # The copy's own export is the same file, line for line.
    assert cli("--db", copy, "export").out == exported.read_text(encoding="utf-8")
    # Settings (token variable names, addresses) stay behind.
    assert [json.loads(x) for x in b["accounts"][0][3:4]] == [{}]
    assert "AURORA_TOKEN" not in exported.read_text() and "graph.test" not in exported.read_text()


def test_exported_lines_have_every_field_in_order(cli, db_path):
    build_varied_inbox(db_path)
    lines = [json.loads(x) for x in cli("export", "--format", "jsonl").out.splitlines()]
    assert all(list(x) == list(EXPORT_FIELDS) for x in lines)
    assert [x["id"] for x in lines] == ["<abc@mail>", "q1", "a1", "c1"]  # oldest first
    q1 = lines[1]
    assert (
        q1["client"],
        q1["tier"],
        q1["target_s"],
        q1["channel"],
        q1["account"],
        q1["account_name"],
        q1["created_at"],
        q1["tags"],
        q1["text"],
    ) == (
        "Hotel Aurora",
        "vip",
        3600,
        "instagram",
        "@aurora",
        "Hotel Aurora Roma",
        when.iso(NOW - 7200),
        ["booking", "weekend"],
        "Avete posto?\nPer due.",
    )


def test_csv_export_has_one_row_per_item_and_defuses_formulas(cli, db_path, tmp_path):
    build_varied_inbox(db_path)
    target = tmp_path / "inbox.csv"
    assert cli("export", "-o", target).code == 0  # the .csv name picks the format
    with open(target, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == EXPORT_FIELDS
    records = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(records) == 4
    q1, a1, c1 = records[1], records[2], records[3]
    assert (q1["tags"], q1["text"], q1["created_at"], q1["handled_at"], q1["outgoing"]) == (
        "booking, weekend",
        "Avete posto?\nPer due.",
        when.iso(NOW - 7200),
        "",
        "false",
    )
    assert (a1["outgoing"], a1["status"]) == ("true", "done")
    assert c1["text"] == '\'=HYPERLINK("http://x")'  # a spreadsheet must not run it
    assert c1["author_name"] == "'-Mallory"
    assert c1["author_handle"] == "@mallory"  # a plain handle is left as it is
    assert c1["snoozed_until"] == when.iso(NOW + 86400)
    assert records[0]["author_name"] == 'Anna, "la presidente"'
    assert cli("export", "--format", "csv").out.replace("\r\n", "\n") == target.read_text(
        encoding="utf-8"
    )


def test_export_errors(cli, db_path, tmp_path):
    build_varied_inbox(db_path)
    r = cli("export", "--format", "xml")
    assert (r.code, r.err) == (1, "sfogo: unknown format 'xml': use jsonl or csv\n")
    r = cli("export", "-o", tmp_path)
    assert r.code == 1 and "is a folder" in r.err
    r = cli("export", "-o", tmp_path / "no" / "such" / "dir" / "x.jsonl")
    assert r.code == 1 and r.err.startswith("sfogo: cannot write")
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]  # no temporary


def test_an_empty_inbox_exports_nothing(cli, db_path):
    assert cli("export").out == ""
    assert cli("export", "--format", "csv").out.strip() == ",".join(EXPORT_FIELDS)


def test_export_streams_rows(db_path):
    """A big export writes as it reads: lines go out before the last rows are read."""
    with Store(db_path) as s:
        s.clients.add("Big", "normal", now=NOW)
        account = s.accounts.add("Big", "x", "@big", now=NOW)
        with s.items.bulk_load():
            s.items.insert_rows(
                [
                    (
                        account.id,
                        str(i),
                        "mention",
                        "",
                        "",
                        f"t{i}",
                        "",
                        "",
                        "",
                        0,
                        NOW + i,
                        NOW + i,
                        "new",
                        None,
                        None,
                        0,
                    )
                    for i in range(1200)
                ]
            )

    class Watch(io.StringIO):
        reads_before_first_write = None

        def write(self, text):
            if self.reads_before_first_write is None:
                self.reads_before_first_write = len(reads)
            return super().write(text)

    reads: list[str] = []
    with Store(db_path) as s:
        s.conn.set_trace_callback(reads.append)
        out = Watch()
        assert export_jsonl(s, out) == 1200
    assert out.reads_before_first_write < len(reads)  # more rows were read after that
    assert len(out.getvalue().splitlines()) == 1200
