"""Triage: every term of the urgency score, the reply-window rules, configurable
coefficients, and the proof that the index-served order is exactly a full scoring."""

from __future__ import annotations

import math
import random

import pytest
from conftest import NOW

from sfogo.backlog import triage
from sfogo.backlog.gaps import find_gaps
from sfogo.backlog.measure import cutoffs
from sfogo.backlog.settings import Settings, from_dict
from sfogo.backlog.triage import apply_keywords, explain, iter_triage, triage_ids, triage_rows
from sfogo.inbox import when
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.store.triage import KEYS_SQL, stream_sql, streams_sql

pytestmark = pytest.mark.engines  # the store's behaviour, on both engines

HOUR = 3600
DAY = 86400


@pytest.fixture(autouse=True)
def terminal_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")


def _add(
    store: Store, account, ext: str, age_s: int, kind: str = "mention", text: str = "", **kw
) -> int:
    store.items.upsert([Interaction(account.id, ext, kind, NOW - age_s, text=text, **kw)], now=NOW)
    return store.conn.execute(
        "SELECT id FROM interactions WHERE account_id = ? AND external_id = ?", (account.id, ext)
    ).fetchone()[0]


@pytest.fixture
def world(store):
    """Two clients at opposite tiers, with a Facebook page, an Instagram and a Mastodon."""
    store.clients.add("Hotel", "vip", now=NOW)
    store.clients.add("Canoe club", "low", now=NOW)
    return {
        "fb": store.accounts.add("Hotel", "facebook", "hotel", now=NOW),
        "ig": store.accounts.add("Hotel", "instagram", "@hotel", now=NOW),
        "masto": store.accounts.add("Hotel", "mastodon", "@hotel@mastodon.social", now=NOW),
        "club": store.accounts.add("Canoe club", "mastodon", "@club@mastodon.uno", now=NOW),
        "club_fb": store.accounts.add("Canoe club", "facebook", "canoeclub", now=NOW),
    }


def _terms(store: Store, item_id: int, settings: Settings | None = None, **kw) -> dict:
    row = store.items.get(item_id)
    b = explain(row, settings or Settings(), NOW, **kw)
    return {t.name: t for t in b.terms} | {"_": b}


# -- each term -------------------------------------------------------------------------------


def test_the_tier_term_puts_a_vip_above_the_same_item_from_a_low_client(store, world):
    vip = _add(store, world["masto"], "v", HOUR, text="nice")
    low = _add(store, world["club"], "l", HOUR, text="nice")
    tv, tl = _terms(store, vip), _terms(store, low)
    assert tv["tier"].factor == 1.0 and tl["tier"].factor == 0.0
    assert tv["tier"].contribution == 6.0
    assert triage_ids(store, None, Settings(), NOW)[0] == vip


def test_the_deadline_ramp_rises_towards_the_target_and_is_capped_once_passed(store, world):
    half = _add(store, world["masto"], "h", HOUR, text="a")  # vip target: 2 hours
    late = _add(store, world["masto"], "l", 5 * HOUR, text="a")
    much_later = _add(store, world["masto"], "m", 50 * HOUR, text="a")
    assert _terms(store, half)["deadline"].factor == pytest.approx(0.5)
    assert _terms(store, late)["deadline"].factor == 1.0
    assert _terms(store, much_later)["deadline"].factor == 1.0
    assert "passed 3 hours ago" in _terms(store, late)["deadline"].note
    assert _terms(store, half)["_"].deadline_at == NOW - HOUR + 2 * HOUR


def test_a_clients_own_target_wins_over_its_tier(store, world):
    store.clients.add("Custom", "vip", target_s=10 * HOUR, now=NOW)
    acc = store.accounts.add("Custom", "mastodon", "@custom@mastodon.social", now=NOW)
    item = _add(store, acc, "c", 5 * HOUR)
    settings = triage_settings(store)
    assert _terms(store, item, settings)["deadline"].factor == pytest.approx(0.5)
    row = triage_rows(store, InboxFilter(client_ids=[3]), settings, NOW)[0]
    assert row["target_s"] == 10 * HOUR and row["deadline_at"] == NOW + 5 * HOUR


def triage_settings(store: Store) -> Settings:
    from sfogo.backlog.settings import load

    return load(None, store=store)


def test_the_kind_term_puts_private_messages_and_emails_above_public_mentions(store, world):
    dm = _add(store, world["masto"], "d", HOUR, kind="dm")
    mention = _add(store, world["masto"], "m", HOUR, kind="mention")
    assert _terms(store, dm)["kind"].factor > _terms(store, mention)["kind"].factor
    assert triage_ids(store, None, Settings(), NOW) == [dm, mention]


