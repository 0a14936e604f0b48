"""Expected errors: each carries one line that says what is wrong and how to fix it."""


class SfogoError(Exception):
    """An error the user can fix; the command line prints it as one line, no traceback."""


class NotFound(SfogoError):
    """An id, client, account or handle that does not exist."""


class StoreError(SfogoError):
    """The data file cannot be used (not SQLite, unreadable, from a newer sfogo)."""


# What can happen to the file itself while sfogo uses it (inbox/store/failures.py maps
# SQLite's result codes to these). None of them is a platform's fault: a sync that meets one
# stops and records no run, so a full disk never shows as an account's gap.


class StoreBusy(StoreError):
    """Another connection held the write lock for longer than the busy timeout."""


class StoreDamaged(StoreError):
    """The file is damaged (SQLite found a malformed page, or a header it cannot read)."""


class StoreReadOnly(StoreError):
    """The file, its folder or its disk cannot be written; reading still works."""


class StoreFull(StoreError):
    """The disk holding the file (or SQLite's page limit) is full."""
