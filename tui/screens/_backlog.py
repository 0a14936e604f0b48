"""The backlog screen (key ``b``): what the gaps left behind, why, and how to catch up.

Top to bottom: each client's backlog (``backlog.measure.summarize``), the catch-up plan
(``backlog.plan.make_plan``: when it is cleared, what will be late), the burndown (the last
14 days and the plan's way to zero), the gap timeline, and the plan's first batches.

Three named thread workers, each with its own connection, fill it in (the summary and the
timeline; the burndown's past; the plan, which is the slowest), so the screen paints at once
with "computing…" and each part appears when it is ready. It reads again when the file
changes (``PRAGMA data_version``) and when the screen comes back to the front.
"""
from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.model import CHANNEL_SHORT
from sfogo.inbox.store import Store

from ..widgets import KeyFooter
from ..widgets._burndown import Burndown, BurndownData, backlog_history, projection
from ..widgets._format import age_short, count_short, fit, fit_right, local_time, one_line
from ..widgets._health import HealthBar, initials
from ..widgets._lines import LinesWidget
from ..widgets._timeline import GapTimeline, Timeline, build_timeline
from ._base import SfogoScreen

POLL_S = 2.0
DAYS = 14
NARROW = 60
TIER_SHORT = {"vip": "vip", "high": "high", "normal": "norm", "low": "low"}


# -- what the workers read ---------------------------------------------------------------------


def load_config(config_path: str | Path | None) -> dict:
    """The config as ``sfogo plan`` reads it: a file named on purpose must exist; the
    default one (or ``SFOGO_CONFIG`` naming a file not written yet) may be missing."""
    from sfogo.inbox import config

    path = config_path
    if path and os.fspath(path) == os.environ.get("SFOGO_CONFIG") and not (
            Path(path).expanduser().exists()):
        path = None
    return config.load(path)


def _settings(data: dict, store: Store):
    from sfogo.backlog.settings import client_targets, from_dict

    return from_dict(data).with_client_targets(client_targets(store))


@dataclass(frozen=True, slots=True)
class Summary:
    clients: list  # backlog.measure.ClientBacklog, largest backlog first
    gaps: int
    open_gaps: int
    timeline: Timeline


@dataclass(frozen=True, slots=True)
class BatchView:
    number: int
    client: str
    channel: str
    items: int
    effort_s: int
    start_at: int | None
    late: int


@dataclass(frozen=True, slots=True)
class PlanView:
    """What the screen shows of a plan (the plan itself can hold 100k items)."""

    status: str
    finish_at: int | None
    items: int
    effort_s: int
    share: float
    misses_target: int
    misses_window: int
    unanswerable: int
    batches: tuple[BatchView, ...]
    batch_count: int
    client_finish: dict[int, tuple[str, int | None]]
    future: tuple[int, ...]


def read_summary(store: Store, data: dict, now: int) -> Summary:
    from sfogo.backlog.gaps import find_gaps
    from sfogo.backlog.measure import summarize

    gaps = find_gaps(store, now=now)
    clients = summarize(store, _settings(data, store), now=now, gaps=gaps)
    clients.sort(key=lambda c: (-c.count, c.client))
    accounts = [(o.account_id, o.client, o.channel) for o in store.accounts.owners()]
    return Summary(clients, len(gaps), sum(g.is_open for g in gaps),
                   build_timeline(accounts, gaps, now, DAYS))


def read_history(store: Store, now: int) -> list[int]:
    from sfogo.backlog.gaps import find_gaps

    return backlog_history(store, find_gaps(store, now=now), now, DAYS)