def test_the_age_term_grows_and_is_capped(store, world):
    young = _add(store, world["club"], "y", DAY)
    old = _add(store, world["club"], "o", 30 * DAY)
    assert _terms(store, young)["age"].factor == pytest.approx(1 / 7)
    assert _terms(store, old)["age"].factor == 1.0
    assert "capped at 7 days" in _terms(store, old)["age"].note


@pytest.mark.parametrize(
    "text, words, question",
    [
        ("URGENT: the booking page is down", ["urgent"], []),
        ("Vorrei un rimborso, il forno non   funziona", ["rimborso", "non funziona"], []),
        ("My refunds never came", ["refund"], []),
        ("We were prefunded", [], []),
        ("Disdetta dell'abbonamento: come si fa?", ["disdetta"], ["?"]),
        ("It doesn\u2019t work and I need help", ["doesn't work", "help"], []),
        ("Che bella giornata", [], []),
    ],
)
def test_urgent_words_and_questions_in_english_and_italian(store, world, text, words, question):
    item = _add(store, world["masto"], "w", HOUR, text=text)
    terms = _terms(store, item)
    assert terms["words"].factor == (1.0 if words else 0.0)
    assert terms["question"].factor == (1.0 if question else 0.0)
    for word in words:
        assert word in terms["words"].note


def test_a_pin_adds_its_coefficient_and_moves_the_item_up(store, world):
    first = _add(store, world["masto"], "a", 3 * HOUR, kind="dm", text="help?")
    pinned = _add(store, world["club"], "b", HOUR, text="ok")
    before = _terms(store, pinned)["_"].score
    assert triage_ids(store, None, Settings(), NOW) == [first, pinned]
    store.marks.set_pinned([pinned], True)  # after its key was stored: the trigger resets it
    assert _terms(store, pinned)["pinned"].contribution == 8.0
    assert _terms(store, pinned)["_"].score == pytest.approx(before + 8.0)
    assert triage_ids(store, None, from_dict({"triage": {"pinned": 40}}), NOW) == [pinned, first]


def test_the_gap_term_marks_items_that_arrived_while_sfogo_could_not_see(store, world):
    acc = world["masto"]
    store.runs.add(acc.id, NOW - 10 * HOUR, NOW - 10 * HOUR + 5, "ok")
    store.runs.add(acc.id, NOW - 8 * HOUR, NOW - 8 * HOUR + 5, "down", "HTTP 503")
    store.runs.add(acc.id, NOW - 4 * HOUR, NOW - 4 * HOUR + 5, "ok")
    during = _add(store, acc, "in", 6 * HOUR)
    after = _add(store, acc, "out", 3 * HOUR)
    rows = {r["id"]: r for r in triage_rows(store, None, Settings(), NOW)}
    assert rows[during]["in_gap"] and not rows[after]["in_gap"]
    # An away period entered afterwards covers items already stored.
    store.away.add(NOW - 3 * HOUR - 60, NOW - 2 * HOUR, "sick")
    rows = {r["id"]: r for r in triage_rows(store, None, Settings(), NOW)}
    assert rows[after]["in_gap"]
    assert _terms(store, after, in_gap=True)["gap"].contribution == 1.5


# -- reply windows -----------------------------------------------------------------------------


def test_a_message_whose_window_is_about_to_close_outranks_the_rest(store, world):
    closing = _add(store, world["club_fb"], "dm1", 23 * HOUR, kind="dm", text="ciao")
    # A VIP e-mail-like urgent pinned question from the hotel, long past its target.
    _add(store, world["masto"], "x", 3 * DAY, kind="dm", text="URGENT refund? help", pinned=True)
    far = _add(store, world["fb"], "dm2", 2 * HOUR, kind="dm", text="ciao")
    order = triage_ids(store, None, Settings(), NOW)
    assert order[0] == closing
    t = _terms(store, closing)
    assert t["window"].factor == pytest.approx(1 - 1 / 12)
    assert "closes in 1 hour" in t["window"].note
    assert t["_"].window_closes_at == NOW + HOUR and not t["_"].unanswerable
    assert _terms(store, far)["window"].factor == 0.0  # 22 hours left: not yet warning


def test_a_closed_window_is_marked_unanswerable_and_not_ranked_first(store, world):
    closed = _add(store, world["fb"], "old", 30 * HOUR, kind="dm", text="urgente?")
    plain = _add(store, world["club"], "m", HOUR, text="hello")
    t = _terms(store, closed)
    assert t["_"].unanswerable and t["unanswerable"].factor == 1.0
    assert t["window"].factor == 0.0 and "UNANSWERABLE" in t["unanswerable"].note
    assert triage_ids(store, None, Settings(), NOW) == [plain, closed]
    row = triage_rows(store, None, Settings(), NOW)[1]
    assert row["unanswerable"] and row["window_closes_at"] == NOW - 6 * HOUR


