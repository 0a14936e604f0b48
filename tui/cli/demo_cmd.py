"""``sfogo demo``: build the realistic demo inbox (relative to now) and open it.

Without ``--db`` the demo lives in its own file, ``demo.db`` in the user data folder, and is
rebuilt on every run. It never writes into a file that holds someone's own data.
"""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.timefmt import strftime

from . import _output
from ._context import Context
from ._group import Topic, pass_context, with_no_mouse
from ._progress import progress_bar, wanted
from ._types import WholeNumber

# From this size on the build takes long enough to deserve a word first.
ANNOUNCE_SIZE = 200_000
PROGRESS_SIZE = 20_000  # a demo this big shows a progress bar on a terminal

topic = Topic("demo")


def demo_path(db: str | None) -> Path | str:
    """Where the demo goes: the explicit ``--db`` (a file, or a PostgreSQL URL), else its
    own ``demo.db``.

    Decision: only an explicit ``--db`` counts. ``SFOGO_DB`` names the user's real inbox
    (the file plain ``sfogo`` opens), so it never receives the demo implicitly.
    """
    from sfogo.inbox.store.location import location_of

    if db:
        found = location_of(db)
        return found if isinstance(found, str) else found.expanduser()
    from platformdirs import user_data_path

    return user_data_path("sfogo", appauthor=False) / "demo.db"


def _holds_only_demo(path: Path, *, own: bool = False) -> bool:
    """True when ``path`` is missing, empty, or an sfogo file holding nothing but a demo.

    Raises StoreError (one line) for a file that is not an sfogo data file at all, unless
    it is the demo's ``own`` file: that one holds nothing but a demo by construction, so
    one sfogo cannot open (another version's schema, damage) is simply built again.
    """
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return True
    from sfogo.inbox.store import Store

    try:
        store = Store(path, create=False)
    except SfogoError:
        if own:
            return True
        raise
    try:
        accounts = store.accounts.all()
        clients = {c.id for c in store.clients.all()}
        items = store.items.total()
    finally:
        store.close()
    if not accounts:
        return not clients and not items
    # Demo accounts carry settings {"demo": true}; a client of its own is the user's data.
    return all(a.settings.get("demo") is True for a in accounts) and clients <= {
        a.client_id for a in accounts
    }