def read_plan(store: Store, data: dict, now: int, batches: int = 12) -> PlanView:
    from sfogo.backlog.plan import make_plan
    from sfogo.backlog.workhours import WorkHours
    from sfogo.inbox.config import section

    work = WorkHours.from_config(section(data, "work"))
    plan = make_plan(store, now=now, work=work, settings=_settings(data, store), config=data)
    finish: dict[int, tuple[str, int | None]] = {}
    if plan.status == "eta":
        for item in plan.items:
            if finish.get(item.client_id, ("", 0))[1] < item.finish_at:
                finish[item.client_id] = ("eta", item.finish_at)
    else:
        for item in plan.items:
            finish[item.client_id] = (plan.status, None)
    return PlanView(
        plan.status, plan.finish_at, len(plan.items), plan.effort_s, plan.share,
        sum(i.misses_target for i in plan.items), sum(i.misses_window for i in plan.items),
        len(plan.unanswerable),
        tuple(BatchView(b.number, b.client, b.channel, len(b.items), b.effort_s, b.start_at,
                        sum(i.misses_target for i in b.items)) for b in plan.batches[:batches]),
        len(plan.batches), finish, tuple(projection(plan, now)),
    )


class SummaryLoaded(Message):
    def __init__(self, generation: int, summary: Summary) -> None:
        super().__init__()
        self.generation = generation
        self.summary = summary


class PartFailed(Message):
    """An expected error (a bad config, say) stopped one part: the part shows it."""

    def __init__(self, generation: int, part: str, text: str) -> None:
        super().__init__()
        self.generation = generation
        self.part = part
        self.text = text


class HistoryLoaded(Message):
    def __init__(self, generation: int, past: list[int]) -> None:
        super().__init__()
        self.generation = generation
        self.past = past


class PlanLoaded(Message):
    def __init__(self, generation: int, plan: PlanView) -> None:
        super().__init__()
        self.generation = generation
        self.plan = plan


# -- drawing ----------------------------------------------------------------------------------


def _span(seconds: int) -> str:
    from sfogo.backlog.triage import span

    return span(seconds)


def _short_span(seconds: int) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes:02d}" if hours < 100 else f"{hours}h"


def client_lines(summary: Summary | None, plan: PlanView | None, now: int,
                 width: int) -> list[Content]:
    """One line per client (items, past target, unanswerable, oldest, done by) and a line
    of where the items are (channels) and what they are (kinds)."""
    title = Content.assemble(("Per client", "bold"))
    if summary is None:
        return [title, Content.assemble(("computing…", "$text-muted"))]
    if not summary.clients:
        return [title, Content.assemble(("No clients yet.", "$text-muted"))]
    narrow = width < NARROW
    # (header, width, right-aligned); the client's name takes what is left.
    columns = [("items", 6, True), ("late", 5, True), ("lost", 5, True), ("oldest", 7, True)]
    if narrow:
        columns = [("items", 5, True), ("late", 5, True), ("lost", 5, True),
                   ("old", 4, True)]
    else:
        columns = [("tier", 4, False)] + columns + [("done by", 12, False)]
    client_w = max(6, width - sum(w + 1 for _, w, _ in columns))

    def cells(values: list[str]) -> str:
        out = []
        for (_, w, right), value in zip(columns, values):
            out.append(fit_right(value, w) if right else fit(value, w))
        return " " + " ".join(out)

    lines = [Content.assemble(("Per client".ljust(client_w), "bold"),
                              (cells([h for h, _, _ in columns]), "$text-muted"))]
    for c in summary.clients:
        values = [count_short(c.count), count_short(c.past_target),
                  count_short(c.unanswerable),
                  age_short(c.oldest_at, now) if c.oldest_at else "-"]
        if not narrow:
            done = "…" if plan is None else "-"
            if plan is not None and c.client_id in plan.client_finish:
                status, at = plan.client_finish[c.client_id]
                done = local_time(at, now) if at is not None else status
            values = [TIER_SHORT.get(c.tier, c.tier)] + values + [done]
        late = "$text-error" if c.past_target else ""
        lines.append(Content.assemble(
            (fit(one_line(c.client, 80), client_w), "$text-primary bold" if c.count else ""),
            (cells(values), late if c.count else "$text-muted")))
        if c.count:
            data = c.as_dict()
            where = " ".join(f"{CHANNEL_SHORT.get(k, k)} {count_short(n)}"
                             for k, n in data["by_channel"].items())
            what = " ".join(f"{k} {count_short(n)}" for k, n in data["by_kind"].items())
            lines.append(Content.assemble(("  " + where + " │ " + what, "$text-muted"))
                         .truncate(width, ellipsis=True))
    return lines


