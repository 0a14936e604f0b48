"""The inbox: counts, the virtual list, the highlighted item, search.

The screen owns *what* is listed (an ``InboxFilter``) and every query: each runs in a named
thread worker with its own ``Store`` connection and posts a message back; only primary-key
page fetches for the lines on screen run on the UI thread (``InboxList.row_at``).

Changing an item (done, snooze, seen) updates the screen at once and writes in a worker.
Until the write commits, a list load that started earlier could bring the item back, so
pending changes are remembered and applied to ids that arrive (``_pending``).
"""
from __future__ import annotations

import sqlite3
import threading
from array import array
from dataclasses import replace
from itertools import islice
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from inbox.errors import SfogoError
from inbox.store import InboxFilter, Store

from ..widgets import CountsHeader, DetailPane, InboxList, KeyFooter, SearchBar
from ._base import SfogoScreen
from ._detail import DetailScreen
from ._snooze import SnoozeScreen

FIRST_IDS = 256  # sent ahead of the rest so the first screenful paints at once
ID_CHUNK = 65_536  # ids read between checks for cancellation
SEARCH_DEBOUNCE_S = 0.15
NARROW = 60  # below this many columns the item opens on its own screen


class IdsLoaded(Message):
    """Ids for the list (``complete`` False: the first screenful, more coming)."""

    def __init__(self, generation: int, ids: array, complete: bool, flt: InboxFilter,
                 committed: frozenset[int], keep_id: int | None,
                 shown: threading.Event | None = None) -> None:
        super().__init__()
        self.shown = shown  # set once these ids are on screen
        self.generation = generation
        self.ids = ids
        self.complete = complete
        self.filter = flt
        self.committed = committed  # writes committed before this load began
        self.keep_id = keep_id  # the item the cursor should stay on (None: the top)


class CountsLoaded(Message):
    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.counts = counts


class ThreadLoaded(Message):
    def __init__(self, item_id: int, thread: list[dict]) -> None:
        super().__init__()
        self.item_id = item_id
        self.thread = thread


class WriteDone(Message):
    def __init__(self, seq: int, counts: dict[str, int]) -> None:
        super().__init__()
        self.seq = seq
        self.counts = counts


