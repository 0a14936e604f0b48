"""What every connector shares: the interface, HTTP with timeouts, failure classification.

A connector speaks one platform: how to list new items from a cursor, how to map them to
:class:`~inbox.model.Interaction`, how to post a reply, and which of the platform's error
codes mean what. Everything else — the HTTP client, timeouts, turning transport errors and
status codes into outcomes, parsing JSON, reading rate-limit headers — lives here, once.

Outcomes: offline (no route/DNS/refused), down (5xx,
timeouts, maintenance pages), rate_limited (with the time it ends), auth (token invalid or
expired), blocked (suspended account, action blocked), broken (a page that cannot be read at
all). Classify on status codes and the platform's error codes, never on error text.

One entry is not a page. Platforms send entries without the fields that were not requested
or not permitted, of types newer than the connector, or with values nobody can read; such an
entry is skipped and counted by reason (:class:`SkipEntry`, :meth:`Channel.entry`), the rest
of its page lands and the cursor moves past it. Only a page that is not the expected shape
(not JSON, not a list, no paging) is ``broken``. Where a value can be derived (an X id holds
its time) the connector derives it; a missing author is "unknown", a missing text
:data:`NO_TEXT`: neither hides an entry.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from .. import redact, when
from ..clock import Clock
from ..model import Account, Interaction
from ..rows import ItemRow, TokenCheck
from ..text import sanitize

log = redact.logger("sfogo.channels")  # secrets masked (inbox/redact.py)

# Connect fast (an unreachable host should fail quickly), read patiently (big pages).
TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)

UNKNOWN_AUTHOR = "unknown"
NO_TEXT = "(no text: open it on the platform)"
# Python's errors for a value of the wrong type or shape: raised while reading one entry, they
# mean "a value sfogo cannot read" and skip that entry only.
ENTRY_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
UNREADABLE = "unreadable entry"


class SkipEntry(Exception):
    """One entry sfogo cannot store, and why in a few words ("no time", "no id", "unknown
    type"): it is skipped and counted, never a reason to stop the page or the cursor."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelError(Exception):
    """A failed request, already classified. ``detail`` is one safe line (no secrets)."""

    def __init__(
        self,
        outcome: str,
        detail: str,
        *,
        retry_at: int | None = None,
        status: int | None = None,
        code: str | int | None = None,
    ) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = sanitize(detail, single_line=True)[:300]
        self.retry_at = retry_at
        self.status = status
        self.code = code


_T = TypeVar("_T")


def as_object(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a field the platform left out,
    sent as null or sent in another shape reads as an object with nothing in it."""
    return value if isinstance(value, dict) else {}


class HoldReply(Exception):
    """A reply that must not be sent now, with the reason shown in the outbox."""


class LookupUnsure(Exception):
    """The look-up for a reply that may have reached the platform cannot tell either way
    (it cannot reach back to when the reply was queued): the outbox marks it ``unknown``
    with this reason rather than risk posting it twice."""


class Sent(str):
    """A reply's external id as the platform gave it (a ``str``), with its ``link`` when
    the answer held one."""

    link: str

    def __new__(cls, external_id: object, link: str = "") -> Sent:
        sent = super().__new__(cls, str(external_id))
        sent.link = link
        return sent


# How far a platform's clock may run behind ours: a reply queued at T cannot have been
# created before T minus this, so a look-up that reached back that far has seen it.
CLOCK_SKEW_S = 300


@dataclass(slots=True)
class Page:
    """One page of items and the cursor to store with it, in the same transaction."""

    items: list[Interaction]
    cursor: dict
    more: bool = False
    # What the platform could not give back (e.g. "older than the 800 newest"), for the run.
    lost: str = ""
    # Entries read but not stored, by reason ({"no time": 3}); filled by Channel.pages.
    skipped: Counter = field(default_factory=Counter)


class SessionSlot(Protocol):
    """Where a connector keeps a login session (Bluesky's JWTs) between runs.

    Provided by :mod:`inbox.credentials`: memory first, then a 0600 file beside the config.
    """

    def load(self) -> dict | None: ...

    def save(self, data: dict | None) -> None: ...


@dataclass(slots=True)
class Entry:
    """One entry of a newest-first listing, for :meth:`Channel.newest_first`.

    ``order`` is the platform's sort key as a number (e.g. indexedAt in epoch ms); ``item``
    is None for entries that are read (they still mark progress) but not stored.
    """

    key: str
    order: int
    item: Interaction | None


class GrantSlot(Protocol):
    """Where an OAuth grant (a refresh token and the access token it last gave) lives between
    runs: beside the account's secret, in the keyring entry or ``sessions.json``.

    Provided by :mod:`inbox.grants`. ``load`` reads what is stored now (another process may
    have rotated the token since); ``save`` raises OSError when the grant could not be stored
    durably (it is then kept for this process and stored again at the next ``load``);
    ``hold`` is held while a refresh runs, so two processes never spend one refresh token.
    """

    where: str  # "the keyring", or the file's path: for messages

    def load(self) -> dict | None: ...

    def save(self, data: dict) -> None: ...

    def hold(self) -> AbstractAsyncContextManager[object]: ...


@dataclass(slots=True)
class Secrets:
    """Credentials for one account, resolved by sync from env/config/keyring; never stored."""

    token: str = ""
    password: str = ""
    extra: dict = field(default_factory=dict)
    session: SessionSlot | None = None  # platforms with login sessions keep them here
    # OAuth 2.0 (X, YouTube): the refresh token the login stored, the app's client secret
    # ('' for a public client) and where the live grant is kept.
    refresh_token: str = ""
    client_secret: str = ""
    grant: GrantSlot | None = None

    def __repr__(self) -> str:  # never print a secret by accident
        return "Secrets(<hidden>)"

    @property
    def known(self) -> bool:
        """True when there is anything to authenticate with."""
        return bool(self.token or self.password or self.refresh_token)


class EntryReader:
    """Reading a page one entry at a time: the one place that tells "this entry cannot be
    stored" (skipped, counted by reason in :attr:`skips`) from "this page cannot be read"
    (a ``broken`` ChannelError, raised by the connector with :meth:`Channel.expect`)."""

    skips: Counter[str]  # entries skipped since the last page was handed out

    def entry(self, parse: Callable[..., _T | None], record: Any, *args: Any) -> _T | None:
        """``parse(record, *args)``, or None when the entry cannot be stored: a
        :class:`SkipEntry` or a value of the wrong shape skips this entry (counted in
        :attr:`skips`), never the page. ``parse`` returns None for entries it ignores
        on purpose (types the account does not want); those are not counted."""
        try:
            return parse(record, *args)
        except SkipEntry as skip:
            self.skips[skip.reason] += 1
        except ENTRY_ERRORS:
            self.skips[UNREADABLE] += 1
            log.debug("an entry sfogo could not read was skipped", exc_info=True)
        return None

    def entries(
        self, records: Iterable[Any], parse: Callable[..., Interaction | None], *args
    ) -> list[Interaction]:
        """The items of ``records`` that :meth:`entry` could read, in order."""
        found = (self.entry(parse, record, *args) for record in records)
        return [item for item in found if item is not None]

    def skip(self, reason: str, count: int = 1) -> None:
        """Count entries skipped outside :meth:`entry` (e.g. a whole thread)."""
        self.skips[reason] += count

    @staticmethod
    def need(value: Any, what: str) -> Any:
        """``value``, or SkipEntry("no <what>") when it is missing or empty."""
        if value is None or value == "" or value == {}:
            raise SkipEntry(f"no {what}")
        return value

    @staticmethod
    def need_object(value: Any) -> dict:
        """An entry that must be a JSON object."""
        if not isinstance(value, dict):
            raise SkipEntry(UNREADABLE)
        return value

    @staticmethod
    def need_time(value: Any, what: str = "time") -> int:
        """An ISO time as epoch seconds; SkipEntry when it is missing or unreadable."""
        if value is None or value == "":
            raise SkipEntry(f"no {what}")
        try:
            return when.parse_iso(str(value))
        except ValueError:
            raise SkipEntry(f"unreadable {what}") from None


def transport_error(exc: httpx.TransportError, host: str) -> ChannelError:
    """What a failure to talk to ``host`` means: offline (no route) or down."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ChannelError("offline", f"cannot reach {host}: {name}")
    if isinstance(exc, httpx.TimeoutException):
        return ChannelError("down", f"{host} timed out ({name})")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return ChannelError("down", f"{host} dropped the connection ({name})")
    return ChannelError("offline", f"network error talking to {host}: {name}")


class Authorizing:
    """How a connector authorises its requests, renews what expired and says when its
    credentials will die: the hooks a connector overrides (a base of :class:`Channel`),
    and :meth:`request`, which uses them."""

    if TYPE_CHECKING:  # what it uses of Channel

        async def answer(self, method: str, path: str, **kwargs: Any) -> httpx.Response: ...

    async def authorization(self) -> dict[str, str]:
        """The headers that authorise every request (none by default: a connector that
        authorises otherwise adds its own)."""
        return {}

    async def reauthorize(self, error: ChannelError, used: dict[str, str]) -> bool:
        """After ``error`` (an ``auth`` refusal of a request sent with the headers ``used``):
        True when fresh credentials were obtained and the request is worth sending once more
        (an expired access token refreshed); False to let the error stand."""
        return False

    def authorized(self, used: dict[str, str]) -> None:
        """A request sent with the headers ``used`` was accepted (a refreshed grant has now
        worked once)."""

    async def token_check(self, last: TokenCheck | None) -> TokenCheck | None:
        """When the account's credentials stop working, as the platform says; None when it
        says nothing. ``last`` is the previous answer: a check that costs a request returns
        it unchanged while it is less than a day old. Asked by sync after a good run."""
        return None

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send a request with :meth:`authorization`'s headers; return a 2xx response or
        raise a classified ChannelError. After an ``auth`` refusal it is sent once more if
        :meth:`reauthorize` renewed the credentials: a refused request was not carried out,
        so sending it again cannot do it twice."""
        extra = kwargs.pop("headers", None) or {}
        for attempt in (1, 2):
            used = await self.authorization()
            try:
                response = await self.answer(method, path, headers={**extra, **used}, **kwargs)
            except ChannelError as exc:
                if attempt == 1 and exc.outcome == "auth" and await self.reauthorize(exc, used):
                    continue
                raise
            self.authorized(used)
            return response
        raise AssertionError("unreachable: the second attempt returns or raises")


class Liking:
    """What a connector implements to like items (the outbox's second action); the
    defaults serve a platform without likes. Platforms' likes: :mod:`.likes`."""

    name: ClassVar[str] = ""

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        """Why sfogo cannot like ``parent`` here ('' when it can): one line, asked before a
        like is queued, so a platform without a like for the item queues nothing."""
        return f"{cls.name} has no like in its API"

    async def send_like(self, parent: ItemRow, *, key: str, queued_at: int | None = None) -> str:
        """Like the item row ``parent``; return the like's external id (the item's own id
        where the platform names a like by what it likes). ``key`` and ``queued_at`` are
        the like's, as for :meth:`send_reply`."""
        raise NotImplementedError

    async def find_like(
        self,
        parent: ItemRow,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """The like's external id when the platform has it, None when it certainly has not
        (as :meth:`find_reply`). The default serves platforms whose like is idempotent (a
        second like of the same item is the first): sending again is the look-up."""
        return None


class Channel(Authorizing, Liking, EntryReader):
    """Base class of every connector. Subclasses set ``name`` and ``default_url``."""

    name: ClassVar[str] = ""
    default_url: ClassVar[str] = ""

    def __init__(
        self, account: Account, http: httpx.AsyncClient, secrets: Secrets, *, clock: Clock
    ) -> None:
        self.account = account
        self.http = http
        self.secrets = secrets
        self.clock = clock
        self.base_url = (account.settings.get("url") or self.default_url).rstrip("/")
        self.skips: Counter[str] = Counter()  # entries skipped since the last page handed out

    def now(self) -> int:
        """The time now, from the clock the connector was given (epoch seconds)."""
        return self.clock.now()

    # -- what a connector implements -----------------------------------------------------

    async def fetch(self, cursor: dict) -> AsyncIterator[Page]:
        """Yield pages of new items from ``cursor`` onward (the platform's own paging)."""
        raise NotImplementedError
        yield  # type: ignore[unreachable]  # makes this an async generator, as overrides are

    async def pages(self, cursor: dict) -> AsyncIterator[Page]:
        """:meth:`fetch`'s pages, each carrying the entries skipped while it was read (what
        sync calls: a connector's fetch never counts by hand)."""
        self.skips.clear()
        async for page in self.fetch(cursor):
            page.skipped.update(self.skips)
            self.skips.clear()
            yield page

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        """Post ``text`` as a reply to the item row ``parent``; return the reply's external id
        (a :class:`Sent` when the answer also gave its link).

        ``key`` is stable across retries of the same reply: use it as the platform's
        idempotency key where one exists (or derive a record key from it); ``queued_at`` is
        when the reply was queued (None: now). Raise HoldReply when the platform refuses for
        a reason retrying cannot fix (window closed, parent deleted).
        """
        raise NotImplementedError

    @classmethod
    def cannot_reply(cls, parent: ItemRow) -> str:
        """Why the platform's API takes no reply to ``parent`` ('' if it does): one line."""
        return ""

    async def precheck(self, parent: ItemRow) -> None:
        """Raise HoldReply if a reply to ``parent`` must not be sent now (checked locally,
        before the outbox marks the reply as sending); send_reply may check more."""

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """The external id of a reply already accepted by the platform, or None when it is
        certainly not there.

        Called before re-sending a reply whose earlier attempt may have reached the server
        (a crash or timeout after sending), so a reply is sent exactly once. ``queued_at``
        (when the reply was queued) bounds how far back to look: nothing of ours older than
        it can be the reply; ``attempted_at`` is when it was last handed to the platform.
        Raise :class:`LookupUnsure` when the look-up cannot reach back that far.
        """
        return None

    async def reply_link(self, parent: ItemRow, external_id: str) -> str:
        """Where a sent reply can be seen ('' when the platform has no page for it). Asked
        after the reply is recorded as sent, so a failure here costs only the link."""
        return getattr(external_id, "link", "")

    async def check(self) -> str:
        """Verify the credentials; return one line describing what the account can see."""
        raise NotImplementedError

    def classify(self, response: httpx.Response, body: Any) -> ChannelError | None:
        """The platform's error codes → a ChannelError; None to use the generic rules."""
        return None

    # -- shared machinery ----------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"

    async def answer(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send a request as it is: a 2xx response, or raise a classified ChannelError."""
        response = await self.send(method, path, **kwargs)
        if response.is_success:
            return response
        body = self._maybe_json(response)
        error = self.classify(response, body)
        raise error or self.generic_error(response, body)

    async def send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """Send a request; return the response whatever its status (an OAuth token endpoint
        has error shapes of its own), or raise the ChannelError of a transport failure."""
        try:
            return await self.http.request(method, self.url(path), **kwargs)
        except httpx.TransportError as exc:
            raise transport_error(exc, self.host()) from None

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
            return ChannelError(
                "rate_limited",
                f"{where}: rate limited",
                retry_at=self.retry_after(response),
                status=status,
            )
        if status == 401:
            return ChannelError("auth", f"{where}: credentials refused", status=status)
        if status == 403:
            return ChannelError("blocked", f"{where}: forbidden", status=status)
        if status >= 500 or body is None:  # a non-JSON 5xx is a maintenance page
            return ChannelError(
                "down",
                f"{where}: service unavailable",
                status=status,
                retry_at=self.retry_after(response),
            )
        return ChannelError("broken", f"{where}: unexpected answer", status=status)

    def json(self, response: httpx.Response) -> Any:
        """The response body as JSON, or a 'broken' ChannelError."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise ChannelError(
                "broken",
                f"{self.host()} sent a response that is not JSON",
                status=response.status_code,
            ) from None

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
    def link_params(response: httpx.Response, rel: str) -> dict[str, str] | None:
        """The query parameters of the ``Link`` header's ``rel`` URL (Mastodon, WordPress)."""
        link = response.links.get(rel)
        if not link or not link.get("url"):
            return None
        return {k: v[-1] for k, v in parse_qs(urlsplit(link["url"]).query).items()}

    def expect(self, condition: object, what: str) -> None:
        """Raise a 'broken' ChannelError unless ``condition``: a response of the wrong shape."""
        if not condition:
            raise self.unexpected(what)

    def unexpected(self, what: str) -> ChannelError:
        """The 'broken' ChannelError for a response of the wrong shape (``expect`` raises it;
        raise it yourself where the type checker should see the check)."""
        return ChannelError("broken", f"{self.host()} sent an unexpected {what}")

    async def newest_first(
        self,
        cursor: dict,
        fetch_page: Callable[[str | None], Awaitable[tuple[list[Entry], str | None]]],
        *,
        max_pages: int = 200,
    ) -> AsyncIterator[Page]:
        """Walk a newest-first listing down to the last entry seen (Bluesky, YouTube).

        Such listings page only towards older entries, so the "last seen" mark may move
        only when the walk reaches it. Until then each page is committed with the walk's
        state (its top and the platform's cursor for the next page), so a walk interrupted
        by a failure resumes where it stopped instead of starting over or skipping items.
        Cursor keys: ``seen``/``seen_order`` (the newest entry of the last finished walk) and
        ``walk`` (``top``, ``top_order``, ``next``) while one is in progress.

        If the listing ends before reaching the last entry seen, the platform no longer
        holds what came between: the last page says so in ``lost``. ``max_pages`` bounds one
        run; the walk continues on the next.
        """
        seen, seen_order = cursor.get("seen"), cursor.get("seen_order")
        walk = cursor.get("walk") or None
        api_cursor = walk["next"] if walk else None
        top = (walk["top"], walk["top_order"]) if walk else None
        pages = 0
        oldest: int | None = None  # the oldest entry this run read
        while True:
            entries, next_cursor = await fetch_page(api_cursor)
            pages += 1
            if top is None and entries:
                top = (entries[0].key, entries[0].order)
            items: list[Interaction] = []
            reached = False
            for entry in entries:
                if seen is not None and (
                    entry.key == seen or (seen_order is not None and entry.order < seen_order)
                ):
                    reached = True
                    break
                oldest = entry.order
                if entry.item is not None:
                    items.append(entry.item)
            finished = reached or not entries or not next_cursor
            if finished:
                lost = ""
                if not reached and seen is not None and (entries or api_cursor is not None):
                    since = when.iso((seen_order or 0) // 1000)
                    until = f"and {when.iso(oldest // 1000)} " if oldest is not None else ""
                    lost = (
                        f"the platform's list ends before the last item seen ({since}):"
                        f" what arrived between then {until}could not be fetched"
                    )
                new = {k: v for k, v in cursor.items() if k != "walk"}
                if top is not None:
                    new.update(seen=top[0], seen_order=top[1])
                yield Page(items, new, more=False, lost=lost)
                return
            # Not finished: this page had entries, so the walk has its top.
            assert top is not None
            state = {k: v for k, v in cursor.items() if k != "walk"}
            state["walk"] = {"top": top[0], "top_order": top[1], "next": next_cursor}
            yield Page(items, state, more=True)
            if pages >= max_pages:
                return
            api_cursor = next_cursor

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
        """An Interaction for this account with every text field sanitised; an author without
        a name shows its handle, or "unknown"; an entry without text shows :data:`NO_TEXT`."""
        for key in (
            "author_name",
            "author_handle",
            "url",
            "external_id",
            "thread_ref",
            "parent_ref",
        ):
            if key in fields:
                fields[key] = sanitize(fields[key], single_line=True)
        if "text" in fields:
            fields["text"] = sanitize(fields["text"]) if fields["text"] is not None else NO_TEXT
        fields["author_name"] = (
            fields.get("author_name") or fields.get("author_handle") or UNKNOWN_AUTHOR
        )
        return Interaction(account_id=self.account.id, **fields)
