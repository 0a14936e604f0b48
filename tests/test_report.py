"""The client report: incidents named with their length and volume, response times, the
three formats, Italian, escaping, no secrets, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from conftest import NOW

from sfogo.backlog.plan import make_plan
from sfogo.backlog.report import CSV_COLUMNS, build_report, csv_safe, nearest_rank, write_csv
from sfogo.backlog.report_html import render_html
from sfogo.backlog.report_text import md_escape, render_md
from sfogo.backlog.workhours import WorkHours
from sfogo.inbox import when
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import Store

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

ROME = ZoneInfo("Europe/Rome")
HOUR = 3600
DAY = 86400
MIN = 60
WORK = WorkHours.from_config({"timezone": "Europe/Rome"})
HOTEL = "Hotel Aurelia Roma"


def rome(*fields: int) -> int:
    return int(datetime(*fields, tzinfo=ROME).timestamp())


# -- the demo's stories ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    from sfogo.tui.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = Store(path)
    summary = build_demo(store, now=NOW)  # the CLI judges on the tests' clock, at NOW
    store.close()
    return path, summary


@pytest.fixture
def demo(demo_file, db_path):
    path, summary = demo_file
    shutil.copyfile(path, db_path)
    (db_path.parent / "config.toml").write_text('[work]\ntimezone = "Europe/Rome"\n')
    return summary


def hotel_outage_arrivals(db_path, summary) -> int:
    """Counted here straight from the data: the hotel's incoming items in the outage."""
    outage = summary["stories"]["outage"]
    store = Store(db_path)
    try:
        return store.conn.execute(
            "SELECT count(*) FROM interactions i JOIN accounts a ON a.id = i.account_id"
            " JOIN clients c ON c.id = a.client_id WHERE c.name = ? AND i.outgoing = 0"
            " AND i.created_at >= ? AND i.created_at < ?",
            (HOTEL, outage["start"], outage["end"]),
        ).fetchone()[0]
    finally:
        store.close()


def test_hotel_report_names_the_outage_with_its_length_and_volume(cli, demo, db_path):
    arrived = hotel_outage_arrivals(db_path, demo)
    assert arrived > 20
    r = cli("report", HOTEL, "--since", "14d", "--format", "md")
    assert r.code == 0, r.err
    line = next(x for x in r.out.splitlines() if "No internet connection" in x)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == "all accounts"
    assert cells[4] == "30 hours"
    assert cells[5] == f"{arrived:,}"
    assert "Manager ill" in r.out  # the sick days touched every client
    r = cli("report", "hotel", "--since", "14d", "--format", "md", "--lang", "it")
    line = next(x for x in r.out.splitlines() if "Connessione internet assente" in x)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == "tutti gli account"
    assert cells[4:] == ["30 ore", f"{arrived:,}".replace(",", ".")]
    assert "Resoconto attività: Hotel Aurelia Roma" in r.out
    assert "Gestore in malattia" in r.out


def test_the_blocked_x_account_is_an_incident_still_open(cli, demo):
    r = cli("report", "Nuvola", "--since", "7d")
    line = next(x for x in r.out.splitlines() if "Account blocked by the platform" in x)
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[1] == "X" and cells[3] == "still ongoing"
    assert cells[4].startswith("5 days")


def test_hotel_report_in_html_and_csv(cli, demo, db_path):
    arrived = hotel_outage_arrivals(db_path, demo)
    outage = demo["stories"]["outage"]
    html = cli("report", HOTEL, "--since", "14d", "--format", "html").out
    row = re.search(r"<tr><td>No internet connection</td>(.*?)</tr>", html).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[3:] == ["30 hours", f"{arrived:,}"]
    assert "<svg" in html and "</svg>" in html
    html_it = cli("report", HOTEL, "--since", "14d", "--format", "html", "--lang", "it").out
    assert '<html lang="it">' in html_it and "<td>30 ore</td>" in html_it
    r = cli("report", HOTEL, "--since", "14d", "--format", "csv")
    rows = [  # the interactions (scheduled posts follow them as rows of their own kind)
        x for x in csv.DictReader(io.StringIO(r.out)) if x["kind"] != "scheduled_post"
    ]
    in_outage = [
        x for x in rows if outage["start"] <= when.parse_iso(x["received_at"]) < outage["end"]
    ]
    assert len(in_outage) == arrived
    assert all(
        x["in_gap"] == "1" and "offline" in x["gap_kinds"].split("+") and x["backlog"] == "1"
        for x in in_outage
    )


