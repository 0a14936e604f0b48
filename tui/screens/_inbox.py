"""The inbox: counts, views and filters, the virtual list in triage order, the highlighted
item, search, and every action on items.

The screen conducts; collaborators do the work. :class:`ListLoader` reads what is listed
(a view, the ``f`` filters, a search) and the counts; :class:`ItemActions` asks what to do
to items and shows it at once; :class:`Writer` applies those typed actions
(:mod:`..actions`) and reports back; :class:`Search` keeps the search text and its
debounce; :class:`Reading` keeps the pane on the item being read. Every query runs
in a named thread worker with its own ``Store`` connection and posts a message back; only
primary-key page fetches for the lines on screen run on the UI thread
(``InboxList.row_at``).

A change (done, snooze, seen, pin, tags, reopen, a like) shows at once and is written in a
worker, one transaction per action however many items are selected; ``u`` takes changes back,
one after the other (:class:`Undoing`).
"""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.worker import Worker

from sfogo.inbox.i18n import N_, _

from ..views import HANDLED, NEWEST, Filters, View, empty_text, filter_words, view_keys
from ..widgets import (
    CountsHeader,
    DetailPane,
    HealthBar,
    InboxList,
    KeyFooter,
    MarksLegend,
    SearchBar,
    ViewBar,
)
from ..widgets._detail import ItemExtras
from ._base import SfogoScreen
from ._detail import ExtrasLoaded
from ._filters import FilterScreen
from ._inbox_act import ItemActions
from ._inbox_ask import SnoozeChecked
from ._inbox_drafts import DraftSaved
from ._inbox_like import LikesQueued
from ._inbox_load import CountsLoaded, IdsLoaded, ListLoader, ListRequest
from ._inbox_read import NARROW, Reading
from ._inbox_search import Search
from ._inbox_undo import Undoing
from ._inbox_write import WriteDone, Writer

NEIGHBOURS = 64  # ids either side of the cursor tried when its item leaves the list