def plan_lines(plan: PlanView | None, now: int, width: int) -> list[Content]:
    narrow = width < NARROW
    title = Content.assemble(("Catch-up plan", "bold"))
    if plan is None:
        return [title, Content.assemble(("computing…", "$text-muted"))]
    if plan.status == "empty" and not plan.unanswerable:
        return [title, Content("Nothing to catch up on.")]
    effort = (_short_span(plan.effort_s) if narrow
              else f"{_span(plan.effort_s)} of work")
    title += Content.assemble((f" · {count_short(plan.items)} items, {effort}",
                               "$text-muted"))
    lines = [title]
    if plan.status == "eta" and plan.finish_at is not None:
        share = f" · {max(0, round(100 * plan.share))}% of working time free for it"
        lines.append(Content.assemble(("Cleared by ", ""),
                                      (local_time(plan.finish_at, now), "bold"),
                                      ("" if narrow else share, "$text-muted")))
    elif plan.status == "never":
        lines.append(Content.assemble(
            ("Never cleared at this pace: new items take all the working time", "bold")))
    elif plan.status == "beyond":
        lines.append(Content.assemble(("Not cleared within the plan's horizon", "bold")))
    late = plan.misses_target
    if narrow:
        text = f"Late: {late:,} targets, {plan.misses_window:,} windows"
    else:
        text = (f"Will be late: {late:,} past their response target, "
                f"{plan.misses_window:,} past their reply window")
    lines.append(Content.assemble((text, "$text-error" if late else "")))
    if plan.unanswerable:
        text = ("{:,} unanswerable (window closed)" if narrow
                else "{:,} can no longer be answered (the reply window closed)")
        lines.append(Content.assemble((text.format(plan.unanswerable), "$text-warning")))
    return [line.truncate(width, ellipsis=True) for line in lines]


def batch_lines(plan: PlanView | None, now: int, width: int, *,
                failed: bool = False) -> list[Content]:
    title = Content.assemble(("First batches", "bold"),
                             (" · one client and channel each" if width >= NARROW else "",
                              "$text-muted"))
    if plan is None:
        return [title, Content.assemble(("no plan (see above)" if failed else "computing…",
                                         "$text-muted"))]
    if not plan.batches:
        return [title, Content.assemble(("None.", "$text-muted"))]
    narrow = width < NARROW
    lines = [title]
    for b in plan.batches[:5 if narrow else 8]:
        start = local_time(b.start_at, now) if b.start_at else "-"
        client = initials(b.client) if narrow else one_line(b.client, 80)
        channel = CHANNEL_SHORT.get(b.channel, b.channel)
        head = f"{b.number:>2} {fit(start, 11)} "
        tail = f" {fit(channel, 4)} {b.items:>4} {_short_span(b.effort_s):>5}"
        if not narrow:
            tail += f" {b.late:>4} late" if b.late else ""
        client_w = max(3, min(20, width - len(head) - len(tail)))
        lines.append(Content.assemble((head, "$text-muted"),
                                      (fit(client, client_w), "$text-primary"), tail))
    if plan.batch_count > len(lines) - 1:
        lines.append(Content.assemble(
            (f"… {plan.batch_count} batches in all: 'sfogo plan' lists them", "$text-muted")))
    return [line.truncate(width, ellipsis=True) for line in lines]


