"""Triage: ``next`` and ``why``, and the urgency order ``list`` uses.

Human output fits 80 columns; ``--json`` prints stable field names (times in ISO 8601 UTC).
Backlog modules are imported inside the commands so ``sfogo --help`` stays quick.
"""

from __future__ import annotations

import textwrap

import click

from sfogo.inbox.i18n import N_, _
from sfogo.inbox.rows import ItemRow

from . import _output
from ._context import Context
from ._group import Topic, json_flag, pass_context
from ._table import cut
from ._types import ItemId

topic = Topic("triage")


def settings_for(ctx: Context):
    """The triage settings: the config file's, with each client's own response target.

    When the config's keyword lists differ from those the file's triage keys were computed
    with, the keys are recomputed here: an explicit write, before any read ranks items."""
    from sfogo.backlog.settings import load
    from sfogo.backlog.triage import apply_keywords

    settings = load(ctx.config_path, store=ctx.store)
    apply_keywords(ctx.store, settings)
    return settings


def _terms_json(breakdown) -> list[dict]:
    return [
        {
            "name": t.name,
            "factor": t.factor,
            "coefficient": t.coefficient,
            "contribution": t.contribution,
            "note": t.note,
        }
        for t in breakdown.terms
    ]


def _rounded(values: list[float], total: float, places: int = 2) -> list[float]:
    """Round ``values`` so that they add up to ``total`` rounded (largest remainder)."""
    scale = 10**places
    floors = [int((v * scale) // 1) for v in values]
    missing = round(total * scale) - sum(floors)
    order = sorted(
        range(len(values)), key=lambda i: (v := values[i] * scale) - int(v // 1), reverse=True
    )
    for i in order[: max(0, missing)]:
        floors[i] += 1
    return [f / scale for f in floors]


def _describe(row: ItemRow, now: int) -> str:
    who = row["author_name"] or row["author_handle"]
    return _("{client} · {channel} {kind} from {who}, {ago}").format(
        client=row["client"],
        channel=row["channel"],
        kind=row["kind"],
        who=who,
        ago=_output.ago(row["created_at"], ref=now),
    )


def _breakdown_for(store, row: ItemRow, settings, now: int):
    from sfogo.backlog.triage import explain, gap_spans

    spans = gap_spans(store, now)
    return explain(row, settings, now, in_gap=spans.covers(row["account_id"], row["created_at"]))


def _print_breakdown(row: ItemRow, breakdown, now: int) -> None:
    from sfogo.backlog.triage import span

    width = _output.width()
    print(
        cut(
            _("#{id}  score {score:.2f}  {describe}").format(
                id=row["id"], score=breakdown.score, describe=_describe(row, now)
            ),
            width,
        )
    )
    print("  " + cut(row["text"], width - 2))
    if breakdown.unanswerable:
        closed = breakdown.window_closes_at
        print(
            textwrap.fill(
                _(
                    "UNANSWERABLE: {channel} accepts a reply only within {span} of the "
                    "person's message; that window closed {ago}."
                ).format(
                    channel=row["channel"],
                    span=span(closed - row["created_at"]),
                    ago=_output.ago(closed, ref=now),
                ),
                _output.wrap_width(),
            )
        )
    print()
    shown = _rounded([t.contribution for t in breakdown.terms], breakdown.score)
    rows = [
        (t.name, f"{t.factor:.2f}", f"{t.coefficient:g}", f"{c:.2f}", t.note)
        for t, c in zip(breakdown.terms, shown, strict=True)
    ]
    rows.append(("score", "", "", f"{breakdown.score:.2f}", _("the sum of the terms")))
    _output.table(rows, ("TERM", "FACTOR", "COEF", "POINTS", "WHY"), page=False)


@topic.command("next", short_help=N_("the most urgent item, and why"))
@click.option(
    "--client", "clients", multiple=True, metavar="C", help=N_("only this client (repeatable)")
)
@json_flag()
@pass_context
def next_item(ctx: Context, clients: tuple[str, ...], as_json: bool) -> int:
    """Show the most urgent item waiting for you, with the terms of its score: what to
    answer first, and why."""
    from sfogo.backlog.triage import triage_rows
    from sfogo.inbox.store import InboxFilter

    store = ctx.store
    now = ctx.clock.now()
    store.marks.wake_snoozed(now=now)
    settings = settings_for(ctx)
    flt = InboxFilter()
    if clients:
        flt.client_ids = [store.clients.get(name).id for name in clients]
    rows = triage_rows(store, flt, settings, now, limit=1)
    if not rows:
        if as_json:
            _output.print_json(None)
        else:
            print(_("Nothing to do: no new or open items."))
        return 0
    row = rows[0]
    breakdown = _breakdown_for(store, row, settings, now)
    if as_json:
        _output.print_json({**row, "terms": _terms_json(breakdown)})
        return 0
    _print_breakdown(row, breakdown, now)
    print()
    print(
        _("sfogo show {id} for the conversation; sfogo done {id} when answered.").format(
            id=row["id"]
        )
    )
    return 0


@topic.command("why", short_help=N_("an item's urgency score, term by term"))
@click.argument("item_id", metavar="ID", type=ItemId())
@json_flag()
@pass_context
def why(ctx: Context, item_id: int, as_json: bool) -> int:
    """Explain an item's urgency score term by term (tier, age, reply window, gap,
    keywords…), with the coefficient and the points of each."""
    from sfogo.backlog.triage import deadline_at, window_closes_at

    store = ctx.store
    now = ctx.clock.now()
    row = store.items.get(item_id)
    settings = settings_for(ctx)
    breakdown = _breakdown_for(store, row, settings, now)
    if as_json:
        _output.print_json(
            {
                "id": row["id"],
                "score": breakdown.score,
                "unanswerable": breakdown.unanswerable,
                "deadline_at": deadline_at(row, settings),
                "window_closes_at": window_closes_at(row, settings),
                "status": row["status"],
                "terms": _terms_json(breakdown),
            }
        )
        return 0
    _print_breakdown(row, breakdown, now)
    if row["status"] not in ("new", "open"):
        print(
            _("(the item is {status}: triage ranks new and open items only)").format(
                status=row["status"]
            )
        )
    return 0


# -- `sfogo list` in triage order ------------------------------------------------------------


def list_order(chosen: str | None, flt) -> str:
    """``--sort`` as given; by default most urgent first for what still needs the manager,
    newest first once done or ignored items are asked for (their urgency means nothing)."""
    from sfogo.inbox.model import OPEN_STATUSES, STATUSES

    if chosen:
        return chosen
    return "score" if set(flt.statuses or STATUSES) <= set(OPEN_STATUSES) else "newest"


def backlog_narrowed(ctx: Context, flt, *, now: int):
    """``list --backlog``: only what the gaps left behind (see backlog/measure.py)."""
    from sfogo.backlog.measure import backlog_filter

    return backlog_filter(ctx.store, now=now, base=flt)


def triage_list_rows(ctx: Context, flt, *, limit: int | None, backlog: bool, now: int):
    """``list``'s rows, most urgent first, each with its score and triage fields."""
    from sfogo.backlog.triage import iter_rows

    store = ctx.store
    before = None
    if backlog:  # the cutoffs bound each index stream directly
        from sfogo.backlog.gaps import find_gaps
        from sfogo.backlog.measure import cutoffs

        before = cutoffs(store, find_gaps(store, now=now), now)
    return iter_rows(store, flt, settings_for(ctx), now, limit=limit, before=before)
