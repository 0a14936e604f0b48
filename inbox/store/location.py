"""Where an inbox lives: an SQLite file's path, or a PostgreSQL server's URL.

``--db`` and ``SFOGO_DB`` take either. A URL (``postgresql://USER@HOST[:PORT]/DB``, or
``postgres://``) is kept as the text it is; anything else is a file path. A password in a
URL is a secret: :func:`shown` masks it wherever the location is printed, and it is
remembered for redaction (the server's own words can quote the URL). ``~/.pgpass`` or
``PGPASSWORD`` keep it off the command line altogether.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

# A file's path, or a server's URL (a str only then).
Location = Path | str

URL_SCHEMES = ("postgresql://", "postgres://")


def is_url(location: object) -> bool:
    """Whether ``location`` names a PostgreSQL server rather than a file."""
    return isinstance(location, str) and location.lower().startswith(URL_SCHEMES)


def location_of(text: str | os.PathLike) -> Location:
    """``--db``'s text as a location: a URL stays text, a path becomes a :class:`Path`."""
    if is_url(text):
        url = str(text)
        _remember_password(url)
        return url
    return Path(text)


def default_location() -> Location:
    """The user's inbox: ``SFOGO_DB`` (a file or a URL), else ``sfogo.db`` in the user data
    directory."""
    env = os.environ.get("SFOGO_DB")
    if env:
        found = location_of(env)
        return found.expanduser() if isinstance(found, Path) else found
    from platformdirs import user_data_path

    return user_data_path("sfogo", appauthor=False) / "sfogo.db"


def shown(location: Location) -> str:
    """The location as messages print it: a URL without its password."""
    if not is_url(location):
        return str(location)
    url = str(location)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return url.replace(parts.netloc, f"{user}:***@{netloc[1]}", 1)


def _remember_password(url: str) -> None:
    try:
        password = urlsplit(url).password
    except ValueError:  # a malformed port: the driver says what is wrong when it connects
        return
    if password:
        from ..redact import remember

        remember(password)
