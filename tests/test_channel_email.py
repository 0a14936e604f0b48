"""E-mail: the connector against a real Dovecot (IMAP) and aiosmtpd (SMTP) on loopback."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from channel_kit import drain, skipped
from conftest import NOW
from mailserver import DOMAIN, PASSWORD, ScriptedIMAP, free_port, mail_server, mail_user  # noqa: F401

import sfogo.inbox.channels.email as email_channel
import sfogo.inbox.channels.email_read as email_read
from sfogo.inbox.channels.base import ChannelError, HoldReply, Secrets
from sfogo.inbox.channels.email import Email, reply_subject
from sfogo.inbox.clock import ManualClock
from sfogo.inbox.model import Account


def connector(server, user, *, password=PASSWORD, url=None, **settings):
    account = Account(
        client_id=1,
        channel="email",
        handle=user,
        id=1,
        settings={
            "url": url or f"imap://127.0.0.1:{server.imap_port}",
            "user": user,
            "smtp_url": f"smtp://127.0.0.1:{server.smtp_port}",
            "from": f"Studio <{server.address(user)}>",
            "backfill_days": 0,
            **settings,
        },
    )
    return Email(account, None, Secrets(password=password), clock=ManualClock(NOW))


def message(
    n: int,
    *,
    subject: str | None = None,
    sender: str = "Giulia <giulia@example.org>",
    body: str | None = None,
    **headers,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = f"shop@{DOMAIN}"
    msg["Subject"] = subject if subject is not None else f"Order {n}"
    msg["Message-ID"] = headers.pop("msgid", f"<m{n}@example.org>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body if body is not None else f"Hello, about order {n}.")
    return msg.as_bytes(policy=email.policy.SMTP)


def row(item) -> dict:
    """An item as the outbox hands it to send_reply (a Store row's fields)."""
    return {
        "external_id": item.external_id,
        "thread_ref": item.thread_ref,
        "parent_ref": item.parent_ref,
        "text": item.text,
        "author_handle": item.author_handle,
        "author_name": item.author_name,
    }


async def test_first_sync_reads_every_message_in_batches(mail_server, mail_user, monkeypatch):
    monkeypatch.setattr(email_read, "BATCH", 10)
    mail_server.deliver(mail_user, *(message(n) for n in range(25)))
    items, cursor, pages = await drain(connector(mail_server, mail_user), {})
    assert [len(p.items) for p in pages] == [10, 10, 5]
    assert [p.more for p in pages] == [True, True, False]
    assert [p.cursor["INBOX"]["uid"] for p in pages] == [10, 20, 25]
    assert {i.external_id for i in items} == {f"m{n}@example.org" for n in range(25)}
    assert cursor["INBOX"]["uidvalidity"] > 0 and cursor["INBOX"]["date"] > 0


async def test_first_sync_reaches_back_backfill_days(mail_server, mail_user):
    mail_server.deliver(mail_user, message(1), when=NOW - 40 * 86400)
    mail_server.deliver(mail_user, message(2), when=NOW - 86400)
    items, cursor, _ = await drain(connector(mail_server, mail_user, backfill_days=30), {})
    assert [i.external_id for i in items] == ["m2@example.org"]
    assert cursor["INBOX"]["uid"] == 2


async def test_incremental_fetch_returns_only_new_messages(mail_server, mail_user, store):
    channel = connector(mail_server, mail_user)
    client = store.clients.add("Shop", now=NOW)
    channel.account.id = store.accounts.add(client.id, "email", mail_user, now=NOW).id
    mail_server.deliver(mail_user, message(1), message(2))
    items, cursor, _ = await drain(channel, {})
    assert store.items.upsert(items, now=NOW) == 2
    # Nothing new: "UID n:*" still answers with the highest message, which must be dropped.
    nothing, same, _ = await drain(channel, cursor)
    assert nothing == [] and same == cursor
    mail_server.deliver(mail_user, message(3), message(4))
    new, cursor2, _ = await drain(channel, cursor)
    assert [i.external_id for i in new] == ["m3@example.org", "m4@example.org"]
    assert store.items.upsert(new, now=NOW) == 2
    assert cursor2["INBOX"]["uid"] == 4


async def test_message_maps_to_a_sanitised_threaded_interaction(mail_server, mail_user):
    hostile = (
        b"From: =?utf-8?q?Evil=1B]0;pwn=07_Corp?= <evil@example.org>\r\n"
        b"To: shop@sfogo.test\r\n"
        b"Subject: =?utf-8?q?Caff=C3=A8_=1B[2J_offer?=\r\n"
        b"Message-ID: <hostile@example.org>\r\n"
        b"In-Reply-To: <m1@example.org>\r\n"
        b"References: <root@example.org> <m1@example.org>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=XX\r\n\r\n"
        b"--XX\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>the html version</p>\r\n"
        b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Plain =E2=9C=93 text \x1b[31mred\x1b[0m =E2=80=AEevil\r\n--XX--\r\n"
    )
    html_only = (
        b"From: news@example.org\r\nSubject: Newsletter\r\nMessage-ID: <html@example.org>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><body>\r\n<h1>Big news</h1>\r\n<p>Read <b>this</b><br>\r\nnow</p>"
        b"<script>x()</script></body></html>\r\n"
    )
    no_id = b"From: someone@example.org\r\nSubject: no id\r\n\r\nbody\r\n"
    ours = message(9, sender=f"Studio <{mail_user}@{DOMAIN}>")
    mail_server.deliver(mail_user, hostile, html_only, no_id, ours, when=NOW)
    items, _, _ = await drain(connector(mail_server, mail_user), {})
    by_id = {i.external_id: i for i in items}
    item = by_id["hostile@example.org"]
    assert item.kind == "email" and item.created_at == NOW  # when the server received it
    assert item.text == (
        "Caff\u00e8 \ufffd[2J offer\n\nPlain \u2713 text \ufffd[31mred\ufffd[0m \ufffdevil"
    )
    assert item.author_name == "Evil\ufffd]0;pwn\ufffd Corp"
    assert item.author_handle == "evil@example.org"
    assert item.parent_ref == "m1@example.org" and item.thread_ref == "root@example.org"
    assert not item.outgoing and item.url == ""
    assert by_id["html@example.org"].text == "Newsletter\n\nBig news\n\nRead this\nnow"
    assert by_id["html@example.org"].thread_ref == "html@example.org"
    synthetic = [i for i in items if i.external_id.endswith("@no-message-id.invalid")]
    assert len(synthetic) == 1 and synthetic[0].text == "no id\n\nbody"
    assert by_id["m9@example.org"].outgoing


async def test_reply_has_threading_headers_and_is_found_again(mail_server, mail_user):
    channel = connector(mail_server, mail_user)
    mail_server.deliver(
        mail_user,
        message(
            2,
            subject="Re: Order 1234",
            msgid="<m2@example.org>",
            In_Reply_To="<m1@example.org>",
            References="<root@example.org> <m1@example.org>",
            Reply_To="orders@example.org",
        ),
    )
    items, cursor, _ = await drain(channel, {})
    parent = row(items[0])
    sent_before = len(mail_server.smtp.messages)
    reply_id = await channel.send_reply(parent, "We ship tomorrow.", key="reply-key-1")
    mail_from, rcpts, raw = mail_server.smtp.messages[sent_before]
    sent = email.message_from_bytes(raw, policy=email.policy.default)
    assert sent["In-Reply-To"] == "<m2@example.org>"
    assert sent["References"] == "<root@example.org> <m1@example.org> <m2@example.org>"
    assert sent["Subject"] == "Re: Order 1234"  # not "Re: Re:"
    assert sent["Message-ID"] == f"<{reply_id}>" and reply_id.endswith(f"@{DOMAIN}")
    assert sent["To"] == "orders@example.org"  # Reply-To wins over From
    assert sent.get_content().strip() == "We ship tomorrow."
    assert mail_from == f"{mail_user}@{DOMAIN}"
    assert rcpts == ["orders@example.org", f"{mail_user}@{DOMAIN}"]  # a copy to ourselves
    # The reply key always gives the same Message-ID, so the reply can be found again.
    assert channel.reply_message_id("reply-key-1") == reply_id
    assert await channel.find_reply(parent, "We ship tomorrow.", key="reply-key-1") == reply_id
    assert await channel.find_reply(parent, "We ship tomorrow.", key="another-key") is None
    # Our copy comes back in the next sync as our own message in the thread.
    new, _, _ = await drain(channel, cursor)
    assert [(i.external_id, i.parent_ref, i.thread_ref, i.outgoing) for i in new] == [
        (reply_id, "m2@example.org", "root@example.org", True)
    ]


async def test_reply_when_the_original_is_gone_uses_what_the_inbox_knows(mail_server, mail_user):
    parent = {
        "external_id": "gone@example.org",
        "thread_ref": "root@example.org",
        "parent_ref": "mid@example.org",
        "text": "Invoice question\n\nhello",
        "author_handle": "ana@example.org",
    }
    sent_before = len(mail_server.smtp.messages)
    await connector(mail_server, mail_user).send_reply(parent, "Sent it.", key="k-gone")
    sent = email.message_from_bytes(
        mail_server.smtp.messages[sent_before][2], policy=email.policy.default
    )
    assert sent["To"] == "ana@example.org" and sent["Subject"] == "Re: Invoice question"
    assert sent["References"] == "<root@example.org> <mid@example.org> <gone@example.org>"


def test_reply_subject_adds_one_re():
    assert reply_subject("Order 12") == "Re: Order 12"
    assert reply_subject("RE: Order 12") == "RE: Order 12"
    assert reply_subject("Re[2]: Order 12") == "Re[2]: Order 12"
    assert reply_subject("Recipe for cake") == "Re: Recipe for cake"


@pytest.mark.parametrize(
    ("command", "answer", "outcome"),
    [
        ("RCPT", "550 5.7.1 Relaying denied", "held"),
        ("DATA", "554 5.7.1 Message rejected as spam", "held"),
        ("MAIL", "451 4.3.0 Try again later", "down"),
        ("MAIL", "421 4.7.0 Too busy, closing", "down"),
        ("RCPT", "454 4.7.0 Temporary authentication failure", "auth"),
    ],
)
async def test_smtp_refusals_are_classified(mail_server, mail_user, command, answer, outcome):
    mail_server.smtp.fail[command] = answer
    parent = {"external_id": "p@example.org", "text": "Hi", "author_handle": "ana@example.org"}
    sent_before = len(mail_server.smtp.messages)
    channel = connector(mail_server, mail_user)
    if outcome == "held":
        with pytest.raises(HoldReply, match=answer[:3]):
            await channel.send_reply(parent, "hello", key="k")
    else:
        with pytest.raises(ChannelError) as err:
            await channel.send_reply(parent, "hello", key="k")
        assert err.value.outcome == outcome and err.value.code == int(answer[:3])
    assert len(mail_server.smtp.messages) == sent_before


async def test_smtp_wrong_password_is_auth(mail_server, mail_user):
    channel = connector(
        mail_server, mail_user, smtp_url=f"smtp://nobody@127.0.0.1:{mail_server.smtp_port}"
    )
    parent = {"external_id": "p@example.org", "text": "Hi", "author_handle": "ana@example.org"}
    with pytest.raises(ChannelError) as err:
        await channel.send_reply(parent, "hello", key="k")
    assert err.value.outcome == "auth" and err.value.code == 535


async def test_imap_wrong_password_is_auth_and_a_stopped_server_offline(mail_server, mail_user):
    with pytest.raises(ChannelError) as err:
        await drain(connector(mail_server, mail_user, password="wrong"), {})
    assert err.value.outcome == "auth" and err.value.code == "AUTHENTICATIONFAILED"
    assert "wrong" not in err.value.detail
    stopped = f"imap://127.0.0.1:{free_port()}"  # nothing listens there any more
    with pytest.raises(ChannelError) as err:
        await drain(connector(mail_server, mail_user, url=stopped), {})
    assert err.value.outcome == "offline"


@pytest.mark.parametrize(
    ("greeting", "login", "outcome"),
    [
        ("* OK ready", "NO [UNAVAILABLE] Maintenance, try later", "down"),
        ("* OK ready", "NO [LIMIT] Too many connections", "rate_limited"),
        ("* OK ready", "NO [CONTACTADMIN] Account disabled", "blocked"),
        ("* OK ready", "NO [EXPIRED] Password expired", "auth"),
        ("* OK ready", "NO Login failed", "auth"),
        ("* BYE [UNAVAILABLE] Server shutting down", "", "down"),
        (None, "", "down"),  # says nothing: the client times out
        ("HTTP/1.1 400 Bad Request", "", "broken"),  # not an IMAP server at all
    ],
)
async def test_imap_failures_are_classified_by_response_code(mail_server, greeting, login, outcome):
    with ScriptedIMAP(greeting, login) as fake:
        channel = connector(mail_server, "m00", url=fake.url, timeout=0.3)
        with pytest.raises(ChannelError) as err:
            await drain(channel, {})
    assert err.value.outcome == outcome
    if outcome == "rate_limited":
        assert err.value.retry_at == NOW + email_channel.LIMIT_WAIT


async def test_a_renumbered_mailbox_is_read_again(mail_server, mail_user, store):
    mail_server.create(mail_user, "Clients")
    channel = connector(mail_server, mail_user, mailboxes=["INBOX", "Clients"])
    client = store.clients.add("Shop", now=NOW)
    channel.account.id = store.accounts.add(client.id, "email", mail_user, now=NOW).id
    old = [message(n) for n in range(3)]
    mail_server.deliver(mail_user, *old, mailbox="Clients")
    items, cursor, pages = await drain(channel, {})
    assert store.items.upsert(items, now=NOW) == 3
    assert [p.more for p in pages] == [True, False]  # one page per mailbox
    # The server rebuilds the mailbox: same messages, new UIDs, new UIDVALIDITY.
    mail_server.recreate(mail_user, "Clients")
    mail_server.deliver(mail_user, *old, message(3), message(4), mailbox="Clients")
    again, cursor2, pages = await drain(channel, cursor)
    assert cursor2["Clients"]["uidvalidity"] != cursor["Clients"]["uidvalidity"]
    assert "UIDVALIDITY" in pages[-1].lost and "Clients" in pages[-1].lost
    assert {i.external_id for i in again} == {f"m{n}@example.org" for n in range(5)}
    assert store.items.upsert(again, now=NOW) == 2  # nothing stored twice
    quiet, _, pages = await drain(channel, cursor2)
    assert quiet == [] and all(p.lost == "" for p in pages)


async def test_check_counts_the_mailboxes(mail_server, mail_user):
    mail_server.deliver(mail_user, message(1))
    line = await connector(mail_server, mail_user).check()
    assert mail_user in line and "INBOX 1 messages" in line


def _raw(*headers: str, body: str = "Hello, about my order.") -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"{head}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}\r\n".encode()


async def test_each_header_missing_in_turn_still_lands_nothing_is_skipped(mail_server, mail_user):
    full = ("From: Giulia <giulia@example.org>", "Subject: Order 7", "Date: Fri, 20 Nov 2026")
    mail_server.deliver(
        mail_user,
        _raw(*full, "Message-ID: <first@example.org>"),
        _raw(*full[:2], "Message-ID: <no-date@example.org>"),  # the arrival time stands
        _raw(*full[1:], "Message-ID: <no-from@example.org>"),  # unknown author
        _raw(full[0], "Message-ID: <bare@example.org>", body=""),  # no subject, no text
        _raw(*full, "In-Reply-To: <gone@example.org>", "Message-ID: <orphan@example.org>"),
        _raw(*full),  # no Message-ID: a hash of the headers names it
        when=NOW - 60,
    )

    items, cursor, pages = await drain(connector(mail_server, mail_user), {})

    by_id = {i.external_id: i for i in items}
    assert len(items) == 6 and skipped(pages) == {} and cursor["INBOX"]["uid"] == 6
    assert by_id["no-date@example.org"].created_at == NOW - 60
    anonymous = by_id["no-from@example.org"]
    assert (anonymous.author_name, anonymous.author_handle) == ("unknown", "")
    assert by_id["bare@example.org"].text == ""
    orphan = by_id["orphan@example.org"]
    assert (orphan.parent_ref, orphan.thread_ref) == ("gone@example.org", "gone@example.org")
    [hashed] = [i for i in items if i.external_id.endswith("@no-message-id.invalid")]
    again, _, _ = await drain(connector(mail_server, mail_user), {})
    assert hashed.external_id in {i.external_id for i in again}  # the same name every time
