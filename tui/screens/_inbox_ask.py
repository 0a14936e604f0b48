"""What the inbox asks before it changes items: a batch of more than :data:`BULK` items, and
a snooze that would take items past a reply window or a response target
(backlog/snooze_risk.py), read off the UI thread."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from sfogo.backlog.snooze_risk import WINDOW, SnoozeRisk, snooze_risks
from sfogo.inbox.i18n import _, ngettext
from sfogo.inbox.store import Store
from sfogo.inbox.timefmt import span_words

from ..widgets._format import local_time

BULK = 10  # a change to more items than this asks first
CHUNK = 500  # rows read at a time


class SnoozeChecked(Message):
    """What snoozing ``ids`` until ``until`` would take past a deadline."""

    def __init__(self, ids: tuple[int, ...], until: int, risks: list[SnoozeRisk]) -> None:
        super().__init__()
        self.ids = ids
        self.until = until
        self.risks = risks


def check_snooze(host, ids: Sequence[int], until: int) -> None:
    """Read the items in a worker of ``host`` (the inbox screen), which gets
    :class:`SnoozeChecked`."""
    app = host.sfogo
    now = app.now()
    ids = tuple(ids)

    def work() -> None:
        risks: list[SnoozeRisk] = []
        with Store(app.db_path) as store:  # this thread's own connection
            settings = app.settings_for(store)
            for start in range(0, len(ids), CHUNK):
                rows = store.items.by_ids(ids[start : start + CHUNK]).values()
                risks += snooze_risks(rows, settings, until=until, now=now)
        host.post_message(SnoozeChecked(ids, until, risks))

    host.run_worker(
        work, name="snooze-check", group="snooze-check", thread=True, exit_on_error=False
    )


def snooze_question(count: int, until: int, risks: Sequence[SnoozeRisk], now: int) -> str | None:
    """What to ask before snoozing ``count`` items until ``until`` (None: nothing to ask)."""
    when = local_time(until, now)
    if count == 1 and risks:
        risk = risks[0]
        if risk.what == WINDOW:
            return _(
                "This {channel} {kind}'s reply window closes in {span}, before the snooze "
                "ends ({when}); after that {channel} refuses a reply. Snooze past it?"
            ).format(
                channel=risk.channel, kind=risk.kind, span=span_words(risk.at - now), when=when
            )
        return _(
            "This item's response target runs out in {span}, before the snooze ends "
            "({when}). Snooze past it?"
        ).format(span=span_words(risk.at - now), when=when)
    if count <= BULK and not risks:
        return None
    lines = [_("Snooze {count:,} items until {when}?").format(count=count, when=when)]
    windows = [r for r in risks if r.what == WINDOW]
    targets = len(risks) - len(windows)
    if windows:
        lines.append(
            ngettext(
                "{n:,} reply window closes before then (the first in {span}).",
                "{n:,} reply windows close before then (the first in {span}).",
                len(windows),
            ).format(n=len(windows), span=span_words(windows[0].at - now))
        )
    if targets:
        lines.append(
            ngettext(
                "{n:,} response target runs out before then.",
                "{n:,} response targets run out before then.",
                targets,
            ).format(n=targets)
        )
    return "\n".join(lines)