class InboxScreen(SfogoScreen):
    """The inbox in triage order with its detail pane; views on 1–9, filters on f."""

    # Long: it conducts every inbox action (one line each); the work is its collaborators'.

    HELP_TITLE = N_("Inbox")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-normal"), (120, "-wide")]
    BINDINGS = [
        Binding("enter", "open", N_("Open"), id="inbox.open", show=False),
        Binding("d", "done", N_("Done"), id="inbox.done"),
        Binding("s", "snooze", N_("Snooze"), id="inbox.snooze"),
        Binding("r", "reply", N_("Reply"), id="inbox.reply"),
        Binding("p", "pin", N_("Pin"), id="inbox.pin", show=False),
        Binding("t", "tag", N_("Tag"), id="inbox.tag", show=False),
        Binding("c,y", "copy_link", N_("Copy link"), id="inbox.copy_link", show=False),
        Binding("l", "like", N_("Like"), id="inbox.like", show=False),
        Binding("A", "assign", N_("Assign"), id="inbox.assign", show=False),
        Binding("u", "undo", N_("Undo"), id="inbox.undo", show=False),
        Binding("o", "reopen", N_("Reopen"), id="inbox.reopen", show=False),
        Binding("slash", "search", N_("Search"), id="inbox.search"),
        Binding("f", "filters", N_("Filters"), id="inbox.filters"),
        *[
            Binding(
                str(n),
                f"view({n - 1})",
                _("View {n}").format(n=n),
                id=f"inbox.view_{n}",
                show=False,
            )
            for n in range(1, 10)
        ],
        Binding("0", "view(-1)", N_("Done recently"), id="inbox.view_0", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view_index = 0
        self.filters = Filters()
        self.search = Search(self)
        self._partial_id: int | None = None  # cursor item when the first screenful came
        self._wake_after: int | None = None  # wake snoozed items when this load completes
        self._focus: int | None = None  # an undo's item, until a complete read lists it
        self._problems_shown: set[str] = set()

    @property
    def views(self) -> list[View]:
        return self.sfogo.views

    @property
    def view(self) -> View:
        return self.views[self.view_index]

    def compose(self) -> ComposeResult:
        app = self.sfogo
        self.loader = ListLoader(self, app.db_path, app.now, app.settings_for, app.take_first_page)
        self.writer = Writer(self, app.db_path, app.now, app.changes)
        self.acts = ItemActions(self)
        self.undoing = Undoing(self)
        self.reading = Reading(self)
        yield CountsHeader(id="counts")
        yield ViewBar(id="viewbar")
        yield MarksLegend(id="legend")
        with Container(id="panes"):
            yield InboxList(app.rows_by_ids, app.now, id="inbox")
            # The frame draws the separator: the pane's own border would be drawn again
            # every time its content changes height.
            with Container(id="detail-frame"):
                yield DetailPane(app.now, id="detail")
        yield SearchBar(id="search")
        yield HealthBar(
            app.db_path, app.now, app.data_changed, sync=app.sync_feed, me=app.my_id(), id="health"
        )
        yield KeyFooter()

    @property
    def inbox(self) -> InboxList:
        return self.query_one("#inbox", InboxList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    @property
    def pane_shown(self) -> bool:
        """The detail pane has room on this screen (not under 60 columns)."""
        return self.query_one("#detail-frame").display

    def on_mount(self) -> None:
        self.inbox.focus()
        self.inbox.owner_implied = self.view.assignee
        self._show_view_bar()
        self.reload(wake=True)
        self.set_interval(60, self._minute)
        self.sfogo.data_changed.subscribe(self, self._data_changed)
        self.sfogo.arrivals_changed.subscribe(self, self._arrivals_changed)
        self.query_one(CountsHeader).arrived = self.sfogo.arrivals.count

    # -- loading --------------------------------------------------------------------------

    def reload(
        self,
        *,
        debounce: float = 0.0,
        keep: bool = True,
        wake: bool = False,
        counts: bool = False,
        live: bool = False,
        focus: int | None = None,
    ) -> None:
        """Read the ids for the current view, filters and search off the UI thread (and the
        counts if asked: a search does not change them).

        ``live``: the file changed underneath; the list is replaced only when complete, and
        the cursor stays on its item or, if that left, on the nearest neighbour that did not.
        ``focus``: put the cursor on this item if it is listed (an undo brought it back); a
        live reload that supersedes that read before it came back keeps the same focus.
        """
        self._partial_id = None
        if focus is None and live:
            focus = self._focus
        self._focus = focus
        keep_ids = self.inbox.around_cursor(NEIGHBOURS) if keep else ()
        if focus is not None:
            keep_ids = (focus, *keep_ids)
        generation = self.loader.load(
            ListRequest(
                self.view,
                replace(self.filters),
                self.search.text,
                debounce,
                frozenset(self.writer.committed),
                keep_ids,
                counts or wake,
                live,
            )
        )
        if wake:
            # Snoozed items whose time came wake once the list is complete (after the first
            # paint): the write reaches the list as a change to the file, like any other.
            self._wake_after = generation

    def on_ids_loaded(self, message: IdsLoaded) -> None:
        if not self.loader.is_current(message):
            if message.shown is not None:
                message.shown.set()
            return  # a newer load is on its way
        ids = self.writer.filter_ids(
            message.ids, message.statuses, message.committed, message.complete
        )
        inbox = self.inbox
        if message.settings is not None:
            inbox.settings = message.settings
        if message.gaps is not None:
            self.reading.known_gaps = message.gaps
        inbox.empty_text = self.empty_text()
        keep_id = message.keep_id
        moved = inbox.current_id != self._partial_id  # while the rest was loading
        if message.complete and self._partial_id is not None and moved:
            keep_id = inbox.current_id
        if keep_id is None:
            inbox.cursor = 0
        inbox.set_ids(ids, keep_id=keep_id, complete=message.complete)
        self._partial_id = None if message.complete else inbox.current_id
        if message.complete:
            self._focus = None
        if message.shown is not None:
            self.call_after_refresh(message.shown.set)
        if (
            message.complete
            and self._wake_after is not None
            and message.generation >= self._wake_after
        ):
            self._wake_after = None
            self.writer.wake()
        header = self.query_one(CountsHeader)
        header.shown = len(ids) if message.complete else None
        header.search = self.search.text
        self.query_one(ViewBar).newest_first = message.order in (NEWEST, HANDLED)
        for problem in message.problems:
            if problem not in self._problems_shown:
                self._problems_shown.add(problem)
                self.notify(problem, markup=False, severity="warning", timeout=8)

    def on_health_bar_posts_need_decision(self, message: HealthBar.PostsNeedDecision) -> None:
        self.query_one(CountsHeader).posts = message.count

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self.query_one(CountsHeader).counts = message.counts

    def empty_text(self) -> str:
        """What the list and the pane say when nothing is listed."""
        return empty_text(self.view, self.view_index, self.filters, self.search.text)

    def _minute(self) -> None:
        """Ages and deadlines move on; snoozed items whose time came wake up (the write,
        if any, reaches the list as a change to the file)."""
        self.inbox.tick()
        self.writer.wake()

    def _arrivals_changed(self, count: int) -> None:
        self.query_one(CountsHeader).arrived = count

    def _data_changed(self, _change=None) -> None:
        """Another process changed the file: reload, keeping the cursor and the open item."""
        self.inbox.invalidate()
        self.reload(live=True, counts=True)
        self.reading.refresh()

    # -- the view bar -----------------------------------------------------------------------

    def _show_view_bar(self) -> None:
        bar = self.query_one(ViewBar)
        bar.views = tuple(_(v.name) for v in self.views)  # the default views' names
        bar.keys = tuple(view_keys(len(self.views)))
        bar.current = self.view_index
        names = (
            {c.id: c.name for c in self.sfogo.store.clients.all()}
            if self.filters.client_ids
            else {}
        )  # no query while no client is chosen
        bar.filters = tuple(filter_words(self.filters, names))
        bar.selected = len(self.inbox.selected)

    def binding_notes(self) -> dict[str, str]:
        """Better words for the help screen: the views' names."""
        keys = view_keys(len(self.views))
        return {
            f"inbox.view_{k}": _("View: {name}").format(name=_(v.name))
            for k, v in zip(keys, self.views, strict=True)
        }

    def on_inbox_list_selection_changed(self, message: InboxList.SelectionChanged) -> None:
        self.query_one(ViewBar).selected = message.count

    # -- the highlighted item -------------------------------------------------------------

    def on_inbox_list_highlighted(self, message: InboxList.Highlighted) -> None:
        self.reading.cursor_moved()  # the pane follows when the keys pause
        if message.item_id is not None and self.inbox.cursor == 0:
            self.sfogo.arrivals_looked()  # the top of the list: where urgent arrivals land

    def on_extras_loaded(self, message: ExtrasLoaded) -> None:
        self.reading.extras_loaded(message.extras)

    def on_inbox_list_selected(self, message: InboxList.Selected) -> None:
        self.reading.open()

    def on_detail_pane_leave(self, message: DetailPane.Leave) -> None:
        self.reading.stop()

    def on_resize(self) -> None:
        self.reading.resized()

    # -- keys -----------------------------------------------------------------------------

    def action_open(self) -> None:
        """Mark the item seen and read it: in the pane, or on its own screen when narrow."""
        self.reading.open()

    def action_done(self) -> None:
        self.acts.done()

    def action_snooze(self) -> None:
        self.acts.snooze()

    def action_pin(self) -> None:
        self.acts.pin()

    def action_tag(self) -> None:
        self.acts.tag()

    def action_reply(self) -> None:
        self.acts.reply()

    def action_copy_link(self) -> None:
        self.acts.copy()

    def action_like(self) -> None:
        self.acts.like()

    def action_assign(self) -> None:
        self.acts.assign()

    def on_likes_queued(self, message: LikesQueued) -> None:
        self.acts.likes_queued(message)

    def action_undo(self) -> None:
        self.acts.undo()

    def action_reopen(self) -> None:
        self.acts.reopen()

    def action_view(self, index: int) -> None:
        """Show view ``index`` (key 1 is 0); -1 is key 0's, the last one listed."""
        if index < 0:
            index = len(self.views) - 1
        elif index >= len(self.views) - 1:
            self.notify(self._no_view(index + 1), markup=False, timeout=6)
            return
        if index == self.view_index:
            return
        self.view_index = index
        self.inbox.owner_implied = self.views[index].assignee
        self.inbox.action_clear_selection()
        self._show_view_bar()
        self.reload(keep=False)

    def _no_view(self, key: int) -> str:
        """What a view key with no view says: on a team's inbox that does not know who you
        are, how to say it (the "Mine" view comes with it)."""
        if self.sfogo.me is None and self.sfogo.store.team.count():
            return _(
                'No view {value}: put user = "NAME" in the config file for a Mine view'
                " ('sfogo team' lists the names)."
            ).format(value=key)
        return _("No view {value}: add one with [[views]] in the config file.").format(value=key)

    def action_filters(self) -> None:
        store = self.sfogo.store
        clients = [(c.id, c.name) for c in store.clients.all()]
        channels = sorted({a.channel for a in store.accounts.all()})

        def changed(filters: Filters) -> None:
            self.filters = filters
            self._show_view_bar()
            self.reload(keep=False)

        self.app.push_screen(FilterScreen(self.filters, clients, channels, changed))

    # -- writes reporting back --------------------------------------------------------------

    def on_write_done(self, message: WriteDone) -> None:
        then = self.writer.done(message)
        self.query_one(CountsHeader).counts = message.counts
        self.sfogo.count_arrivals()  # an arrival opened or handled leaves the count
        if then is not None:
            then()
        self.undoing.landed(message)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed write: forget the optimistic change and show the file as it is.

        (Textual also runs SfogoScreen's handler, which reports the error.)"""
        if (seq := self.writer.finished(event)) is not None:
            self.undoing.failed(seq)
            self.inbox.invalidate()
            self.reload(counts=True)

    def on_snooze_checked(self, message: SnoozeChecked) -> None:
        self.acts.snooze_checked(message)

    def on_draft_saved(self, message: DraftSaved) -> None:
        self.acts.draft_saved(message)

    # -- search ---------------------------------------------------------------------------

    def action_search(self) -> None:
        self.search.open()

    @on(SearchBar.Changed)
    def _search_changed(self, event: SearchBar.Changed) -> None:
        self.search.changed(event.value)

    @on(SearchBar.Submitted)
    def _search_submitted(self, event: SearchBar.Submitted) -> None:
        self.search.submitted(event.value)

    @on(SearchBar.Cancelled)
    def _search_cancelled(self, event: SearchBar.Cancelled) -> None:
        self.search.cancelled()


__all__ = ["IdsLoaded", "InboxScreen", "ItemExtras"]