class InboxScreen(SfogoScreen):
    """The default inbox (new and open items, newest first) with its detail pane."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-normal"), (120, "-wide")]
    BINDINGS = [
        Binding("enter", "open", "Open", id="inbox.open"),
        Binding("d", "done", "Done", id="inbox.done"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze"),
        Binding("slash", "search", "Search", id="inbox.search"),
    ]

    def __init__(self, db_path: str | Path, store: Store, now) -> None:
        super().__init__()
        self.db_path = db_path
        self.store = store  # the UI thread's connection: page fetches and nothing slow
        self.now = now
        self.filter = InboxFilter()
        self._generation = 0
        self._write_seq = 0
        self._committed: set[int] = set()
        self._pending: dict[int, tuple[int, str]] = {}  # item id -> (write seq, new status)
        self._writes: dict[str, int] = {}  # worker name -> write seq
        self._partial_id: int | None = None  # cursor item when the first screenful came

    def compose(self) -> ComposeResult:
        yield CountsHeader(id="counts")
        with Container(id="panes"):
            yield InboxList(self.store.rows_by_ids, self.now, id="inbox")
            yield DetailPane(self.now, id="detail")
        yield SearchBar(id="search")
        yield KeyFooter()

    @property
    def inbox(self) -> InboxList:
        return self.query_one("#inbox", InboxList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def on_mount(self) -> None:
        self.inbox.focus()
        self.reload(wake=True)
        self.set_interval(60, self.inbox.tick)

    # -- loading --------------------------------------------------------------------------

    def reload(self, *, debounce: float = 0.0, keep: bool = True, wake: bool = False,
               counts: bool = False) -> None:
        """Read the ids for the current filter off the UI thread (and the counts if asked:
        a search does not change them)."""
        self._generation += 1
        self._partial_id = None
        keep_id = self.inbox.current_id if keep else None
        self._load_ids(self._generation, replace(self.filter), debounce,
                       frozenset(self._committed), keep_id, wake, counts or wake)

    @work(thread=True, group="inbox-ids", exclusive=True, exit_on_error=False)
    def _load_ids(self, generation: int, flt: InboxFilter, debounce: float,
                  committed: frozenset[int], keep_id: int | None, wake: bool,
                  counts: bool) -> None:
        worker = get_current_worker()
        if debounce:  # typing: wait for a pause; a newer keystroke cancels this worker
            threading.Event().wait(debounce)
        if worker.is_cancelled:
            return
        with Store(self.db_path) as store:  # this thread's own connection
            if wake:
                try:
                    store.wake_snoozed(now=self.now())  # a read unless something is due
                except (sqlite3.Error, SfogoError):
                    pass  # a read-only or busy file: the list still shows, items wake later
            found = store.iter_ids(flt)
            ids = array("q", islice(found, FIRST_IDS))
            if len(ids) == FIRST_IDS:
                shown = threading.Event()
                self.post_message(IdsLoaded(generation, array("q", ids), False, flt,
                                            committed, keep_id, shown))
                # Reading the rest holds the GIL between rows: let the first frame out first.
                shown.wait(0.25)
                while True:
                    if worker.is_cancelled:
                        return
                    before = len(ids)
                    ids.extend(islice(found, ID_CHUNK))
                    if len(ids) - before < ID_CHUNK:
                        break
            self.post_message(IdsLoaded(generation, ids, True, flt, committed, keep_id))
            if counts:  # after the ids: the list paints first
                self.post_message(CountsLoaded(store.status_counts()))

    def on_ids_loaded(self, message: IdsLoaded) -> None:
        if message.generation != self._generation:
            if message.shown is not None:
                message.shown.set()
            return  # a newer load is on its way
        ids = message.ids
        for item_id, (seq, status) in list(self._pending.items()):
            if seq not in message.committed and status not in message.filter.statuses:
                try:
                    ids.remove(item_id)
                except ValueError:
                    pass
            elif message.complete and seq in message.committed:
                del self._pending[item_id]  # this load saw the write: nothing to patch
        inbox = self.inbox
        inbox.empty_text = self._empty_text()
        keep_id = message.keep_id
        if message.complete and self._partial_id is not None:
            if inbox.current_id != self._partial_id:  # moved while the rest was loading
                keep_id = inbox.current_id
        if keep_id is None:
            inbox.cursor = 0
        inbox.set_ids(ids, keep_id=keep_id, complete=message.complete)
        self._partial_id = None if message.complete else inbox.current_id
        if message.shown is not None:
            self.call_after_refresh(message.shown.set)
        header = self.query_one(CountsHeader)
        header.shown = len(ids) if message.complete else None
        header.search = self.filter.search

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self.query_one(CountsHeader).counts = message.counts

    def _empty_text(self) -> str:
        if self.filter.search:
            return "No match. Escape clears the search."
        return "Inbox zero: nothing new or open."

    # -- the highlighted item -------------------------------------------------------------

    def on_inbox_list_highlighted(self, message: InboxList.Highlighted) -> None:
        # The pane re-lays out its text, which costs more than the two list lines the
        # cursor changed: let the list's frame go out first, then fill the pane.
        self.call_after_refresh(self._show_current)

    def _show_current(self) -> None:
        row = self.inbox.current_row()
        if row is not None and row["id"] == self.detail.item_id:
            return  # several moves collapsed into one update, or nothing changed
        self.detail.show(row, empty=self._empty_text())
        if row is not None and self.detail.display:
            self._load_thread(row)

    @work(thread=True, group="inbox-thread", exclusive=True, exit_on_error=False)
    def _load_thread(self, row: dict) -> None:
        with Store(self.db_path) as store:
            thread = store.thread(row)
        if not get_current_worker().is_cancelled:
            self.post_message(ThreadLoaded(row["id"], thread))

    def on_thread_loaded(self, message: ThreadLoaded) -> None:
        self.detail.show_thread(message.item_id, message.thread)

    def on_inbox_list_selected(self, message: InboxList.Selected) -> None:
        self.action_open()

    def on_detail_pane_leave(self, message: DetailPane.Leave) -> None:
        self.remove_class("-reading")
        self.inbox.focus()

    def on_resize(self) -> None:
        if self.size.width < NARROW and self.detail.has_focus:
            self.on_detail_pane_leave(DetailPane.Leave())

    # -- actions --------------------------------------------------------------------------

    def action_open(self) -> None:
        """Mark the item seen and read it: in the pane, or on its own screen when narrow."""
        row = self.inbox.current_row()
        if row is None:
            return
        if row["status"] == "new":
            self.inbox.update_row(row["id"], status="open")
            self.detail.show(row)
            self._write("seen", [row["id"]])
        if self.size.width < NARROW:
            self.app.push_screen(DetailScreen(row, self.db_path, self.now),
                                 callback=lambda choice: self._after_detail(row["id"], choice))
        else:
            self.add_class("-reading")
            self.detail.focus()

    def _after_detail(self, item_id: int, choice: str | None) -> None:
        if choice == "done":
            self._change([item_id], "done")
        elif choice == "snooze":
            self._ask_snooze([item_id])

    def action_done(self) -> None:
        if self.inbox.current_id is not None:
            self._change([self.inbox.current_id], "done")

    def action_snooze(self) -> None:
        if self.inbox.current_id is not None:
            self._ask_snooze([self.inbox.current_id])

    def _ask_snooze(self, item_ids: list[int]) -> None:
        def chosen(until: int | None) -> None:
            if until is not None:
                self._change(item_ids, "snoozed", until=until)

        self.app.push_screen(SnoozeScreen(self.now), callback=chosen)

    def _change(self, item_ids: list[int], status: str, *, until: int | None = None) -> None:
        """Set a status: the list follows at once, the file in a worker."""
        seq = self._write("status", item_ids, status=status, until=until)
        if status not in self.filter.statuses:
            for item_id in item_ids:
                self._pending[item_id] = (seq, status)
            self.inbox.remove_ids(item_ids)
            header = self.query_one(CountsHeader)
            if header.shown is not None:
                header.shown = len(self.inbox.ids)
        else:
            for item_id in item_ids:
                self.inbox.update_row(item_id, status=status)
        if status == "snoozed":
            self.notify(f"Snoozed {len(item_ids)} item{'s' if len(item_ids) > 1 else ''}",
                        markup=False, timeout=2)
        if self.detail.has_focus and not self.inbox.ids:
            self.on_detail_pane_leave(DetailPane.Leave())

    def _write(self, what: str, item_ids: list[int], *, status: str = "",
               until: int | None = None) -> int:
        self._write_seq += 1
        seq = self._write_seq
        name = f"write-{seq}"
        self._writes[name] = seq

        def write() -> None:
            with Store(self.db_path) as store:
                if what == "seen":
                    store.mark_seen(item_ids[0])
                else:
                    store.set_status(item_ids, status, until=until, now=self.now())
                counts = store.status_counts()
            self.post_message(WriteDone(seq, counts))

        # Not exclusive: every change must land, in whatever order the lock allows.
        self.run_worker(write, name=name, group="inbox-write", thread=True,
                        exit_on_error=False)
        return seq

    def on_write_done(self, message: WriteDone) -> None:
        self._committed.add(message.seq)
        self.query_one(CountsHeader).counts = message.counts

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed write: forget the optimistic change and show the file as it is.

        (Textual also runs SfogoScreen's handler, which reports the error.)"""
        seq = self._writes.get(event.worker.name)
        if seq is None or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        del self._writes[event.worker.name]
        if event.state == WorkerState.ERROR:
            self._committed.add(seq)
            for item_id, (pending_seq, _) in list(self._pending.items()):
                if pending_seq == seq:
                    del self._pending[item_id]
            self.inbox.invalidate()
            self.reload(counts=True)

    # -- search ---------------------------------------------------------------------------

    def action_search(self) -> None:
        bar = self.query_one(SearchBar)
        bar.add_class("-active")
        bar.focus()

    @on(SearchBar.Changed)
    def _search_changed(self, event: SearchBar.Changed) -> None:
        text = event.value.strip()
        if text == self.filter.search:
            return
        self.filter.search = text
        self.reload(debounce=SEARCH_DEBOUNCE_S, keep=False)

    @on(SearchBar.Submitted)
    def _search_submitted(self, event: SearchBar.Submitted) -> None:
        text = event.value.strip()
        if text != self.filter.search:
            self.filter.search = text
            self.reload(keep=False)
        if not text:
            self.query_one(SearchBar).remove_class("-active")
        self.inbox.focus()

    @on(SearchBar.Cancelled)
    def _search_cancelled(self, event: SearchBar.Cancelled) -> None:
        self.query_one(SearchBar).remove_class("-active")
        if self.filter.search:
            self.filter.search = ""
            self.reload(keep=True)  # back in the whole inbox, still on the item found
        self.inbox.focus()
