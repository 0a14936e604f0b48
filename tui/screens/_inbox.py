"""The inbox: counts, views and filters, the virtual list in triage order, the highlighted
item, search, and every action on items.

The screen owns *what* is listed (a view, the ``f`` filters, a search) and every query:
each runs in a named thread worker with its own ``Store`` connection and posts a message
back; only primary-key page fetches for the lines on screen run on the UI thread
(``InboxList.row_at``).

Changing items (done, snooze, seen, pin, tags) updates the screen at once and writes in a
worker, one transaction per action however many items are selected. Until the write
commits, a list load that started earlier could bring an item back, so pending changes are
remembered and applied to ids that arrive (``_pending``).
"""
from __future__ import annotations

import sqlite3
import threading
import time
from array import array
from itertools import islice
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.content import Content
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.store import Store

from ..views import DEFAULT_VIEWS, NEWEST, Filters, View, iter_query_ids, resolve
from ..widgets import CountsHeader, DetailPane, InboxList, KeyFooter, SearchBar, ViewBar
from ..widgets import HealthBar
from ..widgets._detail import ItemExtras
from ._base import SfogoScreen
from ._compose import ReplyScreen
from ._detail import DetailScreen, ExtrasLoaded, load_extras
from ._filters import FilterScreen
from ._snooze import SnoozeScreen
from ._tag import TagScreen

FIRST_IDS = 256  # sent ahead of the rest so the first screenful paints at once
ID_CHUNK = 16_384  # ids read between checks for cancellation
SEARCH_DEBOUNCE_S = 0.12
NARROW = 60  # below this many columns the item opens on its own screen
NEIGHBOURS = 64  # ids either side of the cursor tried when its item leaves the list


