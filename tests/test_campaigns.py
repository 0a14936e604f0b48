"""The campaigns, kept: several processes on one file lose nothing and never see "database
is locked"; an import lets other writers in; hostile strings reach no output and no terminal.

Each runs a fast version in every run of the suite and a long one under
``pytest -m campaign``; each prints its numbers in the test log (``campaign NAME: …``).
"""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from campaign_kit import (
    FORMULA_START,
    HOSTILE,
    TESTS,
    app_bytes,
    child_env,
    escapes_from_data,
    forbidden_in,
    hostile_lines,
    report,
    run_sfogo,
    sfogo,
    strict_json,
    strings_in,
)
from conftest import NOW

from sfogo.inbox import when
from sfogo.inbox.clock import ShiftedClock
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.demo.emulators.mastodon import MastodonEmulator

FAST = pytest.param(6, id="fast")
LONG = pytest.param(90, id="long", marks=pytest.mark.campaign)
TROUBLE = ("database is locked", "Traceback", "OperationalError")
TOKEN = "masto-campaign-token-0123456789"


def trouble(text: str) -> list[str]:
    return [t for t in TROUBLE if t in text]


def add_items(store: Store, client: str, count: int, *, status: str = "new", until=None):
    store.clients.add(client, "normal", now=NOW)
    account = store.accounts.add(client, "import", client.lower().replace(" ", "-"), now=NOW)
    items = [
        Interaction(
            account.id,
            f"{client}-{n}",
            "comment",
            created_at=NOW - 3600 - n * 60,
            text=f"{client} item {n}",
            status=status,
            snoozed_until=until,
        )
        for n in range(count)
    ]
    store.items.upsert(items, now=NOW)
    return account


