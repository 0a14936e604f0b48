"""Posts that must go out: the watchdog's comparison, and the Posts screen's first frame.

Method. ``posts_check_ms``: 10,000 expected posts over 200 accounts (50 each, from three
weeks ago to three weeks ahead), each account with the queue and timeline a platform would
return for them: most past posts published (a third matched by id, the rest by text), a few
missing or late, the future ones in the queue with some moved, some gone, some with new
text, and a few queue entries nobody expected. The metric is the median time of the whole
comparison (:func:`sfogo.inbox.posts.watchdog.compare` for all 200 accounts), excluding
HTTP and the store: the rows and the platforms' answers are built before the clock starts.

``posts_screen_paint_s``: a file holding those 10,000 posts; in a fresh process at 80×24
the app opens on the inbox, then the clock runs from ``o`` (the Posts screen pushed) to the
first frame in which its list is drawn with its lines; median of ``RUNS`` pushes (the screen
is popped between them). ``posts_screen_paint_empty_s`` is the same on a file with the same
accounts and no posts. The target: the first within 1.3x the second.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

from bench.harness import BenchEnv, median_ms, metric

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = 200
PER_ACCOUNT = 50
SPAN_S = 21 * 86400
RUNS = 7
CHANNELS = ("mastodon", "facebook", "wordpress", "youtube", "x", "bluesky", "instagram")


def _rows(now: int, seed: int = 3):
    """(posts per account, queue per account, timeline per account), built once."""
    from sfogo.inbox.channels.posting import Published, QueueEntry, Timeline

    rng = random.Random(seed)
    posts, queues, timelines = {}, {}, {}
    post_id = 0
    for account in range(1, ACCOUNTS + 1):
        mine, queue, published = [], [], []
        for n in range(PER_ACCOUNT):
            post_id += 1
            at = now - SPAN_S + (2 * SPAN_S * n) // PER_ACCOUNT + rng.randrange(600)
            text = f"Post {post_id} of account {account}: something worth saying, with a link"
            pid = f"q{post_id}" if rng.random() < 0.7 else ""
            row = {
                "id": post_id,
                "account_id": account,
                "at": at,
                "text": text,
                "platform_id": pid,
                "published_id": "",
                "state": "scheduled",
                "in_queue": bool(pid),
                "seen_at": now - SPAN_S,
                "send_state": "",
            }
            mine.append(row)
            roll = rng.random()
            if at < now:
                if roll < 0.93:
                    delay = rng.randrange(120) if roll < 0.88 else 3600
                    queue_id = pid if roll < 0.3 else ""
                    published.append(Published(f"s{post_id}", at + delay, text, "", queue_id))
            elif pid and roll < 0.9:
                moved = at + 3600 if roll < 0.05 else at
                words = text + " (edited)" if 0.05 <= roll < 0.08 else text
                queue.append(QueueEntry(pid, moved, words))
        for extra in range(3):  # scheduled on the platform, unknown to sfogo
            queue.append(QueueEntry(f"x{account}-{extra}", now + 86400 * (extra + 1), "New"))
        posts[account] = mine
        queues[account] = queue
        published.sort(key=lambda p: p.at, reverse=True)
        timelines[account] = Timeline(published, now - SPAN_S - 7200)
    return posts, queues, timelines


@metric("posts_check_ms", unit="ms")
def posts_check(env: BenchEnv) -> float:
    from sfogo.inbox.posts.watchdog import compare

    posts, queues, timelines = _rows(env.now)

    def run() -> None:
        for account in posts:
            compare(
                posts[account],
                queues[account],
                timelines[account],
                now=env.now,
                account_id=account,
            )

    return median_ms(run, repeat=9, warmup=1)


def _posts_file(path: Path, now: int, *, with_posts: bool) -> None:
    """200 accounts of 20 clients; with the 10,000 posts of ``_rows`` in various states."""
    from sfogo.inbox.store import Store
    from sfogo.inbox.store.posts import Change, NewPost

    rng = random.Random(5)
    with Store(path) as store:
        for c in range(20):
            store.clients.add(f"Client {c + 1}", "normal", now=now - 90 * 86400)
        for a in range(ACCOUNTS):
            store.accounts.add(
                f"Client {a % 20 + 1}",
                CHANNELS[a % len(CHANNELS)],
                f"account{a + 1}",
                now=now - 90 * 86400,
            )
        if not with_posts:
            return
        posts, _q, _t = _rows(now)
        new = [
            NewPost(
                p["account_id"],
                p["at"],
                p["text"],
                "queue" if p["platform_id"] else "plan",
                platform_id=p["platform_id"],
                in_queue=p["in_queue"],
            )
            for rows in posts.values()
            for p in rows
        ]
        with store.transaction():
            ids = store.posts.add(new, now=now - SPAN_S - 86400)
            changes = []
            for post_id, p in zip(ids, new, strict=True):
                if p.at < now:
                    roll = rng.random()
                    state = "published" if roll < 0.9 else "late" if roll < 0.95 else "missed"
                    changes.append(Change(post_id, state, "bench", fields={"published_at": p.at}))
                elif rng.random() < 0.02:
                    changes.append(Change(post_id, "vanished", "bench"))
            store.posts.apply(changes, now=now - 3600)


def _paint_child(db_path: str, now: int) -> None:
    """Runs in the measuring process: seconds from ``o`` to the Posts screen's first frame
    with its lines, for ``RUNS`` pushes, as JSON."""
    import asyncio
    import os
    import time

    from textual import events
    from textual._compositor import CompositorUpdate

    from sfogo.inbox.clock import ManualClock
    from sfogo.tui.app import SfogoApp
    from sfogo.tui.screens import PostsScreen
    from sfogo.tui.widgets import PostList

    devnull = os.open(os.devnull, os.O_WRONLY)

    class Measured(SfogoApp):
        painted_at: float | None = None
        waiting = False

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                os.write(devnull, renderable.render_segments(self.console).encode())
            if self.waiting and isinstance(screen, PostsScreen):
                lists = screen.query(PostList)
                if lists and lists.first().loaded:
                    self.painted_at = time.perf_counter()
                    self.waiting = False

    async def run() -> list[float]:
        samples = []
        async with app.run_test(size=(80, 24), headless=True) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            for _ in range(RUNS):
                app.painted_at, app.waiting = None, True
                event = events.Key("o", "o")
                event.set_sender(app)
                start = time.perf_counter()
                app._driver.send_message(event)
                while app.painted_at is None:
                    await asyncio.sleep(0.0005)
                    if time.perf_counter() - start > 60:
                        raise RuntimeError("the Posts screen never drew its lines")
                samples.append(app.painted_at - start)
                await app.workers.wait_for_complete()
                await pilot.pause()
                app.pop_screen()
                await app.workers.wait_for_complete()
                await pilot.pause()
        return samples

    app = Measured(db_path, clock=ManualClock(now))
    print(json.dumps(asyncio.run(run())))


def _paint(env: BenchEnv, *, with_posts: bool) -> float:
    path = env.workdir / f"posts-{'full' if with_posts else 'empty'}.db"
    _posts_file(path, env.now, with_posts=with_posts)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from bench.bench_posts import _paint_child; _paint_child({str(path)!r}, {env.now})",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the app failed: {done.stderr.strip().splitlines()[-1:]}")
    return statistics.median(json.loads(done.stdout.strip().splitlines()[-1]))


@metric("posts_screen_paint_empty_s", unit="s")
def posts_screen_paint_empty(env: BenchEnv) -> float:
    return _paint(env, with_posts=False)


@metric("posts_screen_paint_s", unit="s")
def posts_screen_paint(env: BenchEnv) -> float:
    return _paint(env, with_posts=True)
