"""The catch-up plan and the client report: ``sfogo plan`` and ``sfogo report``.

Backlog modules are imported inside the commands so ``sfogo --help`` stays quick. Expected
errors (unknown client, bad time, unknown format or language, a file that cannot be
written) are one line.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.timefmt import strftime

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._types import Hours, Limit, OneOf

BATCHES_SHOWN = 12
IDS_SHOWN = 24
# backlog.report's formats and languages, named here so that `sfogo --help` does not import
# it (a test checks that the two agree).
FORMATS = ("md", "html", "csv")
LANGS = ("en", "it")
# `report -o FILE` without --format: the format the file's name asks for (Markdown reads as
# plain text, so .txt gets it too).
EXTENSIONS = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
}

topic = Topic("report")


def _config(ctx: Context) -> dict:
    """The config; a file named by ``--config`` must exist, the default one (or
    ``SFOGO_CONFIG``) may be missing: everything has a default."""
    from sfogo.inbox import config

    return config.load(ctx.config_typed)


def _work(data: dict, hours_per_day: float | None = None):
    from sfogo.backlog.workhours import WorkHours
    from sfogo.inbox.config import section

    return WorkHours.from_config(section(data, "work"), hours_per_day=hours_per_day)


def _settings(data: dict, store):
    from sfogo.backlog.settings import client_targets, from_dict
    from sfogo.backlog.triage import apply_keywords

    settings = from_dict(data).with_client_targets(client_targets(store))
    apply_keywords(store, settings)  # the config's keyword lists, if they changed: a write
    return settings


def _local(ts: int | None, tz) -> str:
    from datetime import datetime

    if ts is None:
        return "-"
    return strftime(datetime.fromtimestamp(ts, tz), "%a %d %b %Y %H:%M")


# -- plan ------------------------------------------------------------------------------------


@topic.command("plan", short_help=N_("when the backlog will be cleared, and in what order"))
@click.option(
    "--hours-per-day",
    type=Hours(),
    metavar="N",
    help=N_("hours you can work each working day (default: from [work] hours)"),
)
@click.option(
    "--start",
    metavar="WHEN",
    help=N_("when you start catching up (default now): monday 9:00, 2h, ISO 8601"),
)
@click.option(
    "--by",
    metavar="WHEN",
    help=N_(
        "a date to clear the backlog by: friday, 2026-12-04, 'friday 13:00' "
        "(default: the end of the 1st, 3rd and 5th working day ahead)"
    ),
)
@click.option(
    "--all", "everything", is_flag=True, help=N_("plan every open item, not only the backlog")
)
@click.option(
    "--limit",
    type=Limit(_("0 lists every batch")),
    default=str(BATCHES_SHOWN),
    metavar="N",
    help=_("batches to list (default {batches_shown}, 0: all)").format(batches_shown=BATCHES_SHOWN),
)
@click.option(
    "--mark-unanswerable",
    is_flag=True,
    help=N_("mark items whose reply window has closed as ignored"),
)
@json_flag(_("print the whole plan as JSON"))
@pass_context
def plan(
    ctx: Context,
    hours_per_day: float | None,
    start: str | None,
    by: str | None,
    everything: bool,
    limit: int | None,
    mark_unanswerable: bool,
    as_json: bool,
) -> int:
    """Plan the catch-up: how long the backlog takes in your working hours, when each
    client's backlog is cleared, which promises break, and the order of work in batches."""
    from sfogo.backlog import plan_advice
    from sfogo.backlog.plan import make_plan, to_json
    from sfogo.inbox import when

    data = _config(ctx)
    work = _work(data, hours_per_day)
    store = ctx.store
    real_now = ctx.clock.now()
    # The start is read in the work time zone (the config's), so it is parsed here.
    now = when.parse_when(start, ref=real_now, tz=work.tz) if start else real_now
    if now < real_now - 60:
        raise SfogoError(_("--start is in the past: a plan starts now or later"))
    targets = None if by is None else [plan_advice.target_from(by, work, now)]
    store.marks.wake_snoozed(now=real_now)
    made = make_plan(
        store,
        now=now,
        work=work,
        settings=_settings(data, store),
        config=data,
        everything=everything,
        hours_per_day=hours_per_day,
    )
    advice = plan_advice.plan_advice(made, targets)
    if mark_unanswerable and made.unanswerable:
        ids = [i.id for i in made.unanswerable]
        with store.transaction():
            store.marks.set_status(ids, "ignored", now=real_now)
            store.marks.add_tags(ids, ["unanswerable"])
    if as_json:
        _print_json({**to_json(made), "advice": plan_advice.to_json(advice)})
        return 0
    _print_plan(made, advice, everything=everything, marked=mark_unanswerable, limit=limit)
    return 0


