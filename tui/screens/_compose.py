"""``r``: write a reply. It goes into the outbox as *queued*; sync sends it when the channel
is reachable, exactly once (inbox/outbox.py). The screen says so plainly.

The composer is a TextArea: enter starts a new line, ctrl+s queues (ctrl+enter does not
reach programs over SSH), escape closes and keeps what was written as the item's draft
(until it is queued, or thrown away with ctrl+g). q types a q. ctrl+t inserts a canned
reply, ctrl+e opens the text in ``$EDITOR``, and typing ``@`` offers the handles of the
conversation. Under the text, the length as the platform counts it (inbox/channels/limits.py).

Before queueing into a reply window that has closed, or from an account the platform
blocked, it asks.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import NamedTuple

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.worker import Worker, WorkerState

from sfogo.inbox.canned import Canned, combine
from sfogo.inbox.channels.limits import Unit, limit_for, measure
from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.rows import ItemRow
from sfogo.inbox.store import Store
from sfogo.inbox.text import sanitize

from ..widgets._format import one_line
from ._base import DialogScreen
from ._canned_pick import CannedPicker
from ._compose_area import ComposerArea, show_mentions
from ._compose_checks import ComposeContext, Obstacles, obstacles, read_context
from ._confirm import ConfirmScreen
from ._editor import edit_in_editor


class Composed(NamedTuple):
    """How the composer closed: a reply queued (``reply_id``), or the draft to keep
    (``keep``: the text; '' throws the draft away; None: the draft is as it was)."""

    reply_id: int | None = None
    keep: str | None = None


class ReplyScreen(DialogScreen[Composed]):
    """Returns what became of the reply; the caller keeps the draft."""

    BINDINGS = [
        Binding("ctrl+s", "queue", N_("Queue reply"), id="reply.queue"),
        Binding("escape", "close", N_("Close, keep the draft"), id="reply.cancel"),
        Binding("ctrl+t", "canned", N_("Canned reply"), id="reply.canned"),
        # TextArea takes ctrl+e for "end of line" (end does that too): ours comes first.
        Binding("ctrl+e", "editor", N_("Edit in $EDITOR"), id="reply.editor", priority=True),
        Binding("ctrl+g", "discard", N_("Discard the draft"), id="reply.discard"),
    ]

    def __init__(
        self,
        row: ItemRow,
        *,
        canned: Sequence[Canned] = (),
        renew: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.row = row
        self._renew = renew  # renews the team's "is replying" claim while the box is open
        self.limit = limit_for(row["channel"], row["kind"])
        self._config_canned = list(canned)
        self._stored_canned: list[Canned] = []
        self._draft = ""  # the draft as the file holds it
        self._queueing = False  # ctrl+s pressed twice queues one reply
        self._confirmed = False  # the manager said yes to what stands in the way
        self._settled = False  # closed on purpose: nothing left to keep on unmount
        self._text = ""  # what is written now (the area is gone when the screen unmounts)

    def compose(self) -> ComposeResult:
        row = self.row
        who = one_line(row["author_name"], 60) or one_line(row["author_handle"], 60) or "them"
        with Vertical() as box:
            box.border_title = _("Reply")
            box.border_subtitle = _("ctrl+s queue · esc keeps the draft")
            yield Static(
                Content.from_markup(
                    _("To [b]$who[/b] on $channel ($client):\n[i]$text[/i]"),
                    who=who,
                    channel=row["channel"],
                    client=one_line(row["client"], 60),
                    text=one_line(row["text"], 240),
                ),
                id="reply-to",
            )
            yield Static(Content(""), id="reply-warn")
            yield ComposerArea(
                id="reply-text", soft_wrap=True, show_line_numbers=False, tab_behavior="focus"
            )
            mentions = OptionList(id="reply-mentions")
            mentions.can_focus = False
            mentions.display = False
            yield mentions
            yield Static(Content(""), id="reply-count")
            yield Static(Content(""), id="reply-error")
            yield Static(
                Content(_("ctrl+t canned · ctrl+e editor · ctrl+g discard · @ mentions")),
                id="reply-hint",
            )

    @property
    def area(self) -> ComposerArea:
        return self.query_one("#reply-text", ComposerArea)

    def on_mount(self) -> None:
        draft = self.sfogo.store.drafts.get(self.row["id"])  # a primary-key look-up
        area = self.area
        if draft is not None:
            self._draft = draft["text"]
            area.load_text(draft["text"])
            area.move_cursor(area.document.end)
        area.focus()
        self._count()
        self._read_context()
        if self._renew is not None:
            from sfogo.inbox.store.team import RENEW_S

            self.set_interval(RENEW_S, self._renew)

    # -- what the item's context says ---------------------------------------------------

    @work(thread=True, group="reply-context", exit_on_error=False)
    def _read_context(self) -> None:
        app = self.sfogo
        with Store(app.db_path) as store:  # this thread's own connection
            context = read_context(store, self.row, app.settings_for(store), now=app.now())
        self.post_message(context)

    def on_compose_context(self, message: ComposeContext) -> None:
        self.area.handles = message.handles
        self._stored_canned = message.canned
        self._show_obstacles(message.obstacles)

    def _show_obstacles(self, found: Obstacles) -> None:
        lines = [f"⚠ {line}" for line in found.refused] + found.notes
        _say(self.query_one("#reply-warn", Static), "\n".join(lines))

    # -- as it is typed -----------------------------------------------------------------

    @on(ComposerArea.Changed)
    def _changed(self) -> None:
        self._text = self.area.text
        self._count()
        self._error("")

    @on(ComposerArea.Mentions)
    def _mentions(self, message: ComposerArea.Mentions) -> None:
        listing = self.query_one("#reply-mentions", OptionList)
        show_mentions(listing, message.handles, self.area.picked)

    def _count(self) -> None:
        """The length as the platform counts it, against its limit."""
        text = sanitize(self.area.text).strip()
        limit = self.limit
        count = measure(text, limit)
        label = self.query_one("#reply-count", Static)
        if limit is None:
            label.update(Content(_("{count:,} characters · no limit").format(count=count)))
            return
        unit = {
            Unit.GRAPHEMES: _("characters"),
            Unit.CHARACTERS: _("characters"),
            Unit.WEIGHTED: _("weighted"),
            Unit.BYTES: _("bytes"),
        }.get(limit.unit, str(limit.unit))
        style = "$text-error" if count > limit.limit else ""
        if not style and count > limit.limit * 0.9:
            style = "$text-warning"
        label.update(
            Content.from_markup(
                "[{style}]$count/$limit $unit · $channel[/]".format(style=style or "$text-muted"),
                count=f"{count:,}",
                limit=f"{limit.limit:,}",
                unit=unit,
                channel=self.row["channel"],
            )
        )

    def too_long(self, text: str) -> str | None:
        """Why ``text`` is too long for the platform, or None."""
        limit = self.limit
        if limit is None or (count := measure(text, limit)) <= limit.limit:
            return None
        unit = "characters" if limit.unit is Unit.GRAPHEMES else str(limit.unit)
        return _("{count:,} {unit}: {channel} takes at most {limit:,}; shorten the reply").format(
            count=count, unit=unit, channel=self.row["channel"], limit=limit.limit
        )

    # -- the keys -----------------------------------------------------------------------

    def action_queue(self) -> None:
        text = sanitize(self.area.text).strip()
        if not text:
            self._error(_("Write something first: an empty reply is not queued."))
            return
        if (why := self.too_long(text)) is not None:
            self._error(why)
            return
        if self._queueing:
            return
        self._queueing = True
        self.sfogo.changes.own_write_started()  # the app does not reload for it
        self._queue(text, self.sfogo.db_path, self.sfogo.now(), self._confirmed)

    @work(thread=True, group="reply-queue", exit_on_error=False)
    def _queue(self, text: str, db_path, now: int, confirmed: bool) -> int | Obstacles:
        from sfogo.inbox.outbox import queue_reply

        with Store(db_path) as store:
            if not confirmed:
                found = obstacles(store, self.row, self.sfogo.settings_for(store), now=now)
                if found.refused:
                    return found  # asked first: nothing is written
            with store.transaction():  # the reply and the end of its draft, together
                reply_id = queue_reply(store, self.row["id"], text, now=now)
                store.drafts.discard(self.row["id"])
            return reply_id

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "reply-queue" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        self._queueing = False
        result = event.worker.result
        self.sfogo.changes.own_write_ended(  # asked first: nothing was written
            committed=event.state == WorkerState.SUCCESS and not isinstance(result, Obstacles)
        )
        if event.state == WorkerState.SUCCESS and isinstance(result, Obstacles):
            self._ask_first(result)
        elif event.state == WorkerState.SUCCESS:
            self._settled = True
            self.sfogo.autosync.reply_queued()  # it goes out now, not at the next round
            self.dismiss(Composed(reply_id=result))
        else:
            error = event.worker.error
            if isinstance(error, SfogoError):
                self._error(str(error))
            else:
                self._error(
                    _("Could not queue the reply: {name}: {error}").format(
                        name=type(error).__name__, error=error
                    )
                )

    def _ask_first(self, found: Obstacles) -> None:
        self._show_obstacles(found)

        def answered(yes: bool | None) -> None:
            if yes:
                self._confirmed = True
                self.action_queue()

        question = "\n".join(f"{line[0].upper()}{line[1:]}." for line in found.refused)
        self.app.push_screen(
            ConfirmScreen(
                _("Queue this reply?"),
                _("{question}\nQueue it anyway?").format(question=question),
                yes="queue",
            ),
            callback=answered,
        )

    def action_close(self) -> None:
        """Close; what was written stays as the item's draft."""
        self._settled = True
        self.dismiss(Composed(keep=self._to_keep()))

    def _to_keep(self) -> str | None:
        text = self._text
        if not text.strip():
            return "" if self._draft else None
        return None if text == self._draft else text

    def action_discard(self) -> None:
        """Throw the draft away (asks when there is text to lose)."""
        if not self.area.text.strip():
            self._settled = True
            self.dismiss(Composed(keep="" if self._draft else None))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._settled = True
                self.dismiss(Composed(keep=""))

        self.app.push_screen(
            ConfirmScreen(
                _("Discard the draft?"), _("What you wrote will be lost."), yes="discard"
            ),
            callback=answered,
        )

    def action_canned(self) -> None:
        replies, _hidden = combine(self._config_canned, self._stored_canned)

        def chosen(text: str | None) -> None:
            if text:
                area = self.area
                area.replace(text, *area.selection)
                area.focus()

        self.app.push_screen(CannedPicker(replies, self.row), callback=chosen)

    def action_editor(self) -> None:
        area = self.area
        text, problem = edit_in_editor(self.app, area.text)
        if problem is not None:
            self._error(problem)
            return
        if text is not None:
            area.load_text(text)
            area.move_cursor(area.document.end)
            self._count()
        area.focus()

    def on_unmount(self) -> None:
        if self._queueing:  # closed while queueing: the watcher must not wait for it
            self._queueing = False
            self.sfogo.changes.own_write_ended(committed=False)  # it may commit after this
        if not self._settled:  # the app is closing with the composer open: keep the text
            self._keep_now()

    def _keep_now(self) -> None:
        keep = self._to_keep()
        if keep is None:
            return
        try:
            with Store(self.sfogo.db_path) as store:
                store.drafts.save(self.row["id"], keep, now=self.sfogo.now())
        except (SfogoError, OSError, sqlite3.Error):
            pass  # closing: nowhere left to say it

    def _error(self, text: str) -> None:
        # Error text can quote the item or the file: Content, never markup.
        _say(self.query_one("#reply-error", Static), text)


def _say(label: Static, text: str) -> None:
    """Show ``text`` (plain) in ``label``; an empty label takes no line (40x24 is tight)."""
    label.update(Content(text))
    label.display = bool(text)