class Block(LinesWidget):
    """A section drawn by a function of the width."""

    def __init__(self, make: Callable[[int], list[Content]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.make = make

    def lines(self, width: int) -> list[Content]:
        return self.make(width)


# -- the screen ------------------------------------------------------------------------------


class BacklogScreen(SfogoScreen):
    """Per-client backlog, plan, burndown, gap timeline and batches; q or escape goes back."""

    HELP_TITLE = "Backlog"

    DEFAULT_CSS = """
    BacklogScreen {
        layout: vertical;
        & #backlog-title { height: 1; background: $panel; padding: 0 1; }
        & #backlog-body { height: 1fr; padding: 0 1; scrollbar-size-vertical: 1; }
        & #backlog-body > LinesWidget { margin-bottom: 1; }
    }
    """
    BINDINGS = [
        Binding("q,escape", "back", "Back", id="backlog.back"),
        # b again goes back too: the key toggles the screen (and hides the app's b here).
        Binding("b", "back", "Back to the inbox", id="backlog.toggle", show=False),
        Binding("j,down", "scroll('down')", "Down", id="backlog.down", show=False),
        Binding("k,up", "scroll('up')", "Up", id="backlog.up", show=False),
        Binding("g,home", "scroll('home')", "Top", id="backlog.top", show=False),
        Binding("G,end", "scroll('end')", "Bottom", id="backlog.bottom", show=False),
        Binding("pagedown,space", "scroll('page_down')", "Page down", id="backlog.page_down",
                show=False),
        Binding("pageup", "scroll('page_up')", "Page up", id="backlog.page_up", show=False),
    ]

    def __init__(self, db_path: str | Path, now: Callable[[], int], *,
                 config_path: str | Path | None = None,
                 data_version: Callable[[], int] | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.now = now
        self.config_path = config_path
        self._data_version = data_version
        self._seen_version: int | None = None
        self.generation = 0
        self.summary: Summary | None = None
        self.plan: PlanView | None = None
        self.past: list[int] | None = None
        self._waiting: set[str] = set()
        self.errors: dict[str, str] = {}  # part -> the expected error that stopped it
        self._started_at = self._loaded_at = self._load_s = 0.0

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="backlog-title")
        with VerticalScroll(id="backlog-body"):
            yield self._block("summary", "Per client", "backlog-clients",
                              lambda w: client_lines(self.summary, self.plan, self.now(), w))
            yield self._block("plan", "Catch-up plan", "backlog-plan",
                              lambda w: plan_lines(self.plan, self.now(), w))
            yield Burndown(id="backlog-burndown")
            yield GapTimeline(id="backlog-timeline")
            yield Block(lambda w: batch_lines(None if "plan" in self.errors else self.plan,
                                              self.now(), w, failed="plan" in self.errors),
                        id="backlog-batches")
        yield HealthBar(self.db_path, self.now, self._data_version, id="health")
        yield KeyFooter()

    def _block(self, part: str, title: str, id: str,
               make: Callable[[int], list[Content]]) -> Block:
        """A section that shows its part's error, if the part failed, instead of itself."""
        def lines(width: int) -> list[Content]:
            error = self.errors.get(part)
            if error is None:
                return make(width)
            return [Content.assemble((title, "bold"))] + [
                Content.assemble((line, "$text-error"))
                for line in textwrap.wrap(error, max(20, width))]

        return Block(lines, id=id)

    def on_mount(self) -> None:
        self.query_one("#backlog-body").focus()
        self.set_interval(POLL_S, self.poll)

    def on_screen_resume(self) -> None:
        """Shown (first time or back from another screen): read everything again."""
        self.reload()

    def on_health_bar_away_changed(self, message: HealthBar.AwayChanged) -> None:
        """Away mode was recorded or ended here: the gaps changed, read again now (the
        resume that follows the away prompt may have read before the write)."""
        self.reload()

    def poll(self) -> None:
        """Read again when another connection changed the file.

        Not while a read is running, nor sooner after one than twice as long as it took:
        on a million items a read costs about a second of work, and a sync committing
        page after page must not keep both cores busy redrawing this screen.
        """
        if self._data_version is None or self._waiting:
            return
        if time.monotonic() < self._loaded_at + 2 * self._load_s:
            return
        version = self._data_version()
        if version != self._seen_version:
            self.reload()

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        if self._data_version is not None:
            self._seen_version = self._data_version()
        self.generation += 1
        self._waiting = {"summary", "history", "plan"}
        self._started_at = time.monotonic()
        self._update_title()
        config = self.config_path
        self._load_summary(self.generation, config)
        self._load_history(self.generation)
        self._load_plan(self.generation, config)

    def _current(self, generation: int) -> bool:
        return generation == self.generation and not get_current_worker().is_cancelled

    @work(thread=True, group="backlog-summary", exclusive=True, exit_on_error=False)
    def _load_summary(self, generation: int, config_path) -> None:
        try:
            data = load_config(config_path)
            with Store(self.db_path) as store:  # this thread's own connection
                summary = read_summary(store, data, self.now())
        except SfogoError as exc:
            self.post_message(PartFailed(generation, "summary", str(exc)))
            return
        if self._current(generation):
            self.post_message(SummaryLoaded(generation, summary))

    @work(thread=True, group="backlog-history", exclusive=True, exit_on_error=False)
    def _load_history(self, generation: int) -> None:
        with Store(self.db_path) as store:
            past = read_history(store, self.now())
        if self._current(generation):
            self.post_message(HistoryLoaded(generation, past))

    @work(thread=True, group="backlog-plan", exclusive=True, exit_on_error=False)
    def _load_plan(self, generation: int, config_path) -> None:
        try:
            data = load_config(config_path)
            with Store(self.db_path) as store:
                plan = read_plan(store, data, self.now())
        except SfogoError as exc:
            self.post_message(PartFailed(generation, "plan", str(exc)))
            return
        if self._current(generation):
            self.post_message(PlanLoaded(generation, plan))

    def on_part_failed(self, message: PartFailed) -> None:
        if message.generation != self.generation:
            return
        self.errors[message.part] = message.text
        for block in ("#backlog-clients", "#backlog-plan", "#backlog-batches"):
            self.query_one(block, Block).changed()
        self._update_burndown()
        self._loaded(message.part)

    def on_summary_loaded(self, message: SummaryLoaded) -> None:
        if message.generation != self.generation:
            return
        self.errors.pop("summary", None)
        self.summary = message.summary
        self.query_one("#backlog-clients", Block).changed()
        self.query_one(GapTimeline).show(message.summary.timeline)
        self._loaded("summary")

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.generation != self.generation:
            return
        self.past = message.past
        self._update_burndown()
        self._loaded("history")

    def on_plan_loaded(self, message: PlanLoaded) -> None:
        if message.generation != self.generation:
            return
        self.errors.pop("plan", None)
        self.plan = message.plan
        for block in ("#backlog-clients", "#backlog-plan", "#backlog-batches"):
            self.query_one(block, Block).changed()
        self._update_burndown()
        self._loaded("plan")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A part that failed is not awaited any more (SfogoScreen's handler, which Textual
        runs too, reports the error)."""
        if event.state == WorkerState.ERROR and event.worker.group.startswith("backlog-"):
            self._loaded(event.worker.group.removeprefix("backlog-"))

    def _update_burndown(self) -> None:
        if self.past is None:
            return
        plan = self.plan
        if "plan" in self.errors:
            data = BurndownData(self.now(), tuple(self.past), (), "failed")
        elif plan is None:
            data = BurndownData(self.now(), tuple(self.past))
        else:
            data = BurndownData(self.now(), tuple(self.past), plan.future, plan.status,
                                plan.finish_at)
        self.query_one(Burndown).show(data)

    def _title(self) -> Content:
        title = Content.assemble(("Backlog", "bold"))
        s = self.summary
        if s is None:
            return title + Content.assemble((" · computing…", "$text-muted"))
        total = sum(c.count for c in s.clients)
        narrow = self.size.width and self.size.width < NARROW
        gaps = f"{s.gaps} gap{'s' * (s.gaps != 1)}"
        if s.open_gaps:
            gaps += f" ({s.open_gaps} open)" if narrow else f", {s.open_gaps} still open"
        title += Content.assemble(
            (f" · {count_short(total)} item{'s' * (total != 1)} · {gaps}", ""))
        if self._waiting:
            title += Content.assemble((" · updating…", "$text-muted"))
        return title

    def _loaded(self, part: str) -> None:
        self._waiting.discard(part)
        if not self._waiting:
            self._loaded_at = time.monotonic()
            self._load_s = self._loaded_at - self._started_at
        self._update_title()

    def _update_title(self) -> None:
        self.query_one("#backlog-title", Static).update(self._title())

    def on_resize(self) -> None:
        self._update_title()

    # -- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#backlog-body", VerticalScroll)
        {"down": body.scroll_down, "up": body.scroll_up, "home": body.scroll_home,
         "end": body.scroll_end, "page_down": body.scroll_page_down,
         "page_up": body.scroll_page_up}[where](animate=False)
