"""What every connector shares: the interface, HTTP with timeouts, failure classification.

A connector speaks one platform: how to list new items from a cursor, how to map them to
:class:`~inbox.model.Interaction`, how to post a reply, and which of the platform's error
codes mean what. Everything else — the HTTP client, timeouts, turning transport errors and
status codes into outcomes, parsing JSON, reading rate-limit headers — lives here, once.

Outcomes (see architecture.md, sync semantics): offline (no route/DNS/refused), down (5xx,
timeouts, maintenance pages), rate_limited (with the time it ends), auth (token invalid or
expired), blocked (suspended account, action blocked), broken (unparseable response).
Classify on status codes and the platform's error codes, never on error text.
"""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from .. import when
from ..model import Account, Interaction
from ..text import sanitize

# Connect fast (an unreachable host should fail quickly), read patiently (big pages).
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)


class ChannelError(Exception):
    """A failed request, already classified. ``detail`` is one safe line (no secrets)."""

    def __init__(self, outcome: str, detail: str, *, retry_at: int | None = None,
                 status: int | None = None, code: str | int | None = None) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = sanitize(detail, single_line=True)[:300]
        self.retry_at = retry_at
        self.status = status
        self.code = code


class HoldReply(Exception):
    """A reply that must not be sent now, with the reason shown in the outbox."""


@dataclass(slots=True)
class Page:
    """One page of items and the cursor to store with it, in the same transaction."""

    items: list[Interaction]
    cursor: dict
    more: bool = False
    # What the platform could not give back (e.g. "older than the 800 newest"), for the run.
    lost: str = ""


@dataclass(slots=True)
class Secrets:
    """Credentials for one account, resolved by sync from env/config/keyring; never stored."""

    token: str = ""
    password: str = ""
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # never print a secret by accident
        return "Secrets(<hidden>)"


class Channel:
    """Base class of every connector. Subclasses set ``name`` and ``default_url``."""

    name: ClassVar[str] = ""
    default_url: ClassVar[str] = ""

    def __init__(self, account: Account, http: httpx.AsyncClient, secrets: Secrets,
                 *, now=when.now) -> None:
        self.account = account
        self.http = http
        self.secrets = secrets
        self.now = now
        self.base_url = (account.settings.get("url") or self.default_url).rstrip("/")

    # -- what a connector implements -----------------------------------------------------

    async def fetch(self, cursor: dict) -> AsyncIterator[Page]:
        """Yield pages of new items from ``cursor`` onward (the platform's own paging)."""
        raise NotImplementedError
        yield  # pragma: no cover

    async def send_reply(self, parent: dict, text: str, *, key: str) -> str:
        """Post ``text`` as a reply to the item row ``parent``; return the reply's external id.

        ``key`` is stable across retries of the same reply: use it as the platform's
        idempotency key where one exists. Raise HoldReply when the platform refuses for a
        reason retrying cannot fix (window closed, parent deleted).
        """
        raise NotImplementedError

    async def find_reply(self, parent: dict, text: str, *, key: str) -> str | None:
        """The external id of a reply already accepted by the platform, or None.

        Called before re-sending a reply whose earlier attempt may have reached the server
        (a crash or timeout after sending), so a reply is sent exactly once.
        """
        return None

    async def check(self) -> str:
        """Verify the credentials; return one line describing what the account can see."""
        raise NotImplementedError

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        """The platform's error codes → a ChannelError; None to use the generic rules."""
        return None

    # -- shared machinery ----------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send a request; return a 2xx response or raise a classified ChannelError."""
        try:
            response = await self.http.request(method, self.url(path), **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise ChannelError("offline", f"cannot reach {self.host()}: {type(exc).__name__}") from None
        except httpx.TimeoutException as exc:
            raise ChannelError("down", f"{self.host()} timed out ({type(exc).__name__})") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise ChannelError("down", f"{self.host()} dropped the connection ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise ChannelError("offline", f"network error talking to {self.host()}: {type(exc).__name__}") from None
        if response.is_success:
            return response
        body = self._maybe_json(response)
        error = self.classify(response, body)
        raise error or self.generic_error(response, body)

    def host(self) -> str:
        return httpx.URL(self.base_url).host or self.base_url

    @staticmethod
    def _maybe_json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            return None

    def generic_error(self, response: httpx.Response, body: Any) -> ChannelError:
        """Status-code rules shared by every platform."""
        status = response.status_code
        where = f"{self.host()} answered {status}"
        if status == 429:
            return ChannelError("rate_limited", f"{where}: rate limited",
                                retry_at=self.retry_after(response), status=status)
        if status == 401:
            return ChannelError("auth", f"{where}: credentials refused", status=status)
        if status == 403:
            return ChannelError("blocked", f"{where}: forbidden", status=status)
        if status >= 500 or body is None:  # a non-JSON 5xx is a maintenance page
            return ChannelError("down", f"{where}: service unavailable", status=status,
                                retry_at=self.retry_after(response))
        return ChannelError("broken", f"{where}: unexpected answer", status=status)

    def json(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a 'broken' ChannelError."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise ChannelError("broken", f"{self.host()} sent a response that is not JSON",
                               status=response.status_code) from None

    def retry_after(self, response: httpx.Response) -> int | None:
        """``Retry-After`` (seconds or HTTP date) as epoch seconds, if present."""
        value = response.headers.get("retry-after")
        if not value:
            return None
        if value.strip().isdigit():
            return self.now() + int(value.strip())
        from email.utils import parsedate_to_datetime

        try:
            return int(parsedate_to_datetime(value).timestamp())
        except (TypeError, ValueError):
            return None

    @staticmethod
    def epoch_header(response: httpx.Response, name: str) -> int | None:
        """A rate-limit reset header given in epoch seconds (Bluesky, X)."""
        value = response.headers.get(name)
        try:
            return int(float(value)) if value else None
        except ValueError:
            return None

    @staticmethod
    def iso_header(response: httpx.Response, name: str) -> int | None:
        """A rate-limit reset header given as an ISO timestamp (Mastodon)."""
        value = response.headers.get(name)
        try:
            return when.parse_iso(value) if value else None
        except ValueError:
            return None

    def item(self, **fields) -> Interaction:
        """An Interaction for this account with every text field sanitised."""
        for key in ("author_name", "author_handle", "url", "external_id", "thread_ref",
                    "parent_ref"):
            if key in fields:
                fields[key] = sanitize(fields[key], single_line=True)
        if "text" in fields:
            fields["text"] = sanitize(fields["text"])
        return Interaction(account_id=self.account.id, **fields)