class IdsLoaded(Message):
    """Ids for the list (``complete`` False: the first screenful, more coming)."""

    def __init__(self, generation: int, ids: array, complete: bool, statuses,
                 committed: frozenset[int], keep_id: int | None,
                 shown: threading.Event | None = None, *, settings=None, order: str = "",
                 problems: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.shown = shown  # set once these ids are on screen
        self.generation = generation
        self.ids = ids
        self.complete = complete
        self.statuses = tuple(statuses)  # what the list keeps: a pending change leaves it
        self.committed = committed  # writes committed before this load began
        self.keep_id = keep_id  # the item the cursor should stay on (None: the top)
        self.settings = settings
        self.order = order
        self.problems = problems


class CountsLoaded(Message):
    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.counts = counts


class WriteDone(Message):
    def __init__(self, seq: int, counts: dict[str, int]) -> None:
        super().__init__()
        self.seq = seq
        self.counts = counts


def _statuses_of(view: View, filters: Filters) -> tuple[str, ...]:
    """The statuses a view with these filters lists (for optimistic removals)."""
    a, b = view.statuses, filters.statuses
    if a and b:
        return tuple(s for s in a if s in b)
    return tuple(a or b or ("new", "open"))


class InboxScreen(SfogoScreen):
    """The inbox in triage order with its detail pane; views on 1–9, filters on f."""

    HELP_TITLE = "Inbox"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-normal"), (120, "-wide")]
    BINDINGS = [
        Binding("enter", "open", "Open", id="inbox.open", show=False),
        Binding("d", "done", "Done", id="inbox.done"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze"),
        Binding("r", "reply", "Reply", id="inbox.reply"),
        Binding("p", "pin", "Pin", id="inbox.pin", show=False),
        Binding("t", "tag", "Tag", id="inbox.tag", show=False),
        Binding("c,y", "copy_link", "Copy link", id="inbox.copy_link", show=False),
        Binding("slash", "search", "Search", id="inbox.search"),
        Binding("f", "filters", "Filters", id="inbox.filters"),
        *[Binding(str(n), f"view({n - 1})", f"View {n}", id=f"inbox.view_{n}", show=False)
          for n in range(1, 10)],
    ]

    def __init__(self, db_path: str | Path, store: Store, now,
                 views: list[View] | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.store = store  # the UI thread's connection: page fetches and nothing slow
        self.now = now
        self.views = list(views or DEFAULT_VIEWS)
        self.view_index = 0
        self.filters = Filters()
        self.search = ""
        self.order = ""
        self._generation = 0
        self._write_seq = 0
        self._committed: set[int] = set()
        self._pending: dict[int, tuple[int, str]] = {}  # item id -> (write seq, new status)
        self._writes: dict[str, int] = {}  # worker name -> write seq
        self._then: dict[int, object] = {}  # write seq -> what to do once it committed
        self._partial_id: int | None = None  # cursor item when the first screenful came
        self._last_search_key = 0.0
        self._wake_after: int | None = None  # wake snoozed items when this load completes
        self._problems_shown: set[str] = set()

    @property
    def view(self) -> View:
        return self.views[self.view_index]

    def compose(self) -> ComposeResult:
        yield CountsHeader(id="counts")
        yield ViewBar(id="viewbar")
        with Container(id="panes"):
            yield InboxList(self.store.items.by_ids, self.now, id="inbox")
            yield DetailPane(self.now, id="detail")
        yield SearchBar(id="search")
        yield HealthBar(self.db_path, self.now, self.store.data_version, id="health")
        yield KeyFooter()

    @property
    def inbox(self) -> InboxList:
        return self.query_one("#inbox", InboxList)

    @property
    def detail(self) -> DetailPane:
        return self.query_one("#detail", DetailPane)

    def on_mount(self) -> None:
        self.inbox.focus()
        self._show_view_bar()
        self.reload(wake=True)
        self.set_interval(60, self._minute)
        changed = getattr(self.app, "data_changed", None)
        if changed is not None:
            changed.subscribe(self, self._data_changed)

    # -- loading --------------------------------------------------------------------------

    def reload(self, *, debounce: float = 0.0, keep: bool = True, wake: bool = False,
               counts: bool = False, live: bool = False) -> None:
        """Read the ids for the current view, filters and search off the UI thread (and the
        counts if asked: a search does not change them).

        ``live``: the file changed underneath; the list is replaced only when complete, and
        the cursor stays on its item or, if that left, on the nearest neighbour that did not.
        """
        self._generation += 1
        self._partial_id = None
        if wake:
            # Snoozed items whose time came wake once the list is complete (after the first
            # paint): the write reaches the list as a change to the file, like any other.
            self._wake_after = self._generation
        keep_ids: list[int] = []
        if keep and self.inbox.ids:
            inbox = self.inbox
            keep_ids.append(inbox.current_id)
            for step in range(1, NEIGHBOURS + 1):
                for index in (inbox.cursor + step, inbox.cursor - step):
                    if 0 <= index < len(inbox.ids):
                        keep_ids.append(inbox.ids[index])
        self._load_ids(self._generation, self.view, Filters(**_fields(self.filters)),
                       self.search, debounce, frozenset(self._committed), keep_ids,
                       counts or wake, live)

    @work(thread=True, group="inbox-ids", exclusive=True, exit_on_error=False)
    def _load_ids(self, generation: int, view: View, filters: Filters, search: str,
                  debounce: float, committed: frozenset[int], keep_ids: list[int],
                  counts: bool, live: bool) -> None:
        from sfogo.backlog.gaps import find_gaps

        worker = get_current_worker()
        if debounce:  # typing: wait for a pause; a newer keystroke cancels this worker
            threading.Event().wait(debounce)
        if worker.is_cancelled:
            return
        now = self.now()
        page = None
        prefetched = getattr(self.app, "first_page", None)
        if generation == 1 and prefetched is not None:
            page = prefetched.take()  # read while Textual started: the same query
        if page is not None:
            store, settings, query = page["store"], page["settings"], page["query"]
            found, first = page["found"], page["first"]
        else:
            store = Store(self.db_path)  # this thread's own connection
            first = None
        with store:
            if page is None:
                settings = self.app.settings_for(store)
                gaps = find_gaps(store, now=now)
                query = resolve(view, filters, store, settings, now, search=search, gaps=gaps)
                found = iter_query_ids(store, query, settings, now, gaps=gaps)
            statuses = tuple(query.flt.statuses)
            extra = dict(settings=settings, order=query.order, problems=tuple(query.problems))
            keep_id = keep_ids[0] if keep_ids else None
            ids = array("q")
            if not live:
                ids.extend(first if first is not None else islice(found, FIRST_IDS))
                if len(ids) == FIRST_IDS:
                    shown = threading.Event()
                    self.post_message(IdsLoaded(generation, array("q", ids), False, statuses,
                                                committed, keep_id, shown, **extra))
                    # Reading the rest holds the GIL between rows: let the first frame out.
                    shown.wait(0.25)
            elif first is not None:
                ids.extend(first)
            while True:
                if worker.is_cancelled:
                    return
                before = len(ids)
                ids.extend(islice(found, ID_CHUNK))
                if len(ids) - before < ID_CHUNK:
                    break
            if len(keep_ids) > 1:
                present = set(ids)
                keep_id = next((i for i in keep_ids if i in present), keep_id)
            self.post_message(IdsLoaded(generation, ids, True, statuses, committed, keep_id,
                                        **extra))
            if counts:  # after the ids: the list paints first
                self.post_message(CountsLoaded(store.items.status_counts()))

    def on_ids_loaded(self, message: IdsLoaded) -> None:
        if message.generation != self._generation:
            if message.shown is not None:
                message.shown.set()
            return  # a newer load is on its way
        ids = message.ids
        drop = set()
        for item_id, (seq, status) in list(self._pending.items()):
            if seq not in message.committed and status not in message.statuses:
                drop.add(item_id)
            elif message.complete and seq in message.committed:
                del self._pending[item_id]  # this load saw the write: nothing to patch
        if drop:
            ids = array("q", (i for i in ids if i not in drop))
        inbox = self.inbox
        if message.settings is not None:
            inbox.settings = message.settings
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
        if (message.complete and self._wake_after is not None
                and message.generation >= self._wake_after):
            self._wake_after = None
            self._wake()
        header = self.query_one(CountsHeader)
        header.shown = len(ids) if message.complete else None
        header.search = self.search
        self.order = message.order
        self.query_one(ViewBar).newest_first = message.order == NEWEST
        for problem in message.problems:
            if problem not in self._problems_shown:
                self._problems_shown.add(problem)
                self.notify(Content(problem), severity="warning", timeout=8)

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self.query_one(CountsHeader).counts = message.counts

    def _empty_text(self) -> str:
        if self.search:
            return "No match. Escape clears the search."
        if self.filters.active():
            return "Nothing matches these filters: f changes them."
        if self.view_index:
            return f"Nothing in {self.view.name}. 1 shows the whole inbox."
        return "Inbox zero: nothing new or open."

    def _minute(self) -> None:
        """Ages and deadlines move on; snoozed items whose time came wake up (the write,
        if any, reaches the list as a change to the file)."""
        self.inbox.tick()
        self._wake()

    @work(thread=True, group="inbox-wake", exclusive=True, exit_on_error=False)
    def _wake(self) -> None:
        with Store(self.db_path) as store:
            try:
                store.marks.wake_snoozed(now=self.now())  # a read unless something is due
            except (sqlite3.Error, SfogoError):
                pass  # read-only or busy: the next minute tries again

    def _data_changed(self, _value=None) -> None:
        """Another process changed the file: reload, keeping the cursor and the open item."""
        self.inbox.invalidate()
        self.reload(live=True, counts=True)
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        """Show the item in the pane as it is in the file now (it stays even if it left
        the list: the reader is reading it)."""
        item_id = self.detail.item_id
        if item_id is None:
            return
        fresh = self.store.items.by_ids([item_id]).get(item_id)
        if fresh is not None:
            self.detail.show(fresh)
            self._load_extras(fresh)

    # -- the view bar -----------------------------------------------------------------------

    def _show_view_bar(self) -> None:
        bar = self.query_one(ViewBar)
        bar.views = tuple(v.name for v in self.views)
        bar.current = self.view_index
        bar.filters = tuple(self._filter_words())
        bar.selected = len(self.inbox.selected)

    def _filter_words(self) -> list[str]:
        from sfogo.inbox.model import CHANNEL_SHORT

        from ..widgets._format import one_line

        f = self.filters
        words = []
        if f.client_ids:
            names = {c.id: c.name for c in self.store.clients.all()}
            words.append(", ".join(one_line(names.get(i, f"#{i}"), 30) for i in f.client_ids))
        if f.channels:
            words.append(",".join(CHANNEL_SHORT.get(c, c) for c in f.channels))
        if f.kinds:
            words.append(",".join(f.kinds))
        if f.statuses:
            words.append(",".join(f.statuses))
        if f.backlog:
            words.append("backlog")
        return words

    def binding_notes(self) -> dict[str, str]:
        """Better words for the help screen: the views' names."""
        return {f"inbox.view_{i + 1}": f"View: {view.name}" for i, view in enumerate(self.views)}

    def on_inbox_list_selection_changed(self, message: InboxList.SelectionChanged) -> None:
        self.query_one(ViewBar).selected = message.count

    # -- the highlighted item -------------------------------------------------------------

    def on_inbox_list_highlighted(self, message: InboxList.Highlighted) -> None:
        # The pane re-lays out its text, which costs more than the two list lines the
        # cursor changed: let the list's frame go out first, then fill the pane.
        self.call_after_refresh(self._show_current)

    def _show_current(self, force: bool = False) -> None:
        """Show the cursor's item in the pane (``force``: even while one is being read)."""
        if not force and self.detail.has_focus and self.detail.row is not None:
            return  # reading: the item stays open whatever the list does underneath
        row = self.inbox.current_row()
        if row is not None and row["id"] == self.detail.item_id:
            return  # several moves collapsed into one update, or nothing changed
        self.detail.show(row, empty=self._empty_text())
        if row is not None and self.detail.display:
            self._load_extras(row)

    @work(thread=True, group="inbox-extras", exclusive=True, exit_on_error=False)
    def _load_extras(self, row: dict) -> None:
        with Store(self.db_path) as store:
            extras = load_extras(store, row, self.app.settings_for(store), self.now())
        if not get_current_worker().is_cancelled:
            self.post_message(ExtrasLoaded(extras))

    def on_extras_loaded(self, message: ExtrasLoaded) -> None:
        self.detail.show_extras(message.extras)

    def on_inbox_list_selected(self, message: InboxList.Selected) -> None:
        self.action_open()

    def on_detail_pane_leave(self, message: DetailPane.Leave) -> None:
        self.remove_class("-reading")
        self.inbox.focus()
        self._show_current(force=True)

    def on_resize(self) -> None:
        if self.size.width < NARROW and self.detail.has_focus:
            self.on_detail_pane_leave(DetailPane.Leave())

    # -- actions --------------------------------------------------------------------------

    def _target(self) -> dict | None:
        """The item single-item actions apply to: the one being read, else the cursor's."""
        if self.detail.has_focus and self.detail.row is not None:
            return self.detail.row
        return self.inbox.current_row()

    def _chosen(self) -> list[int]:
        """The items batch actions apply to: the selection, else the one being read or under
        the cursor."""
        if self.inbox.selected:
            return self.inbox.chosen_ids()
        row = self._target()
        return [] if row is None else [row["id"]]

    def action_open(self) -> None:
        """Mark the item seen and read it: in the pane, or on its own screen when narrow."""
        row = self.inbox.current_row()
        if row is None:
            return
        if row["status"] == "new":
            self.inbox.update_row(row["id"], status="open")
            row = dict(row, status="open")
            self.detail.show(row)
            self._write("seen", [row["id"]])
        if self.size.width < NARROW:
            self.app.push_screen(DetailScreen(row, self.db_path, self.now, owner=self),
                                 callback=lambda choice: self._after_detail(row["id"], choice))
        else:
            self.add_class("-reading")
            self.detail.focus()

    def _after_detail(self, item_id: int, choice: str | None) -> None:
        if choice == "done":
            self._change([item_id], "done")
        elif choice == "snooze":
            self._ask_snooze([item_id])

    def act_on_item(self, row: dict, what: str, *, screen=None) -> None:
        """An action from the item's own screen (narrow terminals)."""
        if what == "pin":
            self._pin([row["id"]], not row["pinned"], screen=screen)
        elif what == "tag":
            self._ask_tags([row["id"]], row.get("tags", []), screen=screen)
        elif what == "reply":
            self._ask_reply(row, screen=screen)
        elif what == "copy":
            self._copy(row)

    def action_done(self) -> None:
        chosen = self._chosen()
        if chosen:
            self._change(chosen, "done")

    def action_snooze(self) -> None:
        chosen = self._chosen()
        if chosen:
            self._ask_snooze(chosen)

    def action_pin(self) -> None:
        chosen = self._chosen()
        if not chosen:
            return
        rows = self.store.items.by_ids(chosen[:1]) if len(chosen) == 1 else {}
        if len(chosen) == 1 and chosen[0] in rows:
            pinned = not rows[chosen[0]]["pinned"]
        else:
            pinned = True  # a batch pins; pressing p on one pinned item unpins it
        self._pin(chosen, pinned)

    def action_tag(self) -> None:
        chosen = self._chosen()
        if not chosen:
            return
        tags = []
        if len(chosen) == 1:
            row = self.store.items.by_ids(chosen).get(chosen[0])
            tags = row["tags"] if row else []
        self._ask_tags(chosen, tags)

    def action_reply(self) -> None:
        row = self._target()
        if row is not None:
            self._ask_reply(row)

    def action_copy_link(self) -> None:
        row = self._target()
        if row is not None:
            self._copy(row)

    def action_view(self, index: int) -> None:
        if index >= len(self.views):
            self.notify(f"No view {index + 1}: add one with [[views]] in the config file.",
                        markup=False, timeout=4)
            return
        if index == self.view_index:
            return
        self.view_index = index
        self.inbox.action_clear_selection()
        self._show_view_bar()
        self.reload(keep=False)

    def action_filters(self) -> None:
        clients = [(c.id, c.name) for c in self.store.clients.all()]
        channels = sorted({a.channel for a in self.store.accounts.all()})

        def changed(filters: Filters) -> None:
            self.filters = filters
            self._show_view_bar()
            self.reload(keep=False)

        self.app.push_screen(FilterScreen(self.filters, clients, channels, changed))

    # -- asking ---------------------------------------------------------------------------

    def _ask_snooze(self, item_ids: list[int]) -> None:
        def chosen(until: int | None) -> None:
            if until is not None:
                self._change(item_ids, "snoozed", until=until)

        self.app.push_screen(SnoozeScreen(self.now), callback=chosen)

    def _ask_tags(self, item_ids: list[int], tags: list[str], *, screen=None) -> None:
        def chosen(result) -> None:
            if result is None:
                return
            add, remove = result
            self._write("tags", item_ids, add=add, remove=remove,
                        then=lambda: self._after_item_change(item_ids, screen))
            for item_id in item_ids:
                row = self.inbox._rows.get(item_id)
                if row is not None:
                    row["tags"] = sorted((set(row["tags"]) | set(add)) - set(remove))
                    self.inbox.update_row(item_id)
            words = " ".join([*(f"+{t}" for t in add), *(f"-{t}" for t in remove)])
            self.notify(Content(f"Tags {words} on {_items(len(item_ids))}"), timeout=3)

        self.app.push_screen(TagScreen(tags, len(item_ids)), callback=chosen)

    def _ask_reply(self, row: dict, *, screen=None) -> None:
        def queued(reply_id: int | None) -> None:
            if reply_id is None:
                return
            self.app.absorb_own_writes()
            self.notify(Content(f"Reply queued: it will be sent when {row['channel']} is "
                                "reachable (sfogo sync sends it)."), timeout=6)
            self._after_item_change([row["id"]], screen)

        self.app.push_screen(ReplyScreen(row, self.db_path, self.now), callback=queued)

    def _copy(self, row: dict) -> None:
        from ..widgets._format import one_line

        url = one_line(row["url"], 2000)
        if not url:
            self.notify("This item has no link.", markup=False, timeout=3)
            return
        self.app.copy_to_clipboard(url)  # OSC 52: reaches the local clipboard over SSH
        self.notify(Content(f"Link copied: {url}"), timeout=4)

    def _after_item_change(self, item_ids: list[int], screen=None) -> None:
        """Redraw what shows the items (pane, item screen) once they changed."""
        if screen is not None and hasattr(screen, "refresh_row"):
            screen.refresh_row()
        if self.detail.item_id in item_ids:
            fresh = self.store.items.by_ids([self.detail.item_id]).get(self.detail.item_id)
            if fresh is not None:
                self.detail.show(fresh)
                self._load_extras(fresh)

    # -- changing items ---------------------------------------------------------------------

    def _pin(self, item_ids: list[int], pinned: bool, *, screen=None) -> None:
        self._write("pin", item_ids, pinned=pinned,
                    then=lambda: self._after_item_change(item_ids, screen))
        for item_id in item_ids:
            self.inbox.update_row(item_id, pinned=pinned)
        self.notify(f"{'Pinned' if pinned else 'Unpinned'} {_items(len(item_ids))}",
                    markup=False, timeout=2)
        if screen is not None:
            screen.row = dict(screen.row, pinned=pinned)
            screen.pane.show(screen.row)
        if self.detail.item_id in item_ids and self.detail.row is not None:
            self.detail.show(dict(self.detail.row, pinned=pinned))

    def _change(self, item_ids: list[int], status: str, *, until: int | None = None) -> None:
        """Set a status: the list follows at once, the file in a worker (one transaction)."""
        seq = self._write("status", item_ids, status=status, until=until)
        statuses = _statuses_of(self.view, self.filters)
        if status not in statuses:
            for item_id in item_ids:
                self._pending[item_id] = (seq, status)
            self.inbox.remove_ids(item_ids)
            header = self.query_one(CountsHeader)
            if header.shown is not None:
                header.shown = len(self.inbox.ids)
        else:
            for item_id in item_ids:
                self.inbox.update_row(item_id, status=status)
        if len(item_ids) > 1 or status == "snoozed":
            verb = "Done" if status == "done" else "Snoozed"
            self.notify(f"{verb}: {_items(len(item_ids))}", markup=False, timeout=2)
        if self.detail.has_focus:
            if not self.inbox.ids:
                self.on_detail_pane_leave(DetailPane.Leave())
            else:
                self._show_current(force=True)  # reading on: the next item takes the pane

    def _write(self, what: str, item_ids: list[int], *, status: str = "",
               until: int | None = None, pinned: bool = False, add=(), remove=(),
               then=None) -> int:
        """Write in a worker; ``then`` runs on the UI thread once the write committed."""
        self._write_seq += 1
        seq = self._write_seq
        if then is not None:
            self._then[seq] = then
        name = f"write-{seq}"
        self._writes[name] = seq
        now = self.now()

        def write() -> None:
            with Store(self.db_path) as store:
                if what == "seen":
                    store.marks.mark_seen(item_ids[0])
                elif what == "pin":
                    store.marks.set_pinned(item_ids, pinned)
                elif what == "tags":
                    with store.transaction():  # adding and removing: one transaction
                        if add:
                            store.marks.add_tags(item_ids, add)
                        if remove:
                            store.marks.remove_tags(item_ids, remove)
                else:
                    store.marks.set_status(item_ids, status, until=until, now=now)
                counts = store.items.status_counts()
            self.post_message(WriteDone(seq, counts))

        # Not exclusive: every change must land, in whatever order the lock allows.
        self.run_worker(write, name=name, group="inbox-write", thread=True,
                        exit_on_error=False)
        return seq

    def on_write_done(self, message: WriteDone) -> None:
        self._committed.add(message.seq)
        self.app.absorb_own_writes()
        self.query_one(CountsHeader).counts = message.counts
        then = self._then.pop(message.seq, None)
        if then is not None:
            then()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed write: forget the optimistic change and show the file as it is.

        (Textual also runs SfogoScreen's handler, which reports the error.)"""
        seq = self._writes.get(event.worker.name)
        if seq is None or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        del self._writes[event.worker.name]
        if event.state == WorkerState.ERROR:
            self._committed.add(seq)
            self._then.pop(seq, None)
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

    def _search_debounce(self) -> float:
        """No wait after a pause (the first key shows at once); a short one within a burst."""
        now = time.monotonic()
        quiet = now - self._last_search_key > SEARCH_DEBOUNCE_S
        self._last_search_key = now
        return 0.0 if quiet else SEARCH_DEBOUNCE_S

    @on(SearchBar.Changed)
    def _search_changed(self, event: SearchBar.Changed) -> None:
        text = event.value.strip()
        if text == self.search:
            return
        self.search = text
        self.reload(debounce=self._search_debounce(), keep=False)

    @on(SearchBar.Submitted)
    def _search_submitted(self, event: SearchBar.Submitted) -> None:
        text = event.value.strip()
        if text != self.search:
            self.search = text
            self.reload(keep=False)
        if not text:
            self.query_one(SearchBar).remove_class("-active")
        self.inbox.focus()

    @on(SearchBar.Cancelled)
    def _search_cancelled(self, event: SearchBar.Cancelled) -> None:
        self.query_one(SearchBar).remove_class("-active")
        if self.search:
            self.search = ""
            self.reload(keep=True)  # back in the whole view, still on the item found
        self.inbox.focus()


def _fields(filters: Filters) -> dict:
    return {name: getattr(filters, name) for name in Filters.__dataclass_fields__}


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n:,} items"


__all__ = ["InboxScreen", "IdsLoaded", "ItemExtras"]