def _print_json(data: dict) -> None:
    """Like ``_output.print_json``, but each item of the long lists on one line.

    A plan can hold 100k items: json's C encoder serialises one compact item in
    microseconds, while an indented dump runs the pure-Python encoder (12 s for 57 MB).
    """
    from ._output import dumps, to_json

    out = sys.stdout
    keys = list(data)
    out.write("{\n")
    for n, key in enumerate(keys):
        value = data[key]
        comma = "," if n < len(keys) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out.write(f"  {dumps(key)}: [\n")
            for m, item in enumerate(value):
                out.write(f"    {dumps(to_json(item))}{',' if m < len(value) - 1 else ''}\n")
            out.write(f"  ]{comma}\n")
        else:
            text = dumps(to_json(value), indent=2).replace("\n", "\n  ")
            out.write(f"  {dumps(key)}: {text}{comma}\n")
    out.write("}\n")


def _effort_line(made, *, everything: bool) -> str:
    """'Backlog: 130 items, 6 hours 11 minutes of work (and 20 that …).'"""
    from sfogo.backlog.triage import span

    what = _("Open items") if everything else "Backlog"
    unanswerable = (
        _(" (and {count} that can no longer be answered)").format(count=len(made.unanswerable))
        if made.unanswerable
        else ""
    )
    return (
        _("{what}: {count} items, {span} of work").format(
            what=what, count=len(made.items), span=span(made.effort_s)
        )
        + unanswerable
        + "."
    )


def _cleared_line(made) -> str:
    """'Cleared by: … (Europe/Rome), after 18 hours of working time.'"""
    from sfogo.backlog.triage import span

    tz = made.work.tz
    working = (made.team or made.work).seconds_between(made.now, made.finish_at)
    cleared = (
        _("Cleared by: {local} ({key}), after {span} of the team's working time.")
        if made.team is not None
        else _("Cleared by: {local} ({key}), after {span} of working time.")
    )
    return cleared.format(local=_local(made.finish_at, tz), key=tz.key, span=span(working))


