"""`sfogo demo --live`: emulators on loopback, a real sync through the real connectors, and
the story's promises checked in the data file afterwards.

The demo runs once, on the test clock (its pauses move that clock on, so it takes ~2 s),
and each check reads one promise from the store and from the emulators the run left behind
(``sfogo.tui.demo.live.last_demo``: stopped, with their request logs, what each account was
served and the throwaway credentials).
"""

from __future__ import annotations

from pathlib import Path

from conftest import NOW

from sfogo.backlog.gaps import find_gaps
from sfogo.inbox.outbox import list_replies
from sfogo.inbox.store import Store
from sfogo.tui.demo import live

LIVE_CHANNELS = {"mastodon", "bluesky", "facebook", "instagram", "x", "wordpress", "youtube"}


def test_live_demo_fills_the_inbox_and_keeps_its_promises(cli, db_path):
    """A newcomer runs the live demo; afterwards the data file shows what the story told."""
    live.last_demo = None  # another test in this process may have run a live demo
    r = cli("demo", "--live", "--no-tui", "--db", db_path)
    assert r.code == 0, r.err
    demo = live.last_demo
    assert demo is not None and demo.accounts
    store = Store(db_path)
    try:
        run = (r.out + r.err, store, demo, db_path)
        check_story_told(run)
        check_items_served_exactly_once(run)
        check_failures_are_gaps(run)
        check_replies(run)
        check_no_secrets(run)
    finally:
        store.close()


def _live(demo):
    """{channel: [(account, emulator, owner)]} of the live accounts."""
    found: dict[str, list] = {}
    for account, emu, owner in demo.accounts:
        found.setdefault(account.channel, []).append((account, emu, owner))
    return found


def check_story_told(run):
    out, _store, demo, _ = run
    assert set(_live(demo)) == LIVE_CHANNELS
    for step in (
        "1. First sync",
        "2. New items arrive",
        "3. More arrive",
        "4. Mastodon, Bluesky and X are back",
        "Done:",
    ):
        assert step in out
    assert "Facebook, Instagram and WordPress keep syncing" in out
    assert "held: facebook:trattoriasfogo: Messenger allows replies only within 24" in out
    assert "x:@trattoria_sfogo: blocked, a gap is recorded" in out
    assert "youtube:@SfogoStudio: waits, rate limited until" in out
    assert "1 reply sent" in out and "1 reply held" in out
    assert "E-mail is not in the live demo" in out
    story = out[: out.index("Built the demo inbox")]
    assert all(len(line) <= 80 for line in story.splitlines()), story


def check_items_served_exactly_once(run):
    _, store, demo, _ = run
    from sfogo.tui.demo.live import served_ids

    for account, emu, owner in demo.accounts:
        rows = store.conn.execute(
            "SELECT external_id FROM interactions WHERE account_id = ? AND outgoing = 0",
            (account.id,),
        ).fetchall()
        stored = [r[0] for r in rows]
        assert len(stored) == len(set(stored))
        served = demo.served[account.id]
        assert len(served) > 100, account.channel  # the first sync filled the inbox
        assert set(stored) == served, account.channel
        now_held = served_ids(emu, owner)
        if account.channel == "youtube":
            # Its quota ran out in step 2: the 10 comments since then wait for the reset.
            assert len(now_held - served) == 10
        else:  # recovered or never failed: backfilled up to what the platform holds now
            assert now_held == served, account.channel


def check_failures_are_gaps(run):
    _, store, demo, _ = run
    ids = {a.id: a.channel for a, _, _ in demo.accounts}
    after = NOW + 3600  # the demo takes seconds
    gaps = [g for g in find_gaps(store, now=after) if g.account_id in ids]
    found = sorted((ids[g.account_id], g.kind, g.is_open, g.runs) for g in gaps)
    assert found == [
        ("bluesky", "rate_limited", False, 1),
        ("mastodon", "down", False, 1),
        ("mastodon", "down", False, 1),
        ("x", "blocked", False, 1),
        ("youtube", "rate_limited", True, 1),  # not asked again before midnight Pacific
    ]
    for account, _, _ in demo.accounts:
        if account.channel in ("facebook", "instagram", "wordpress"):
            outcomes = [
                r[0]
                for r in store.conn.execute(
                    "SELECT outcome FROM sync_runs WHERE account_id = ?", (account.id,)
                )
            ]
            assert outcomes == ["ok", "ok", "ok"], account.channel
    youtube = next(a for a, _, _ in demo.accounts if a.channel == "youtube")
    retry_at = store.conn.execute(
        "SELECT retry_at FROM sync_runs WHERE account_id = ? AND outcome = 'rate_limited'",
        (youtube.id,),
    ).fetchone()[0]
    assert (
        retry_at is not None
        and retry_at > store.conn.execute("SELECT max(started_at) FROM sync_runs").fetchone()[0]
    )


def check_replies(run):
    _, store, demo, _ = run
    channels = _live(demo)
    ((mastodon, masto_emu, owner),) = [
        c for c in channels["mastodon"] if list_replies(store, account_id=c[0].id)
    ]
    (reply,) = list_replies(store, account_id=mastodon.id)
    assert reply["state"] == "sent" and reply["attempts"] == 1
    posts = masto_emu.requests_to(r"^/api/v1/statuses$", "POST")
    assert len(posts) == 1
    parent = store.items.get(reply["item_id"])
    on_platform = masto_emu.posts_by(owner, in_reply_to=int(parent["external_id"]))
    assert len(on_platform) == 1  # Mastodon's reply starts with the author's @mention
    assert on_platform[0]["text"].endswith(reply["text"])
    stored = store.conn.execute(
        "SELECT count(*) FROM interactions WHERE account_id = ? AND external_id = ?"
        " AND outgoing = 1",
        (mastodon.id, reply["external_id"]),
    ).fetchone()[0]
    assert stored == 1

    ((facebook, graph, _),) = channels["facebook"]
    (held,) = list_replies(store, account_id=facebook.id)
    assert held["state"] == "held"
    assert "within 24 hours of the person's last message" in held["reason"]
    assert graph.requests_to(r"/messages$", "POST") == []  # the window was checked first
    # No other platform was sent anything.
    posts = demo.reply_posts()
    assert posts == {**{p: 0 for p in posts}, "mastodon": 1}


def check_no_secrets(run):
    out, _store, demo, path = run
    secrets = list(demo.env.values())
    bluesky = next(e for e in demo.emulators if e.platform == "bluesky")
    secrets += list(bluesky.access) + list(bluesky.refresh)  # the session's JWTs
    assert len(secrets) >= 9 and all(len(s) >= 12 for s in secrets)
    variants = {s for secret in secrets for s in (secret, secret.replace(" ", ""))}
    files = [Path(path), Path(f"{path}-wal")]
    data = b"".join(f.read_bytes() for f in files if f.exists())
    assert len(data) > 100_000
    for secret in variants:
        assert secret.encode() not in data, f"a secret ({secret[:4]}…) is in the data file"
        assert secret not in out, f"a secret ({secret[:4]}…) was printed"
