"""``sfogo demo``: build the realistic demo inbox (relative to now) and open it.

Without ``--db`` the demo lives in its own file, ``demo.db`` in the user data folder, and is
rebuilt on every run. It never writes into a file that holds someone's own data.
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

from sfogo.inbox.errors import SfogoError

from . import _output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="build a realistic demo inbox and open it",
        description="Build a deterministic demo inbox relative to now (four clients, two "
        "weeks, an outage, a blocked account, sick days and their backlog) and open it. "
        "Without --db it uses its own demo.db, never your inbox.",
    )
    # dest names carry a demo_ prefix so they never clash with the global options.
    p.add_argument("--seed", dest="demo_seed", default="0", metavar="N",
                   help="another seed gives another (equally realistic) inbox; default 0")
    p.add_argument("--size", dest="demo_size", default=None, metavar="N",
                   help="how many interactions (default 3,600; 1,000,000 takes ~20 s)")
    p.add_argument("--no-tui", dest="demo_no_tui", action="store_true",
                   help="build it and print a summary instead of opening the app")
    p.add_argument("--live", dest="demo_live", action="store_true",
                   help="also start platform emulators on loopback and watch a real sync "
                   "fill live accounts through the real connectors")
    p.set_defaults(func=cmd_demo)


def demo_path(db: str | None) -> Path:
    """Where the demo goes: the explicit ``--db``, else its own ``demo.db``.

    Decision: only an explicit ``--db`` counts. ``SFOGO_DB`` names the user's real inbox
    (the file plain ``sfogo`` opens), so it never receives the demo implicitly.
    """
    if db:
        return Path(db).expanduser()
    from platformdirs import user_data_path

    return user_data_path("sfogo", appauthor=False) / "demo.db"


def _whole(text: str, option: str) -> int:
    cleaned = text.replace("_", "").replace(",", "").strip()
    if not cleaned.isdigit():
        raise SfogoError(f"bad {option} {text!r}: use a whole number like 3600 or 1_000_000")
    return int(cleaned)


def _holds_only_demo(path: Path) -> bool:
    """True when ``path`` is missing, empty, or an sfogo file holding nothing but a demo.

    Raises StoreError (one line) for a file that is not an sfogo data file at all.
    """
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return True
    from sfogo.inbox.store import Store

    store = Store(path, create=False)
    try:
        accounts = store.accounts.all()
        clients = {c.id for c in store.clients.all()}
        items = store.items.total()
    finally:
        store.close()
    if not accounts:
        return not clients and not items
    # Demo accounts carry settings {"demo": true}; a client of its own is the user's data.
    return (all(a.settings.get("demo") is True for a in accounts)
            and clients <= {a.client_id for a in accounts})


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_file(path: Path, *, seed: int, size: int | None, now: int,
               config_path: str | None = None) -> dict:
    """Build the demo beside ``path`` and move it into place, so a failed build leaves
    the previous file as it was."""
    from sfogo.tui.demo.build import build_demo
    from sfogo.inbox.store import Store

    if not _holds_only_demo(path):
        raise SfogoError(f"{path} holds your own data, not a demo: pass another file to --db")
    tmp = path.with_name(path.name + ".building")
    _remove(tmp)
    try:
        store = Store(tmp)
        try:
            summary = build_demo(store, seed=seed, size=size, now=now)
            _prepare_triage(store, config_path)
        finally:
            store.close()
        _remove(Path(f"{path}-wal"))  # the old file's journal must not meet the new file
        _remove(Path(f"{path}-shm"))
        os.replace(tmp, path)
    finally:
        _remove(tmp)
    return summary


def _prepare_triage(store, config_path: str | None) -> None:
    """Store the triage keys now, so the first screen and `sfogo next` don't pay for them."""
    from sfogo.backlog import settings, triage

    try:
        triage.apply_keywords(store, settings.load(config_path, store=store))
    except SfogoError:  # a broken config: the keys are computed later, when it is fixed
        pass


def cmd_demo(args, ctx) -> int:
    path = demo_path(getattr(args, "db", None))
    seed = _whole(args.demo_seed, "--seed")
    size = None if args.demo_size is None else _whole(args.demo_size, "--size")
    if size is not None and size >= 200_000:
        print(f"Building a demo of {size:,} interactions…", file=sys.stderr, flush=True)
    started = time.perf_counter()
    summary = build_file(path, seed=seed, size=size, now=ctx.clock.now(),
                         config_path=ctx.config_path)
    elapsed = time.perf_counter() - started
    if getattr(args, "demo_live", False):
        from sfogo.tui.demo.live import run_live  # H4: emulators + a real sync
        from sfogo.inbox.store import Store

        live = Store(path)
        try:
            run_live(live, clock=ctx.clock)
        finally:
            live.close()
    if args.demo_no_tui:
        print_summary(summary, path, elapsed)
        return 0
    from .app_cmd import open_app  # textual only when the app really opens

    return open_app(path, clock=ctx.clock, mouse=not getattr(args, "no_mouse", False),
                    config_path=ctx.config_path)


def _local(ts: int) -> str:
    return datetime.fromtimestamp(ts).strftime("%a %d %b %H:%M")


def print_summary(summary: dict, path: Path, elapsed: float) -> None:
    """What was built and which stories it tells, for a person (fits 80 columns)."""
    now = summary["now"]
    counts = summary["counts"]
    channels = {a["channel"] for a in summary["accounts"]}
    stories = summary["stories"]
    out, blocked, sick = stories["outage"], stories["x_blocked"], stories["sick"]
    print(f"Built the demo inbox in {elapsed:.1f} s: {counts['interactions']:,} interactions, "
          f"{len(summary['clients'])} clients,\n{len(summary['accounts'])} accounts on "
          f"{len(channels)} channels, {counts['sync_runs']:,} sync runs.")
    print(textwrap.fill("Clients: " + ", ".join(f"{c['name']} ({c['tier']})"
                                                for c in summary["clients"]), 80))
    print("Stories (your local time):")
    print(f"  no connection  {_local(out['start'])} – {_local(out['end'])}, "
          f"{out['hours']} hours, ended {_output.ago(out['end'], ref=now)}")
    print(f"  X blocked      {blocked['handle']} ({blocked['client']}) since "
          f"{_local(blocked['start'])}, still blocked")
    print(f"  sick           {_local(sick['start'])} – {_local(sick['end'])}")
    backlog = out["still_new"] + blocked["still_new"] + sick["still_new"]
    print(f"  still new      {backlog:,} items that came in then "
          f"({out['still_new']:,} outage, {blocked['still_new']:,} X, "
          f"{sick['still_new']:,} sick);")
    print("                 'sfogo backlog' also counts what was waiting when they began")
    open_dms = sorted(d["window_closes_at"] - now for d in stories["vip_dms"]
                      if d["window_closes_at"] > now)
    if open_dms:
        left = " and ".join(_output.duration(s) for s in open_dms)
        print(f"  VIP DMs        {len(open_dms)} hotel messages must be answered within {left}")
    print(f"Data file: {path}")
    print(f"Open it:   sfogo --db {path}")
