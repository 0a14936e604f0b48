"""Keeping the composer's draft in the data file (in a worker of the inbox screen), so it
is there when the item is answered again, in this session or the next."""

from __future__ import annotations

from textual.message import Message

from sfogo.inbox.store import Store


class DraftSaved(Message):
    """The draft of ``item_id`` was kept (``kept``) or thrown away; ``error`` if not."""

    def __init__(self, item_id: int, kept: bool, error: BaseException | None = None) -> None:
        super().__init__()
        self.item_id = item_id
        self.kept = kept
        self.error = error


def keep_draft(host, item_id: int, text: str) -> None:
    """Save ``text`` as the item's draft ('' throws it away); ``host`` gets DraftSaved."""
    app = host.sfogo
    now = app.now()
    app.changes.own_write_started()  # the app does not reload for it

    def work() -> None:
        error: BaseException | None = None
        try:
            with Store(app.db_path) as store:  # this thread's own connection
                store.drafts.save(item_id, text, now=now)
        except Exception as exc:  # reported by the screen, in the app's words
            error = exc
        host.post_message(DraftSaved(item_id, bool(text.strip()), error))

    host.run_worker(work, name="draft-save", group="draft-save", thread=True, exit_on_error=False)
