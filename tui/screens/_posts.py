"""The Posts screen (key ``o``): every post that must go out, the problems first, then the
days; Enter shows a post's history; ``r`` restores, ``n`` publishes now, ``c`` cancels,
``e`` edits.

The screen conducts: :func:`._posts_data.read_posts` reads the lines in a named thread
worker with its own connection, the actions (inbox/posts/actions.py) run in another, and
what the platforms must do goes out with the next sync, through the outbox. It reads again
when the file changes and every minute (states move on with time: a post becomes due).
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from sfogo.inbox.errors import SfogoError
from sfogo.inbox.i18n import N_, _
from sfogo.inbox.store import Store

from ..changes import FileChanged
from ..widgets import HealthBar, KeyFooter, Latest
from ..widgets._format import one_line, posts_in_state
from ..widgets._post_list import MARKS, WORDS, PostList
from ._base import SfogoScreen
from ._post_dialogs import PostEditScreen, PostHistoryScreen
from ._posts_data import PostsView, read_posts

NARROW = 60
FIRST_SCREENFUL = 60  # posts from today on, read first: more than a screen holds
ORDER = ("missed", "vanished", "failed", "held", "at_risk")


class PostsLoaded(Message):
    def __init__(self, token: int, view: PostsView) -> None:
        super().__init__()
        self.token = token
        self.view = view


class PostActed(Message):
    """An action ran: what to say (plain text), and whether it failed."""

    def __init__(self, text: str, error: bool = False) -> None:
        super().__init__()
        self.text = text
        self.error = error


def title_line(view: PostsView | None, width: int) -> Content:
    """'Posts · 2 missed · 6 vanished · 1 at risk', or '… · nothing to decide'."""
    title = Content.assemble((_("Posts"), "bold"))
    if view is None:
        return title + Content.assemble((_(" · reading…"), "$text-muted"))
    if not view.problems:
        return title + Content.assemble((_(" · nothing to decide"), "$text-success"))
    parts = [
        posts_in_state(s, view.counts[s]) if width >= NARROW else f"{view.counts[s]}{MARKS[s]}"
        for s in ORDER
        if view.counts.get(s)
    ]
    return title + Content.assemble((" · " + " · ".join(parts), "$text-error bold"))


class PostsScreen(SfogoScreen):
    """Posts by day with the problems first; q or escape goes back."""

    HELP_TITLE = N_("Posts")
    BINDINGS = [
        Binding("q,escape", "back", N_("Back"), id="posts.back"),
        Binding("P", "back", N_("Back to the inbox"), id="posts.toggle", show=False),
        Binding("enter", "history", N_("History"), id="posts.history"),
        Binding("r", "restore", N_("Restore"), id="posts.restore"),
        Binding("n", "publish", N_("Publish now"), id="posts.publish"),
        Binding("c", "cancel_post", N_("Cancel post"), id="posts.cancel"),
        Binding("e", "edit", N_("Edit"), id="posts.edit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: PostsView | None = None
        self._latest = Latest()
        self._acted = False  # the next read follows an action: the cursor keeps its line

    def compose(self) -> ComposeResult:
        app = self.sfogo
        yield Static(title_line(None, 80), id="posts-title")
        yield PostList(app.now, id="posts-list")
        yield Static(Content(""), id="posts-why")
        yield HealthBar(
            app.db_path, app.now, app.data_changed, sync=app.sync_feed, me=app.my_id(), id="health"
        )
        yield KeyFooter()

    @property
    def posts(self) -> PostList:
        return self.query_one("#posts-list", PostList)

    def on_mount(self) -> None:
        self.posts.focus()
        self.sfogo.data_changed.subscribe(self, self._changed)
        self.set_interval(60, self.reload)
        self.reload()

    def _changed(self, _change=None) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self._latest.next(), self.sfogo.db_path, self.sfogo.now())

    @work(thread=True, group="posts-read", exit_on_error=False)
    def _load(self, token: int, db_path, now: int) -> None:
        with Store(db_path) as store:  # this thread's own connection
            if self.view is None:  # the first screenful first, as the inbox does
                first = read_posts(store, now, first=FIRST_SCREENFUL)
                if not self._latest.is_current(token):
                    return
                self.post_message(PostsLoaded(token, first))
            view = read_posts(store, now)
        if self._latest.is_current(token):
            self.post_message(PostsLoaded(token, view))

    def on_posts_loaded(self, message: PostsLoaded) -> None:
        if not self._latest.is_current(message.token):
            return
        self.view = message.view
        current = self.posts.current
        keep_line, self._acted = self._acted, False
        self.posts.show(
            message.view.lines,
            keep_id=current.row["id"] if current else None,
            keep_line=keep_line,
        )
        self._show_title()

    def _show_title(self) -> None:
        self.query_one("#posts-title", Static).update(title_line(self.view, self.size.width))

    def on_resize(self) -> None:
        self._show_title()

    def on_post_list_highlighted(self, message: PostList.Highlighted) -> None:
        post = message.post
        why = Content("")
        if post is not None:
            text = post.row["reason"]
            if post.gap is not None:
                text = _("due while its account could not be read ({kind})").format(
                    kind=post.gap.kind
                )
            why = Content.assemble(
                (f"{MARKS.get(post.state, '·')} {WORDS.get(post.state, post.state)}", "bold"),
                (f": {one_line(text, 300)}" if text else "", ""),
            )
        self.query_one("#posts-why", Static).update(why)

    # -- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def on_post_list_selected(self, message: PostList.Selected) -> None:
        self.action_history()

    def action_history(self) -> None:
        post = self.posts.current
        if post is None:
            return
        # One post's history: an indexed read of a few rows, fine on the UI thread's store.
        post.history = self.sfogo.store.posts.history([post.row["id"]])[post.row["id"]]

        def chosen(action: str | None) -> None:
            if action == "edit":
                self.action_edit()
            elif action is not None:
                self._act(action, post.row["id"])

        self.app.push_screen(PostHistoryScreen(post), callback=chosen)

    def action_restore(self) -> None:
        self._on_current("restore")

    def action_publish(self) -> None:
        self._on_current("publish")

    def action_cancel_post(self) -> None:
        self._on_current("cancel")

    def action_edit(self) -> None:
        post = self.posts.current
        if post is None:
            return

        def edited(text: str | None) -> None:
            if text is not None:
                self._act("edit", post.row["id"], text)

        self.app.push_screen(PostEditScreen(post), callback=edited)

    def _on_current(self, action: str) -> None:
        post = self.posts.current
        if post is not None:
            self._act(action, post.row["id"])

    def _act(self, action: str, post_id: int, text: str = "") -> None:
        self.sfogo.changes.own_write_started()
        self._run(action, post_id, text, self.sfogo.db_path, self.sfogo.now())

    @work(thread=True, group="posts-act", exit_on_error=False)
    def _run(self, action: str, post_id: int, text: str, db_path, now: int) -> None:
        from sfogo.inbox.posts import actions

        try:
            with Store(db_path) as store:
                if action == "restore":
                    row = actions.restore_post(store, post_id, now=now)
                    said = _("Post {post_id}: {reason}").format(
                        post_id=post_id, reason=row["reason"]
                    )
                elif action == "publish":
                    row = actions.publish_now(store, post_id, now=now)
                    said = _("Post {post_id}: {reason}").format(
                        post_id=post_id, reason=row["reason"]
                    )
                elif action == "cancel":
                    actions.cancel_post(store, post_id, now=now)
                    said = _("Post {post_id} cancelled").format(post_id=post_id)
                else:
                    actions.edit_post(store, post_id, text, now=now)
                    said = _("Post {post_id} edited").format(post_id=post_id)
        except SfogoError as exc:
            self.post_message(PostActed(str(exc), error=True))
            return
        except Exception as exc:  # a bug: say it, and let the watcher look at the file again
            self.post_message(
                PostActed(
                    _("{action} failed: {error}").format(action=action, error=type(exc).__name__),
                    error=True,
                )
            )
            return
        self.post_message(PostActed(said))

    def on_post_acted(self, message: PostActed) -> None:
        self.sfogo.changes.own_write_ended(committed=not message.error)
        self.notify(
            message.text,
            markup=False,
            severity="error" if message.error else "information",
            timeout=6,
        )
        if not message.error:
            self._acted = True
            self.sfogo.changes.announce(FileChanged(urgent=True))
