"""The catch-up plan and the client report: ``sfogo plan`` and ``sfogo report``.

Backlog modules are imported inside the handlers so ``sfogo --help`` stays quick. Expected
errors (unknown client, bad time, unknown format or language, a file that cannot be
written) are one line.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError

from . import _output

BATCHES_SHOWN = 12
IDS_SHOWN = 24


def _config(ctx) -> dict:
    """The config; a file named by ``--config`` must exist, the default one (or
    ``SFOGO_CONFIG``) may be missing: everything has a default."""
    from sfogo.inbox import config

    path = ctx.config_path
    if path and path == os.environ.get("SFOGO_CONFIG"):
        path = None
    return config.load(path)


def _work(data: dict, hours_per_day: float | None = None):
    from sfogo.inbox.config import section

    from sfogo.backlog.workhours import WorkHours

    return WorkHours.from_config(section(data, "work"), hours_per_day=hours_per_day)


def _settings(data: dict, store):
    from sfogo.backlog.settings import client_targets, from_dict

    return from_dict(data).with_client_targets(client_targets(store))


def _local(ts: int | None, tz) -> str:
    from datetime import datetime

    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz).strftime("%a %d %b %Y %H:%M")


# -- plan ------------------------------------------------------------------------------------


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SfogoError(f"bad --hours-per-day {text!r}: use a number of hours like 6 or 7.5"
                         ) from None
    if not 0 < value <= 24:
        raise SfogoError("--hours-per-day must be more than 0 and at most 24")
    return value


def cmd_plan(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.plan import make_plan, to_json

    data = _config(ctx)
    work = _work(data, _hours(args.hours_per_day) if args.hours_per_day else None)
    store = ctx.store
    real_now = ctx.clock.now()
    now = (when.parse_when(args.start, ref=real_now, tz=work.tz) if args.start
           else real_now)
    if now < real_now - 60:
        raise SfogoError("--start is in the past: a plan starts now or later")
    limit = _limit(args.limit)
    store.marks.wake_snoozed(now=real_now)
    plan = make_plan(store, now=now, work=work, settings=_settings(data, store), config=data,
                     everything=args.all)
    if args.mark_unanswerable and plan.unanswerable:
        ids = [i.id for i in plan.unanswerable]
        with store.transaction():
            store.marks.set_status(ids, "ignored", now=real_now)
            store.marks.add_tags(ids, ["unanswerable"])
    if args.json:
        _print_json(to_json(plan))
        return 0
    _print_plan(plan, args, limit)
    return 0


def _print_json(data: dict) -> None:
    """Like ``_output.print_json``, but each item of the long lists on one line.

    A plan can hold 100k items: json's C encoder serialises one compact item in
    microseconds, while an indented dump runs the pure-Python encoder (12 s for 57 MB).
    """
    import json

    out = sys.stdout
    keys = list(data)
    out.write("{\n")
    for n, key in enumerate(keys):
        value = data[key]
        comma = "," if n < len(keys) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out.write(f"  {json.dumps(key)}: [\n")
            for m, item in enumerate(value):
                out.write(f"    {json.dumps(item, ensure_ascii=False)}"
                          f"{',' if m < len(value) - 1 else ''}\n")
            out.write(f"  ]{comma}\n")
        else:
            text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            out.write(f"  {json.dumps(key)}: {text}{comma}\n")
    out.write("}\n")


def _limit(text: str) -> int | None:
    if not text.strip().isdigit():
        raise SfogoError(f"bad --limit {text!r}: use a whole number (0 lists every batch)")
    return int(text) or None


def _print_plan(plan, args, limit: int | None) -> None:
    from sfogo.backlog.triage import span

    tz = plan.work.tz
    what = "Open items" if args.all else "Backlog"
    if not plan.items and not plan.unanswerable:
        print(f"{what}: nothing to catch up on.")
        return
    width = _output.width()
    lines = [f"{what}: {len(plan.items)} items, {span(plan.effort_s)} of work"
             + (f" (and {len(plan.unanswerable)} that can no longer be answered)"
                if plan.unanswerable else "") + "."]
    hours = plan.work.day_seconds / 3600
    lines.append(f"Working time: {plan.work.describe()}, {hours:g} h a day.")
    if plan.arrivals:
        load = sum(a.load for a in plan.arrivals)
        parts = ", ".join(f"{a.client} {round(100 * a.load)}%" for a in
                          sorted(plan.arrivals, key=lambda a: -a.load))
        lines.append(f"New interactions need {round(100 * load)}% of it ({parts}); "
                     f"{max(0, round(100 * plan.share))}% is left for the backlog.")
    if plan.status == "eta":
        working = plan.work.seconds_between(plan.now, plan.finish_at)
        lines.append(f"Cleared by: {_local(plan.finish_at, tz)} ({tz.key}), after "
                     f"{span(working)} of working time.")
    elif plan.status == "never":
        lines.append("Cleared by: never at this pace: new interactions take all the working "
                     "time. Try --hours-per-day, or lower the [effort] minutes.")
    elif plan.status == "beyond":
        lines.append("Cleared by: not within ten years at this pace.")
    targets = sum(i.misses_target for i in plan.items)
    windows = sum(i.misses_window for i in plan.items)
    lines.append(f"Will miss: {targets} response target{'s' * (targets != 1)} and "
                 f"{windows} reply window{'s' * (windows != 1)}.")
    closing = [i for i in plan.items if i.misses_window][:IDS_SHOWN // 2]
    if closing:
        lines.append("Reply windows lost at this pace: " + ", ".join(
            f"#{i.id} ({i.client}, {i.channel}, closes {_local(i.window_closes_at, tz)[4:]})"
            for i in closing) + (" …" if windows > len(closing) else "") + ".")
    effort = ", ".join(
        f"{k} {e.seconds / 60:.1f} min" + (f" (learned from {e.samples})"
                                           if e.source == "learned" else "")
        for k, e in plan.effort.items())
    lines.append(f"Minutes per item: {effort}.")
    import textwrap

    for line in lines:
        print(textwrap.fill(line, width, subsequent_indent="  "))
    if plan.batches:
        shown = plan.batches[:limit]
        print()
        print(f"Order of work ({len(shown)} of {len(plan.batches)} batches, "
              "one client and channel each):")
        from datetime import datetime

        from sfogo.inbox.model import CHANNEL_SHORT
        from sfogo.inbox.text import excerpt

        rows = []
        for b in shown:
            late = sum(i.misses_target or i.misses_window for i in b.items)
            ids = " ".join(str(i.id) for i in b.items)
            start = ("-" if b.start_at is None
                     else datetime.fromtimestamp(b.start_at, tz).strftime("%a %d %H:%M"))
            rows.append((str(b.number), start, excerpt(b.client, 16),
                         CHANNEL_SHORT.get(b.channel, b.channel), str(len(b.items)),
                         f"{b.effort_s / 60:.0f}", str(late), ids))
        _output.table(rows, ("#", "START", "CLIENT", "CH", "N", "MIN", "LATE", "IDS"))
    if plan.unanswerable:
        print()
        ids = " ".join(str(i.id) for i in plan.unanswerable[:IDS_SHOWN])
        more = " …" if len(plan.unanswerable) > IDS_SHOWN else ""
        verb = "Marked ignored" if args.mark_unanswerable else "Mark unanswerable"
        print(textwrap.fill(
            f"{verb} (the platform's reply window has closed): {ids}{more}", width))
        if not args.mark_unanswerable:
            print("'sfogo plan --mark-unanswerable' marks them ignored, tagged unanswerable.")


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
            raise SfogoError(f"{ref!r} matches several clients: {names}") from None
        raise


def _open_output(path: str):
    """A text file for ``-o``, written beside its final name and renamed when complete."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise SfogoError(f"{target} is a folder: give -o a file name")
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        handle = open(tmp, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise SfogoError(f"cannot write {target}: {exc.strerror}") from None
    return target, tmp, handle


def cmd_report(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog import report

    fmt = (args.format or "md").lower()
    lang = (args.lang or "en").lower()
    if fmt not in report.FORMATS:
        raise SfogoError(f"unknown format {args.format!r}: use md, html or csv")
    if lang not in report.LANGS:
        raise SfogoError(f"unknown language {args.lang!r}: use en or it")

    if not args.since:
        raise SfogoError("a report needs --since WHEN: 7d, monday, 2026-11-01 or ISO 8601")
    data = _config(ctx)
    work = _work(data)
    store = ctx.store
    client = find_client(store, args.client)
    now = ctx.clock.now()
    since, until = report.resolve_period(args.since, args.until, now=now, tz=work.tz)
    settings = _settings(data, store)

    out = sys.stdout
    target = tmp = None
    if args.output:
        target, tmp, out = _open_output(args.output)
    try:
        if fmt == "csv":
            report.write_csv(store, client.id, out, since=since, until=until, now=now,
                             work=work, settings=settings, lang=lang)
        else:
            built = report.build_report(store, client.id, since=since, until=until, now=now,
                                        work=work, settings=settings)
            if built.backlog_open:
                built.eta = _eta(store, built.client.id, now, work, settings, data)
            if fmt == "md":
                from sfogo.backlog.report_text import render_md

                out.write(render_md(built, lang))
            else:
                from sfogo.backlog.report_html import render_html

                out.write(render_html(built, lang))
        if target is not None:
            out.close()
            os.replace(tmp, target)
    except BaseException:
        if target is not None:
            out.close()
            tmp.unlink(missing_ok=True)
        raise
    if target is not None:
        print(f"wrote {target}", file=sys.stderr)
    return 0


def _eta(store, client_id: int, now: int, work, settings, data) -> dict:
    """When the plan expects this client's backlog to be cleared."""
    from sfogo.backlog.plan import make_plan

    plan = make_plan(store, now=now, work=work, settings=settings, config=data)
    status, at = plan.client_finish(client_id)
    return {"status": status, "at": at}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="when the backlog will be cleared, and in what order")
    p.add_argument("--hours-per-day", metavar="N",
                   help="hours you can work each working day (default: from [work] hours)")
    p.add_argument("--start", metavar="WHEN",
                   help="when you start catching up (default now): monday 9:00, 2h, ISO 8601")
    p.add_argument("--all", action="store_true",
                   help="plan every open item, not only the backlog")
    p.add_argument("--limit", default=str(BATCHES_SHOWN), metavar="N",
                   help=f"batches to list (default {BATCHES_SHOWN}, 0: all)")
    p.add_argument("--mark-unanswerable", action="store_true",
                   help="mark items whose reply window has closed as ignored")
    p.add_argument("--json", action="store_true", help="print the whole plan as JSON")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("report", help="a client's report: incidents, volumes, response times")
    p.add_argument("client", metavar="CLIENT", help="client name or id")
    p.add_argument("--since", metavar="WHEN",
                   help="start of the period: 7d, monday, 2026-11-01, ISO 8601")
    p.add_argument("--until", metavar="WHEN", help="end of the period (default now)")
    p.add_argument("--format", metavar="FORMAT", default="md", help="md (default), html or csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--lang", metavar="LANG", default="en", help="en (default) or it")
    p.set_defaults(func=cmd_report)
