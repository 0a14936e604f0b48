"""``sfogo db``: look after the data file (check, vacuum, analyze).

The SQL lives in inbox/maintenance.py; these commands only say what it found.
"""

from __future__ import annotations

import click

from sfogo.inbox.errors import SfogoError

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context

topic = Topic("db")


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


@topic.group("db", short_help="look after the data file: check, vacuum, analyze")
def db() -> None:
    """Look after the data file: check it for damage, give back free space, refresh the
    query planner's statistics."""


@db.command("check", short_help="check the data file for damage")
@click.option(
    "--quick",
    is_flag=True,
    help="skip comparing each index with its table (much faster on big files)",
)
@json_flag()
@pass_context
def check(ctx: Context, quick: bool, as_json: bool) -> int:
    """Check the data file: every page and index, the links between rows, and the search
    index. One line when it is sound; each problem otherwise, and exit code 1."""
    from sfogo.inbox import maintenance
    from sfogo.inbox.store import failures

    ctx.quiet_damage = True  # this command says itself what it finds
    store = ctx.store
    checks = maintenance.check(store, quick=quick)
    problems = sum(len(c.problems) for c in checks)
    # Every command names a damaged file, and none writes to it, until a check finds it sound.
    if problems:
        failures.record_damage(store.location, f"'sfogo db check' found {problems} problems")
    else:
        failures.clear_damage(store.location)
    if as_json:
        _output.print_json(
            {
                "path": store.name,
                "ok": not problems,
                "checks": [
                    {"name": c.name, "ok": c.ok, "problems": list(c.problems)} for c in checks
                ],
            }
        )
        return 1 if problems else 0
    if not problems:
        print(
            f"{store.name}: sound ({', '.join(c.name for c in checks)}; "
            f"{_mb(maintenance.file_size(store))})"
        )
        return 0
    for c in checks:
        for problem in c.problems:
            print(f"{c.name}: {problem}")
    raise SfogoError(
        f"{store.name} is damaged ({problems} problem{'s' * (problems != 1)}): "
        "restore a backup, or save what can still be read with 'sfogo export'"
    )


@db.command("vacuum", short_help="give free space back to the disk")
@pass_context
def vacuum(ctx: Context) -> int:
    """Rewrite the data file without its free pages (after deleting many items, or a big
    import). Other sfogo processes wait while it runs."""
    from sfogo.inbox import maintenance

    before, after = maintenance.vacuum(ctx.store)
    print(f"vacuumed {ctx.store.name}: {_mb(before)} → {_mb(after)}")
    return 0


@db.command("analyze", short_help="refresh the query planner's statistics")
@pass_context
def analyze(ctx: Context) -> int:
    """Refresh the statistics SQLite's query planner uses to pick indexes (ANALYZE and
    PRAGMA optimize)."""
    from sfogo.inbox import maintenance

    maintenance.analyze(ctx.store)
    print(f"analyzed {ctx.store.name}: the query planner's statistics are fresh")
    return 0
