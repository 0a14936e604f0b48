"""sfogo's widgets; each lives in a private module and is re-exported here."""

from ._burndown import Burndown
from ._detail import DetailPane
from ._footer import KeyFooter
from ._header import CountsHeader
from ._health import HealthBar
from ._inbox_list import InboxList
from ._legend import MarksLegend
from ._post_list import PostList
from ._safe import SafeInput, SafeTextArea
from ._search import SearchBar
from ._timeline import GapTimeline
from ._viewbar import ViewBar
from ._work import Latest, WorkFailed

__all__ = [
    "CountsHeader",
    "DetailPane",
    "InboxList",
    "KeyFooter",
    "MarksLegend",
    "SafeInput",
    "SafeTextArea",
    "SearchBar",
    "ViewBar",
]
__all__ += ["Burndown", "GapTimeline", "HealthBar"]  # backlog screen, health bar
__all__ += ["Latest", "WorkFailed"]  # background work
__all__ += ["PostList"]  # the Posts screen