def build_file(
    path: Path | str,
    *,
    seed: int,
    size: int | None,
    now: int,
    config_path: str | None = None,
    progress: Callable[[float], None] | None = None,
    own: bool = False,
) -> dict:
    """Build the demo beside ``path`` and move it into place, so a failed build leaves
    the previous file as it was. A PostgreSQL database is filled in place, and only an
    empty one: nothing there is ever replaced. ``progress`` hears the share of items
    written; ``own`` says ``path`` is the demo's own file, not one the user named."""
    from sfogo.inbox.files import built_beside
    from sfogo.inbox.store import Store, failures
    from sfogo.tui.demo.build import build_demo

    if isinstance(path, str):
        with Store(path) as store:
            summary = build_demo(store, seed=seed, size=size, now=now, progress=progress, team=True)
            _prepare_triage(store, config_path)
        return summary

    if not _holds_only_demo(path, own=own):
        raise SfogoError(
            _("{path} holds your own data, not a demo: pass another file to --db").format(path=path)
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with built_beside(path) as building:
        store = Store(building)
        try:
            summary = build_demo(store, seed=seed, size=size, now=now, progress=progress, team=True)
            _prepare_triage(store, config_path)
        finally:
            store.close()
        # The old file's journal must not meet the new file, nor its recorded damage.
        for suffix in ("-wal", "-shm", failures.DAMAGE_SUFFIX):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return summary


def _prepare_triage(store, config_path: str | None) -> None:
    """Store the triage keys now, so the first screen and `sfogo next` don't pay for them."""
    from sfogo.backlog import settings, triage

    try:
        triage.apply_keywords(store, settings.load(config_path, store=store))
    except SfogoError:  # a broken config: the keys are computed later, when it is fixed
        pass


@with_no_mouse
@topic.command(
    "demo",
    short_help=N_("build a realistic demo inbox and open it"),
    help=N_(
        "Build a deterministic demo inbox relative to now (four clients, two "
        "weeks, an outage, a blocked account, sick days and their backlog) and open "
        "it. Without --db it uses its own demo.db, never your inbox."
    ),
)
@click.option(
    "--seed",
    type=WholeNumber(),
    default="0",
    metavar="N",
    help=N_("another seed gives another (equally realistic) inbox; default 0"),
)
@click.option(
    "--size",
    type=WholeNumber(),
    metavar="N",
    help=N_("how many interactions (default 1,400, about 100 a day; 1,000,000 takes ~20 s)"),
)
@click.option(
    "--no-tui", is_flag=True, help=N_("build it and print a summary instead of opening the app")
)
@click.option(
    "--live",
    is_flag=True,
    help=N_(
        "also start platform emulators on loopback and watch a real sync fill "
        "live accounts through the real connectors"
    ),
)
@pass_context
def demo(ctx: Context, seed: int, size: int | None, no_tui: bool, live: bool) -> int:
    path = demo_path(ctx.db_typed)
    if size is not None and size >= ANNOUNCE_SIZE and not wanted():  # the bar says it
        print(
            _("Building a demo of {size:,} interactions…").format(size=size),
            file=sys.stderr,
            flush=True,
        )
    started = time.perf_counter()
    # A bar for a big demo on a terminal: per mille of the items written.
    with progress_bar(1000 if (size or 0) >= PROGRESS_SIZE else 0, "Building") as advance:
        summary = build_file(
            path,
            seed=seed,
            size=size,
            now=ctx.clock.now(),
            config_path=ctx.config_path,
            progress=lambda share: advance(share * 1000),
            own=not ctx.db_typed,
        )
    elapsed = time.perf_counter() - started
    if live:
        from sfogo.inbox.store import Store
        from sfogo.tui.demo.live import run_live  # emulators and a real sync

        live_store = Store(path)
        try:
            run_live(live_store, clock=ctx.clock)
        finally:
            live_store.close()
    if no_tui:
        print_summary(summary, path, elapsed)
        return 0
    from sfogo.tui.demo.team import DEMO_USER

    from .app_cmd import open_app  # textual only when the app really opens

    return open_app(ctx, path, user=DEMO_USER)  # the demo opens as one of its team


def _local(ts: int) -> str:
    return strftime(datetime.fromtimestamp(ts), "%a %d %b %H:%M")


def print_summary(summary: dict, path: Path | str, elapsed: float) -> None:
    """What was built and which stories it tells, for a person (fits 80 columns)."""
    now = summary["now"]
    counts = summary["counts"]
    channels = {a["channel"] for a in summary["accounts"]}
    stories = summary["stories"]
    out, blocked, sick = stories["outage"], stories["x_blocked"], stories["sick"]
    print(
        _(
            "Built the demo inbox in {elapsed:.1f} s: {interactions:,} "
            "interactions, {count} clients,\n{count2} accounts on {count3} channels,"
            " {sync_runs:,} sync runs."
        ).format(
            elapsed=elapsed,
            interactions=counts["interactions"],
            count=len(summary["clients"]),
            count2=len(summary["accounts"]),
            count3=len(channels),
            sync_runs=counts["sync_runs"],
        )
    )
    print(
        textwrap.fill(
            "Clients: " + ", ".join(f"{c['name']} ({c['tier']})" for c in summary["clients"]), 80
        )
    )
    print(_("Stories (your local time):"))
    print(
        _("  no connection  {local} – {local2}, {hours} hours, ended {ago}").format(
            local=_local(out["start"]),
            local2=_local(out["end"]),
            hours=out["hours"],
            ago=_output.ago(out["end"], ref=now),
        )
    )
    print(
        _("  X blocked      {handle} ({client}) since {local}, still blocked").format(
            handle=blocked["handle"], client=blocked["client"], local=_local(blocked["start"])
        )
    )
    print(
        _("  sick           {local} – {local2}").format(
            local=_local(sick["start"]), local2=_local(sick["end"])
        )
    )
    backlog = out["still_new"] + blocked["still_new"] + sick["still_new"]
    print(
        _(
            "  still new      {backlog:,} items that came in then ({still_new:,} "
            "outage, {still_new2:,} X, {still_new3:,} sick);"
        ).format(
            backlog=backlog,
            still_new=out["still_new"],
            still_new2=blocked["still_new"],
            still_new3=sick["still_new"],
        )
    )
    print(_("                 'sfogo backlog' also counts what was waiting when they began"))
    open_dms = sorted(
        d["window_closes_at"] - now for d in stories["vip_dms"] if d["window_closes_at"] > now
    )
    if open_dms:
        left = " and ".join(_output.duration(s) for s in open_dms)
        print(
            _("  VIP DMs        {count} hotel messages must be answered within {left}").format(
                count=len(open_dms), left=left
            )
        )
    if "team" in stories:
        _print_team(stories["team"])
    label = _("Data file:") if isinstance(path, Path) else "Inbox:"
    print(f"{label:<10} {path}")
    print(_("Open it:   sfogo --db {path}").format(path=path))


def _print_team(team: dict) -> None:
    """Who is on the demo's team, who the app opens as, and who is away."""
    you = team["you"]
    people = ", ".join(
        (_("{name} (you)").format(name=m["name"]) if m["name"] == you else m["name"])
        + f" {m['timezone'].split('/')[-1].replace('_', ' ')}"
        for m in team["members"]
    )
    print(
        textwrap.fill(
            _("  team           {people}").format(people=people), 80, subsequent_indent=" " * 17
        )
    )
    away = team["away"]
    print(
        _("  away           {name} until {local}").format(
            name=away["member"], local=_local(away["end"])
        )
    )