def test_channels_without_a_window_never_become_unanswerable(store, world):
    item = _add(store, world["masto"], "m", 40 * DAY, kind="dm")
    t = _terms(store, item)
    assert t["_"].window_closes_at is None and not t["_"].unanswerable
    assert triage.window_closes_at(store.items.get(item), Settings()) is None


def test_windows_are_configurable_per_channel_and_kind(store, world):
    item = _add(store, world["fb"], "c", 30 * HOUR, kind="dm")
    s = from_dict({"windows": {"facebook": {"dm": "7d"}}})
    assert not explain(store.items.get(item), s, NOW).unanswerable
    s = from_dict({"windows": {"facebook": {"dm": "none"}}})
    assert explain(store.items.get(item), s, NOW).window_closes_at is None


# -- configuration ---------------------------------------------------------------------------


def test_coefficients_from_the_config_change_the_order(store, world, cli, db_path, tmp_path):
    mention_vip = _add(store, world["masto"], "m", HOUR, kind="mention", text="hi")
    dm_low = _add(store, world["club"], "d", HOUR, kind="dm", text="hi")
    assert triage_ids(store, None, Settings(), NOW) == [mention_vip, dm_low]
    config = tmp_path / "kinds.toml"
    config.write_text("[triage]\ntier = 0.5\nkind = 10.0\n")
    r = cli("--config", config, "next", "--json")
    assert r.code == 0, r.err
    assert r.json()["id"] == dm_low
    assert cli("next", "--json").json()["id"] == mention_vip


def test_keyword_lists_from_the_config_are_used_and_stored_keys_follow_them(store, world):
    item = _add(store, world["club"], "k", HOUR, text="la canoa è bucata")
    other = _add(store, world["club"], "o", HOUR - 60, text="tutto bene")
    assert triage_ids(store, None, Settings(), NOW) == [item, other]  # older first on a tie
    s = from_dict({"keywords": {"urgent": ["bucata"]}})
    assert _terms(store, item, s)["words"].factor == 1.0
    assert triage_ids(store, None, s, NOW) == [item, other]
    s = from_dict({"keywords": {"urgent": ["bene"]}})
    assert triage_ids(store, None, s, NOW) == [other, item]


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[triage]\ntier = 'high'\n", "config: [triage] tier must be a number"),
        ("[triage]\nage = -1\n", "config: [triage] age must be zero or more"),
        ("[triage]\ntiers = 1\n", "config: [triage] has no setting 'tiers'"),
        ("[triage]\nage_cap = 'soon'\n", "config: [triage] age_cap must be a duration"),
        ("[tiers.vip]\ntarget = 'x'\n", "config: [tiers.vip] target must be a duration"),
        ("[tiers.gold]\ntarget = '1h'\n", "config: [tiers] has no setting 'gold'"),
        ("[keywords]\nurgent = 'help'\n", "config: [keywords] urgent must be a list of words"),
        ("[windows.facebook]\ndm = true\n", "config: [windows.facebook] dm must be a duration"),
        ("triage = 3\n", "config: [triage] must be a table"),
        ("[triag]\ntier = 1\n", "config: unknown table [triag]"),
    ],
)
def test_bad_config_values_are_one_clear_line(cli, tmp_path, toml, message):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    r = cli("--config", config, "next")
    assert r.code == 1 and r.out == ""
    lines = r.err.strip().splitlines()
    where = message.replace("config: ", f"{config}: ", 1)  # the line names the file
    assert len(lines) == 1 and lines[0].startswith(f"sfogo: {where}"), r.err


# -- why -------------------------------------------------------------------------------------


def test_why_lists_every_term_and_they_add_up_to_the_score(store, world, cli):
    item = _add(
        store, world["fb"], "w", 22 * HOUR, kind="dm", text="Rimborso? Urgente!", pinned=True
    )
    r = cli("why", item, "--json")
    assert r.code == 0, r.err
    data = r.json()
    names = [t["name"] for t in data["terms"]]
    assert names == list(triage.TERMS)
    assert math.fsum(t["contribution"] for t in data["terms"]) == data["score"]
    for t in data["terms"]:
        assert t["contribution"] == pytest.approx(t["factor"] * t["coefficient"])
    assert data["window_closes_at"] == when.iso(NOW + 2 * HOUR)
    human = cli("why", item)
    assert human.code == 0
    assert all(len(line) <= 80 for line in human.out.splitlines())
    shown = [
        float(line.split()[3])
        for line in human.out.splitlines()
        if line.split() and line.split()[0] in triage.TERMS
    ]
    score_line = next(line for line in human.out.splitlines() if line.startswith("score"))
    assert round(sum(shown), 2) == float(score_line.split()[1])


