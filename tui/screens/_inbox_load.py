"""Reading what the inbox lists: the ids of a view, its filters and a search, and the counts.

One read runs at a time in a named thread worker (``inbox-ids``) with its own ``Store``;
a newer read supersedes it (generations, see ``widgets/_work.py``): the old one stops at its
next check and its result is dropped. The first screenful (``FIRST_IDS``) is posted ahead
of the rest so it paints at once; the rest follows in one message. The very first read takes
over the page the app read while Textual started (tui/prefetch.py).
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from textual.message import Message
from textual.worker import get_current_worker

from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import Store

from ..views import Filters, View, iter_query_ids, resolve

FIRST_IDS = 256  # sent ahead of the rest so the first screenful paints at once
ID_CHUNK = 16_384  # ids read between checks for a newer read
SHOWN_WAIT_S = 0.25  # the longest the rest waits for the first screenful's frame


def list_rows(
    store: Store, ids: Sequence[int], *, now: int | None = None, me: int | None = None
) -> dict[int, ItemRow]:
    """A page of the list's rows by id, each with ``reply``: the state of a reply of ours to
    it still in the outbox ('' when none), ``liked``: the state of our like of it ('' when
    none), ``draft``: whether a reply is being written, ``owner``: the team member it is
    assigned to ('' when nobody) and, given ``now``, ``replying``: who else (not ``me``) is
    writing a reply to it. Key lookups only: it runs while the list draws."""
    ids = list(ids)
    store.ahead_list_rows(ids, now=now)  # on a server, all of it in one round trip
    rows = store.items.by_ids(ids)
    # Asked for every id, as sent ahead (ids not found have none of these).
    waiting = store.outbox.waiting_for(ids) if rows else {}
    likes = store.outbox.likes_for(ids) if rows else {}
    drafts = store.drafts.marked(ids) if rows else set()
    owners = store.team.assignees(ids) if rows else {}
    replying = store.team.replying(ids, now=now) if rows and now is not None else {}
    for item_id, row in rows.items():
        row["reply"] = waiting.get(item_id, "")
        row["liked"] = likes.get(item_id, "")
        row["draft"] = item_id in drafts
        owner = owners.get(item_id)
        row["owner"] = "" if owner is None else owner.name
        other = replying.get(item_id)
        row["replying"] = "" if other is None or other.member_id == me else other.name
    return rows


class IdsLoaded(Message):
    """Ids for the list (``complete`` False: the first screenful, more coming)."""

    def __init__(
        self,
        generation: int,
        ids: array,
        complete: bool,
        statuses,
        committed: frozenset[int],
        keep_id: int | None,
        shown: threading.Event | None = None,
        *,
        settings=None,
        gaps: tuple | None = None,
        order: str = "",
        problems: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.shown = shown  # set once these ids are on screen
        self.generation = generation
        self.ids = ids
        self.complete = complete
        self.statuses = tuple(statuses)  # what the list keeps: a pending change leaves it
        self.committed = committed  # writes committed before this load began
        self.keep_id = keep_id  # the item the cursor should stay on (None: the top)
        self.settings = settings
        self.gaps = gaps  # the gaps the order was made with: the pane's item's gap is one
        self.order = order
        self.problems = problems


class CountsLoaded(Message):
    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.counts = counts


@dataclass(frozen=True, slots=True)
class ListRequest:
    """One read: what to list, and how the result is to be shown."""

    view: View
    filters: Filters
    search: str = ""
    debounce: float = 0.0  # wait this long first (typing: a newer key supersedes it)
    committed: frozenset[int] = frozenset()  # the screen's writes committed so far
    keep_ids: tuple[int, ...] = ()  # the cursor's item, then its neighbours nearest first
    counts: bool = False  # read the status counts too (after the ids)
    live: bool = False  # the file changed underneath: post the list only when complete


class ListLoader:
    """Runs list reads for ``host`` (the inbox screen), which gets their messages."""

    GROUP = "inbox-ids"

    def __init__(
        self,
        host,
        db_path: str | Path,
        now: Callable[[], int],
        settings_for: Callable[[Store], object],
        first_page: Callable[[], dict | None],
    ) -> None:
        self._host = host
        self._db_path = db_path
        self._now = now
        self._settings_for = settings_for
        self._first_page = first_page  # the prefetched page, taken by the first read
        self.generation = 0

    def load(self, request: ListRequest) -> int:
        """Start reading; returns the read's generation (messages carry it)."""
        self.generation += 1
        generation = self.generation
        self._host.run_worker(
            lambda: self._read(generation, request),
            name="inbox-ids",
            group=self.GROUP,
            thread=True,
            exit_on_error=False,
        )
        return generation

    def is_current(self, message: IdsLoaded) -> bool:
        return message.generation == self.generation

    def _stale(self, generation: int) -> bool:
        return generation != self.generation or get_current_worker().is_cancelled

    def _read(self, generation: int, request: ListRequest) -> None:
        if request.debounce:  # typing: wait for a pause; a newer keystroke supersedes this
            threading.Event().wait(request.debounce)
        if self._stale(generation):
            return
        page = self._first_page() if generation == 1 else None
        if page is not None:  # read while Textual started: the same query
            store, found, first = page["store"], page["found"], page["first"]
            settings, query, gaps = page["settings"], page["query"], page["gaps"]
        else:
            store, first = Store(self._db_path), None  # this thread's own connection
        with store:
            if page is None:
                from sfogo.backlog.gaps import find_gaps

                now = self._now()
                settings = self._settings_for(store)
                gaps = find_gaps(store, now=now)
                query = resolve(
                    request.view,
                    request.filters,
                    store,
                    settings,
                    now,
                    search=request.search,
                    gaps=gaps,
                )
                found = iter_query_ids(store, query, settings, now, gaps=gaps)
            loaded = dict(
                statuses=tuple(query.flt.statuses),
                committed=request.committed,
                settings=settings,
                gaps=tuple(gaps),
                order=query.order,
                problems=tuple(query.problems),
            )
            ids = self._read_ids(generation, request, found, first, loaded)
            if ids is None:
                return
            keep_id = request.keep_ids[0] if request.keep_ids else None
            if len(request.keep_ids) > 1:
                present = set(ids)
                keep_id = next((i for i in request.keep_ids if i in present), keep_id)
            self._post(IdsLoaded(generation, ids, True, keep_id=keep_id, **loaded))
            if request.counts:  # after the ids: the list paints first
                self._post(CountsLoaded(store.items.status_counts()))

    def _read_ids(
        self, generation: int, request: ListRequest, found, first, loaded: dict
    ) -> array | None:
        """Every id of the query (None: superseded); the first screenful is posted ahead
        unless the list is being replaced underneath (``live``)."""
        ids = array("q")
        if not request.live:
            ids.extend(first if first is not None else islice(found, FIRST_IDS))
            if len(ids) == FIRST_IDS:
                shown = threading.Event()
                keep_id = request.keep_ids[0] if request.keep_ids else None
                self._post(
                    IdsLoaded(
                        generation, array("q", ids), False, keep_id=keep_id, shown=shown, **loaded
                    )
                )
                # Reading the rest holds the GIL between rows: let the first frame out.
                shown.wait(SHOWN_WAIT_S)
        elif first is not None:
            ids.extend(first)
        while True:
            if self._stale(generation):
                return None
            before = len(ids)
            ids.extend(islice(found, ID_CHUNK))
            if len(ids) - before < ID_CHUNK:
                return ids

    def _post(self, message: Message) -> None:
        self._host.post_message(message)