def test_a_script_in_an_interaction_is_escaped_in_the_html(cli, demo):
    # The demo's hostile e-mail to the startup, two hours old, is still waiting.
    r = cli("report", "Nuvola Labs", "--since", "3h", "--format", "html")
    assert r.code == 0, r.err
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.out
    assert "<script" not in r.out.lower()
    md = cli("report", "Nuvola Labs", "--since", "3h").out
    assert r"\<script\>alert(1)\</script\>" in md


def test_html_is_self_contained_and_inert(cli, demo):
    html = cli("report", HOTEL, "--since", "14d", "--format", "html").out
    low = html.lower()
    assert low.startswith("<!doctype html>")
    assert "<script" not in low and "javascript:" not in low
    assert not re.search(r"\b(?:src|href|srcset|action)\s*=", low)  # nothing fetched
    assert "@import" not in low and "url(" not in low
    assert "<style>" in low and "@media print" in low
    csp = re.search(r'http-equiv="content-security-policy" content="([^"]*)"', low).group(1)
    assert html_lib.unescape(csp).startswith("default-src 'none'")


def hostile_fixture(store: Store, now: int) -> dict:
    client = store.clients.add("Evil <b>Corp</b>", "high", now=now - 30 * DAY)
    account = store.accounts.add(
        client.id,
        "email",
        "help@evil.example",
        settings={
            "token": "SECRET-TOKEN-IN-SETTINGS",
            "token_env": "EVIL_TOKEN",
            "password": "hunter2-SETTINGS",
        },
        now=now - 30 * DAY,
    )
    store.items.upsert(
        [
            Interaction(
                account.id,
                "x1",
                "email",
                now - 3 * HOUR,
                text='<script>alert("x")</script> <img src=x onerror=alert(1)>',
                author_name="<b>Mallory</b>",
            ),
            Interaction(
                account.id,
                "x2",
                "email",
                now - 2 * HOUR,
                text='=HYPERLINK("http://x")',
                author_name="@attacker",
            ),
            Interaction(account.id, "x3", "email", now - HOUR, text="+1 -2", author_name="-dash"),
        ],
        now=now,
    )
    return {"client": client, "account": account}


def test_hostile_text_is_escaped_everywhere_and_secrets_never_appear(
    cli, db_path, monkeypatch, clock
):
    store = Store(db_path)
    hostile_fixture(store, clock.now())
    store.close()
    monkeypatch.setenv("EVIL_TOKEN", "SECRET-FROM-ENV")
    (db_path.parent / "config.toml").write_text(
        '[accounts."help@evil.example"]\ntoken = "SECRET-FROM-CONFIG"\n'
    )
    (db_path.parent / "config.toml").chmod(0o600)
    outputs = {
        fmt: cli("report", "Evil", "--since", "1d", "--format", fmt)
        for fmt in ("md", "html", "csv")
    }
    for fmt, r in outputs.items():
        assert r.code == 0, (fmt, r.err)
        for secret in (
            "SECRET-TOKEN-IN-SETTINGS",
            "hunter2",
            "SECRET-FROM-ENV",
            "SECRET-FROM-CONFIG",
            "token_env",
        ):
            assert secret not in r.out, (fmt, secret)
    html = outputs["html"].out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Evil &lt;b&gt;Corp&lt;/b&gt;" in html and "&lt;b&gt;Mallory&lt;/b&gt;" in html
    assert "<b>" not in html and "<img" not in html and "<script" not in html
    md = outputs["md"].out
    assert r"Evil \<b\>Corp\</b\>" in md and r"\<script\>" in md and "<b>" not in md


