"""Gaps, backlog and triage commands: away, back, gaps, backlog, next, why.

Human output fits 80 columns; ``--json`` prints stable field names (times in ISO 8601 UTC).
Backlog modules are imported inside the handlers so ``sfogo --help`` stays quick.
"""
from __future__ import annotations

import argparse
import textwrap
from datetime import datetime

from sfogo.inbox import when
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import AWAY_REASONS
from sfogo.inbox.text import excerpt

from . import _output


def _local(ts: int) -> str:
    """'2026-11-27 10:02' in the manager's time zone."""
    return datetime.fromtimestamp(ts).astimezone().strftime("%Y-%m-%d %H:%M")


def _settings(ctx):
    from sfogo.backlog.settings import load
    from sfogo.backlog.triage import apply_keywords

    settings = load(ctx.config_path, store=ctx.store)
    apply_keywords(ctx.store, settings)  # the config's keywords, if they changed: a write
    return settings


# -- away, back --------------------------------------------------------------------------


def cmd_away(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.gaps import record_away
    from sfogo.backlog.triage import span

    now = ctx.clock.now()
    start = when.parse_when(args.start, ref=now, past=True) if args.start else None
    end = when.parse_when(args.until, ref=now) if args.until else None
    if start is not None and start > now:
        raise SfogoError("--from is in the future: an away period starts now or earlier")
    note = " ".join(args.note.split()) if args.note else ""
    record_away(ctx.store, args.reason, start=start, end=end, note=note, now=now)
    begin = now if start is None else start
    if end is None:
        print(f"Recorded: {args.reason} since {_local(begin)}. 'sfogo back' ends it.")
    else:
        print(f"Recorded: {args.reason} from {_local(begin)} to {_local(end)} "
              f"({span(end - begin)}).")
    return 0


def cmd_back(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.gaps import end_away
    from sfogo.backlog.triage import span

    _id, started, ended, reason = end_away(ctx.store, now=ctx.clock.now())
    print(f"Welcome back: {reason} for {span(ended - started)}, since {_local(started)}.\n"
          "'sfogo backlog' shows what piled up.")
    return 0


# -- gaps --------------------------------------------------------------------------------


def gap_duration(gap, now: int) -> str:
    """'30 hours', '5 days, still open'."""
    from sfogo.backlog.triage import span

    text = span(gap.duration(now))
    return f"{text}, still open" if gap.is_open else text


def _gap_json(gap, now: int) -> dict:
    return {
        "kind": gap.kind, "source": gap.source, "scope": gap.scope,
        "started_at": gap.started_at, "ended_at": gap.ended_at, "open": gap.is_open,
        "duration_s": gap.duration(now), "account_id": gap.account_id,
        "account": gap.account or None, "client_id": gap.client_id,
        "client": gap.client or None, "runs": gap.runs, "outcomes": dict(gap.kinds),
        "detail": gap.detail,
    }


def _grouped(gaps: list) -> list[list]:
    """Sync gaps of one kind that began and ended together (one outage seen by many
    accounts) share a line; 15 minutes is one sync interval."""
    groups: list[list] = []
    for gap in gaps:
        for group in groups:
            first = group[0]
            if (gap.source == first.source == "sync" and gap.kind == first.kind
                    and abs(gap.started_at - first.started_at) <= 900
                    and (gap.ended_at is None) == (first.ended_at is None)
                    and (gap.ended_at is None or abs(gap.ended_at - first.ended_at) <= 900)):
                group.append(gap)
                break
        else:
            groups.append([gap])
    return groups


def _scope(group: list, accounts: int) -> str:
    gap = group[0]
    if gap.source == "away":
        return "you" + (f": {gap.detail}" if gap.detail else "")
    if len(group) == 1:
        return f"{gap.account} ({gap.client})"
    if len(group) == accounts:
        return f"every account ({len(group)})"
    clients = {g.client for g in group}
    if len(clients) == 1:
        return f"{len(group)} accounts of {gap.client}"
    return f"{len(group)} of {accounts} accounts ({len(clients)} clients)"


def cmd_gaps(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.gaps import find_gaps

    store = ctx.store
    now = ctx.clock.now()
    since = when.parse_when(args.since, ref=now, past=True) if args.since else None
    until = when.parse_when(args.until, ref=now, past=True) if args.until else None
    client_id = store.clients.get(args.client).id if args.client else None
    gaps = find_gaps(store, since=since, until=until, client_id=client_id, now=now)
    if args.json:
        _output.print_json([_gap_json(g, now) for g in gaps])
        return 0
    if not gaps:
        print("No gaps: sfogo could see every account, and you were never away."
              if since is None else f"No gaps since {_local(since)}.")
        return 0
    accounts = len(store.accounts.all(client_id))
    rows = []
    for group in _grouped(gaps):
        gap = group[0]
        rows.append((_local(gap.started_at), gap_duration(gap, now), gap.kind,
                     _scope(group, accounts)))
    _output.table(rows, ("STARTED", "LASTED", "KIND", "WHAT"))
    still = sum(g.is_open for g in gaps)
    print(f"{len(gaps)} gap{'s' * (len(gaps) != 1)}"
          + (f", {still} still open" if still else "")
          + ("; --json lists every account's gap" if len(rows) < len(gaps) else ""))
    return 0


# -- backlog -----------------------------------------------------------------------------


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in counts.items())


def cmd_backlog(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.measure import summarize

    store = ctx.store
    now = ctx.clock.now()
    settings = _settings(ctx)
    gaps = find_gaps(store, now=now)
    summary = summarize(store, settings, now=now, gaps=gaps)
    if args.client:
        wanted = store.clients.get(args.client).id
        summary = [s for s in summary if s.client_id == wanted]
    if args.json:
        _output.print_json([s.as_dict() for s in summary])
        return 0
    total = sum(s.count for s in summary)
    if not gaps:
        print("No backlog: no gaps recorded, so nothing piled up unseen.")
        return 0
    still = sum(g.is_open for g in gaps)
    print(f"Backlog: {total:,} item{'s' * (total != 1)} left by {len(gaps)} "
          f"gap{'s' * (len(gaps) != 1)}" + (f" ({still} still open)" if still else ""))
    print()
    rows = []
    for s in summary:
        rows.append((s.client, s.tier, f"{s.count:,}", f"{s.past_target:,}",
                     f"{s.unanswerable:,}",
                     _output.ago(s.oldest_at, ref=now) if s.oldest_at else "-"))
    _output.table(rows, ("CLIENT", "TIER", "ITEMS", "PAST TARGET", "UNANSWERABLE", "OLDEST"),
                  flex=0)
    width = _output.width()
    for s in summary:
        if not s.count:
            continue
        print()
        print(excerpt(f"{s.client}: {s.count:,} items", width))
        data = s.as_dict()
        print("  " + excerpt(f"by kind: {_counts(data['by_kind'])}", width - 2))
        print("  " + excerpt(f"by channel: {_counts(data['by_channel'])}", width - 2))
        if s.unanswerable:
            print("  " + excerpt(f"{s.unanswerable:,} can no longer be answered (the "
                                 "platform's reply window closed)", width - 2))
    return 0


# -- next, why ---------------------------------------------------------------------------


def _terms_json(breakdown) -> list[dict]:
    return [{"name": t.name, "factor": t.factor, "coefficient": t.coefficient,
             "contribution": t.contribution, "note": t.note} for t in breakdown.terms]


def _rounded(values: list[float], total: float, places: int = 2) -> list[float]:
    """Round ``values`` so that they add up to ``total`` rounded (largest remainder)."""
    scale = 10 ** places
    floors = [int((v * scale) // 1) for v in values]
    missing = round(total * scale) - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (v := values[i] * scale) - int(v // 1),
                   reverse=True)
    for i in order[:max(0, missing)]:
        floors[i] += 1
    return [f / scale for f in floors]


def _describe(row: dict, now: int) -> str:
    who = row["author_name"] or row["author_handle"]
    return (f"{row['client']} · {row['channel']} {row['kind']} from {who}, "
            f"{_output.ago(row['created_at'], ref=now)}")


def _breakdown_for(store, row: dict, settings, now: int):
    from sfogo.backlog.triage import explain, gap_spans

    spans = gap_spans(store, now)
    return explain(row, settings, now, in_gap=spans.covers(row["account_id"], row["created_at"]))


def _print_breakdown(row: dict, breakdown, now: int) -> None:
    width = _output.width()
    print(excerpt(f"#{row['id']}  score {breakdown.score:.2f}  {_describe(row, now)}", width))
    print("  " + excerpt(row["text"], width - 2))
    if breakdown.unanswerable:
        closed = breakdown.window_closes_at
        print(textwrap.fill(f"UNANSWERABLE: {row['channel']} accepts a reply only within "
                            f"{_span(closed - row['created_at'])} of the person's message; "
                            f"that window closed {_output.ago(closed, ref=now)}.", width))
    print()
    shown = _rounded([t.contribution for t in breakdown.terms], breakdown.score)
    rows = [(t.name, f"{t.factor:.2f}", f"{t.coefficient:g}", f"{c:.2f}", t.note)
            for t, c in zip(breakdown.terms, shown)]
    rows.append(("score", "", "", f"{breakdown.score:.2f}", "the sum of the terms"))
    _output.table(rows, ("TERM", "FACTOR", "COEF", "POINTS", "WHY"))


def _span(seconds: int) -> str:
    from sfogo.backlog.triage import span

    return span(seconds)


def cmd_next(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.triage import triage_rows
    from sfogo.inbox.store import InboxFilter

    store = ctx.store
    now = ctx.clock.now()
    store.marks.wake_snoozed(now=now)
    settings = _settings(ctx)
    flt = InboxFilter()
    if args.client:
        flt.client_ids = [store.clients.get(name).id for name in args.client]
    rows = triage_rows(store, flt, settings, now, limit=1)
    if not rows:
        if args.json:
            _output.print_json(None)
        else:
            print("Nothing to do: no new or open items.")
        return 0
    row = rows[0]
    breakdown = _breakdown_for(store, row, settings, now)
    if args.json:
        _output.print_json({**row, "terms": _terms_json(breakdown)})
        return 0
    _print_breakdown(row, breakdown, now)
    print()
    print(f"sfogo show {row['id']} for the conversation; sfogo done {row['id']} when answered.")
    return 0


def cmd_why(args: argparse.Namespace, ctx) -> int:
    from sfogo.backlog.triage import deadline_at, window_closes_at

    text = args.id.lstrip("#")
    if not text.isdigit():
        raise SfogoError(f"bad id {args.id!r}: ids are whole numbers ('sfogo list' shows them)")
    store = ctx.store
    now = ctx.clock.now()
    row = store.items.get(int(text))
    settings = _settings(ctx)
    breakdown = _breakdown_for(store, row, settings, now)
    if args.json:
        _output.print_json({
            "id": row["id"], "score": breakdown.score, "unanswerable": breakdown.unanswerable,
            "deadline_at": deadline_at(row, settings),
            "window_closes_at": window_closes_at(row, settings),
            "status": row["status"], "terms": _terms_json(breakdown),
        })
        return 0
    _print_breakdown(row, breakdown, now)
    if row["status"] not in ("new", "open"):
        print(f"(the item is {row['status']}: triage ranks new and open items only)")
    return 0


# -- registration ------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("away", help="record time you cannot work (away, sick, offline)",
                       description="Record an away period; without --until it lasts until "
                       "'sfogo back'. Items that arrive meanwhile count as backlog.")
    p.add_argument("--reason", default="away", choices=AWAY_REASONS,
                   help="away (default), sick or offline")
    p.add_argument("--from", dest="start", metavar="WHEN",
                   help="when it began (default now): 2d, monday, 'yesterday 9:00', ISO 8601")
    p.add_argument("--until", metavar="WHEN", help="when it ends (default: open until 'back')")
    p.add_argument("--note", metavar="TEXT", help="a note for yourself and the reports")
    p.set_defaults(func=cmd_away)

    p = sub.add_parser("back", help="end the open away period")
    p.set_defaults(func=cmd_back)

    p = sub.add_parser("gaps", help="when sfogo could not see, or you were away",
                       description="Every gap: failed sync runs per account and away periods.")
    p.add_argument("--since", metavar="WHEN", help="only gaps since then: 7d, monday, ISO 8601")
    p.add_argument("--until", metavar="WHEN", help="only gaps until then")
    p.add_argument("--client", metavar="C", help="only gaps that touched this client")
    p.add_argument("--json", action="store_true", help="print JSON, one object per gap")
    p.set_defaults(func=cmd_gaps)

    p = sub.add_parser("backlog", help="what the gaps left behind, per client")
    p.add_argument("--client", metavar="C", help="only this client")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_backlog)

    p = sub.add_parser("next", help="the most urgent item, and why")
    p.add_argument("--client", action="append", metavar="C", help="only this client (repeatable)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_next)

    p = sub.add_parser("why", help="an item's urgency score, term by term")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_why)


# -- `sfogo list` in triage order (called from inbox_cmds) -------------------------------


def sort_order(args: argparse.Namespace, flt) -> str:
    """``--sort`` as given; by default most urgent first for what still needs the manager,
    newest first once done or ignored items are asked for (their urgency means nothing)."""
    from sfogo.inbox.model import OPEN_STATUSES, STATUSES

    chosen = getattr(args, "sort", None)
    if chosen:
        return chosen
    return "score" if set(flt.statuses or STATUSES) <= set(OPEN_STATUSES) else "newest"


def backlog_narrowed(args: argparse.Namespace, store, flt, now: int):
    """``list --backlog``: only what the gaps left behind (see backlog/measure.py)."""
    if not getattr(args, "backlog", False):
        return flt
    from sfogo.backlog.measure import backlog_filter

    return backlog_filter(store, now=now, base=flt)


def triage_list_rows(args: argparse.Namespace, store, flt, limit: int | None, now: int):
    """``list``'s rows, most urgent first, each with its score and triage fields."""
    from sfogo.backlog.settings import load
    from sfogo.backlog.triage import apply_keywords, iter_rows

    before = None
    if getattr(args, "backlog", False):  # the cutoffs bound each index stream directly
        from sfogo.backlog.gaps import find_gaps
        from sfogo.backlog.measure import cutoffs

        before = cutoffs(store, find_gaps(store, now=now), now)
    settings = load(getattr(args, "config", None), store=store)
    apply_keywords(store, settings)  # the config's keywords, if they changed: a write
    return iter_rows(store, flt, settings, now, limit=limit, before=before)