class CliWriter(threading.Thread):
    """``sfogo snooze ID --until T`` in a loop, each with a time no other write used, until
    told to stop; remembers the last time each item was given."""

    def __init__(self, db: Path, ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.db, self.ids = db, ids
        self.stop = threading.Event()
        self.last: dict[int, int] = {}
        self.failures: list[str] = []
        self.waits: list[float] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            item = self.ids[n % len(self.ids)]
            until = NOW + 86400 + n * 60
            started = time.monotonic()
            done = run_sfogo(self.db, "snooze", item, "--until", when.iso(until))
            self.waits.append(time.monotonic() - started)
            if done.returncode == 0 and not trouble(done.stderr):
                self.last[item] = until
            else:
                self.failures.append(done.stderr.strip() or f"exit {done.returncode}")
            n += 1


# -- three processes on one file --------------------------------------------------------------


def _three_writers_world(db: Path, emu: MastodonEmulator) -> tuple[str, list[int]]:
    """Items for the app to mark done, snoozed items for the command line to snooze again,
    a Mastodon account on ``emu`` for the sync; returns (the emulator's owner id, the
    command line's item ids)."""
    owner = emu.add_account("acme", token=TOKEN)
    with Store(db) as store:
        add_items(store, "App Client", 400)
        cli_account = add_items(store, "Cli Client", 30, status="snoozed", until=NOW + 86400)
        store.accounts.add(
            "App Client",
            "mastodon",
            f"@acme@{emu.domain}",
            settings={"url": emu.base_url, "token_env": "CAMPAIGN_TOKEN"},
            now=NOW,
        )
        rows = store.items.page(InboxFilter(statuses=()), limit=None)
    return owner, [r["id"] for r in rows if r["account_id"] == cli_account.id]


@pytest.mark.parametrize("seconds", [FAST, LONG])
def test_the_app_a_sync_and_cli_writes_share_one_file_and_lose_nothing(
    db_path, tmp_path, capsys, seconds
):
    # Rate limits are not what this campaign is about: a watch every second for minutes
    # would meet the default 300 requests per 5 minutes and leave mentions for later.
    emu = MastodonEmulator(clock=ShiftedClock(NOW), rate_limit=100_000)
    emu.start()
    try:
        owner, cli_ids = _three_writers_world(db_path, emu)
        env = child_env(db_path, CAMPAIGN_TOKEN=TOKEN)
        sync = subprocess.Popen(
            sfogo("sync", "--watch", "--interval", "1s"),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        app = subprocess.Popen(
            [sys.executable, str(TESTS / "campaign_app.py"), str(db_path), str(seconds)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=TESTS,
        )
        writer = CliWriter(db_path, cli_ids)
        writer.start()
        mentions = 0
        started = time.monotonic()
        while app.poll() is None and time.monotonic() - started < seconds + 120:
            with emu.lock:
                emu.add_mentions(owner, 3, start=emu.clock() - 3, spacing=1)
            mentions += 3
            try:  # new mentions every 0.3 s until the app is done
                app.wait(timeout=0.3)
            except subprocess.TimeoutExpired:
                pass
        app_out, app_err = app.communicate(timeout=60)
        writer.stop.set()
        writer.join(timeout=60)
        sync.send_signal(signal.SIGINT)
        sync_out, sync_err = sync.communicate(timeout=60)
        last = run_sfogo(db_path, "sync", "--once", CAMPAIGN_TOKEN=TOKEN)
    finally:
        emu.stop()

    assert not trouble(app_err), app_err
    driven = json.loads(app_out)
    assert driven["running"] and driven["failed"] == []
    assert not trouble(sync_err) and sync.returncode == 0, sync_err
    assert last.returncode == 0, last.stderr
    assert writer.failures == []
    with Store(db_path) as store:
        # Every write of each process landed: the app's done, the CLI's last snooze time,
        # every mention the platform sent.
        rows = store.items.by_ids(driven["marked"])
        assert all(rows[i]["status"] == "done" for i in driven["marked"])
        rows = store.items.by_ids(list(writer.last))
        assert {i: rows[i]["snoozed_until"] for i in writer.last} == writer.last
        synced = store.items.count(InboxFilter(statuses=(), channels=("mastodon",)))
        assert synced == mentions
    report(
        capsys,
        f"three processes ({seconds} s)",
        app_done=len(driven["marked"]),
        cli_writes=len(writer.waits),
        cli_slowest_s=round(max(writer.waits, default=0), 2),
        sync_rounds=sync_out.count("\n"),
        mentions_synced=synced,
        locked=0,
        lost=0,
    )


# -- an import while other writers get in ----------------------------------------------------


def import_file(path: Path, count: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            record = {
                "client": "Bulk",
                "account": "bulk",
                "id": f"b{n}",
                "kind": ("dm", "comment", "mention")[n % 3],
                "created_at": when.iso(NOW - 86400 * 30 + n),
                "author_name": f"Person {n % 997}",
                "text": f"message {n} about the booking for {n % 31 + 1} December",
            }
            out.write(json.dumps(record) + "\n")


class StoreWriter(threading.Thread):
    """A writer like the app's: a connection of its own per write, a tag no other write
    used, as fast as it can until told to stop; measures how long each write took."""

    def __init__(self, db: Path, ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.db, self.ids = db, ids
        self.stop = threading.Event()
        self.tags: dict[int, list[str]] = {}
        self.waits: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            item = self.ids[n % len(self.ids)]
            tag = f"w{n}"
            started = time.monotonic()
            try:
                with Store(self.db) as store:
                    store.marks.add_tags([item], [tag])
                self.tags.setdefault(item, []).append(tag)
            except Exception as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
            self.waits.append(time.monotonic() - started)
            n += 1
            self.stop.wait(0.02)  # a write every 20 ms until told to stop


@pytest.mark.parametrize(
    "lines",
    [pytest.param(3000, id="fast"), pytest.param(250_000, id="long", marks=pytest.mark.campaign)],
)
def test_other_writers_get_in_while_a_big_import_runs(db_path, tmp_path, capsys, lines):
    with Store(db_path) as store:
        add_items(store, "Cli Client", 20, status="snoozed", until=NOW + 86400)
        add_items(store, "App Client", 20)
        rows = store.items.page(InboxFilter(statuses=()), limit=None)
        ids = {r["external_id"]: r["id"] for r in rows}
    source = tmp_path / "bulk.jsonl"
    import_file(source, lines)
    cli = CliWriter(db_path, [ids[f"Cli Client-{n}"] for n in range(20)])
    app = StoreWriter(db_path, [ids[f"App Client-{n}"] for n in range(20)])
    started = time.monotonic()
    importer = subprocess.Popen(
        sfogo("import", source),
        env=child_env(db_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    cli.start()
    app.start()
    out, err = importer.communicate(timeout=3600)
    seconds = time.monotonic() - started
    for writer in (cli, app):
        writer.stop.set()
        writer.join(timeout=60)

    assert importer.returncode == 0 and not trouble(err), err
    assert f"imported {lines} new items, 0 already there" in out
    assert cli.failures == [] and app.failures == []
    with Store(db_path) as store:
        bulk = store.clients.get("Bulk").id
        assert store.items.count(InboxFilter(statuses=(), client_ids=(bulk,))) == lines
        rows = store.items.by_ids(list(cli.last))
        assert {i: rows[i]["snoozed_until"] for i in cli.last} == cli.last
        rows = store.items.by_ids(list(app.tags))
        assert all(set(app.tags[i]) <= set(rows[i]["tags"]) for i in app.tags)
    waits = sorted(app.waits)
    report(
        capsys,
        f"import of {lines:,} lines",
        seconds=round(seconds, 1),
        lines_per_s=round(lines / seconds),
        cli_writes=len(cli.waits),
        cli_slowest_s=round(max(cli.waits, default=0), 2),
        app_writes=len(waits),
        app_wait_ms_median=_ms(waits, 0.5),
        app_wait_ms_p99=_ms(waits, 0.99),
        app_wait_ms_max=_ms(waits, 1.0),
        locked=0,
        lost=0,
    )


def _ms(waits: list[float], quantile: float) -> int:
    """The wait at ``quantile`` of the sorted ``waits``, in milliseconds."""
    if not waits:
        return 0
    return round(waits[min(len(waits) - 1, int(len(waits) * quantile))] * 1000)


# -- hostile strings ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """A data file holding the corpus, imported the way a user would: (path, import run)."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "sfogo.db"
    source = folder / "hostile.jsonl"
    source.write_text("\n".join(hostile_lines()) + "\n", encoding="utf-8")
    done = run_sfogo(db, "import", source)
    # Every account was down for the week the items arrived in: the reports list them as
    # backlog, text and all.
    with Store(db) as store:
        for account in store.accounts.all():
            store.runs.add(account.id, NOW - 8 * 86400, NOW - 8 * 86400, "down", "", 0, None, "")
            store.runs.add(account.id, NOW - 3600, NOW - 3600, "ok", "", 0, None, "")
    return db, done


def test_the_corpus_imports_and_only_the_lone_surrogate_is_refused(hostile_db):
    _db, done = hostile_db
    assert done.returncode == 1
    lone = len(HOSTILE) + 1
    assert done.stderr.splitlines() == [
        f"sfogo: line {lone}: text: holds a lone surrogate ('\\ud83d'), which is not text; "
        "write the character itself or its \\uXXXX pair"
    ]
    assert f"imported {len(HOSTILE)} new items" in done.stdout


def sfogo_here(capsys, db: Path, *args) -> tuple[int, str, str]:
    """``sfogo --db DB ARGS`` in this process (the real entry point, the tests' clock)."""
    from sfogo.inbox.clock import ManualClock
    from sfogo.tui.cli import Context, main

    capsys.readouterr()
    code = main(["--db", str(db), *map(str, args)], context=Context(clock=ManualClock(NOW)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _clients(db: Path) -> list[str]:
    with Store(db) as store:
        return [c.name for c in store.clients.all()]


def test_no_output_holds_an_escape_and_csv_and_html_are_guarded(hostile_db, capsys):
    db, _ = hostile_db
    with Store(db) as store:
        ids = [r["id"] for r in store.items.page(InboxFilter(statuses=()), limit=None)]
    outputs: dict[str, str] = {}
    for args in (
        ("list", "--status", "all", "--limit", "0"),
        ("list", "--status", "all", "--limit", "0", "--json"),
        ("stats",),
        ("clients",),
        ("accounts", "--json"),
        ("export",),
        ("export", "--format", "csv"),
        *(("show", i) for i in ids),
        *(("show", i, "--json") for i in ids),
        *(
            ("report", client, "--since", "30d", "--format", fmt)
            for client in _clients(db)
            for fmt in ("md", "html", "csv")
        ),
    ):
        code, out, err = sfogo_here(capsys, db, *args)
        assert code == 0 and not trouble(err), (args, err)
        outputs[" ".join(map(str, args))] = out
    for name, out in outputs.items():
        assert forbidden_in(out) == [], name
        if "--json" in name:
            assert all(not forbidden_in(s) for s in strings_in(strict_json(out))), name
        if name == "export":  # JSON Lines end at "\n" only (U+2028 is text in JSON)
            for line in out.rstrip("\n").split("\n"):
                assert all(not forbidden_in(s) for s in strings_in(strict_json(line)))
        if name.endswith("csv"):
            for row in csv.reader(io.StringIO(out)):
                for cell in row:
                    assert not cell.startswith(FORMULA_START) or cell.startswith("@plain"), (
                        name,
                        cell,
                    )
        if name.endswith("html"):
            assert "<script>alert" not in out and "<img src=x" not in out, name
    reports = "".join(out for name, out in outputs.items() if name.startswith("report"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reports  # the texts were in them
    report(
        capsys,
        "hostile strings",
        strings=len(HOSTILE),
        outputs=len(outputs),
        escapes_out=0,
        formulas_out=0,
    )


@pytest.fixture(scope="module")
def raw_db(tmp_path_factory):
    """The corpus stored as it came, not sanitised (a file another tool or an older sfogo
    wrote): the app must defuse it where it draws."""
    db = tmp_path_factory.mktemp("raw") / "sfogo.db"
    with Store(db) as store:
        store.clients.add("Raw", "vip", now=NOW)
        account = store.accounts.add("Raw", "import", "raw", now=NOW)
        items = [
            Interaction(account.id, f"r{n}", "dm", NOW - 60 * n, text=text, author_name=text)
            for n, text in enumerate(HOSTILE)
        ]
        store.items.upsert(items, now=NOW)
    return db


def test_the_byte_check_sees_escapes():
    """The check below is not blind: raw escapes in a terminal's bytes are found."""
    raw = b"\x1b]22;default\x07ok \x1b]0;pwned\x07 \x1b]52;c;eA==\x07 \xc2\x9b31m \xe2\x80\xae"
    found = set(escapes_from_data(raw))
    assert found == {"OSC 0", "OSC 52", "a C1 control", "BEL", "a bidi override"}


@pytest.mark.parametrize("source", ["imported", "stored raw"])
@pytest.mark.parametrize(
    "depth",
    [pytest.param(2, id="fast"), pytest.param(len(HOSTILE), id="long", marks=pytest.mark.campaign)],
)
def test_no_escape_from_the_data_reaches_the_terminal(request, capsys, source, depth):
    """The app in a pseudo-terminal, as a user over SSH runs it: the list, then the detail
    of the first ``depth`` items; every byte it wrote is read."""
    db = request.getfixturevalue("hostile_db")[0] if source == "imported" else None
    db = db or request.getfixturevalue("raw_db")
    keys = [b"j", b"k"]
    for _ in range(depth):
        keys += [b"\r", b"j", b"q", b"j"]  # open the item, scroll it, back, the next one
    raw, status = app_bytes(db, keys)
    assert status == 0, raw[-2000:]
    assert escapes_from_data(raw) == []
    assert "\ufffd".encode() in raw  # the hostile escapes were drawn, defused
    report(capsys, f"app raw bytes, {source} ({depth} items opened)", bytes=len(raw), escapes=0)


# -- three managers' apps, a sync and the command line on one PostgreSQL inbox ----------------

# The longest an app may take to show a change another process committed: the app looks for
# changes every 1.5 s (tui/changes.py), then reads the list again (measured: 2.0-2.5 s at worst
# alone, 3.7 s in a CI run with five processes on two cores). Below the probe's period (8 s,
# campaign_pg.PROBE_EVERY_S), so a failure says which it was: late, or a change missed.
LIVE_BOUND_S = 5.0
# The longest any statement may wait for a lock (the server logs every wait over 100 ms): the
# writers take turns (one advisory lock per write transaction), each a few milliseconds unless
# the machine is busy (measured: 0.85 s at worst, with the three apps on two cores).
WAIT_BOUND_MS = 2000


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param(8, id="fast"),
        pytest.param(
            60,
            id="long",
            marks=pytest.mark.campaign,
        ),
    ],
)
def test_three_apps_a_sync_and_cli_writes_share_a_postgresql_inbox(
    pg_server, pg_template, tmp_path, capsys, seconds
):
    from campaign_pg import Campaign

    name = pg_server.new_database(template=pg_template)
    try:
        # Every lock wait over 100 ms is logged by the server, with how long it lasted.
        pg_server.admin(f"ALTER DATABASE {name} SET log_lock_waits = on")
        pg_server.admin(f"ALTER DATABASE {name} SET deadlock_timeout = '100ms'")
        log = pg_server.folder / "server.log"
        at = log.stat().st_size
        result = Campaign(pg_server.url(name), tmp_path).run(seconds)
        result.server_log = log.read_bytes()[at:].decode(errors="replace")
    finally:
        pg_server.drop_database(name)

    # Nothing locked: no process said so, no statement waited beyond the bound. (Joined: a
    # stuck app's stacks are printed whole, where a list would be cut short.)
    assert result.trouble == [], "\n".join(result.trouble)
    assert result.waits_over(WAIT_BOUND_MS) == [], result.waits_over(WAIT_BOUND_MS)
    assert result.app_statuses == [0, 0, 0]
    # Nothing lost: every mention stored once, every action applied, every reply sent once.
    assert result.missing_mentions == [] and result.duplicates == []
    assert result.wrong_statuses == [], result.wrong_statuses
    assert result.cli_snoozes_wrong == []
    assert result.replies_not_sent_once == [], result.replies_not_sent_once
    # Every app live: each flip of the probe shows in each app within the bound.
    assert all(m.actions > 0 for m in result.managers)
    assert [s for m in result.managers for s in m.stalls] == []  # each showed its effect
    assert result.unseen_flips == [], result.unseen_flips
    assert result.worst_delay_s <= LIVE_BOUND_S, result.delays
    report(capsys, f"PostgreSQL, three apps ({seconds} s)", **result.figures())
