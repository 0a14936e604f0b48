"""The health bar: one line with each account's last sync and the manager's away state.

It reads the same state as ``sfogo health`` (:func:`inbox.health.account_health`) and the
open away period (:func:`backlog.gaps.open_away`) in a named thread worker with its own
connection, and reads again when the file changes (``PRAGMA data_version``, polled on the
UI thread's connection: a few microseconds) and once a minute, since ages move on.

Problems come first and carry a symbol, not only a colour, so they read with NO_COLOR:
``✗ x blocked 5d · fb HAR ok 2m · … +9 ok``. Away mode (key ``a``) is toggled here too, so
the bar that shows the state is the one that changes it.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len
from textual import work
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from sfogo.inbox.model import CHANNEL_SHORT
from sfogo.inbox.store import Store

from ._format import local_time, one_line

POLL_S = 2.0  # how often the change counter is read
TICK_S = 60  # ages are redrawn at least this often
NARROW = 60
GAP_MARK = "✗"  # an open gap: the account is not being seen
NEVER_MARK = "?"
OUTCOME_SHORT = {"rate_limited": "limited", "never synced": "never"}


def initials(name: str) -> str:
    """'Hotel Aurelia Roma' -> 'HAR', 'Amici del Tevere' -> 'AdT', 'Rome' -> 'Rom'."""
    words = one_line(name, 80).split()
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:3]
    return "".join(w[0] for w in words)[:3]


def duration_short(seconds: int) -> str:
    """A duration, rounded, in a few cells: '45m', '30h', '5d' (as ``sfogo gaps`` rounds)."""
    if seconds < 3600:
        return f"{max(1, seconds // 60)}m"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account as the bar shows it."""

    account_id: int
    label: str  # 'x', or 'ig HAR' when the client has to tell two accounts apart
    outcome: str  # the last run's outcome, or 'never synced'
    since: int | None  # failing: the open gap's first failure; ok: the last run's end
    open_gap: bool


@dataclass(frozen=True, slots=True)
class HealthState:
    accounts: tuple[AccountState, ...]
    away: tuple[str, int] | None  # (reason, since) while the manager is away


def load_health(store: Store, now: int) -> HealthState:
    """Every synced account (problems first, longest open gap first) and the away state."""
    from sfogo.backlog.gaps import open_away
    from sfogo.inbox.health import account_health

    rows = account_health(store, now=now)
    per_channel = Counter(h.channel for h in rows)
    labels: dict[int, str] = {}
    for h in rows:
        label = CHANNEL_SHORT.get(h.channel) or one_line(h.channel, 8)
        if per_channel[h.channel] > 1:
            label = f"{label} {initials(h.client)}"
        labels[h.account_id] = label
    repeated = Counter(labels.values())
    accounts = []
    for h in rows:
        label = labels[h.account_id]
        if repeated[label] > 1:  # same channel, same initials: the handle tells them apart
            label = f"{label} {one_line(h.handle, 40).lstrip('@')[:8]}"
        if h.last_outcome is None:
            accounts.append(AccountState(h.account_id, label, "never synced", None, False))
        elif h.last_outcome == "ok":
            accounts.append(AccountState(h.account_id, label, "ok", h.last_ended_at, False))
        else:
            accounts.append(AccountState(h.account_id, label, h.last_outcome,
                                         h.gap_since or h.last_started_at, True))

    def order(a: AccountState) -> tuple:
        rank = 0 if a.open_gap else 1 if a.outcome == "never synced" else 2
        return rank, a.since if a.open_gap else 0, a.label

    away = open_away(store)
    return HealthState(tuple(sorted(accounts, key=order)),
                       (away[2], away[1]) if away else None)


def _entry(account: AccountState, now: int) -> Content:
    outcome = OUTCOME_SHORT.get(account.outcome, account.outcome)
    age = ""
    if account.since is not None:
        age = "now" if now - account.since < 60 else duration_short(now - account.since)
    text = f"{account.label} {outcome}" + (f" {age}" if age else "")
    if account.open_gap:
        return Content.assemble((f"{GAP_MARK} {text}", "$text-error bold"))
    if account.outcome == "never synced":
        return Content.assemble((f"{NEVER_MARK} {text}", "$text-warning"))
    return Content.assemble((text, "$text-muted"))


