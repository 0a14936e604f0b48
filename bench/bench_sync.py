"""Sync: 20 Mastodon accounts × 50 pages from emulators on loopback into a fresh file.

The emulators run in their own process (``python -m sfogo.tui.demo.live serve``), as a
real server would: their JSON encoding is not charged to the sync. ``sync_overhead_ratio``
divides the sync's time by the time to write the very same items straight into a fresh
store the way sync commits them (one transaction per page with the account's cursor), so
it measures what the network, parsing and mapping add on top of storing.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ENGINES, BenchEnv, metric
from sfogo.inbox.channels.mastodon import PAGE_LIMIT as PER_PAGE  # a full page each request

ACCOUNTS = 20
PAGES = 50
ROOT = Path(__file__).resolve().parent.parent

_RESULTS: dict[tuple[int, int], dict] = {}  # (env, round) -> its runs


def _accounts(store, url: str, handles: list[str], now: int) -> list:
    store.clients.add("Bench", "normal", now=now)
    return [
        store.accounts.add(
            "Bench",
            "mastodon",
            handle,
            settings={"url": url, "token_env": f"BENCH_TOKEN_{n}"},
            now=now,
        )
        for n, handle in enumerate(handles)
    ]


def _pages(source: Path | str) -> list[tuple[int, list]]:
    """The synced items, as sync received them: per account, pages of PER_PAGE."""
    from sfogo.inbox.model import Interaction
    from sfogo.inbox.store import Store

    src = Store(source)
    pages: list[tuple[int, list[Interaction]]] = []
    try:
        for account in src.accounts.all():
            rows = src.conn.execute(
                "SELECT external_id, kind, created_at, text, author_name, author_handle, url,"
                " thread_ref, parent_ref, outgoing, status FROM interactions"
                " WHERE account_id = ? ORDER BY id",
                (account.id,),
            ).fetchall()
            items = [
                Interaction(
                    account_id=account.id,
                    external_id=r[0],
                    kind=r[1],
                    created_at=r[2],
                    text=r[3],
                    author_name=r[4],
                    author_handle=r[5],
                    url=r[6],
                    thread_ref=r[7],
                    parent_ref=r[8],
                    outgoing=bool(r[9]),
                    status=r[10],
                )
                for r in rows
            ]
            for start in range(0, len(items), PER_PAGE):
                pages.append((account.id, items[start : start + PER_PAGE]))
    finally:
        src.close()
    return pages


def _straight_write(env: BenchEnv, pages: list, handles: list[str]) -> float:
    """Seconds to upsert the synced items into a fresh store, page by page with cursors."""
    from sfogo.inbox.store import Store

    store = Store(env.empty_location())
    try:
        _accounts(store, "http://127.0.0.1:9", handles, env.now)
        begin = time.perf_counter()
        for n, (account_id, items) in enumerate(pages):
            with store.transaction():
                store.items.upsert(items, now=env.now)
                store.accounts.update(account_id, cursor={"mentions_min_id": str(n)})
        return time.perf_counter() - begin
    finally:
        store.close()


def _sync(env: BenchEnv, info: dict) -> tuple[float, Path | str]:
    """Seconds for one ``run_once`` over every account into a fresh file."""
    from sfogo.inbox.clock import ShiftedClock
    from sfogo.inbox.store import Store
    from sfogo.inbox.sync import Syncer

    path = env.empty_location()
    store = Store(path)
    try:
        _accounts(store, info["url"], info["handles"], env.now)
        syncer = Syncer(
            store,
            clock=ShiftedClock(env.now),
            config={},
            config_path=env.workdir / "config.toml",
            env={f"BENCH_TOKEN_{n}": t for n, t in enumerate(info["tokens"])},
            send_replies=False,
        )
        begin = time.perf_counter()
        results = asyncio.run(syncer.run_once())
        seconds = time.perf_counter() - begin
    finally:
        store.close()
    bad = [r for r in results if r.outcome != "ok"]
    items = sum(r.items for r in results)
    if bad or items != ACCOUNTS * PAGES * PER_PAGE:
        raise RuntimeError(f"sync incomplete: {items} items, failures {bad[:1]}")
    return seconds, path


def _measure(env: BenchEnv) -> dict:
    """Best of two runs each (the machine is shared): sync, then the straight write."""
    key = (id(env), env.round)
    if key in _RESULTS:
        return _RESULTS[key]
    import httpcore  # noqa: F401  (first-use imports are not part of the throughput)

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sfogo.tui.demo.live",
            "serve",
            "--accounts",
            str(ACCOUNTS),
            "--pages",
            str(PAGES),
            "--per-page",
            str(PER_PAGE),
        ],
        cwd=ROOT,
        env={**os.environ, "SFOGO_NOW": str(env.now)},  # the server's clock is the run's
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(server.stdout.readline())
        runs = [_sync(env, info) for _ in range(2)]
    finally:
        server.stdin.close()
        server.wait(10)
    sync_s = min(seconds for seconds, _ in runs)
    pages = _pages(runs[0][1])
    straight_s = min(_straight_write(env, pages, info["handles"]) for _ in range(2))
    _RESULTS[key] = {
        "items": ACCOUNTS * PAGES * PER_PAGE,
        "sync_s": sync_s,
        "straight_s": straight_s,
    }
    return _RESULTS[key]


@metric("sync_items_per_s", unit="items/s", engines=ENGINES)
def sync_items_per_s(env: BenchEnv) -> float:
    result = _measure(env)
    return result["items"] / result["sync_s"]


@metric("sync_overhead_ratio", unit="x", engines=ENGINES)
def sync_overhead_ratio(env: BenchEnv) -> float:
    result = _measure(env)
    return result["sync_s"] / result["straight_s"]
