"""Away mode (key ``a``): the manager says they are away, sick or offline, and back again.

The app runs these in a thread worker with that thread's own ``Store``; each returns the
sentence the app shows. While away, every account counts as unwatched (a gap), so the
backlog and the health bar change with it. On a team's inbox the app that knows who you are
records your own period instead (``member_id``): the others still watch the inbox, and the
catch-up plan leaves your hours out (backlog/team_hours.py).
"""

from __future__ import annotations

from sfogo.inbox.i18n import _
from sfogo.inbox.store import Store
from sfogo.inbox.timefmt import span_precise

from .widgets._format import local_time


def end_away(store: Store, now: int, member_id: int | None = None) -> str | None:
    """End the open away period and say for how long it ran; None when not away."""
    from sfogo.backlog.gaps import end_away as end
    from sfogo.backlog.gaps import open_away

    if open_away(store, member_id) is None:
        return None
    _id, started, ended, was = end(store, member_id=member_id, now=now)
    return _("Back: {was} for {span_precise}, since {local_time}.").format(
        was=was, span_precise=span_precise(ended - started), local_time=local_time(started, now)
    )


def start_away(store: Store, reason: str, now: int, member_id: int | None = None) -> str:
    """Record an away period starting now."""
    from sfogo.backlog.gaps import record_away

    record_away(store, reason, member_id=member_id, now=now)
    return _("{capitalize} since {local_time}: press a when back.").format(
        capitalize=reason.capitalize(), local_time=local_time(now, now)
    )