def _summary_lines(made, *, everything: bool) -> list[str]:
    """The plan in sentences: effort, working time, arrivals, finish, what will be late."""

    tz = made.work.tz
    lines = [_effort_line(made, everything=everything)]
    if made.team is not None:  # a team's: everyone's hours, less who is away
        people = "; ".join(f"{p.name} {p.work.describe()}" for p in made.team.people)
        lines.append(
            _("Working time: the team's ({people}), {hours:g} h a day when all work.").format(
                people=people, hours=made.team.day_seconds / 3600
            )
        )
    else:
        lines.append(
            _("Working time: {describe}, {value:g} h a day.").format(
                describe=made.work.describe(), value=made.work.day_seconds / 3600
            )
        )
    if made.arrivals:
        load = sum(a.load for a in made.arrivals)
        parts = ", ".join(
            f"{a.client} {round(100 * a.load)}%"
            for a in sorted(made.arrivals, key=lambda a: -a.load)
        )
        lines.append(
            _(
                "New interactions need {need} of it ({parts}); {left} is left for the backlog."
            ).format(
                need=f"{round(100 * load)}%",
                parts=parts,
                left=f"{max(0, round(100 * made.share))}%",
            )
        )
    if made.status == "eta":
        lines.append(_cleared_line(made))
    elif made.status == "never":
        lines.append(
            _(
                "Cleared by: never at this pace: new interactions take all the working "
                "time. Try --hours-per-day, or lower the [effort] minutes."
            )
        )
    elif made.status == "beyond":
        lines.append(_("Cleared by: not within ten years at this pace."))
    targets = sum(i.misses_target for i in made.items)
    windows = sum(i.misses_window for i in made.items)
    lines.append(
        ngettext(
            "Will miss: {targets} response target", "Will miss: {targets} response targets", targets
        ).format(targets=targets)
        + ngettext(" and {windows} reply window.", " and {windows} reply windows.", windows).format(
            windows=windows
        )
    )
    closing = [i for i in made.items if i.misses_window][: IDS_SHOWN // 2]
    if closing:
        lines.append(
            _("Reply windows lost at this pace: ")
            + ", ".join(
                f"#{i.id} ({i.client}, {i.channel}, closes {_local(i.window_closes_at, tz)[4:]})"
                for i in closing
            )
            + (" …" if windows > len(closing) else "")
            + "."
        )
    effort = ", ".join(
        f"{k} {e.seconds / 60:.1f} min"
        + (_(" (learned from {n})").format(n=e.samples) if e.source == "learned" else "")
        for k, e in made.effort.items()
    )
    lines.append(_("Minutes per item: {effort}.").format(effort=effort))
    return lines


def _print_batches(made, limit: int | None) -> None:
    from datetime import datetime

    from sfogo.inbox.model import CHANNEL_SHORT

    shown = made.batches[:limit]
    print()
    print(
        _("Order of work ({count} of {count2} batches, one client and channel each):").format(
            count=len(shown), count2=len(made.batches)
        )
    )
    rows = []
    for b in shown:
        late = sum(i.misses_target or i.misses_window for i in b.items)
        ids = " ".join(str(i.id) for i in b.items)
        start = (
            "-"
            if b.start_at is None
            else strftime(datetime.fromtimestamp(b.start_at, made.work.tz), "%a %d %H:%M")
        )
        who = (b.member,) if made.team is not None else ()
        rows.append(
            (
                str(b.number),
                start,
                *who,
                b.client,
                CHANNEL_SHORT.get(b.channel, b.channel),
                str(len(b.items)),
                f"{b.effort_s / 60:.0f}",
                str(late),
                ids,
            )
        )
    # A team's plan says who does each batch (column 2; the client's moves to 3).
    who = ("WHO",) if made.team is not None else ()
    _output.table(
        rows,
        ("#", "START", *who, "CLIENT", "CH", "N", "MIN", "LATE", "IDS"),
        caps={2 + len(who): 16},
        page=False,
    )


def _print_plan(made, advice, *, everything: bool, marked: bool, limit: int | None) -> None:
    from ._plan_advice import print_advice
    from ._plan_share import print_shares

    if not made.items and not made.unanswerable:
        print(
            _("{value}: nothing to catch up on.").format(
                value="Open items" if everything else "Backlog"
            )
        )
        return
    width = _output.wrap_width()
    for line in _summary_lines(made, everything=everything):
        print(textwrap.fill(line, width, subsequent_indent="  "))
    print_shares(made)
    print_advice(advice, made.work.tz)
    if made.batches:
        _print_batches(made, limit)
    if made.unanswerable:
        print()
        ids = " ".join(str(i.id) for i in made.unanswerable[:IDS_SHOWN])
        more = " …" if len(made.unanswerable) > IDS_SHOWN else ""
        verb = _("Marked ignored") if marked else _("Mark unanswerable")
        print(
            textwrap.fill(
                _("{verb} (the platform's reply window has closed): {ids}{more}").format(
                    verb=verb, ids=ids, more=more
                ),
                width,
            )
        )
        if not marked:
            print(_("'sfogo plan --mark-unanswerable' marks them ignored, tagged unanswerable."))


# -- report ----------------------------------------------------------------------------------


def find_client(store, ref: str):
    """A client by id or exact name, else by a part of its name that names only one."""
    from sfogo.inbox.errors import NotFound

    try:
        return store.clients.get(ref)
    except NotFound:
        word = ref.strip().casefold()
        matches = [c for c in store.clients.all() if word and word in c.name.casefold()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            names = ", ".join(repr(c.name) for c in matches)
            raise SfogoError(
                _("{ref!r} matches several clients: {names}").format(ref=ref, names=names)
            ) from None
        raise


def _eta(store, client_id: int, now: int, work, settings, data) -> dict:
    """When the plan expects this client's backlog to be cleared."""
    from sfogo.backlog.plan import make_plan

    made = make_plan(store, now=now, work=work, settings=settings, config=data)
    status, at = made.client_finish(client_id)
    return {"status": status, "at": at}


def _write_report(
    ctx: Context, out, client, fmt: str, lang: str, period: tuple[int, int], now: int, data: dict
) -> None:
    from sfogo.backlog import report

    store = ctx.store
    work = _work(data)
    settings = _settings(data, store)
    since, until = period
    if fmt == "csv":
        report.write_csv(
            store,
            client.id,
            out,
            since=since,
            until=until,
            now=now,
            work=work,
            settings=settings,
            lang=lang,
        )
        return
    built = report.build_report(
        store, client.id, since=since, until=until, now=now, work=work, settings=settings
    )
    if built.backlog_open:
        built.eta = _eta(store, built.client.id, now, work, settings, data)
    if fmt == "md":
        from sfogo.backlog.report_text import render_md

        out.write(render_md(built, lang))
    else:
        from sfogo.backlog.report_html import render_html

        out.write(render_html(built, lang))


def format_of(output: str) -> str:
    """The report format ``-o FILE`` names by its extension."""
    suffix = Path(output).suffix.lower()
    if suffix not in EXTENSIONS:
        known = ", ".join(EXTENSIONS)
        raise SfogoError(
            _(
                "cannot tell a report format from {name!r}: end the name in one of "
                "{known}, or give --format"
            ).format(name=Path(output).name, known=known)
        )
    return EXTENSIONS[suffix]


@topic.command("report", short_help=N_("a client's report: incidents, volumes, response times"))
@click.argument("client_ref", metavar="CLIENT")
@click.option(
    "--since", metavar="WHEN", help=N_("start of the period: 7d, monday, 2026-11-01, ISO 8601")
)
@click.option("--until", metavar="WHEN", help=N_("end of the period (default now)"))
@click.option(
    "--format",
    "fmt",
    type=OneOf(FORMATS, "format", case_sensitive=False),
    help=N_("md, html or csv (default: from -o FILE's extension, else md)"),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=str),
    metavar="FILE",
    help=N_("write to FILE instead of stdout"),
)
@click.option(
    "--lang",
    type=OneOf(LANGS, "language", case_sensitive=False),
    default="en",
    help=N_("en (default) or it"),
)
@pass_context
def report(
    ctx: Context,
    client_ref: str,
    since: str | None,
    until: str | None,
    fmt: str | None,
    output: str | None,
    lang: str,
) -> int:
    """A client's report for a period: incidents, volumes, response times, backlog. CLIENT is
    the client's name (or a part that names only one) or id."""
    from sfogo.backlog.report import resolve_period
    from sfogo.inbox.files import atomic_write

    if not since:
        raise SfogoError(_("a report needs --since WHEN: 7d, monday, 2026-11-01 or ISO 8601"))
    fmt = fmt or (format_of(output) if output else "md")
    data = _config(ctx)
    client = find_client(ctx.store, client_ref)
    now = ctx.clock.now()
    period = resolve_period(since, until, now=now, tz=_work(data).tz)
    if not output:
        _write_report(ctx, sys.stdout, client, fmt, lang, period, now, data)
        return 0
    target = Path(output).expanduser()
    if target.is_dir():
        raise SfogoError(_("{target} is a folder: give -o a file name").format(target=target))
    try:  # a client's conversations: a private file, complete or not there at all
        with atomic_write(target, newline="") as out:
            _write_report(ctx, out, client, fmt, lang, period, now, data)
    except OSError as exc:
        raise SfogoError(
            _("cannot write {target}: {strerror}").format(target=target, strerror=exc.strerror)
        ) from None
    print(_("wrote {target}").format(target=target), file=sys.stderr)
    return 0
