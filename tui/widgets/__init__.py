"""sfogo's widgets; each lives in a private module and is re-exported here."""
from ._detail import DetailPane
from ._footer import KeyFooter
from ._header import CountsHeader
from ._inbox_list import InboxList
from ._search import SearchBar

__all__ = ["CountsHeader", "DetailPane", "InboxList", "KeyFooter", "SearchBar"]
