"""The health bar: one line with each account's last sync and the manager's away state
(the whole inbox's or, on a team's inbox, the app user's own), and which other members of
the team are away now (``Tom away``).

It reads the same state as ``sfogo health`` (:func:`inbox.health.account_health`) and the
open away period (:func:`backlog.gaps.open_away`) in a named thread worker with its own
connection, and reads again when the app says the file changed and once a minute, since
ages move on.

Problems come first and carry a symbol, not only a colour, so they read with NO_COLOR:
``✗ x blocked 5d · fb HAR ok 2m · … +9 ok``. An account whose platform sent entries sfogo
had to skip in the last 24 hours carries their count: ``x ok 2m ⊘3`` (``sfogo health``
says why). An account whose credentials expire within a week says so, before sync fails:
``fb ok 2m ⚠ token expires in 5 days`` (``⚠ token 5d`` where that does not fit), after
the open gaps. Posts that need a decision come after the
accounts that cannot be seen (the likely cause) and before the healthy ones:
``2 missed · 6 vanished`` (``8 posts`` where that does not fit), counted by
``backlog.posts.decision_counts``; the bar also tells its screen how many there are
(:class:`HealthBar.PostsNeedDecision`), so the inbox header can say so.

While a sync loop runs on the file (the app's own or another process's, see
tui/autosync.py), the bar starts with when its next round comes, from the same schedule the
loop follows (:func:`inbox.watch.next_round_at`): ``sync in 50s`` (``↻ 50s`` when narrow),
``syncing`` while a round of the app's runs. Under a minute it counts down in steps of ten
seconds: redrawn every ten seconds, a few bytes, rather than every second.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import work
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.signal import Signal
from textual.widget import Widget
from textual.worker import Worker

from sfogo.inbox.health import token_warning
from sfogo.inbox.i18n import N_, _, ngettext
from sfogo.inbox.model import CHANNEL_SHORT
from sfogo.inbox.store import Store

from ._format import age_short, local_time, one_line, posts_in_state, span_short
from ._work import Latest, WorkFailed

if TYPE_CHECKING:
    from sfogo.inbox.synclock import Holder

    from ..autosync import SyncStatus

TICK_S = 60  # ages are redrawn at least this often
COUNTDOWN_S = 10  # the next round's countdown is redrawn this often
NARROW = 60
GAP_MARK = "✗"  # an open gap: the account is not being seen
NEVER_MARK = "?"
SKIP_MARK = "⊘"  # entries skipped in the last 24 hours
TOKEN_MARK = "⚠"  # the account's credentials expire within a week
OUTCOME_SHORT = {"rate_limited": "limited", "never synced": "never"}
# The outcomes as the bar says them (translated where shown; the states stay codes).
OUTCOME_WORDS = (
    N_("ok"),
    N_("offline"),
    N_("down"),
    N_("limited"),
    N_("auth"),
    N_("blocked"),
    N_("broken"),
    N_("never"),
)


def initials(name: str) -> str:
    """'Hotel Aurelia Roma' -> 'HAR', 'Amici del Tevere' -> 'AdT', 'Rome' -> 'Rom'."""
    words = one_line(name, 80).split()
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:3]
    return "".join(w[0] for w in words)[:3]


@dataclass(frozen=True, slots=True)
class AccountState:
    """One account as the bar shows it."""

    account_id: int
    label: str  # 'x', or 'ig HAR' when the client has to tell two accounts apart
    outcome: str  # the last run's outcome, or 'never synced'
    since: int | None  # failing: the open gap's first failure; ok: the last run's end
    open_gap: bool
    skipped: int = 0  # entries skipped in the last 24 hours
    token_expires_at: int | None = None  # set when its credentials expire within a week


@dataclass(frozen=True, slots=True)
class HealthState:
    accounts: tuple[AccountState, ...]
    away: tuple[str, int] | None  # (reason, since) while the manager is away
    posts: tuple[tuple[str, int], ...] = ()  # (state, posts) that need a decision
    next_round: int | None = None  # when the file's sync loop wakes next (None: no loop)
    syncing: bool = False  # a round of the app's own loop is running
    members_away: tuple[str, ...] = ()  # a team's: the others away now, by name


def next_round(store: Store, now: int, holder: Holder | None) -> int:
    """When the loop that ``holder`` runs wakes next (its interval, its accounts; without a
    holder, sync --watch's defaults), as the loop itself computes it."""
    from sfogo.inbox.health import DEFAULT_INTERVAL_S, account_health
    from sfogo.inbox.sync import syncable
    from sfogo.inbox.watch import next_round_at

    interval = holder.interval if holder is not None else DEFAULT_INTERVAL_S
    if holder is not None and holder.accounts is not None:
        ids = list(holder.accounts)
    else:
        ids = [a.id for a in syncable(store)]
    states = account_health(store, now=now, interval=interval, account_ids=ids)
    return next_round_at(store, states, now=now, interval=interval)


def next_round_text(state: HealthState, now: int) -> str:
    """'now', '50s' (in tens of seconds under a minute), '2m'; '' when no loop runs."""
    if state.next_round is None:
        return ""
    left = state.next_round - now
    if state.syncing or left <= 0:
        return "now"
    if left < 55:  # from 55 s it rounds to a minute
        return f"{max(10, int(left / 10 + 0.5) * 10)}s"
    return span_short(left)


# Posts needing a decision, in the bar's order, with the words it uses.
POST_PROBLEMS = (
    ("missed", N_("missed")),
    ("vanished", N_("vanished")),
    ("failed", N_("failed")),
    ("held", N_("held")),
    ("at_risk", N_("at risk")),
)


def away_state(
    store: Store, now: int, me: int | None = None
) -> tuple[tuple[str, int] | None, tuple[str, ...]]:
    """(reason, since) while the whole inbox is away (its open period), else while the app's
    user (member ``me``) is; and the names of the other members away now. A member's period
    with an end counts until then (``sfogo away --member NAME --until friday``)."""
    from sfogo.backlog.gaps import open_away

    inbox = open_away(store)
    if inbox is not None:
        away: tuple[str, int] | None = (inbox[2], inbox[1])
    else:
        away = None
    if not store.team.count():
        return away, ()
    names = {m.id: m.name for m in store.team.members()}
    now_away = [
        p
        for p in store.away.all()
        if p.member_id in names and p.started_at <= now and (p.ended_at is None or p.ended_at > now)
    ]
    mine = [p for p in now_away if p.member_id == me]
    if away is None and mine:
        latest = max(mine, key=lambda p: p.started_at)
        away = (latest.reason, latest.started_at)
    others = {names.get(p.member_id or 0, "") for p in now_away if p.member_id != me}
    return away, tuple(sorted(others, key=str.casefold))


def load_health(
    store: Store, now: int, sync: SyncStatus | None = None, me: int | None = None
) -> HealthState:
    """Every synced account (problems first, longest open gap first), the away state (the
    inbox's or the app user's, ``me``, and the other members away), and when the next
    round of the file's sync loop comes (``sync``: who runs it)."""
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
        expires = h.token_expires_at if h.token_warning else None
        if h.last_outcome is None:
            state = AccountState(h.account_id, label, "never synced", None, False)
        elif h.last_outcome == "ok":
            state = AccountState(h.account_id, label, "ok", h.last_ended_at, False, h.skipped)
        else:
            since = h.gap_since or h.last_started_at
            state = AccountState(h.account_id, label, h.last_outcome, since, True, h.skipped)
        accounts.append(replace(state, token_expires_at=expires))

    def order(a: AccountState) -> tuple:
        # An open gap first, then credentials about to die (the next gap), then the unknown.
        rank = (
            0
            if a.open_gap
            else 1
            if a.token_expires_at is not None
            else 2
            if a.outcome == "never synced"
            else 3
        )
        return rank, a.since if a.open_gap else a.token_expires_at or 0, a.label

    from sfogo.backlog.posts import decision_counts

    away, others = away_state(store, now, me)
    counts = decision_counts(store, now=now)
    posts = tuple((state, counts[state]) for state, _w in POST_PROBLEMS if counts.get(state))
    looping = sync is not None and sync.where != "off"
    return HealthState(
        tuple(sorted(accounts, key=order)),
        away,
        posts,
        next_round(store, now, sync.holder) if looping and sync is not None else None,
        sync.syncing if sync is not None else False,
        others,
    )


def _entry(account: AccountState, now: int, *, short: bool = False) -> Content:
    outcome = _(OUTCOME_SHORT.get(account.outcome, account.outcome))
    age = age_short(account.since, now=now)
    text = f"{account.label} {outcome}" + (f" {age}" if age else "")
    if account.open_gap:
        entry = Content.assemble((f"{GAP_MARK} {text}", "$text-error bold"))
    elif account.outcome == "never synced":
        entry = Content.assemble((f"{NEVER_MARK} {text}", "$text-warning"))
    else:
        entry = Content.assemble((text, "$text-muted"))
    if account.skipped:
        entry = entry + Content.assemble((f" {SKIP_MARK}{account.skipped}", "$text-warning"))
    if account.token_expires_at is not None:
        left = account.token_expires_at - now
        if short:
            warning = (
                _("token {left}").format(left=span_short(left)) if left > 0 else _("token expired")
            )
        else:
            warning = token_warning(account.token_expires_at, now=now) or _("token expires soon")
        entry = entry + Content.assemble((f" {TOKEN_MARK} {warning}", "$text-warning bold"))
    return entry


def health_line(state: HealthState | None, now: int, width: int) -> Content:
    """The bar's one line, at most ``width`` cells: away, problems, then as many healthy
    accounts as fit and '+N ok' for the rest."""
    if state is None:
        return Content.assemble((_("sync: checking…"), "$text-muted"))
    narrow = width < NARROW
    sep = Content.assemble((" · ", "$text-muted"))
    parts: list[Content] = []
    if state.away is not None:
        reason, since = state.away
        at = local_time(since, now)
        parts.append(
            Content.assemble(
                (
                    f"{_(reason)} {at}"
                    if narrow
                    else _("{reason} since {at}").format(reason=_(reason), at=at),
                    "$text-warning reverse",
                )
            )
        )
    if state.members_away:
        names = ", ".join(one_line(n, 20) for n in state.members_away)
        away = ngettext("{names} away", "{names} away", len(state.members_away))
        parts.append(Content.assemble((away.format(names=names), "$text-warning")))
    upcoming = next_round_text(state, now)
    if upcoming:
        text = (
            _("syncing") if upcoming == "now" else _("sync in {upcoming}").format(upcoming=upcoming)
        )
        parts.append(Content.assemble((f"↻ {upcoming}" if narrow else text, "$text-muted")))
    if not state.accounts:
        parts.append(Content.assemble((_("no synced accounts"), "$text-muted")))
        return sep.join(parts)
    line = sep.join(parts)
    # Posts that need a decision follow the accounts that cannot be seen (the likely cause):
    # in words if they fit, else as a count, else left to the inbox header.
    entries: list[AccountState | tuple[Content, ...]] = list(state.accounts)
    if state.posts:
        forms: tuple[Content, ...] = (_posts_entry(state, short=True),)
        if not narrow:
            forms = (_posts_entry(state, short=False), *forms)
        # After the accounts that cannot be seen and those whose token is about to die.
        entries.insert(sum(_needs_person(a) for a in state.accounts), forms)
    shown: set[int] = set()
    for index, item in enumerate(entries):
        rest = tuple(a for a in entries[index + 1 :] if isinstance(a, AccountState))
        # Room must be left for the '+N' that would follow if this were the last one.
        tail = _tail(rest) if rest else ""
        forms = item if isinstance(item, tuple) else _entries(item, now)
        entry = next((f for f in forms if _fits(line, f, tail, width)), None)
        if entry is None:
            if isinstance(item, tuple):
                continue  # the posts count: the header says it too
            break
        line = line + sep + entry if line.plain else entry
        if isinstance(item, AccountState):
            shown.add(item.account_id)
    left = tuple(a for a in state.accounts if a.account_id not in shown)
    if left:
        tail = _tail(left)
        style = (
            "$text-error bold"
            if any(a.open_gap for a in left)
            else "$text-warning bold"
            if any(_needs_person(a) for a in left)
            else "$text-muted"
        )
        line = (line + Content(" ") if line.plain else line) + Content.assemble((tail, style))
    return line


def _entries(account: AccountState, now: int) -> tuple[Content, ...]:
    """The forms an account's entry may take, longest first."""
    if account.token_expires_at is None:
        return (_entry(account, now),)
    return (_entry(account, now), _entry(account, now, short=True))


def _fits(line: Content, entry: Content, tail: str, width: int) -> bool:
    need = cell_len(entry.plain) + (3 if line.plain else 0)
    need += (1 + cell_len(tail)) if tail else 0
    return cell_len(line.plain) + need <= width


def _posts_entry(state: HealthState, *, short: bool) -> Content:
    """'1 missed · 6 vanished · 1 at risk', or '8 posts'."""
    if short:
        total = sum(n for _s, n in state.posts)
        text = ngettext("{n} post", "{n} posts", total).format(n=total)
    else:
        text = " · ".join(posts_in_state(s, n) for s, n in state.posts)
    return Content.assemble((text, "$text-error bold"))


def _needs_person(account: AccountState) -> bool:
    return account.open_gap or account.token_expires_at is not None


def _tail(left: tuple[AccountState, ...]) -> str:
    """'+9 ok', '+9 (2 ✗)', '+9 (1 ⚠)', '+9 (2 ✗ 1 ⚠)' for the accounts that did not fit."""
    gaps = sum(a.open_gap for a in left)
    warned = sum(a.token_expires_at is not None and not a.open_gap for a in left)
    marks = [f"{n} {mark}" for n, mark in ((gaps, GAP_MARK), (warned, TOKEN_MARK)) if n]
    return (
        f"+{len(left)} ({' '.join(marks)})" if marks else _("+{count} ok").format(count=len(left))
    )


class HealthBar(Widget):
    """One line: every account's sync state and age, and the away state."""

    DEFAULT_CSS = """
    HealthBar {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    state: reactive[HealthState | None] = reactive(None)

    class Loaded(Message):
        def __init__(self, token: int, state: HealthState) -> None:
            super().__init__()
            self.token = token
            self.state = state

    class PostsNeedDecision(Message):
        """How many posts need a decision (it bubbles to the screen: the inbox header)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self,
        db_path: str | Path,
        now: Callable[[], int],
        changed: Signal | None = None,
        *,
        sync: tuple[Signal[SyncStatus], Callable[[], SyncStatus]] | None = None,
        me: int | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``changed``: the app's signal that the file changed (the bar reads again);
        ``sync``: the app's signal that who syncs the file changed, and who does now;
        ``me``: the team member using the app (their away period is shown as the inbox's)."""
        super().__init__(name=name, id=id, classes=classes)
        self._db_path = db_path
        self._now = now
        self._changed = changed
        self._sync = sync
        self._me = me
        self._latest = Latest()

    def on_mount(self) -> None:
        if self._changed is not None:
            self._changed.subscribe(self, self._file_changed)
        if self._sync is not None:
            self._sync[0].subscribe(self, self._sync_changed)
        self.reload()
        self.set_interval(TICK_S, self.reload)  # ages move on
        self.set_interval(COUNTDOWN_S, self._countdown)

    def _sync_changed(self, status: SyncStatus) -> None:
        state = self.state
        if state is not None and state.next_round is not None and status.where == "here":
            self.state = replace(state, syncing=status.syncing)  # at once: "syncing"
        self.reload()

    def _countdown(self) -> None:
        if self.state is not None and self.state.next_round is not None:
            self.refresh()

    def render(self) -> Content:
        return health_line(self.state, self._now(), self.size.width)

    def _file_changed(self, _change=None) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self._latest.next())

    @work(thread=True, group="health-bar", exit_on_error=False)
    def _load(self, token: int) -> None:
        sync = self._sync[1]() if self._sync is not None else None
        with Store(self._db_path) as store:  # this thread's own connection
            state = load_health(store, self._now(), sync, self._me)
        if self._latest.is_current(token):
            self.post_message(self.Loaded(token, state))

    def on_health_bar_loaded(self, message: Loaded) -> None:
        message.stop()
        if self._latest.is_current(message.token):
            self.state = message.state
            self.post_message(self.PostsNeedDecision(sum(n for _s, n in message.state.posts)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        failed = WorkFailed.of(event)
        if failed is not None:
            self.post_message(failed)
