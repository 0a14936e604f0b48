"""JSON Lines in, JSON Lines or CSV out: ``sfogo import`` and ``sfogo export``.

The format is documented in the README; an export imports back into an empty file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext

from ._context import Context
from ._group import Topic, pass_context
from ._progress import progress_bar
from ._types import OneOf

BAD_LINES_SHOWN = 20

topic = Topic("transfer")


@topic.command("import", short_help=N_("read interactions from a JSON Lines file"))
@click.argument("file", metavar="FILE", type=click.Path(allow_dash=True, path_type=str))
@pass_context
def import_(ctx: Context, file: str) -> int:
    """Read interactions from FILE, a .jsonl file, or - for standard input."""
    from sfogo.inbox.jsonl import import_file
    from sfogo.inbox.text import sanitize

    if file != "-" and not Path(file).exists():
        raise SfogoError(_("no file {file!r} to import").format(file=file))
    size = Path(file).stat().st_size if file != "-" and Path(file).is_file() else 0
    with progress_bar(size, "Importing") as advance:
        result = import_file(ctx.store, file, now=ctx.clock.now(), progress=advance)
    for name in result.created_clients:
        print(_("created client {name!r}").format(name=name))
    for name in result.created_accounts:
        print(_("created account {name}").format(name=name))
    print(
        ngettext(
            "imported {added} new item, {existing} already there",
            "imported {added} new items, {existing} already there",
            result.added,
        ).format(added=result.added, existing=result.existing)
        + (_(", {bad} bad lines skipped").format(bad=result.bad) if result.bad else "")
        + (
            _("; stopped after line {written_to:,}").format(written_to=result.written_to)
            if result.stopped
            else ""
        )
    )
    for number, reason in result.errors[:BAD_LINES_SHOWN]:
        # A reason may quote the line (a value, SQLite's message): never raw to the terminal.
        print(
            _("sfogo: line {number}: {sanitize}").format(
                number=number, sanitize=sanitize(reason, single_line=True)
            ),
            file=sys.stderr,
        )
    if result.bad > BAD_LINES_SHOWN:
        print(
            _("sfogo: … and {value} more bad lines").format(value=result.bad - BAD_LINES_SHOWN),
            file=sys.stderr,
        )
    if result.stopped is not None:
        # What was committed stays; importing the file again skips it (items are keyed).
        print(
            _(
                "sfogo: {stopped} (the import stopped: lines up to {written_to:,} are "
                "in; importing the file again skips them)"
            ).format(stopped=result.stopped, written_to=result.written_to),
            file=sys.stderr,
        )
    return 1 if result.bad or result.stopped else 0


@topic.command("export", short_help=N_("write every interaction as JSON Lines or CSV"))
@click.option(
    "--format",
    "fmt",
    type=OneOf(("jsonl", "csv"), "format"),
    metavar="FORMAT",
    help=N_("jsonl (default) or csv"),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True, path_type=str),
    metavar="FILE",
    help=N_("write to FILE (default: standard output)"),
)
@pass_context
def export(ctx: Context, fmt: str | None, output: str | None) -> int:
    """Write every interaction, as JSON Lines (which 'sfogo import' reads back) or CSV,
    to FILE or standard output."""
    from sfogo.inbox.files import atomic_write
    from sfogo.inbox.jsonl import export_csv, export_jsonl

    if fmt is None:
        fmt = "csv" if output and output.lower().endswith(".csv") else "jsonl"
    write = export_csv if fmt == "csv" else export_jsonl
    store = ctx.store
    if not output or output == "-":
        write(store, sys.stdout)
        return 0
    target = Path(output).expanduser()
    if target.is_dir():
        raise SfogoError(_("{output!r} is a folder: give a file name to -o").format(output=output))
    from sfogo.inbox.store import InboxFilter

    total = store.items.count(InboxFilter(statuses=()))
    try:  # clients' conversations: a private file, and a failed export leaves no half file
        with atomic_write(target, newline="") as out, progress_bar(total, "Exporting") as advance:
            n = write(store, out, progress=advance)
    except OSError as exc:
        raise SfogoError(
            _("cannot write {output!r}: {strerror}").format(output=output, strerror=exc.strerror)
        ) from None
    print(
        ngettext("exported {n} item to {target}", "exported {n} items to {target}", n).format(
            n=n, target=target
        ),
        file=sys.stderr,
    )
    return 0