def test_why_says_when_and_why_an_item_is_unanswerable(store, world, cli):
    item = _add(store, world["club_fb"], "late", 27 * HOUR, kind="dm", text="ciao")
    r = cli("why", item)
    assert r.code == 0
    assert "UNANSWERABLE" in r.out and "closed 3 hours ago" in r.out
    assert cli("why", item, "--json").json()["unanswerable"] is True


def test_why_and_next_errors(cli, store, world):
    r = cli("why", "nope")
    assert r.code == 1 and r.err.startswith("sfogo: bad id")
    r = cli("why", "999")
    assert r.code == 1 and "no item with id 999" in r.err
    r = cli("next")
    assert r.code == 0 and "Nothing to do" in r.out
    assert cli("next", "--json").json() is None
    r = cli("next", "--client", "Nobody")
    assert r.code == 1 and "no client 'Nobody'" in r.err


# -- the index-served order is exact ---------------------------------------------------------

TEXTS = (
    "ciao",
    "Urgente: rimborso?",
    "help please",
    "nice photo",
    "non funziona!!",
    "when?",
    "grazie",
    "broken again",
    "Reclamo formale",
    "ok",
)


def _random_world(path, seed: int = 7, n: int = 3000) -> Store:
    rng = random.Random(seed)
    store = Store(path)
    clients = [
        ("Vip", "vip", None),
        ("High", "high", None),
        ("Normal", "normal", 8 * HOUR),
        ("Low", "low", None),
    ]
    accounts = []
    for name, tier, target in clients:
        store.clients.add(name, tier, target, now=NOW)
        for channel in ("facebook", "instagram", "mastodon", "email"):
            accounts.append(store.accounts.add(name, channel, f"{name}-{channel}", now=NOW))
    kinds = ("dm", "comment", "mention", "email", "reply", "review")
    statuses = ("new",) * 6 + ("open",) * 3 + ("snoozed", "done", "ignored")
    rows = []
    for i in range(n):
        acc = rng.choice(accounts)
        # Coarse times give many ties on created_at, which the order must break by id.
        created = NOW + 2 * DAY - rng.randrange(0, 14 * DAY // 600) * 600
        status = rng.choice(statuses)
        rows.append(
            (
                acc.id,
                f"e{i}",
                rng.choice(kinds),
                "A",
                "@a",
                rng.choice(TEXTS),
                "",
                "",
                "",
                0,
                created,
                NOW,
                status,
                NOW + DAY if status == "snoozed" else None,
                NOW if status in ("done", "ignored") else None,
                int(rng.random() < 0.03),
            )
        )
    with store.items.bulk_load():
        store.items.insert_rows(rows)
    for acc in accounts[::3]:  # sync gaps on some accounts, one still open
        store.runs.add(acc.id, NOW - 6 * DAY, NOW - 6 * DAY + 5, "ok")
        store.runs.add(acc.id, NOW - 5 * DAY, NOW - 5 * DAY + 5, "offline", "no route")
        store.runs.add(acc.id, NOW - 4 * DAY, NOW - 4 * DAY + 5, "ok")
    store.runs.add(accounts[1].id, NOW - 2 * DAY, NOW - 2 * DAY + 5, "blocked", "locked")
    store.away.add(NOW - 9 * DAY, NOW - 8 * DAY, "sick")
    return store


@pytest.fixture(scope="module")
def random_store(tmp_path_factory):
    store = _random_world(tmp_path_factory.mktemp("triage") / "random.db")
    yield store
    store.close()


def _brute(
    store: Store, flt: InboxFilter, settings: Settings, now: int, before: dict | None = None
) -> list[int]:
    """Score every matching row with ``explain`` and sort: the reference order."""
    spans = triage.gap_spans(store, now)
    targets = dict(store.conn.execute("SELECT id, target_s FROM clients"))
    scored = []
    for row in store.items.iter_rows(flt):
        if before is not None and row["created_at"] >= before.get(row["account_id"], -1):
            continue
        row["target_s"] = targets[row["client_id"]]
        b = explain(row, settings, now, in_gap=spans.covers(row["account_id"], row["created_at"]))
        scored.append((-b.score, row["created_at"], row["id"]))
    scored.sort()
    return [item_id for _s, _t, item_id in scored]


@pytest.mark.parametrize("shift", [0, -2 * DAY, 20 * HOUR, -9 * DAY, -7 * HOUR - 1])
def test_the_index_served_first_page_equals_a_brute_force_full_scoring(random_store, shift):
    now = NOW + shift
    settings = Settings()
    brute = _brute(random_store, InboxFilter(), settings, now)
    assert len(brute) > 1500
    assert triage_ids(random_store, InboxFilter(), settings, now, limit=100) == brute[:100]
    assert (
        triage_ids(random_store, InboxFilter(), settings, now, limit=100, offset=100)
        == brute[100:200]
    )


def test_the_whole_order_and_filtered_orders_are_exact_too(random_store):
    s = from_dict(
        {
            "triage": {"gap": 5.0, "pinned": 3.0, "window": 30.0},
            "keywords": {"urgent": ["broken", "reclamo"]},
        }
    )
    now = NOW - DAY
    everything = InboxFilter(statuses=("new", "open", "snoozed"))
    # Other keyword lists: until they are applied, every item is scored in memory; once
    # applied, the index serves the same order.
    unapplied = triage_ids(random_store, everything, s, now, limit=None)
    assert apply_keywords(random_store, s) > 1500
    try:
        assert (
            triage_ids(random_store, everything, s, now, limit=None)
            == unapplied
            == _brute(random_store, everything, s, now)
        )
        for flt in (
            InboxFilter(statuses=("new",)),
            InboxFilter(client_ids=[2], kinds=["dm"]),
            InboxFilter(channels=["facebook"], pinned=False),
            InboxFilter(search="rimborso"),
            InboxFilter(statuses=("done",)),
        ):
            assert (
                triage_ids(random_store, flt, s, now, limit=50)
                == _brute(random_store, flt, s, now)[:50]
            ), flt
        before = cutoffs(random_store, find_gaps(random_store, now=now), now)
        backlog = InboxFilter(statuses=("new", "open", "snoozed"))
        assert (
            triage_ids(random_store, backlog, s, now, limit=80, before=before)
            == _brute(random_store, backlog, s, now, before)[:80]
        )
        assert (
            triage_ids(
                random_store,
                InboxFilter(statuses=backlog.statuses, before=before),
                s,
                now,
                limit=80,
            )
            == _brute(random_store, backlog, s, now, before)[:80]
        )
    finally:
        apply_keywords(random_store, Settings())  # the module's store as it was


def test_the_first_page_reads_a_few_index_entries_not_every_row(random_store):
    statements: list[str] = []
    conn = random_store.conn
    conn.set_trace_callback(statements.append)
    try:
        ranked = list(
            zip(range(20), iter_triage(random_store, InboxFilter(), Settings(), NOW), strict=False)
        )
    finally:
        conn.set_trace_callback(None)
    assert len(ranked) == 20
    streams = conn.execute(
        "SELECT count(DISTINCT triage_key) FROM interactions WHERE status IN ('new', 'open')"
    ).fetchone()[0]
    reads = [s for s in statements if "INDEXED BY interactions_triage" in s]
    # One read per stream part to find the heads, plus a few to go deeper.
    assert len(reads) <= 2 * streams + 20
    assert not any(
        s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")) for s in statements
    )  # reading never writes


def test_the_triage_page_is_served_by_the_index(random_store):
    args = [64, 0, 10**12, -1, -1, 10]
    plans = [r[3] for r in random_store.conn.execute("EXPLAIN QUERY PLAN " + stream_sql(), args)]
    assert any("USING COVERING INDEX interactions_triage" in p for p in plans), plans
    assert not any(p.startswith("SCAN") or "TEMP B-TREE" in p for p in plans), plans
    plans = [  # several streams' chunks in one statement: an index search for each
        r[3]
        for r in random_store.conn.execute(
            "EXPLAIN QUERY PLAN " + streams_sql(3), [10**12, 1, *args] * 3
        )
    ]
    assert sum("USING COVERING INDEX interactions_triage" in p for p in plans) == 3, plans
    # and whether each row's account was failing then: one probe of its runs' index
    assert sum("SEARCH r USING INDEX sync_runs_account_started" in p for p in plans) == 3, plans
    assert not any(p.startswith("SCAN i") or "TEMP B-TREE" in p for p in plans), plans
    plans = [r[3] for r in random_store.conn.execute("EXPLAIN QUERY PLAN " + KEYS_SQL)]
    assert all("SCAN i" not in p and "TEMP B-TREE" not in p for p in plans), plans
    assert any("interactions_triage" in p for p in plans), plans


# -- keeping the stored keys right -------------------------------------------------------------


def test_stored_keys_follow_pins_edits_reopening_and_moves(store, world):
    a = _add(store, world["masto"], "a", HOUR, text="hello")

    def key(item_id):
        return store.conn.execute(
            "SELECT triage_key FROM interactions WHERE id = ?", (item_id,)
        ).fetchone()[0]

    # Every write computes the key it changes, so a reader never has to.
    assert triage.decode_key(key(a)) == (world["masto"].id, "mention", False, False, False)
    store.marks.set_pinned([a], True)
    assert triage.decode_key(key(a))[2] is True
    # The platform edits the text: the keyword flags are recomputed.
    store.items.upsert(
        [Interaction(world["masto"].id, "a", "mention", NOW - HOUR, text="HELP, refund?")], now=NOW
    )
    assert triage.decode_key(key(a))[3:] == (True, True)
    stored = key(a)
    store.marks.set_status([a], "done", now=NOW)
    store.marks.set_status([a], "open", now=NOW)
    assert key(a) == stored  # reopened: computed afresh, never trusted from before
    store.marks.set_status([a], "snoozed", until=NOW + HOUR, now=NOW)
    store.marks.wake_snoozed(now=NOW + HOUR)
    assert key(a) == stored


def test_changed_keyword_lists_are_applied_once_and_reading_never_applies_them(store, world):
    a = _add(store, world["masto"], "a", HOUR, text="la bucata è arrivata")

    def flags():
        key = store.conn.execute("SELECT triage_key FROM interactions WHERE id = ?", (a,))
        return triage.decode_key(key.fetchone()[0])[3]

    custom = from_dict({"keywords": {"urgent": ["bucata"]}})
    assert flags() is False
    assert triage_ids(store, None, custom, NOW) == [a]  # scored in memory, nothing written
    assert flags() is False and not triage.keys_current(store, custom)
    assert apply_keywords(store, custom) == 1
    assert flags() is True and triage.keys_current(store, custom)
    assert apply_keywords(store, custom) == 0  # unchanged lists: no write at all
    b = _add(store, world["masto"], "b", 60, text="another bucata")  # written with them
    assert (
        triage.decode_key(
            store.conn.execute("SELECT triage_key FROM interactions WHERE id = ?", (b,)).fetchone()[
                0
            ]
        )[3]
        is True
    )


def test_items_without_a_key_are_scored_in_memory_and_reading_writes_nothing(random_store):
    path = random_store.path
    # Items an older sfogo wrote (no key), read while another process holds the write lock.
    other = Store(path)
    acc = other.accounts.all()[0]
    with other.transaction() as conn:
        conn.executemany(
            "INSERT INTO interactions (account_id, external_id, kind, text, created_at,"
            " fetched_at) VALUES (?, ?, 'dm', 'Urgente?', ?, ?)",
            [(acc.id, f"late{i}", NOW - i * 60, NOW) for i in range(5)],
        )
    reader = Store(path)
    reader.conn.execute("PRAGMA busy_timeout = 50")
    other.conn.execute("BEGIN IMMEDIATE")
    try:
        got = triage_ids(reader, InboxFilter(), Settings(), NOW, limit=60)
        missing = reader.conn.execute(
            "SELECT count(*) FROM interactions WHERE"
            " status IN ('new', 'open') AND triage_key IS NULL"
        ).fetchone()[0]
    finally:
        other.conn.execute("ROLLBACK")
    assert missing == 5
    assert got == _brute(reader, InboxFilter(), Settings(), NOW)[:60]
    reader.close()
    with other.transaction() as conn:  # leave the module's store as it was
        conn.execute("DELETE FROM interactions WHERE external_id LIKE 'late%'")
    other.close()


# -- sfogo list, most urgent first ---------------------------------------------------------------


def test_list_orders_by_score_by_default_and_newest_on_request(store, world, cli):
    closing = _add(store, world["fb"], "dm", 23 * HOUR, kind="dm", text="camera?")
    mention = _add(store, world["club"], "m", 60, text="hi")
    done = _add(store, world["masto"], "d", 2 * HOUR, status="done", handled_at=NOW - HOUR)
    rows = cli("list", "--json").json()
    assert [r["id"] for r in rows] == [closing, mention]
    assert rows[0]["score"] > rows[1]["score"] and rows[0]["unanswerable"] is False
    assert rows[0]["window_closes_at"] == when.iso(NOW + HOUR)
    assert rows[0]["deadline_at"] == when.iso(NOW - 21 * HOUR)
    human = cli("list")
    assert human.err.splitlines()[-1] == "2 of 2 items (new, open), most urgent first"
    assert [r["id"] for r in cli("list", "--sort", "newest", "--json").json()] == [mention, closing]
    every = cli("list", "--status", "all", "--json").json()  # done items: newest first
    assert [r["id"] for r in every] == [mention, done, closing]
    assert "newest first" in cli("list", "--status", "all").err.splitlines()[-1]
    scored = cli("list", "--status", "all", "--sort", "score", "--json").json()
    assert scored[0]["id"] == closing and len(scored) == 3
    r = cli("list", "--sort", "oldest")
    assert r.code == 2 and "'oldest' is not one of 'score', 'newest'" in r.err


def test_list_backlog_keeps_what_the_gaps_left_behind(store, world, cli):
    acc = world["masto"]
    store.runs.add(acc.id, NOW - 10 * HOUR, NOW - 10 * HOUR, "ok")
    store.runs.add(acc.id, NOW - 8 * HOUR, NOW - 8 * HOUR, "offline", "no route")
    store.runs.add(acc.id, NOW - 5 * HOUR, NOW - 5 * HOUR, "ok")
    before = _add(store, acc, "b", 9 * HOUR, text="waiting since before")
    during = _add(store, acc, "d", 6 * HOUR, text="arrived unseen")
    _add(store, acc, "a", 2 * HOUR, text="after it")
    _add(store, world["club"], "c", 9 * HOUR, text="another account, no gap")
    for sort in ("score", "newest"):
        rows = cli("list", "--backlog", "--sort", sort, "--json").json()
        assert sorted(r["id"] for r in rows) == [before, during], sort
    rows = cli("list", "--backlog", "--json").json()
    assert [(r["id"], r["in_gap"]) for r in rows] == [(during, True), (before, False)]
    assert "2 of 2 items" in cli("list", "--backlog").err


def test_gaps_asked_per_item_agree_with_the_gaps_grouped_from_every_run(random_store):
    """ProbedSpans (one index probe per item) answers as GapSpans over find_gaps does, at
    the runs' own seconds and around them, on accounts with and without gaps."""
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.triage import GapSpans, ProbedSpans

    for now in (NOW, NOW - 9 * DAY, NOW - 4 * DAY):
        probed, grouped = ProbedSpans(random_store, now), GapSpans(find_gaps(random_store, now=now))
        times = {NOW - 10 * DAY, NOW + 3 * DAY}
        for (started,) in random_store.conn.execute("SELECT started_at FROM sync_runs"):
            times |= {started - 1, started, started + 1, started + HOUR}
        accounts = [a.id for a in random_store.accounts.all()]
        checked = [(a, t) for a in accounts for t in sorted(times)]
        if now == NOW:  # the fixture's gaps (one open) are all before NOW
            assert sum(grouped.covers(a, t) for a, t in checked) > 10
        assert [probed.covers(a, t) for a, t in checked] == [
            grouped.covers(a, t) for a, t in checked
        ]


def test_the_first_page_leaves_streams_that_cannot_reach_it_unread(random_store):
    statements: list[str] = []
    conn = random_store.conn
    conn.set_trace_callback(statements.append)
    try:
        assert len(triage_ids(random_store, InboxFilter(), Settings(), NOW, limit=5)) == 5
    finally:
        conn.set_trace_callback(None)
    streams = conn.execute(
        "SELECT count(DISTINCT triage_key) FROM interactions WHERE status IN ('new', 'open')"
    ).fetchone()[0]
    reads = [s for s in statements if "INDEXED BY interactions_triage" in s]
    assert len(reads) < streams / 2


def _outage_world(location) -> Store:
    """The random world plus what the fast path takes shortcuts around: a day-long outage
    retried every ten minutes that ended three hours ago (items after it skip the gap
    questions, items in it are asked), an account whose last run failed (its gap is still
    open), pins, VIP and low clients, reply windows open and closed, many equal times."""
    store = _random_world(location, seed=11, n=1500)
    accounts = [a.id for a in store.accounts.all()]
    outage = accounts[4]
    store.runs.add(outage, NOW - 2 * DAY, NOW - 2 * DAY + 5, "ok")
    for n in range(144):
        started = NOW - 27 * HOUR + n * 600
        store.runs.add(outage, started, started + 5, "down" if n % 7 else "rate_limited", "x")
    store.runs.add(outage, NOW - 3 * HOUR, NOW - 3 * HOUR + 5, "ok")
    store.runs.add(accounts[6], NOW - 30 * HOUR, NOW - 30 * HOUR + 5, "auth", "expired")
    return store


@pytest.mark.parametrize("shift", [0, -30 * HOUR, 5 * HOUR])
def test_first_pages_equal_a_full_sort_with_gaps_pins_and_windows_on_both_engines(
    any_location, shift
):
    """Page after page, the index-served order (with its gap horizons, gap flags read with
    the streams, batched reads) is exactly a brute-force scoring of every item, on both
    engines; and each item's gap flag is the one the gaps grouped from every run give."""
    store = _outage_world(any_location)
    try:
        now = NOW + shift
        settings = Settings()
        brute = _brute(store, InboxFilter(), settings, now)
        assert len(brute) > 900
        spans = triage.gap_spans(store, now)
        for offset in (0, 50, 100, 400):
            ranked = triage.triage_ranked(
                store, InboxFilter(), settings, now, limit=50, offset=offset
            )
            assert [r.id for r in ranked] == brute[offset : offset + 50], offset
            assert [r.in_gap for r in ranked] == [
                spans.covers(r.account_id, r.created_at) for r in ranked
            ]
        in_gap = sum(r.in_gap for r in triage.triage_ranked(store, None, settings, now, None))
        assert in_gap > 20  # the gaps are really there
        one_status = InboxFilter(statuses=("open",), client_ids=[1, 2])
        assert (
            triage_ids(store, one_status, settings, now, limit=60)
            == _brute(store, one_status, settings, now)[:60]
        )
    finally:
        store.close()


def test_items_either_side_of_a_closing_window_rank_as_a_full_sort_within_its_minute(any_location):
    """A reply window's closed and open parts are read to and from the minute the window
    closes in, and the rows past each part are left out: dozens of messages on both sides
    of that instant (more than a first read takes) rank as a full scoring says, again and
    again in that minute (a server engine answers the same reads sent ahead) and after."""
    store = Store(any_location)
    try:
        store.clients.add("Hotel", "vip", now=NOW)
        page = store.accounts.add("Hotel", "facebook", "hotel", now=NOW).id
        masto = store.accounts.add("Hotel", "mastodon", "@hotel", now=NOW).id
        window = Settings().window_s("facebook", "dm")
        assert window is not None
        cut = NOW + 30 - window + 1  # at NOW + 30 the window closes for what came then
        times = [cut - 25 + n for n in range(20)] + [cut + n for n in range(25)]
        times += [cut - HOUR, cut - DAY, cut + HOUR, cut + 5 * HOUR]
        store.items.upsert(
            [Interaction(page, f"dm{n}", "dm", t) for n, t in enumerate(times)]
            + [Interaction(masto, f"m{n}", "mention", cut + n * 600) for n in range(12)],
            now=NOW,
        )
        settings = Settings()
        for now in (NOW + 30, NOW + 30, NOW + 50, NOW + 59, NOW + 95):
            brute = _brute(store, InboxFilter(), settings, now)
            assert triage_ids(store, InboxFilter(), settings, now, limit=None) == brute, now
            assert triage_ids(store, InboxFilter(), settings, now, limit=10) == brute[:10], now
        open_now = triage.triage_ranked(store, InboxFilter(), settings, NOW + 50, limit=None)
        closed = {r.created_at for r in open_now if r.unanswerable}
        assert max(closed) == cut + 19 and min(t for t in times if t not in closed) == cut + 20
    finally:
        store.close()


def test_an_item_fetched_late_into_a_gap_already_read_ranks_as_a_full_sort_says(any_location):
    """A page read again skips the gap questions its streams were answered (PostgreSQL keeps
    the answers: .pg.probes); an item that arrived since inside that stretch, as a late
    fetch after an outage brings, is asked alone and ranks where a full scoring puts it."""
    store = Store(any_location)
    try:
        store.clients.add("Acme", "normal", now=NOW)
        account = store.accounts.add("Acme", "mastodon", "@acme", now=NOW).id
        other = store.accounts.add("Acme", "instagram", "@acme", now=NOW).id
        # Ten hours down (retried every ten minutes), then back; an item every twenty.
        start = NOW - 12 * HOUR
        store.runs.add(account, start - HOUR, start - HOUR + 5, "ok")
        for n in range(60):
            store.runs.add(account, start + n * 600, start + n * 600 + 5, "down", "x")
        store.runs.add(account, start + 10 * HOUR, start + 10 * HOUR + 5, "ok")
        store.runs.add(other, start, start + 5, "ok")
        store.items.upsert(
            [Interaction(account, f"a{n}", "mention", start + n * 1200 + 60) for n in range(30)]
            + [Interaction(other, f"b{n}", "mention", start + n * 1200) for n in range(30)],
            now=NOW,
        )
        settings = Settings()
        first = triage.triage_ranked(store, InboxFilter(), settings, NOW, limit=70)
        assert [r.id for r in first] == _brute(store, InboxFilter(), settings, NOW)
        assert sum(r.in_gap for r in first) == 30  # the whole outage was read and asked
        # At a retry with no item in its ten minutes: no answer of that page says how
        # things stood then.
        late_at = start + 600 * 31 + 30
        store.items.upsert([Interaction(account, "late", "mention", late_at)], now=NOW)
        brute = _brute(store, InboxFilter(), settings, NOW)
        for _ in range(2):  # asked, then answered from what was kept
            again = triage.triage_ranked(store, InboxFilter(), settings, NOW, limit=70)
            assert [r.id for r in again] == brute
            assert [r.in_gap for r in again] == [r.account_id == account for r in again]
        assert late_at in {r.created_at for r in again if r.in_gap}
    finally:
        store.close()
