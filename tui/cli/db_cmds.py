"""``sfogo db``: look after the inbox (check, vacuum, analyze) and copy it (copy).

The SQL lives in inbox/maintenance.py and inbox/store/copy.py; these commands only say
what they found.
"""

from __future__ import annotations

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context

topic = Topic("db")


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


@topic.group("db", short_help=N_("look after the data file: check, vacuum, analyze, copy"))
def db() -> None:
    """Look after the data file: check it for damage, give back free space, refresh the
    query planner's statistics; copy the inbox to another file or a PostgreSQL database."""


@db.command("check", short_help=N_("check the data file for damage"))
@click.option(
    "--quick",
    is_flag=True,
    help=N_("skip comparing each index with its table (much faster on big files)"),
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
            _("{name}: sound ({names}; {mb})").format(
                name=store.name,
                names=", ".join(c.name for c in checks),
                mb=_mb(maintenance.file_size(store)),
            )
        )
        return 0
    for c in checks:
        for problem in c.problems:
            print(f"{c.name}: {problem}")
    raise SfogoError(
        ngettext(
            "{name} is damaged ({problems} problem): restore a backup, or save what can "
            "still be read with 'sfogo export'",
            "{name} is damaged ({problems} problems): restore a backup, or save what can "
            "still be read with 'sfogo export'",
            problems,
        ).format(name=store.name, problems=problems)
    )


@db.command("vacuum", short_help=N_("give free space back to the disk"))
@pass_context
def vacuum(ctx: Context) -> int:
    """Rewrite the data file without its free pages (after deleting many items, or a big
    import). Other sfogo processes wait while it runs."""
    from sfogo.inbox import maintenance

    before, after = maintenance.vacuum(ctx.store)
    print(
        _("vacuumed {name}: {mb} → {mb2}").format(
            name=ctx.store.name, mb=_mb(before), mb2=_mb(after)
        )
    )
    return 0


@db.command("analyze", short_help=N_("refresh the query planner's statistics"))
@pass_context
def analyze(ctx: Context) -> int:
    """Refresh the statistics SQLite's query planner uses to pick indexes (ANALYZE and
    PRAGMA optimize)."""
    from sfogo.inbox import maintenance

    maintenance.analyze(ctx.store)
    print(
        _("analyzed {name}: the query planner's statistics are fresh").format(name=ctx.store.name)
    )
    return 0


@db.command("copy", short_help=N_("copy the inbox to another one (a file or a PostgreSQL URL)"))
@click.option(
    "--to",
    "target",
    required=True,
    metavar="LOCATION",
    help=N_("where to: a new data file, or postgresql://USER@HOST/DB (an empty database)"),
)
@click.option(
    "--chunk",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help=N_("rows per transaction (a stopped copy keeps whole chunks and resumes after them)"),
)
@json_flag()
@pass_context
def copy(ctx: Context, target: str, chunk: int, as_json: bool) -> int:
    """Copy every table of the inbox (--db) to LOCATION: a PostgreSQL database to share
    it with a team, or a data file to take it back. Prints each table's rows and checksum
    on both sides; run it again to resume a copy that was stopped. Stop syncing while it
    runs. Secrets are not in the inbox, so none are copied."""
    import sys

    from sfogo.inbox.store import Store
    from sfogo.inbox.store.copy import copy_inbox
    from sfogo.inbox.store.location import location_of, shown

    source = ctx.store
    where = location_of(target)
    if shown(where) == source.name or (
        not isinstance(where, str) and where.expanduser().resolve() == _resolved(source)
    ):
        raise SfogoError(_("--to names the inbox being copied: pass another file or database"))

    def progress(table: str, done: int, total: int) -> None:
        print(
            _("copying {table}: {done:,} of {total:,} rows").format(
                table=table, done=done, total=total
            ),
            file=sys.stderr,
            flush=True,
        )

    with Store(where, create_folder=False) as to:
        results = copy_inbox(source, to, chunk=chunk, progress=progress)
        target_name = to.name
    same = all(r.same for r in results)
    if as_json:
        _output.print_json(
            {
                "from": source.name,
                "to": target_name,
                "ok": same,
                "tables": [
                    {
                        "table": r.table,
                        "rows": r.rows,
                        "copied": r.copied,
                        "checksum": r.checksum,
                        "target_rows": r.target_rows,
                        "target_checksum": r.target_checksum,
                        "same": r.same,
                    }
                    for r in results
                ],
            }
        )
    else:
        _print_copy(source.name, target_name, results)
    if not same:
        raise SfogoError(
            _(
                "{target_name} differs from {name} (see above): was the inbox written "
                "during the copy? Run the copy again"
            ).format(target_name=target_name, name=source.name)
        )
    return 0


def _resolved(store) -> object:
    path = getattr(store, "path", None)
    return None if path is None else path.resolve()


def _print_copy(source: str, target: str, results) -> None:
    width = max([len(r.table) for r in results] + [5])
    print(f"{source} → {target}")
    print(f"{'table':<{width}}  {'rows':>9}  {'copied':>9}  checksum (source = target)")
    for r in results:
        mark = (
            "same"
            if r.same
            else _("DIFFERS: {target_rows:,} rows, {value}").format(
                target_rows=r.target_rows, value=r.target_checksum[:12]
            )
        )
        print(f"{r.table:<{width}}  {r.rows:>9,}  {r.copied:>9,}  {r.checksum[:12]}  {mark}")
    total = sum(r.rows for r in results)
    copied = sum(r.copied for r in results)
    resumed = (
        _(" ({value:,} were there from an earlier run)").format(value=total - copied)
        if copied < total
        else ""
    )
    print(
        _("{total:,} rows in {count} tables{resumed}").format(
            total=total, count=len(results), resumed=resumed
        )
    )
