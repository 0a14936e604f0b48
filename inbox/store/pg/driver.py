"""psycopg, the PostgreSQL driver, imported once for the whole engine.

It is an optional dependency (``pip install 'sfogo[postgres]'``): an SQLite user never
installs it, and a ``postgresql://`` location without it is one line saying so.
"""

from __future__ import annotations

from ...errors import StoreError

try:
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.numeric import NumericBinaryLoader, NumericLoader
except ImportError:
    raise StoreError("a PostgreSQL inbox needs psycopg: pip install 'sfogo[postgres]'") from None

__all__ = ["NumericBinaryLoader", "NumericLoader", "TransactionStatus", "psycopg"]
