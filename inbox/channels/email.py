"""E-mail: IMAP for reading, SMTP for replies (the standard library's imaplib and smtplib).

Account settings:
  ``url``            the IMAP server: ``imaps://imap.example.com`` (port 993) or
                     ``imap://host:143`` (STARTTLS when offered; without it, only to a
                     loopback host, so a password never crosses a network in clear)
  ``user``           the login name for IMAP and SMTP
  ``mailboxes``      list of mailboxes to read (or ``mailbox``, one name); ``["INBOX"]``
  ``smtp_url``       ``smtps://smtp.example.com`` (465) or ``smtp://host:587`` (STARTTLS as
                     above); needed for replies
  ``from``           our address, ``Name <me@example.com>``; default ``user`` if it is one
  ``sent_mailbox``   a mailbox where the provider files sent mail (``Sent``), searched by
                     :meth:`Email.find_reply`; optional
  ``bcc_self``       send each reply to ourselves too (default true): the copy lands in
                     the INBOX, shows our reply in the thread and lets ``find_reply`` see
                     that the server accepted it, so it is never sent twice
  ``backfill_days``  how far back the first sync reads (default 30; 0 means everything)
  ``timeout``        seconds for every network operation (default 20)
Secret: the password (``secrets.password``, or ``secrets.token`` for an app password).

What is read, the cursor and partial messages: :mod:`inbox.channels.email_read`.

Exactly once: a reply's Message-ID is derived from its idempotency key (the same on every
attempt), and a reply that may have got through is looked for by that Message-ID in the copy
sent to ourselves (``bcc_self``) or the ``sent_mailbox``. A copy still missing ten minutes
after the attempt means the server did not take it; with neither a copy nor a sent mailbox
there is nothing to look in, and the reply is ``unknown``. E-mail has no link.

The blocking libraries run in worker threads (``asyncio.to_thread``); the HTTP client is
unused.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import errno
import hashlib
import imaplib
import re
import smtplib
import socket
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from urllib.parse import unquote, urlsplit

from ..rows import ItemRow
from ..text import sanitize
from .base import Channel, ChannelError, HoldReply, LookupUnsure
from .email_read import ImapReader, is_loopback

# How long the copy of a sent reply may take to reach our own mailbox before its absence
# means the server did not take it.
COPY_GRACE_S = 10 * 60
_CODE = re.compile(r"\[([A-Z][A-Z0-9-]*)")
_REPLY_PREFIX = re.compile(r"^\s*re\s*(\[\d+\])?\s*:", re.IGNORECASE)

# IMAP response codes (RFC 5530) -> outcome. EXPIRED is a password the user must renew
# (auth); CONTACTADMIN is an account an administrator has disabled (blocked).
IMAP_CODES = {
    "AUTHENTICATIONFAILED": "auth",
    "AUTHORIZATIONFAILED": "auth",
    "EXPIRED": "auth",
    "PRIVACYREQUIRED": "auth",
    "CONTACTADMIN": "blocked",
    "OVERQUOTA": "blocked",
    "UNAVAILABLE": "down",
    "SERVERBUG": "down",
    "INUSE": "down",
    "LIMIT": "rate_limited",
}
LIMIT_WAIT = 15 * 60  # IMAP's [LIMIT] says nothing about when; try again in a while


def reply_subject(subject: str) -> str:
    subject = sanitize(subject, single_line=True).strip()
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}".rstrip()


class Email(ImapReader, Channel):
    name = "email"
    default_url = ""

    @classmethod
    def cannot_like(cls, parent: ItemRow) -> str:
        return "an e-mail cannot be liked: answer it instead"

    # -- settings --------------------------------------------------------------------------

    @property
    def settings(self) -> dict:
        return self.account.settings

    @property
    def mailboxes(self) -> list[str]:
        boxes = self.settings.get("mailboxes") or self.settings.get("mailbox") or ["INBOX"]
        return [boxes] if isinstance(boxes, str) else list(boxes)

    @property
    def timeout(self) -> float:
        return float(self.settings.get("timeout") or 20)

    @property
    def password(self) -> str:
        return self.secrets.password or self.secrets.token

    @property
    def from_address(self) -> str:
        return self.settings.get("from") or self.settings.get("user") or ""

    @property
    def from_addr_spec(self) -> str:
        return parseaddr(self.from_address)[1].lower()

    def host(self) -> str:
        return urlsplit(self.base_url).hostname or self.base_url or "the mail server"

    async def _thread(self, fn, *args):
        """Run blocking mail code in a thread, turning its failures into ChannelErrors."""
        try:
            return await asyncio.to_thread(fn, *args)
        except (ChannelError, HoldReply):
            raise
        except Exception as exc:  # classified below; anything unknown is "broken"
            raise self._classify_exception(exc) from None

    def _classify_exception(self, exc: BaseException, *, login: bool = False) -> ChannelError:
        where = self.host()
        if isinstance(exc, imaplib.IMAP4.abort):
            # imaplib's own wording (not the server's) separates a line that is not IMAP
            # at all from a connection that ended (EOF, BYE).
            if str(exc).startswith(("unexpected response", "unexpected tagged response")):
                return ChannelError("broken", f"{where} does not speak IMAP")
            return ChannelError("down", f"{where} closed the IMAP connection", code="BYE")
        if isinstance(exc, imaplib.IMAP4.error):
            text = str(exc)
            code = (_CODE.search(text) or [None, None])[1]
            if re.match(r"^b?['\"]?\*\s+BYE\b", text):
                return ChannelError("down", f"{where} is shutting down (BYE)", code="BYE")
            outcome = IMAP_CODES.get(code or "") or ("auth" if login else "broken")
            retry = self.now() + LIMIT_WAIT if outcome == "rate_limited" else None
            return ChannelError(
                outcome, f"{where} refused: {code or 'NO'}", code=code, retry_at=retry
            )
        if isinstance(exc, (TimeoutError, socket.timeout)):
            return ChannelError("down", f"{where} timed out")
        if isinstance(exc, socket.gaierror):
            return ChannelError("offline", f"cannot resolve {where}")
        if isinstance(exc, ConnectionRefusedError):
            return ChannelError("offline", f"cannot reach {where}: connection refused")
        if isinstance(
            exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, EOFError)
        ):
            return ChannelError("down", f"{where} dropped the connection")
        if isinstance(exc, ssl.SSLError):
            return ChannelError("broken", f"TLS with {where} failed ({type(exc).__name__})")
        if isinstance(exc, OSError) and exc.errno in (
            errno.ENETUNREACH,
            errno.EHOSTUNREACH,
            errno.ENETDOWN,
            errno.EHOSTDOWN,
        ):
            return ChannelError("offline", f"no route to {where}")
        if isinstance(exc, OSError):
            return ChannelError("down", f"network error with {where}: {type(exc).__name__}")
        return ChannelError("broken", f"{where} sent something unexpected ({type(exc).__name__})")

    # -- replying --------------------------------------------------------------------------

    def reply_message_id(self, key: str) -> str:
        """Our reply's Message-ID, derived from the reply key: the same on every retry."""
        domain = self.from_addr_spec.rpartition("@")[2] or "sfogo.invalid"
        return f"sfogo.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}"

    def _locate(self, conn: imaplib.IMAP4, message_id: str) -> bytes | None:
        """Select the mailbox holding ``message_id`` and return its UID, or None."""
        boxes = list(self.mailboxes)
        for extra in ("INBOX", self.settings.get("sent_mailbox")):
            if extra and extra not in boxes:
                boxes.append(extra)
        for mailbox in boxes:
            try:
                self._examine(conn, mailbox)
            except imaplib.IMAP4.abort:
                raise
            except (imaplib.IMAP4.error, ChannelError):
                continue  # e.g. a sent mailbox this server does not have
            data = self._ok(
                *conn.uid("SEARCH", "HEADER", "Message-ID", self._quote(f"<{message_id}>")),
                "UID SEARCH",
            )
            uids = [u for chunk in data if chunk for u in chunk.split()]
            if uids:
                return uids[-1]
        return None

    def _find_headers(self, message_id: str) -> dict | None:
        """The parent's threading and address headers, looked up on the server."""
        conn = self._imap()
        try:
            uid = self._locate(conn, message_id)
            if uid is None:
                return None
            fields = "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM REPLY-TO REFERENCES MESSAGE-ID)])"
            data = self._ok(*conn.uid("FETCH", uid.decode(), fields), "UID FETCH")
            raw = next((p[1] for p in data if isinstance(p, tuple)), b"")
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            return {
                "subject": self._header(msg, "Subject"),
                "references": self._header_ids(msg, "References"),
                "reply_to": self._header(msg, "Reply-To"),
                "from": self._header(msg, "From"),
            }
        finally:
            self._close(conn)

    def _compose(self, parent: ItemRow, text: str, key: str, found: dict | None) -> EmailMessage:
        parent_id = parent["external_id"]
        if found is not None:
            subject = found["subject"]
            references = found["references"]
            to = found["reply_to"] or found["from"]
        else:  # the original is gone from the server: what the inbox remembers
            subject = (parent.get("text") or "").split("\n", 1)[0]
            root = parent.get("thread_ref") or ""
            references = [root] if root and root != parent_id else []
            if parent.get("parent_ref") and parent["parent_ref"] not in references:
                references.append(parent["parent_ref"])
            to = parent.get("author_handle") or ""
        recipients = [a for _, a in getaddresses([to]) if "@" in a]
        if not recipients:
            raise HoldReply("the original message has no address to reply to")
        msg = EmailMessage()
        name, address = parseaddr(self.from_address)
        if "@" not in address:
            raise ChannelError("broken", "the e-mail account needs a 'from' address setting")
        msg["From"] = Address(display_name=name, addr_spec=address) if name else address
        msg["To"] = ", ".join(recipients)
        msg["Subject"] = reply_subject(subject)
        msg["Date"] = format_datetime(datetime.fromtimestamp(self.now(), UTC))
        msg["Message-ID"] = f"<{self.reply_message_id(key)}>"
        msg["In-Reply-To"] = f"<{parent_id}>"
        chain = [r for r in references if r != parent_id] + [parent_id]
        msg["References"] = " ".join(f"<{r}>" for r in chain)
        msg.set_content(text)
        return msg

    def _smtp_send(self, msg: EmailMessage) -> None:
        smtp_url = self.settings.get("smtp_url") or ""
        url = urlsplit(smtp_url)
        host = url.hostname or ""
        if url.scheme not in ("smtp", "smtps") or not host:
            raise HoldReply("the e-mail account has no smtp_url (smtps://HOST or smtp://HOST:587)")
        context = ssl.create_default_context()
        server: smtplib.SMTP
        if url.scheme == "smtps":
            server = smtplib.SMTP_SSL(host, url.port or 465, timeout=self.timeout, context=context)
        else:
            server = smtplib.SMTP(host, url.port or 587, timeout=self.timeout)
        try:
            server.ehlo()
            if url.scheme == "smtp":
                if server.has_extn("starttls"):
                    server.starttls(context=context)
                    server.ehlo()
                elif not is_loopback(host):
                    raise ChannelError("broken", f"{host} offers no STARTTLS: use smtps://")
            user = unquote(url.username or "") or self.settings.get("user") or ""
            if self.password and server.has_extn("auth"):
                server.login(user, self.password)
            recipients = [a for _, a in getaddresses([str(msg["To"])])]
            if self.settings.get("bcc_self", True) and self.from_addr_spec not in recipients:
                recipients.append(self.from_addr_spec)
            refused = server.send_message(msg, to_addrs=recipients)
            main = [a for a in recipients if a != self.from_addr_spec]
            if main and all(a in refused for a in main):  # only our own copy went through
                raise smtplib.SMTPRecipientsRefused({a: refused[a] for a in main})
        finally:
            try:
                server.quit()
            except Exception:  # already closed; the outcome is decided above
                server.close()

    def _classify_smtp(self, exc: Exception) -> Exception:
        """SMTP reply codes -> outcome: 4xx transient, 454 auth, 530/535 auth, 5xx held."""
        where = urlsplit(self.settings.get("smtp_url") or "").hostname or "the mail server"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            code = min(codes) if codes else 550
        elif isinstance(exc, smtplib.SMTPServerDisconnected):
            return ChannelError("down", f"{where} closed the SMTP connection")
        elif isinstance(exc, (smtplib.SMTPResponseException, smtplib.SMTPConnectError)):
            code = exc.smtp_code
        elif isinstance(exc, smtplib.SMTPNotSupportedError):
            return ChannelError("broken", f"{where} does not support what sfogo needs")
        elif isinstance(exc, smtplib.SMTPException):
            return ChannelError("broken", f"{where}: {type(exc).__name__}")
        else:
            error = self._classify_exception(exc)
            error.detail = error.detail.replace(self.host(), where)
            return error
        if code in (454, 530, 534, 535):
            return ChannelError("auth", f"{where} refused the login ({code})", code=code)
        if 400 <= code < 500:
            return ChannelError("down", f"{where} is temporarily refusing mail ({code})", code=code)
        if isinstance(exc, smtplib.SMTPConnectError):
            return ChannelError("blocked", f"{where} refused the connection ({code})", code=code)
        return HoldReply(f"the mail server refused the reply ({code})")

    async def send_reply(
        self, parent: ItemRow, text: str, *, key: str, queued_at: int | None = None
    ) -> str:
        found = await self._thread(self._find_headers, parent["external_id"])
        msg = self._compose(parent, text, key, found)
        try:
            await asyncio.to_thread(self._smtp_send, msg)
        except (ChannelError, HoldReply):
            raise
        except Exception as exc:
            raise self._classify_smtp(exc) from None
        return self.reply_message_id(key)

    def _find_message(self, message_id: str) -> bool:
        conn = self._imap()
        try:
            return self._locate(conn, message_id) is not None
        finally:
            self._close(conn)

    async def find_reply(
        self,
        parent: ItemRow,
        text: str,
        *,
        key: str,
        queued_at: int | None = None,
        attempted_at: int | None = None,
    ) -> str | None:
        """Our reply's Message-ID in the copy we sent ourselves (``bcc_self``) or in the
        sent mailbox. Delivery takes a moment: within :data:`COPY_GRACE_S` of the attempt a
        missing copy is "not yet" (asked again), after it "not sent"."""
        bcc_self = self.settings.get("bcc_self", True)
        if not bcc_self and not self.settings.get("sent_mailbox"):
            raise LookupUnsure(
                "without bcc_self or a sent_mailbox there is no copy of the reply to look for"
            )
        message_id = self.reply_message_id(key)
        if await self._thread(self._find_message, message_id):
            return message_id
        if attempted_at is not None and self.now() - attempted_at < COPY_GRACE_S:
            raise ChannelError("down", "the copy of the reply has not arrived yet")
        return None

    def _check(self) -> str:
        conn = self._imap()
        try:
            counts = []
            for mailbox in self.mailboxes:
                typ, data = conn.select(self._quote(mailbox), readonly=True)
                self._ok(typ, data, f"SELECT {mailbox}")
                # imaplib gives None for a count the server left out (RFC 3501 requires it).
                exists = "?" if data[0] is None else int(data[0])
                counts.append(f"{sanitize(mailbox, single_line=True)} {exists} messages")
        finally:
            self._close(conn)
        user = self.settings.get("user") or ""
        line = f"signed in to {self.host()} as {sanitize(user, single_line=True)}: " + ", ".join(
            counts
        )
        if not self.settings.get("smtp_url"):
            return line + "; no smtp_url, so replies cannot be sent"
        return line

    async def check(self) -> str:
        return await self._thread(self._check)