def health_line(state: HealthState | None, now: int, width: int) -> Content:
    """The bar's one line, at most ``width`` cells: away, problems, then as many healthy
    accounts as fit and '+N ok' for the rest."""
    if state is None:
        return Content.assemble(("sync: checking…", "$text-muted"))
    narrow = width < NARROW
    sep = Content.assemble((" · ", "$text-muted"))
    parts: list[Content] = []
    if state.away is not None:
        reason, since = state.away
        at = local_time(since, now)
        parts.append(Content.assemble(
            (f"{reason} {at}" if narrow else f"{reason} since {at}", "$text-warning reverse")))
    if not state.accounts:
        parts.append(Content.assemble(("no synced accounts", "$text-muted")))
        return sep.join(parts)
    line = sep.join(parts)
    shown = 0
    accounts = state.accounts
    for index, account in enumerate(accounts):
        entry = _entry(account, now)
        rest = accounts[index + 1:]
        # Room must be left for the '+N' that would follow if this were the last one.
        tail = _tail(rest) if rest else ""
        need = cell_len(entry.plain) + (3 if line.plain else 0)
        need += (1 + cell_len(tail)) if tail else 0
        if cell_len(line.plain) + need > width:
            break
        line = line + sep + entry if line.plain else entry
        shown += 1
    left = accounts[shown:]
    if left:
        tail = _tail(left)
        style = "$text-error bold" if any(a.open_gap for a in left) else "$text-muted"
        line = (line + Content(" ") if line.plain else line) + Content.assemble((tail, style))
    return line


def _tail(left: tuple[AccountState, ...]) -> str:
    problems = sum(a.open_gap for a in left)
    if not problems:
        return f"+{len(left)} ok"
    return f"+{len(left)} ({problems} {GAP_MARK})"


class HealthBar(Widget):
    """One line: every account's sync state and age, the away state; ``toggle_away``."""

    DEFAULT_CSS = """
    HealthBar {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    state: reactive[HealthState | None] = reactive(None)

    class Loaded(Message):
        def __init__(self, state: HealthState) -> None:
            super().__init__()
            self.state = state

    class AwayChanged(Message):
        """Away mode was started or ended; ``text`` says which (plain text)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class AskReason(Message):
        """The manager is not away: ask why they are going."""

    def __init__(self, db_path: str | Path, now: Callable[[], int],
                 data_version: Callable[[], int] | None = None, *,
                 name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._db_path = db_path
        self._now = now
        self._data_version = data_version
        self._seen_version: int | None = None
        self._last_load = 0.0

    def on_mount(self) -> None:
        self._seen_version = self._version()
        self.reload()
        self.set_interval(POLL_S, self.poll)

    def render(self) -> Content:
        return health_line(self.state, self._now(), self.size.width)

    # -- loading --------------------------------------------------------------------------

    def _version(self) -> int | None:
        return self._data_version() if self._data_version is not None else None

    def poll(self) -> None:
        """Read again if the file changed, or a minute passed (ages move on)."""
        version = self._version()
        if version != self._seen_version or time.monotonic() - self._last_load >= TICK_S:
            self._seen_version = version
            self.reload()

    def reload(self) -> None:
        self._last_load = time.monotonic()
        self._load()

    @work(thread=True, group="health-bar", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        with Store(self._db_path) as store:  # this thread's own connection
            state = load_health(store, self._now())
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(state))

    def on_health_bar_loaded(self, message: Loaded) -> None:
        message.stop()
        self.state = message.state

    # -- away mode ------------------------------------------------------------------------

    def toggle_away(self) -> None:
        """End the open away period, or ask for a reason and start one."""
        self._away(None)

    def start_away(self, reason: str) -> None:
        self._away(reason)

    @work(thread=True, group="health-away", exit_on_error=False)
    def _away(self, reason: str | None) -> None:
        from sfogo.backlog.gaps import end_away, open_away, record_away
        from sfogo.backlog.triage import span

        now = self._now()
        with Store(self._db_path) as store:
            if reason is None:
                if open_away(store) is None:
                    self.post_message(self.AskReason())
                    return
                _id, started, ended, was = end_away(store, now=now)
                text = (f"Back: {was} for {span(ended - started)}, since "
                        f"{local_time(started, now)}.")
            else:
                record_away(store, reason, now=now)
                text = f"{reason.capitalize()} since {local_time(now, now)}: press a when back."
        self.post_message(self.AwayChanged(text))

    def on_health_bar_away_changed(self, message: AwayChanged) -> None:
        # Not stopped: the screen around the bar may show gaps and must read them again.
        self.app.notify(message.text, markup=False, timeout=4)
        self.reload()

    def on_health_bar_ask_reason(self, message: AskReason) -> None:
        message.stop()
        from ..screens._away import AwayScreen

        def chosen(reason: str | None) -> None:
            if reason is not None:
                self.start_away(reason)

        self.app.push_screen(AwayScreen(), callback=chosen)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """``StateChanged`` does not bubble: this widget's workers report their own errors."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            report = getattr(self.app, "report_error", None)
            if report is not None:
                report(event.worker.error, where=event.worker.group)
