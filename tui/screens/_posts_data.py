"""What the Posts screen shows, read off the UI thread: the problems first, then the days.

Problems are the posts that need a decision (missed, vanished, failed, held, at risk) due in
the last two weeks or any time ahead; then every other post of today and the seven days
ahead, day by day; then the three days behind, the latest first (a 30-hour outage fits in
them). Late posts stay in their day: they went out, and the manager has nothing to decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sfogo.backlog.posts import DECISION_WINDOW_S, ShownPost, list_posts
from sfogo.inbox.i18n import _
from sfogo.inbox.posts.states import AT_RISK, NEEDS_DECISION
from sfogo.inbox.store import Store
from sfogo.inbox.timefmt import strftime

DAYS_BEHIND = 3
DAYS_AHEAD = 7


@dataclass(slots=True)
class PostsView:
    """Lines of the list: ``("head", text)`` or ``("post", ShownPost)``, and a summary."""

    lines: list[tuple[str, object]] = field(default_factory=list)
    complete: bool = True  # False: the first screenful, the rest is being read
    problems: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # problem state -> posts


def _day_label(day, today) -> str:
    name = f"{strftime(day, '%a')} {day.day} {strftime(day, '%b')}"
    offset = (day - today).days
    word = {-1: _("Yesterday"), 0: _("Today"), 1: _("Tomorrow")}.get(offset)
    return f"{word} · {name}" if word else name


def read_posts(store: Store, now: int, *, first: int | None = None) -> PostsView:
    """The screen's lines at ``now`` (local days in the machine's time zone, like the app);
    ``first``: only the problems and that many posts from today on (the first screenful,
    drawn while the rest is read)."""
    today = datetime.fromtimestamp(now).astimezone().date()
    start = today if first is not None else today - timedelta(days=DAYS_BEHIND)
    since = int(datetime(start.year, start.month, start.day).astimezone().timestamp())
    end_day = today + timedelta(days=DAYS_AHEAD + 1)
    until = int(datetime(end_day.year, end_day.month, end_day.day).astimezone().timestamp())
    wanted = (*NEEDS_DECISION, AT_RISK)
    problems: list[ShownPost] = list_posts(
        store, now=now, states=wanted, since=now - DECISION_WINDOW_S
    )
    posts = list_posts(store, now=now, since=since, until=until, limit=first)
    view = PostsView(complete=first is None)
    if problems:
        view.lines.append(("head", _("Needs a decision · {count}").format(count=len(problems))))
        view.lines += [("post", p) for p in problems]
        view.problems = len(problems)
        for p in problems:
            view.counts[p.state] = view.counts.get(p.state, 0) + 1
    ahead: dict = {}
    behind: dict = {}
    for p in posts:
        if p.needs_decision:
            continue
        day = datetime.fromtimestamp(p.row["at"]).astimezone().date()
        (ahead if day >= today else behind).setdefault(day, []).append(p)
    # The days ahead first (what is coming), then the days behind, the latest first.
    for day in [*sorted(ahead), *sorted(behind, reverse=True)]:
        view.lines.append(("head", _day_label(day, today)))
        view.lines += [("post", p) for p in (ahead.get(day) or behind[day])]
    return view
