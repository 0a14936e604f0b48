"""sfogo's screens; each lives in a private module and is re-exported here."""

from ._away import AwayScreen
from ._backlog import BacklogScreen
from ._canned_pick import CannedPicker
from ._compose import ReplyScreen
from ._confirm import ConfirmScreen
from ._detail import DetailScreen
from ._empty import EmptyScreen
from ._filters import Choices, FilterScreen
from ._help import HelpScreen
from ._inbox import InboxScreen
from ._post_dialogs import PostEditScreen, PostHistoryScreen
from ._posts import PostsScreen
from ._snooze import SnoozeScreen
from ._tag import TagScreen

__all__ = [
    "Choices",
    "DetailScreen",
    "EmptyScreen",
    "FilterScreen",
    "HelpScreen",
    "InboxScreen",
    "ReplyScreen",
    "SnoozeScreen",
    "TagScreen",
]
__all__ += ["AwayScreen", "BacklogScreen"]  # the backlog screen, away mode
__all__ += ["PostEditScreen", "PostHistoryScreen", "PostsScreen"]  # posts that must go out
__all__ += ["CannedPicker", "ConfirmScreen"]  # asking first, canned replies
