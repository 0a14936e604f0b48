"""What the full-screen app's tests share: a small inbox built with the store API, the app
with a frozen clock, waiting for workers, reading the screen, and the order the store itself
gives (triage), to compare the app against.
"""

from __future__ import annotations

from pathlib import Path

from conftest import NOW

from sfogo.backlog.settings import Settings, client_targets
from sfogo.backlog.triage import triage_ids
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Interaction
from sfogo.inbox.store import InboxFilter, Store
from sfogo.tui.app import SfogoApp

HOSTILE_MARKUP = "[@click=app.quit]click me[/]"
HOSTILE_NAME = "[b]Evil[/b] [/"
# Raw escapes a file written by another tool could hold: title change, clipboard write
# (OSC 52), clear screen, CSI via C1, a bidi override.
HOSTILE_ESCAPES = (
    "title \x1b]0;pwned\x07 clip \x1b]52;c;ZWNobyBoaQ==\x07 clear \x1b[2J csi \x9b31m \u202eevil"
)
ESCAPE_BYTES = ("\x1b", "\x07", "\x9b", "\u202e")
SIZES = [(80, 24), (40, 24)]
ROW_1 = 3  # the list's first line on the inbox screen: after counts, views and the legend


def build_inbox(store: Store, count: int = 30) -> list[int]:
    """Two clients, three accounts, ``count`` items half an hour apart.

    The most urgent item (a VIP's Instagram message whose reply window is closing) carries
    hostile markup in its text and author; the newest belongs to a conversation with the
    third. Returns the ids in triage order (what the app lists).
    """
    store.clients.add("Hotel Roma Centrale", "vip", now=NOW)
    store.clients.add("Trattoria da Gino", "normal", now=NOW)
    accounts = [
        store.accounts.add("Hotel Roma Centrale", "instagram", "hotelroma", now=NOW),
        store.accounts.add("Hotel Roma Centrale", "email", "info@hotelroma.it", now=NOW),
        store.accounts.add("Trattoria da Gino", "mastodon", "@gino@social.example", now=NOW),
    ]
    texts = [
        "Ciao, vorrei prenotare una camera doppia per il 12 dicembre: è disponibile?",
        "Great stay, the breakfast was amazing!\nWill come back next year.",
        "Is the terrace open in winter? We would love a table outside.",
        "Quanto costa il parcheggio per una notte?",
    ]
    authors = ["Marco Rossi", "Anna Bianchi", "Jean Dupont", "Sofia Greco"]
    items = []
    for i in range(count):
        account = accounts[0] if i in (0, 2) else accounts[i % 3]
        items.append(
            Interaction(
                account_id=account.id,
                external_id=f"ext-{i}",
                kind=("dm", "comment", "email")[i % 3],
                created_at=NOW - 600 - i * 1800,
                text=texts[i % 4],
                author_name=authors[i % 4],
                author_handle=f"@fan{i}",
                url=f"https://example.com/p/{i}",
                thread_ref="ext-2" if i == 0 else "",
                status="open" if i % 5 == 4 else "new",
            )
        )
    hostile = items[27] if count > 27 else items[0]
    hostile.text = f"{HOSTILE_MARKUP} and a lone [/ bracket"
    hostile.author_name = HOSTILE_NAME
    store.items.upsert(items, now=NOW)
    return triage_order(store)


def settings_of(store: Store) -> Settings:
    """The settings the app uses with no config file: defaults and the clients' targets."""
    return Settings().with_client_targets(client_targets(store))


def triage_order(store: Store, flt: InboxFilter | None = None, **kw) -> list[int]:
    """The store's own triage order (the app must show exactly this)."""
    return triage_ids(store, flt or InboxFilter(), settings_of(store), NOW, limit=None, **kw)


def expected(db_path: Path, flt: InboxFilter | None = None, **kw) -> list[int]:
    with Store(db_path) as other:
        return triage_order(other, flt, **kw)


def make_app(db_path, *, clock=None, **kw) -> SfogoApp:
    """The app on ``db_path`` with its clock frozen at NOW (or the ``clock`` given)."""
    return SfogoApp(db_path, clock=clock or ManualClock(NOW), **kw)


async def settle(pilot, timeout: float = 60.0) -> None:
    """Let every worker finish and the screen catch up (never a sleep).

    A worker's message can start another worker (ids -> the highlighted item's details),
    so this waits in rounds until a round starts nothing new. A worker that never ends
    fails the test after ``timeout`` seconds instead of hanging the suite."""
    import asyncio

    from sfogo.tui.screens._inbox_read import FOLLOW_S

    app = pilot.app
    for rounds in range(1, 40):
        try:
            await asyncio.wait_for(app.workers.wait_for_complete(), timeout)
        except TimeoutError:
            running = [f"{w.group}/{w.name}" for w in app.workers if w.is_running]
            raise AssertionError(f"workers still running after {timeout} s: {running}") from None
        await pilot.pause()
        reading = getattr(app.screen, "reading", None)
        if reading is not None and reading.pending:
            await pilot.pause(FOLLOW_S)  # the pane follows the cursor once the keys pause
            continue
        if rounds >= 2 and not any(w.is_running for w in app.workers):
            return


def screen_text(app) -> str:
    """What the terminal shows now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def row_of(db_path, item_id: int) -> dict:
    with Store(db_path) as other:  # a second connection: what another process sees
        return other.items.get(item_id)


def status_of(db_path, item_id: int) -> tuple[str, int | None]:
    row = row_of(db_path, item_id)
    return row["status"], row["snoozed_until"]
