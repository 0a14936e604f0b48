"""What the e-mail connector reads: new messages of each mailbox over IMAP.

Cursor, per mailbox: ``{"uidvalidity", "uid" (the last UID stored), "date" (its arrival
time)}``. A fetch asks ``UID SEARCH UID last+1:*`` (``n:*`` always matches the highest
message even when it is not newer, so the answer is filtered), then fetches in batches of
:data:`BATCH`; each batch is one page whose cursor covers exactly it. When the server
renumbers a mailbox (a new UIDVALIDITY) the mailbox is read again from the day before the
last message stored, and the page says so in ``lost``.

Threading: the external id is the Message-ID (without angle brackets); ``parent_ref`` is
In-Reply-To; ``thread_ref`` the first id in References (the root), else In-Reply-To, else
the message itself. The item's text is the subject, a blank line, then the text/plain body
(or the HTML body as text). At most :data:`MAX_FETCH` bytes of a message are fetched:
attachments beyond that are never downloaded.

Partial messages: without a Message-ID the id is a hash of the headers; without a Date the
server's arrival time stands (it always has one); without a From the author is "unknown".
Only a message the email package cannot read at all is skipped and counted; the cursor moves
past it.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import imaplib
import ipaddress
import re
import ssl
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .. import redact, when
from ..text import html_to_text, sanitize
from .base import ChannelError, Page, SkipEntry

if TYPE_CHECKING:  # a mixin of Email: typed as a Channel with what it uses of Email
    from collections.abc import Callable

    from .base import Channel as _Host
else:
    _Host = object

log = redact.logger("sfogo.channels.email")  # secrets masked (inbox/redact.py)

BATCH = 50
MAX_FETCH = 256 * 1024
MAX_TEXT = 50_000
MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

_MSGID = re.compile(r"<([^<>\s]+)>")
_UID = re.compile(rb"\bUID (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


def _msgids(value: Any) -> list[str]:
    return _MSGID.findall(str(value or ""))


def _internaldate(raw: bytes) -> int | None:
    """``27-Nov-2026 21:14:50 +0000`` as epoch seconds (no locale-dependent %b)."""
    try:
        day, month, rest = raw.decode().strip().split("-", 2)
        year, clock, zone = rest.split(" ")
        hour, minute, second = (int(x) for x in clock.split(":"))
        sign = -1 if zone[0] == "-" else 1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])) * sign
        at = datetime(
            int(year), MONTHS[month], int(day), hour, minute, second, tzinfo=timezone(offset)
        )
        return int(at.timestamp())
    except (ValueError, KeyError, IndexError, UnicodeDecodeError):
        return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ImapReader(_Host):
    """The IMAP half of :class:`.email.Email` (mixed into it, whose settings and error
    classification it uses): the connection, and reading new messages. Blocking methods
    run in worker threads, through ``Email._thread``."""

    if TYPE_CHECKING:  # what it uses of Email

        @property
        def settings(self) -> dict: ...
        @property
        def mailboxes(self) -> list[str]: ...
        @property
        def timeout(self) -> float: ...
        @property
        def password(self) -> str: ...
        @property
        def from_addr_spec(self) -> str: ...
        async def _thread(self, fn: Callable[..., Any], *args: Any) -> Any: ...
        def _classify_exception(
            self, exc: BaseException, *, login: bool = False
        ) -> ChannelError: ...

    # -- the connection (blocking) -----------------------------------------------------------

    def _imap(self) -> imaplib.IMAP4:
        url = urlsplit(self.base_url)
        host = url.hostname or ""
        if url.scheme not in ("imap", "imaps") or not host:
            raise ChannelError(
                "broken", "the e-mail account's url must be imaps://HOST or imap://HOST"
            )
        context = ssl.create_default_context()
        conn: imaplib.IMAP4
        if url.scheme == "imaps":
            conn = imaplib.IMAP4_SSL(
                host, url.port or 993, ssl_context=context, timeout=self.timeout
            )
        else:
            conn = imaplib.IMAP4(host, url.port or 143, timeout=self.timeout)
            if "STARTTLS" in conn.capabilities:
                conn.starttls(context)
            elif not is_loopback(host):
                conn.shutdown()
                raise ChannelError(
                    "broken",
                    f"{host} offers no STARTTLS: use imaps:// so the password is not sent in clear",
                )
        user = unquote(url.username or "") or self.settings.get("user") or ""
        try:
            conn.login(user, self.password)
        except imaplib.IMAP4.abort as exc:
            raise self._classify_exception(exc) from None
        except imaplib.IMAP4.error as exc:
            conn.shutdown()
            raise self._classify_exception(exc, login=True) from None
        return conn

    @staticmethod
    def _close(conn: imaplib.IMAP4) -> None:
        try:
            conn.logout()
        except Exception:  # the connection may already be gone; nothing to save
            pass

    @staticmethod
    def _ok(typ: str, data: list, what: str) -> list:
        if typ != "OK":
            raise imaplib.IMAP4.error(f"{what}: {data[-1] if data else b''!r}")
        return data

    def _examine(self, conn: imaplib.IMAP4, mailbox: str) -> int:
        """Select ``mailbox`` read-only; return its UIDVALIDITY."""
        self._ok(*conn.select(self._quote(mailbox), readonly=True), f"SELECT {mailbox}")
        _typ, data = conn.response("UIDVALIDITY")
        try:
            return int(data[-1])
        except (TypeError, ValueError, IndexError):
            raise ChannelError("broken", f"{self.host()} gave {mailbox} no UIDVALIDITY") from None

    @staticmethod
    def _quote(mailbox: str) -> str:
        return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'

    # -- reading ---------------------------------------------------------------------------

    def _search(self, conn: imaplib.IMAP4, last: int, since: int | None) -> list[int]:
        criteria = ["UID", f"{last + 1}:*"]
        if since is not None:
            day = datetime.fromtimestamp(since, UTC)
            criteria += ["SINCE", f"{day.day}-{list(MONTHS)[day.month - 1]}-{day.year}"]
        data = self._ok(*conn.uid("SEARCH", *criteria), "UID SEARCH")
        uids = sorted({int(u) for chunk in data if chunk for u in chunk.split()})
        return [u for u in uids if u > last]  # "last+1:*" also matches the highest UID

    def _fetch_batch(
        self, conn: imaplib.IMAP4, uids: list[int]
    ) -> list[tuple[int, int | None, bytes]]:
        """(UID, INTERNALDATE, first bytes of the message) for each UID."""
        spec = f"(UID FLAGS INTERNALDATE BODY.PEEK[]<0.{MAX_FETCH}>)"
        data = self._ok(*conn.uid("FETCH", ",".join(map(str, uids)), spec), "UID FETCH")
        found = []
        current: list | None = None
        for part in data:
            if isinstance(part, tuple):
                current = [part[0], part[1]]
                found.append(current)
            elif isinstance(part, bytes) and current is not None and not part[:1].isdigit():
                current[0] += part  # the rest of this message's FETCH items, after the literal
        result = []
        for meta, raw in found:
            uid = _UID.search(meta)
            if uid is None:
                continue
            date = _INTERNALDATE.search(meta)
            result.append((int(uid.group(1)), _internaldate(date.group(1)) if date else None, raw))
        return sorted(result)

    async def fetch(self, cursor: dict):
        state = {
            box: dict(value) for box, value in (cursor or {}).items() if isinstance(value, dict)
        }
        conn = await self._thread(self._imap)
        try:
            boxes = self.mailboxes
            for index, mailbox in enumerate(boxes):
                async for page in self._mailbox(conn, mailbox, state, index == len(boxes) - 1):
                    yield page
        finally:
            await asyncio.to_thread(self._close, conn)

    def _start(self, mailbox: str, old: dict, validity: int) -> tuple[int, int | None, str]:
        """Where a mailbox's read starts: (last UID stored, SINCE time or None, lost)."""
        backfill = int(self.settings.get("backfill_days", 30) or 0)
        first = self.now() - backfill * 86400 if backfill else None
        if not old:
            return 0, first, ""
        if old.get("uidvalidity") == validity:
            return int(old.get("uid") or 0), None, ""
        # The server renumbered the mailbox: our UIDs mean nothing now. Read it again from
        # the day before the last message we stored; the items are keyed by Message-ID, so
        # what was already stored is not duplicated.
        since = int(old["date"]) - 86400 if old.get("date") else first
        lost = (
            f"{mailbox}: the server renumbered its messages (UIDVALIDITY "
            f"{old.get('uidvalidity')} -> {validity}); re-read since "
            f"{when.iso(since) if since else 'the beginning'}"
        )
        return 0, since, lost

    async def _mailbox(self, conn, mailbox: str, state: dict, last_box: bool):
        """The pages of one mailbox: a batch of new messages each, its cursor covering it."""
        old = state.get(mailbox) or {}
        validity = await self._thread(self._examine, conn, mailbox)
        last, since, lost = self._start(mailbox, old, validity)
        box_state = {"uidvalidity": validity, "uid": last, "date": old.get("date")}
        if old.get("uidvalidity") != validity:
            box_state["date"] = None
        uids = await self._thread(self._search, conn, last, since)
        batches = [uids[i : i + BATCH] for i in range(0, len(uids), BATCH)] or [[]]
        for number, batch in enumerate(batches):
            items = []
            if batch:
                for uid, arrived, raw in await self._thread(self._fetch_batch, conn, batch):
                    item = self.entry(self._map, raw, arrived, validity, uid)
                    if item is not None:
                        items.append(item)
                    box_state["uid"] = max(box_state["uid"], uid)
                    if arrived is not None:
                        box_state["date"] = max(box_state["date"] or 0, arrived)
                box_state["uid"] = max(box_state["uid"], batch[-1])
            state[mailbox] = dict(box_state)
            yield Page(
                items=items,
                cursor={k: dict(v) for k, v in state.items()},
                more=not (last_box and number == len(batches) - 1),
                lost=lost if number == 0 else "",
            )

    def _map(self, raw: bytes, arrived: int | None, validity: int, uid: int):
        """One message as an item. The Message-ID is the key (else a hash of the headers);
        the time is the server's arrival time (else Date, else now); a message the email
        package cannot read is skipped and counted."""
        try:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            own = self._header_ids(msg, "Message-ID")
            if own:
                external = own[0]
            else:  # no Message-ID: a stable id from the headers, unique within the account
                head = raw.split(b"\r\n\r\n", 1)[0]
                external = f"sfogo-{hashlib.sha256(head).hexdigest()[:24]}@no-message-id.invalid"
            parent = (self._header_ids(msg, "In-Reply-To") or [""])[0]
            references = self._header_ids(msg, "References")
            root = references[0] if references else (parent or external)
            subject = self._header(msg, "Subject")
            name, address = self._sender(msg)
            created = arrived
            if created is None:
                stamp = getattr(msg["Date"], "datetime", None)
                created = int(stamp.timestamp()) if stamp else self.now()
            body = self._body(msg)
        except Exception:  # the email package is lenient; this is a last resort
            log.debug("message UID %s/%s could not be parsed", validity, uid, exc_info=True)
            raise SkipEntry("unreadable message") from None
        text = f"{subject}\n\n{body}".strip() if subject else body
        return self.item(
            external_id=external,
            kind="email",
            created_at=created,
            text=text[:MAX_TEXT],
            author_name=name,
            author_handle=address,
            url="",
            thread_ref=root,
            parent_ref=parent,
            outgoing=bool(address) and address.lower() == self.from_addr_spec,
        )

    @staticmethod
    def _header(msg, name: str) -> str:
        try:
            value = msg[name]
        except Exception:  # a header so broken the parser gives up on it
            value = msg.get_all(name, [""])[0] if hasattr(msg, "get_all") else ""
        return sanitize(str(value or ""), single_line=True).strip()

    def _header_ids(self, msg, name: str) -> list[str]:
        try:
            values = msg.get_all(name) or []
        except Exception:
            return []
        ids = [i for value in values for i in _msgids(value)]
        if not ids and values and name == "Message-ID":
            bare = str(values[0]).strip().strip("<>")
            ids = [bare] if bare and " " not in bare else []
        return ids

    def _sender(self, msg) -> tuple[str, str]:
        try:
            header = msg["From"]
            addresses = getattr(header, "addresses", ())
            if addresses:
                first = addresses[0]
                return first.display_name or "", first.addr_spec or ""
        except Exception:
            pass
        name, address = parseaddr(self._header(msg, "From"))
        return name, address

    @staticmethod
    def _body(msg) -> str:
        part = msg.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        try:
            content = part.get_content()
        except (LookupError, ValueError, AssertionError, UnicodeError):
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", "replace")
        if not isinstance(content, str):
            return ""
        if part.get_content_subtype() == "html":
            return html_to_text(content)
        return sanitize(content).strip()
