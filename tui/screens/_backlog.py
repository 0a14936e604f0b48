"""The backlog screen (key ``b``): what the gaps left behind, why, and how to catch up.

Top to bottom: each client's backlog (``backlog.measure.summarize``), the catch-up plan
(``backlog.plan.make_plan``: when it is cleared, what will be late), the burndown (the last
14 days and the plan's way to zero), the gap timeline, and the plan's first batches.

Three named thread workers, each with its own connection, fill it in (the summary and the
timeline; the burndown's past; the plan, which is the slowest), so the screen paints at once
with "computing…" and each part appears when it is ready. It reads again when the app says
the file changed (at most as often as its reads allow, see :meth:`BacklogScreen.changed`)
and when the screen comes back to the front.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.store import Store

from ..app_config import load_config
from ..changes import FileChanged
from ..widgets import HealthBar, KeyFooter
from ..widgets._burndown import Burndown, BurndownData
from ..widgets._format import count_short
from ..widgets._timeline import GapTimeline
from ._backlog_data import PlanView, Summary, read_history, read_plan, read_summary
from ._backlog_text import NARROW, Block, batch_lines, client_lines, plan_lines
from ._base import SfogoScreen

PACE_S = 2.0  # a change seen while reads must wait is read at the next of these ticks


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


class BacklogScreen(SfogoScreen):
    """Per-client backlog, plan, burndown, gap timeline and batches; q or escape goes back."""

    HELP_TITLE = N_("Backlog")

    BINDINGS = [
        Binding("q,escape", "back", N_("Back"), id="backlog.back"),
        # b again goes back too: the key toggles the screen (and hides the app's b here).
        Binding("b", "back", N_("Back to the inbox"), id="backlog.toggle", show=False),
        Binding("j,down", "scroll('down')", N_("Down"), id="backlog.down", show=False),
        Binding("k,up", "scroll('up')", N_("Up"), id="backlog.up", show=False),
        Binding("g,home", "scroll('home')", N_("Top"), id="backlog.top", show=False),
        Binding("G,end", "scroll('end')", N_("Bottom"), id="backlog.bottom", show=False),
        Binding(
            "pagedown,space",
            "scroll('page_down')",
            N_("Page down"),
            id="backlog.page_down",
            show=False,
        ),
        Binding("pageup", "scroll('page_up')", N_("Page up"), id="backlog.page_up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.generation = 0
        self.summary: Summary | None = None
        self.plan: PlanView | None = None
        self.past: list[int] | None = None
        self._waiting: set[str] = set()
        self._stale = False  # the file changed while a read had to wait
        self.errors: dict[str, str] = {}  # part -> the expected error that stopped it
        # Pacing: how long the last read took (monotonic, never "now").
        self._started_at = self._loaded_at = self._load_s = 0.0

    def now(self) -> int:
        return self.sfogo.now()

    def compose(self) -> ComposeResult:
        app = self.sfogo
        yield Static(self._title(), id="backlog-title")
        with VerticalScroll(id="backlog-body"):
            yield self._block(
                "summary",
                _("Per client"),
                "backlog-clients",
                lambda w: client_lines(self.summary, self.plan, self.now(), w),
            )
            yield self._block(
                "plan",
                _("Catch-up plan"),
                "backlog-plan",
                lambda w: plan_lines(self.plan, self.now(), w),
            )
            yield Burndown(id="backlog-burndown")
            yield GapTimeline(id="backlog-timeline")
            yield Block(
                lambda w: batch_lines(
                    None if "plan" in self.errors else self.plan,
                    self.now(),
                    w,
                    failed="plan" in self.errors,
                ),
                id="backlog-batches",
            )
        yield HealthBar(
            app.db_path, app.now, app.data_changed, sync=app.sync_feed, me=app.my_id(), id="health"
        )
        yield KeyFooter()

    def _block(self, part: str, title: str, id: str, make: Callable[[int], list[Content]]) -> Block:
        """A section that shows its part's error, if the part failed, instead of itself."""

        def lines(width: int) -> list[Content]:
            error = self.errors.get(part)
            if error is None:
                return make(width)
            return [Content.assemble((title, "bold"))] + [
                Content.assemble((line, "$text-error"))
                for line in textwrap.wrap(error, max(20, width))
            ]

        return Block(lines, id=id)

    def on_mount(self) -> None:
        self.query_one("#backlog-body").focus()
        self.sfogo.data_changed.subscribe(self, self.changed)
        self.set_interval(PACE_S, self.catch_up)

    def on_screen_resume(self) -> None:
        """Shown (first time or back from another screen): read everything again."""
        self.reload()

    def changed(self, change: FileChanged) -> None:
        """The file changed: read again, now if the app itself changed it (away mode),
        else as soon as :meth:`catch_up` allows."""
        if change.urgent:
            self.reload()
        else:
            self._stale = True
            self.catch_up()

    def catch_up(self) -> None:
        """Read again if the file changed, but not while a read is running, nor sooner after
        one than twice as long as it took: on a million items a read costs about a second of
        work, and a sync committing page after page must not keep both cores busy redrawing
        this screen."""
        if not self._stale or self._waiting:
            return
        if time.monotonic() < self._loaded_at + 2 * self._load_s:
            return
        self.reload()

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        self._stale = False
        self.generation += 1
        self._waiting = {"summary", "history", "plan"}
        self._started_at = time.monotonic()
        self._update_title()
        app = self.sfogo
        self._load_summary(self.generation, app.db_path, app.config_path)
        self._load_history(self.generation, app.db_path)
        self._load_plan(self.generation, app.db_path, app.config_path)

    def _current(self, generation: int) -> bool:
        return generation == self.generation and not get_current_worker().is_cancelled

    # A newer read supersedes these (generations), never cancels them: see widgets/_work.py.
    @work(thread=True, group="backlog-summary", exit_on_error=False)
    def _load_summary(self, generation: int, db_path, config_path) -> None:
        try:
            data = load_config(config_path)
            with Store(db_path) as store:  # this thread's own connection
                summary = read_summary(store, data, self.now())
        except SfogoError as exc:
            self.post_message(PartFailed(generation, "summary", str(exc)))
            return
        if self._current(generation):
            self.post_message(SummaryLoaded(generation, summary))

    @work(thread=True, group="backlog-history", exit_on_error=False)
    def _load_history(self, generation: int, db_path) -> None:
        with Store(db_path) as store:
            past = read_history(store, self.now())
        if self._current(generation):
            self.post_message(HistoryLoaded(generation, past))

    @work(thread=True, group="backlog-plan", exit_on_error=False)
    def _load_plan(self, generation: int, db_path, config_path) -> None:
        try:
            data = load_config(config_path)
            with Store(db_path) as store:
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
            data = BurndownData(
                self.now(), tuple(self.past), plan.future, plan.status, plan.finish_at
            )
        self.query_one(Burndown).show(data)

    def _title(self) -> Content:
        title = Content.assemble((_("Backlog"), "bold"))
        s = self.summary
        if s is None:
            return title + Content.assemble((_(" · computing…"), "$text-muted"))
        total = sum(c.count for c in s.clients)
        narrow = self.size.width and self.size.width < NARROW
        gaps = ngettext("{n} gap", "{n} gaps", s.gaps).format(n=s.gaps)
        if s.open_gaps:
            gaps += (
                _(" ({n} open)").format(n=s.open_gaps)
                if narrow
                else _(", {n} still open").format(n=s.open_gaps)
            )
        items = ngettext("{n} item", "{n} items", total).format(n=count_short(total))
        title += Content.assemble(
            (
                f" · {items} · {gaps}",
                "",
            )
        )
        if self._waiting:
            title += Content.assemble((_(" · updating…"), "$text-muted"))
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
        {
            "down": body.scroll_down,
            "up": body.scroll_up,
            "home": body.scroll_home,
            "end": body.scroll_end,
            "page_down": body.scroll_page_down,
            "page_up": body.scroll_page_up,
        }[where](animate=False)
