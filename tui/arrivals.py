"""What arrived since you last looked: the inbox header's count and the terminal bell.

Item ids only grow, so what arrived after a moment is what has a higher id than the newest
item had then: a range of the primary key (``store.items.arrived_after``), counted in a
worker whenever the file changes, whichever process synced it (the app's loop, ``sync
--watch``, an import). The count is of arrivals still new, so one you open leaves it, and
it starts again when you go to the top of the list, where the most urgent arrivals land.

The bell rings once per batch of arrivals when one of them is a VIP client's
(``notify = "vip"`` in the config, the default), any client's (``"all"``) or never
(``"off"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from sfogo.inbox.store import Store

NOTIFY = ("vip", "all", "off")
DEFAULT_NOTIFY = "vip"


def parse_notify(data: dict) -> tuple[str, list[str]]:
    """The config's ``notify`` (top level), and the one-line error if it is not valid."""
    value = data.get("notify", DEFAULT_NOTIFY)
    if isinstance(value, str) and value in NOTIFY:
        return value, []
    shown = value if isinstance(value, str | int | float | bool) else type(value).__name__
    return DEFAULT_NOTIFY, [
        f'config: notify must be "vip", "all" or "off", not {shown!r} (the bell rings for '
        "VIP clients' arrivals)"
    ]


@dataclass(frozen=True, slots=True)
class Counted:
    """One count, made in a worker."""

    looked: int  # the mark it counted from
    newest: int  # the newest item id then
    arrived: int  # new incoming items after the mark
    ring_tiers: frozenset[str]  # tiers of the clients of what the bell has not rung for


class ArrivalsCounted(Message):
    def __init__(self, token: int, counted: Counted) -> None:
        super().__init__()
        self.token = token
        self.counted = counted


class Arrivals:
    """The marks: counted from ``looked``, rung up to ``rung``. Read in workers, changed on
    the UI thread (int reads and writes are atomic under the GIL)."""

    def __init__(self, newest: int, notify: str = DEFAULT_NOTIFY) -> None:
        self.notify = notify
        self.looked = newest
        self.rung = newest
        self.newest = newest
        self.count = 0

    def read(self, store: Store) -> Counted:
        """Count what arrived (any thread, with that thread's store)."""
        looked, rung = self.looked, self.rung
        newest = store.items.newest_id()
        since = store.items.arrived_after(looked)
        unrung = since if rung == looked else store.items.arrived_after(rung)
        return Counted(
            looked, newest, sum(since.values()), frozenset(t for t, n in unrung.items() if n)
        )

    def apply(self, counted: Counted) -> bool:
        """Take a count; True when the bell must ring for it."""
        self.newest = max(self.newest, counted.newest)
        # A look since the count began: what it counted was seen.
        self.count = counted.arrived if counted.looked == self.looked else 0
        ring = (self.notify == "all" and bool(counted.ring_tiers)) or (
            self.notify == "vip" and "vip" in counted.ring_tiers
        )
        self.rung = max(self.rung, counted.newest)
        return ring

    def look(self) -> bool:
        """You looked (the top of the list): count again from the newest seen. True if the
        count changed."""
        self.looked = self.newest
        changed, self.count = self.count != 0, 0
        return changed
