"""sfogo's screens; each lives in a private module and is re-exported here."""
from ._detail import DetailScreen
from ._empty import EmptyScreen
from ._inbox import InboxScreen
from ._snooze import SnoozeScreen

__all__ = ["DetailScreen", "EmptyScreen", "InboxScreen", "SnoozeScreen"]