def test_csv_columns_times_and_formula_guard(cli, db_path, clock):
    store = Store(db_path)
    hostile_fixture(store, clock.now())
    store.close()
    r = cli("report", "Evil", "--since", "1d", "--format", "csv")
    assert r.code == 0, r.err
    table = list(csv.reader(io.StringIO(r.out)))
    assert (
        table[0]
        == list(CSV_COLUMNS)
        == [
            "id",
            "received_at",
            "received_local",
            "channel",
            "account",
            "kind",
            "author",
            "status",
            "responded_at",
            "response_min",
            "response_via",
            "target_min",
            "late",
            "in_gap",
            "gap_kinds",
            "backlog",
            "window_closed",
            "text",
        ]
    )
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert [x["text"] for x in rows] == [
        '<script>alert("x")</script> <img src=x onerror=alert(1)>',
        '\'=HYPERLINK("http://x")',
        "'+1 -2",
    ]
    assert [x["author"] for x in rows] == ["<b>Mallory</b>", "'@attacker", "'-dash"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", x["received_at"]) for x in rows)
    assert [x["target_min"] for x in rows] == ["240"] * 3  # the "high" tier: 4 hours
    assert [x["late"] for x in rows] == ["0", "0", "0"]  # 1 to 3 hours old
    italian = list(
        csv.reader(
            io.StringIO(
                cli("report", "Evil", "--since", "1d", "--format", "csv", "--lang", "it").out
            )
        )
    )
    assert italian[0][:3] == ["id", "ricevuto_il", "ricevuto_ora_locale"]
    assert csv_safe("-3") == "'-3" and csv_safe(-3) == -3 and csv_safe("ok") == "ok"


# -- response times, exactly -------------------------------------------------------------


def response_fixture(store: Store, now: int):
    """A VIP hotel on Instagram: four answered DMs, one ignored, one waiting, and a 4-hour
    outage during which two of them arrived."""
    client = store.clients.add("Hotel Roma", "vip", now=now - 30 * DAY)
    ig = store.accounts.add(client.id, "instagram", "@hotel", now=now - 30 * DAY).id
    t0 = now - 10 * HOUR
    items = [
        # (id, arrives, answered by reply after, marked done after)
        Interaction(ig, "a", "dm", t0, text="a"),
        Interaction(ig, "b", "dm", t0 + HOUR, text="b"),
        Interaction(ig, "c", "dm", t0 + 3 * HOUR, text="c", thread_ref=""),
        Interaction(
            ig,
            "d",
            "dm",
            t0 + 4 * HOUR,
            text="d",
            status="done",
            handled_at=t0 + 4 * HOUR + 20 * MIN,
        ),
        Interaction(
            ig, "e", "dm", t0 + 5 * HOUR, text="e", status="ignored", handled_at=t0 + 5 * HOUR + 1
        ),
        Interaction(ig, "f", "dm", t0 + 6 * HOUR, text="<script>f</script>"),
        # Our replies, in each conversation (thread = the first message's id).
        Interaction(ig, "ra", "dm", t0 + 10 * MIN, thread_ref="a", outgoing=True, status="done"),
        Interaction(
            ig, "rb", "dm", t0 + HOUR + 30 * MIN, thread_ref="b", outgoing=True, status="done"
        ),
        Interaction(
            ig, "rc", "dm", t0 + 3 * HOUR + 50 * MIN, thread_ref="c", outgoing=True, status="done"
        ),
    ]
    store.items.upsert(items, now=now)
    store.marks.set_status(
        [
            r[0]
            for r in store.conn.execute(
                "SELECT id FROM interactions WHERE external_id IN ('a', 'b', 'c')"
            )
        ],
        "done",
        now=now - HOUR,
    )
    run = store.runs.add
    run(ig, t0 + 30 * MIN, t0 + 30 * MIN, "ok")
    run(ig, t0 + 2 * HOUR, t0 + 2 * HOUR, "down", "HTTP 503")
    run(ig, t0 + 5 * HOUR, t0 + 5 * HOUR, "down", "HTTP 503")
    run(ig, t0 + 6 * HOUR, t0 + 6 * HOUR, "ok")
    return client, t0


def test_response_times_are_nearest_rank_inside_and_outside_gaps(store):
    now = rome(2026, 11, 25, 18, 0)
    client, t0 = response_fixture(store, now)
    report = build_report(store, client.id, since=now - DAY, until=now, now=now, work=WORK)
    # Answered: a 10 min (reply), b 30 min (reply), c 50 min (reply), d 20 min (done).
    # c and d arrived in the outage (t0+2h .. t0+6h).
    assert (report.received, report.answered, report.ignored, report.waiting_now) == (6, 4, 1, 1)
    assert report.response["all"].median_s == 20 * MIN  # nearest rank of 10, 20, 30, 50
    assert report.response["all"].p90_s == 50 * MIN
    assert report.response["gap"].answered == 2 and report.response["gap"].median_s == 20 * MIN
    assert report.response["outside"].median_s == 10 * MIN
    assert report.response["all"].within_target == 4  # VIP target: 2 hours
    (incident,) = report.incidents
    assert (incident.kind, incident.started_at, incident.ended_at, incident.arrived) == (
        "down",
        t0 + 2 * HOUR,
        t0 + 6 * HOUR,
        3,
    )  # c, d and e
    assert report.affected_s == 4 * HOUR
    # Backlog: c, d, e arrived in the outage (b was answered before it began, f arrived
    # after it). The last of them to stop waiting was e, ignored at t0+5h+1s.
    assert (report.backlog_total, report.backlog_open) == (3, 0)
    assert report.backlog_cleared_at == t0 + 5 * HOUR + 1
    md = render_md(report)
    assert "Median response time 20 minutes (target 2 hours)" in md
    assert "90% were answered within 50 minutes" in md
    assert "Platform down" in md and "4 hours" in md


def test_csv_and_summary_agree(store):
    now = rome(2026, 11, 25, 18, 0)
    client, _ = response_fixture(store, now)
    buf = io.StringIO()
    n = write_csv(store, client.id, buf, since=now - DAY, until=now, now=now, work=WORK)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    report = build_report(store, client.id, since=now - DAY, until=now, now=now, work=WORK)
    assert n == len(rows) == report.received
    assert sum(r["response_via"] != "" for r in rows) == report.answered
    assert sum(r["backlog"] == "1" for r in rows) == report.backlog_total
    assert sorted(float(r["response_min"]) for r in rows if r["response_min"]) == [
        10.0,
        20.0,
        30.0,
        50.0,
    ]
    assert [r["response_via"] for r in rows] == ["reply", "reply", "reply", "done", "", ""]


def test_italian_wording_and_humanize_is_english_again_afterwards(store):
    import datetime as dt

    import humanize

    now = rome(2026, 11, 25, 18, 0)
    client, _ = response_fixture(store, now)
    report = build_report(store, client.id, since=now - DAY, until=now, now=now, work=WORK)
    md = render_md(report, "it")
    assert "Tempo di risposta mediano 20 minuti (obiettivo 2 ore)" in md
    assert "Piattaforma non disponibile" in md and "4 ore" in md
    assert "Tempi di risposta" in md and "Response times" not in md
    html = render_html(report, "it")
    assert "In breve" in html and "Summary" not in html
    assert humanize.naturaldelta(dt.timedelta(hours=2)) == "2 hours"


def test_the_backlog_eta_comes_from_the_plan(store):
    now = rome(2026, 11, 27, 17, 50)  # Friday evening
    client = store.clients.add("Hotel Roma", "vip", now=now - 30 * DAY)
    mail = store.accounts.add(client.id, "email", "info@hotel.example", now=now - 30 * DAY).id
    store.items.upsert(
        [Interaction(mail, f"m{i}", "email", now - 9 * DAY + i) for i in range(3)], now=now
    )
    store.away.add(now - 10 * DAY, now - 8 * DAY, "sick")
    plan = make_plan(store, now=now, work=WORK, config={"effort": {"email": 10, "learn": False}})
    status, at = plan.client_finish(client.id)
    assert (status, at) == ("eta", rome(2026, 11, 30, 9, 20))
    report = build_report(
        store,
        client.id,
        since=now - 14 * DAY,
        until=now,
        now=now,
        work=WORK,
        eta={"status": status, "at": at},
    )
    assert report.backlog_open == 3
    assert "backlog will be cleared by Mon 30 Nov 2026, 09:20" in render_md(report)
    assert "sarà smaltito entro il lun 30 nov 2026, 09:20" in render_md(report, "it")


@pytest.mark.parametrize(
    "args, message",
    [
        (("Nobody", "--since", "7d"), "no client 'Nobody'"),
        (("Hotel Roma",), "needs --since"),
        (("Hotel Roma", "--since", "tomorrow 10:00"), "--since is in the future"),
        (("Hotel Roma", "--since", "last blue moon"), "bad time"),
        (("Hotel Roma", "--since", "7d", "--format", "pdf"), "unknown format 'pdf'"),
        (("Hotel Roma", "--since", "7d", "--lang", "de"), "unknown language 'de'"),
        (("Hotel Roma", "--since", "7d", "--until", "8d"), "--until must come after --since"),
        (("Hotel Roma", "--since", "7d", "-o", "/nonexistent-dir/r.html"), "cannot write"),
        (
            ("Hotel Roma", "--since", "7d", "-o", "r.pdf"),
            "cannot tell a report format from 'r.pdf': end the name in one of .md, .markdown,"
            " .txt, .html, .htm, .csv, or give --format",
        ),
    ],
)
def test_report_errors_are_one_line(cli, store, args, message):
    store.clients.add("Hotel Roma", "vip", now=NOW)
    r = cli("report", *args)
    assert r.code == 1 and message in r.err and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err


def test_output_file(cli, store, tmp_path):
    store.clients.add("Hotel Roma", "vip", now=NOW)
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    r = cli("report", "Hotel Roma", "--since", "7d", "--format", "html", "-o", target)
    assert r.code == 0 and r.out == "" and str(target) in r.err
    assert target.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]  # no temp left


def test_the_output_files_name_picks_the_format(cli, store, tmp_path):
    store.clients.add("Hotel Roma", "vip", now=NOW)
    starts = {
        "r.html": "<!DOCTYPE html>",
        "r.HTM": "<!DOCTYPE html>",
        "r.md": "# ",
        "r.txt": "# ",
        "r.csv": "id,received_at,",
    }
    for name, start in starts.items():
        r = cli("report", "Hotel Roma", "--since", "7d", "-o", tmp_path / name)
        assert r.code == 0, r.err
        assert (tmp_path / name).read_text().startswith(start), name
    # --format says it when the name does not.
    r = cli("report", "Hotel Roma", "--since", "7d", "--format", "csv", "-o", tmp_path / "r.out")
    assert r.code == 0 and (tmp_path / "r.out").read_text().startswith("id,received_at,")
    assert not (tmp_path / "r.pdf").exists()  # an unknown name writes nothing


def test_helpers():
    assert nearest_rank([1, 2, 3, 4], 50) == 2 and nearest_rank([1, 2, 3, 4], 90) == 4
    assert nearest_rank([], 50) is None
    assert md_escape("a | b [x](y) <i>\n*z*") == r"a \| b \[x\](y) \<i\> \*z\*"
