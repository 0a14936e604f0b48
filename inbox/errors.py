"""Expected errors: each carries one line that says what is wrong and how to fix it."""


class SfogoError(Exception):
    """An error the user can fix; the command line prints it as one line, no traceback."""


class NotFound(SfogoError):
    """An id, client, account or handle that does not exist."""


class StoreError(SfogoError):
    """The data file cannot be used (not SQLite, unreadable, from a newer sfogo)."""
