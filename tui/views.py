"""Saved views (keys 1–9) and the filters laid over them: what the inbox lists, and in which order.

A view is a named filter. Five come built in on keys 1–5, and "Done recently" on key 0: what
was done in the last 7 days, the latest first, so a mistake is easy to find and ``o``
reopens it (on 0 so the config's views keep their numbers). The config adds more on 6–9,
like gh-dash's sections::

    [[views]]
    name = "Rome, private"
    client = "Hotel Roma Centrale"     # a name or a list of names
    channel = ["instagram", "facebook"]
    kind = ["dm", "email"]
    status = ["new", "open", "snoozed"] # default: new and open
    tier = "vip"
    backlog = true                      # only what the gaps left behind
    due = "today"                       # or a duration: "4h" (the response target runs out by then)
    search = "rimborso"
    tag = "invoice"
    pinned = true
    done_within = "7d"                  # done (or ignored) this recently, the latest first
    assignee = "Anna"                   # a team member's items (sfogo team)

On a team's inbox the app that knows who you are (inbox/team.py) adds "Mine" after the
built-in views: the items assigned to you, most urgent first.

A user view named like a built-in one replaces it. Views are checked when the app starts;
each mistake is one line and the view is left out, nothing crashes.

Resolving a view (names to ids, backlog cutoffs, due horizons) needs the store, so it runs
in the list's worker: :func:`resolve` turns a view and the ``f`` filters into a
:class:`Query`, and :func:`iter_query_ids` lists its ids in urgency order (the triage
index) or, when urgency would mean scoring a huge set (done items, a search matching
thousands), newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.model import CHANNELS, KINDS, STATUSES, TIERS
from sfogo.inbox.store import InboxFilter, Store
from sfogo.inbox.text import sanitize
from sfogo.inbox.when import parse_duration

MAX_VIEWS = 9  # keys 1-9
NAME_MAX = 24
# A search matching at most this many items (any status) is ranked by urgency, scored in
# memory: at 1M items, 27k matches of which 3k open took 50-90 ms. A bigger one is listed
# newest first (architecture: ranking a big match set is slow; recency is index-served).
SEARCH_RANK_LIMIT = 30_000
URGENCY, NEWEST = "urgency", "newest"
HANDLED = "handled"  # the latest done first (a view with done_within)
# Statuses triage ranks; the others (done, ignored) list newest first.
RANKED_STATUSES = ("new", "open", "snoozed")


@dataclass(frozen=True, slots=True)
class View:
    """A named filter. Empty fields do not narrow; ``statuses`` empty means new and open."""

    name: str
    clients: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    backlog: bool = False
    due: str = ""  # "", "today" or a duration ("4h")
    search: str = ""
    tag: str = ""
    pinned: bool | None = None
    done_within: str = ""  # "", or a duration ("7d"): handled this recently, latest first
    assignee: str = ""  # "", or a team member's name: only the items assigned to them


DEFAULT_VIEWS = (
    View(N_("Inbox")),
    View(N_("Backlog"), backlog=True),
    View(N_("Due today"), due="today"),
    View(N_("VIP"), tiers=("vip",)),
    View(N_("Private messages"), kinds=("dm", "email")),
)
DONE_RECENTLY = View(N_("Done recently"), statuses=("done",), done_within="7d")  # key 0


@dataclass(slots=True)
class Filters:
    """What ``f`` lays over the current view (client ids, channels, kinds, statuses)."""

    client_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    backlog: bool = False

    def active(self) -> bool:
        return bool(self.client_ids or self.channels or self.kinds or self.statuses or self.backlog)


def listed_statuses(view: View, filters: Filters) -> tuple[str, ...]:
    """The statuses a view with these filters lists (a change to another status takes the
    item out of the list at once)."""
    a, b = view.statuses, filters.statuses
    if a and b:
        return tuple(s for s in a if s in b)
    return tuple(a or b or ("new", "open"))


def empty_text(view: View, view_index: int, filters: Filters, search: str) -> str:
    """What the list says when nothing is in it, and how to get something back."""
    if search:
        return _("No match. Escape clears the search.")
    if filters.active():
        return _("Nothing matches these filters: f changes them.")
    if view_index:
        return _("Nothing in {name}. 1 shows the whole inbox.").format(name=_(view.name))
    return _("Inbox zero: nothing new or open.")


def filter_words(filters: Filters, client_names: dict[int, str]) -> list[str]:
    """What the filters keep, in a few words for the view bar (client names cut short)."""
    from sfogo.inbox.model import CHANNEL_SHORT

    from .widgets._format import one_line

    words = []
    if filters.client_ids:
        words.append(
            ", ".join(one_line(client_names.get(i, f"#{i}"), 30) for i in filters.client_ids)
        )
    if filters.channels:
        words.append(",".join(CHANNEL_SHORT.get(c, c) for c in filters.channels))
    if filters.kinds:
        words.append(",".join(filters.kinds))
    if filters.statuses:
        words.append(",".join(filters.statuses))
    if filters.backlog:
        words.append("backlog")
    return words


# -- the config ---------------------------------------------------------------------------

_FIELDS = (
    "name",
    "client",
    "channel",
    "kind",
    "status",
    "tier",
    "backlog",
    "due",
    "search",
    "tag",
    "pinned",
    "done_within",
    "assignee",
)
_VOCAB = {"channel": CHANNELS, "kind": KINDS, "status": STATUSES, "tier": TIERS}


def _strings(label: str, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SfogoError(
            _("{label}: {key} must be a word or a list of words").format(label=label, key=key)
        )
    words = tuple(dict.fromkeys(sanitize(v, single_line=True).strip() for v in value))
    allowed = _VOCAB.get(key)
    if allowed:
        for word in words:
            if word not in allowed:
                raise SfogoError(
                    _("{label}: unknown {key} {word!r}: use {names}").format(
                        label=label, key=key, word=word, names=", ".join(allowed)
                    )
                )
    return words


def _view(label: str, table: object) -> View:
    label = f"config: {label}"
    if not isinstance(table, dict):
        raise SfogoError(_("{label} must be a table with a name and filters").format(label=label))
    unknown = sorted(set(table) - set(_FIELDS), key=str)
    name = table.get("name")
    if isinstance(name, str) and name.strip():
        name = sanitize(name, single_line=True).strip()[:NAME_MAX]  # shown in the view bar
        label = _("config: view {name!r}").format(name=name)
    if unknown:
        raise SfogoError(
            _("{label} has no field {value!r}: use {names}").format(
                label=label, value=str(unknown[0])[:40], names=", ".join(_FIELDS)
            )
            + ("" if label.startswith("config: view") else _(" (each view is a [[views]] table)"))
        )
    if not isinstance(name, str) or not name:
        raise SfogoError(_("{label} needs a name").format(label=label))
    fields: dict = {"name": name}
    for key, attr in (
        ("client", "clients"),
        ("channel", "channels"),
        ("kind", "kinds"),
        ("status", "statuses"),
        ("tier", "tiers"),
    ):
        if key in table:
            fields[attr] = _strings(label, key, table[key])
    for key in ("backlog", "pinned"):
        if key in table:
            if not isinstance(table[key], bool):
                raise SfogoError(
                    _("{label}: {key} must be true or false").format(label=label, key=key)
                )
            fields[key] = table[key]
    for key in ("search", "tag", "assignee"):
        if key in table:
            if not isinstance(table[key], str):
                raise SfogoError(_("{label}: {key} must be text").format(label=label, key=key))
            fields[key] = " ".join(sanitize(table[key], single_line=True).split())
    if "due" in table:
        due = table["due"]
        if not isinstance(due, str) or not due.strip():
            raise SfogoError(
                _('{label}: due must be "today" or a duration like "4h"').format(label=label)
            )
        due = due.strip().lower()
        if due != "today":
            try:
                parse_duration(due)
            except SfogoError:
                raise SfogoError(
                    _('{label}: due must be "today" or a duration like "4h", not {due!r}').format(
                        label=label, due=due
                    )
                ) from None
        fields["due"] = due
    if "done_within" in table:
        fields["done_within"] = _done_within(label, table["done_within"])
    return View(**fields)


def _done_within(label: str, value: object) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    try:
        if not text or parse_duration(text) <= 0:
            raise SfogoError("")
    except SfogoError:
        raise SfogoError(
            _('{label}: done_within must be a duration like "7d"').format(label=label)
        ) from None
    return text


def parse_views(data: dict) -> tuple[list[View], list[str]]:
    """The views for keys 1–9 (built-in, then the config's), then key 0's ("Done
    recently", or the config's view of that name), and one line per mistake."""
    views = list(DEFAULT_VIEWS)
    done = DONE_RECENTLY
    errors: list[str] = []
    tables = data.get("views", [])
    if isinstance(tables, dict):  # [views] instead of [[views]]: one view, checked alike
        labelled = [("[views]", tables)]
    elif isinstance(tables, list):
        labelled = [(f"[[views]] #{n}", table) for n, table in enumerate(tables, start=1)]
    else:
        return [*views, done], ["config: views must be [[views]] tables, each with a name"]
    for label, table in labelled:
        try:
            view = _view(label, table)
        except SfogoError as exc:
            errors.append(str(exc))
            continue
        same = [i for i, v in enumerate(views) if v.name.casefold() == view.name.casefold()]
        if view.name.casefold() == done.name.casefold():
            done = view
        elif same:
            views[same[0]] = view
        elif len(views) >= MAX_VIEWS:
            errors.append(
                _("config: view {name!r} left out: keys 1-9 hold {max_views} views").format(
                    name=view.name, max_views=MAX_VIEWS
                )
            )
        else:
            views.append(view)
    return [*views, done], errors


def mine_view(views: list[View], name: str) -> tuple[list[View], str]:
    """``views`` with "Mine" (the items assigned to ``name``) after the built-in ones, and
    the line that says why it was left out when keys 1-9 are all taken ('' otherwise)."""
    if len(views) - 1 >= MAX_VIEWS:
        return views, _("the Mine view left out: keys 1-9 hold {n} views").format(n=MAX_VIEWS)
    at = len(DEFAULT_VIEWS)
    return [*views[:at], View(_("Mine"), assignee=name), *views[at:]], ""


def view_keys(count: int) -> list[str]:
    """The keys of ``count`` views as :func:`parse_views` lists them: 1, 2, …, then 0."""
    return [*(str(n) for n in range(1, count)), "0"]


# -- resolving ----------------------------------------------------------------------------


@dataclass(slots=True)
class Query:
    """A resolved view: the store filter, per-account cutoffs, and the order to list in."""

    flt: InboxFilter
    before: dict[int, int] | None = None  # account id -> only items created before this
    order: str = URGENCY
    problems: list[str] = field(default_factory=list)  # e.g. a client that no longer exists
    empty: bool = False  # the filters exclude each other: nothing to read


def _both(a: Sequence, b: Sequence) -> tuple | None:
    """The intersection of two 'any of' lists (empty = no limit); None when nothing is left."""
    if not a:
        return tuple(b)
    if not b:
        return tuple(a)
    both = tuple(x for x in a if x in b)
    return both or None


def end_of_day(now: int) -> int:
    """The next local midnight after ``now``."""
    today = dt.datetime.fromtimestamp(now).astimezone()
    midnight = (today + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp())


def _merge_before(a: dict[int, int] | None, b: dict[int, int]) -> dict[int, int]:
    if a is None:
        return b
    return {acc: min(t, b[acc]) for acc, t in a.items() if acc in b}


def resolve(
    view: View, filters: Filters, store: Store, settings, now: int, *, search: str = "", gaps=None
) -> Query:
    """The view and the ``f`` filters as one query (runs in a worker: it reads the store)."""
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.measure import cutoffs

    problems: list[str] = []
    nothing = False
    flt = InboxFilter(
        statuses=("new", "open"), search=search or view.search, tag=view.tag, pinned=view.pinned
    )
    statuses = _both(view.statuses, filters.statuses)
    if statuses is None:
        nothing = True
    elif statuses:
        flt.statuses = statuses
    client_ids: tuple[int, ...] = ()
    if view.clients or view.tiers:
        rows = [(c.id, c.name, c.tier) for c in store.clients.all()]
        by_name = {name.casefold(): cid for cid, name, _tier in rows}
        wanted = set()
        for name in view.clients:
            cid = by_name.get(name.casefold())
            if cid is None:
                problems.append(
                    _("view {name!r}: no client {name2!r}").format(name=view.name, name2=name)
                )
            else:
                wanted.add(cid)
        if view.clients and view.tiers:
            wanted &= {cid for cid, _n, tier in rows if tier in view.tiers}
        elif view.tiers:
            wanted = {cid for cid, _n, tier in rows if tier in view.tiers}
        client_ids = tuple(sorted(wanted))
        if not client_ids:
            nothing = True
    both = _both(client_ids, filters.client_ids)
    if both is None:
        nothing = True
    flt.client_ids = both or ()
    for attr in ("channels", "kinds"):
        both = _both(getattr(view, attr), getattr(filters, attr))
        if both is None:
            nothing = True
        setattr(flt, attr, both or ())
    if view.assignee:
        member = store.team.find(view.assignee)
        if member is None:
            problems.append(
                _("view {view!r}: no team member {name!r}").format(
                    view=view.name, name=view.assignee
                )
            )
            nothing = True
        else:
            flt.assignee = member.id
    before: dict[int, int] | None = None
    if view.backlog or filters.backlog:
        gaps = find_gaps(store, now=now) if gaps is None else gaps
        before = cutoffs(store, gaps, now)
    if view.due:
        horizon = end_of_day(now) if view.due == "today" else now + parse_duration(view.due)
        due: dict[int, int] = {}
        for o in store.accounts.owners():
            # Due by the horizon: created_at + target <= horizon.
            due[o.account_id] = horizon - settings.target_s(o.tier, o.client_id, o.own_target_s) + 1
        before = _merge_before(before, due)
    if before is not None and not before:
        nothing = True
    order = URGENCY
    if view.done_within:
        flt.handled_since = now - parse_duration(view.done_within)
        order = HANDLED
    elif any(s not in RANKED_STATUSES for s in (flt.statuses or STATUSES)):
        order = NEWEST  # ranking every done item would score the whole file
    elif flt.search and not nothing and store.items.search_exceeds(flt.search, SEARCH_RANK_LIMIT):
        order = NEWEST
    return Query(flt, before, order, problems, empty=nothing)


def with_cutoffs(flt: InboxFilter, before: dict[int, int] | None) -> InboxFilter:
    """``flt`` narrowed by the per-account cutoffs (for the newest-first listing)."""
    from sfogo.backlog.measure import with_cutoffs as narrowed

    return narrowed(flt, before)


def iter_query_ids(store: Store, query: Query, settings, now: int, *, gaps=None) -> Iterator[int]:
    """The query's ids in its order, lazily (the first page of the urgency order comes from
    the triage index in milliseconds; the rest streams)."""
    if query.empty:
        return iter(())
    if query.order in (NEWEST, HANDLED):
        flt = with_cutoffs(query.flt, query.before)
        return store.items.iter_ids(flt, by_handled=query.order == HANDLED)
    from sfogo.backlog.triage import iter_triage

    ranked = iter_triage(store, query.flt, settings, now, before=query.before, gaps=gaps)
    return (r.id for r in ranked)
