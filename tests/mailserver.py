"""A real mail system on loopback for the e-mail tests: Dovecot (IMAP) and aiosmtpd (SMTP).

Dovecot comes from Debian's ``dovecot-imapd`` (``.ci/run`` installs it); the fixture writes
a throwaway configuration into a temporary folder (plaintext test passwords in a
passwd-file, ``ssl = no``, maildirs under the folder, logging to a file), runs ``dovecot -F``
on a free loopback port and stops it at the end of the session. Without Dovecot the e-mail
tests are skipped with the reason.

The SMTP server is aiosmtpd with AUTH (the same users and passwords). It records every
message it accepts and delivers it, by IMAP APPEND, to the INBOX of each recipient that
is one of the test users, so a reply sent with a copy to ourselves can be found again.
It can be told to answer a command with an SMTP error (``smtp.fail["RCPT"] = "550 ..."``).
"""

from __future__ import annotations

import asyncio
import grp
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import NOW

DOMAIN = "sfogo.test"
PASSWORD = "imap-test-pw"
USERS = 40  # created up front: passwd-file reloads go by mtime, which is too coarse
CLOCK_ENV = (
    "LD_PRELOAD",
    "FAKETIME",
    "FAKETIME_DONT_FAKE_MONOTONIC",
    "FAKETIME_FORCE_MONOTONIC_FIX",
)


def dovecot_binary() -> str | None:
    found = shutil.which("dovecot")
    if found:
        return found
    return "/usr/sbin/dovecot" if os.access("/usr/sbin/dovecot", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_greeting(port: int, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Wait until the IMAP server ``proc`` greets on ``port``.

    Nothing announces that Dovecot listens but a greeting, so this tries to connect; between
    tries it waits on the process itself, so an exit is noticed at once, and it gives up
    after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            pass
        try:
            code = proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"dovecot exited with {code}")
    raise RuntimeError(f"nothing answered on port {port} after {timeout} s")


def _config(root: Path, port: int, uid: int, gid: int) -> str:
    if os.geteuid() == 0:
        # Dovecot refuses to run its login processes as root and mail as uid 0: as root,
        # keep its packaged service users and let mail run as the unprivileged ``uid``.
        users, chroot = "", ""
    else:
        me = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        users = (
            f"default_internal_user = {me}\ndefault_internal_group = {group}\n"
            f"default_login_user = {me}\n"
        )
        chroot = "  chroot =\n"  # only root may chroot
    # Dovecot gives its own processes a clean environment. When the suite runs with the
    # machine's clock moved (.ci/clock-moved preloads libfaketime), the whole server runs on
    # that clock, not only its master process.
    moved = " ".join(name for name in CLOCK_ENV if name in os.environ)
    return f"""\
import_environment = TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET {moved}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 500)}
{users}
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# No growing delay after the tests' deliberate wrong passwords (Dovecot's auth penalty).
service anvil {{
{chroot}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
"""


@dataclass
class SMTPRecorder:
    """aiosmtpd handler: keeps what it accepted, delivers to local test users."""

    server: MailServer
    messages: list = field(default_factory=list)  # (mail_from, rcpt_tos, raw bytes)
    fail: dict = field(default_factory=dict)  # SMTP command -> reply line, e.g. "550 5.7.1 no"
    # The next message is accepted and delivered, then the answer to DATA waits for
    # ``stall["release"]`` after setting ``stall["received"]`` (a client killed meanwhile).
    stall: dict | None = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if "MAIL" in self.fail:
            return self.fail["MAIL"]
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "RCPT" in self.fail:
            return self.fail["RCPT"]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if "DATA" in self.fail:
            return self.fail["DATA"]
        raw = envelope.original_content or envelope.content
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), raw))
        for rcpt in envelope.rcpt_tos:
            user, _, domain = rcpt.partition("@")
            if domain == DOMAIN and user in self.server.users:
                self.server.deliver(user, raw)
        stall, self.stall = self.stall, None
        if stall is not None:
            stall["received"].set()
            await asyncio.to_thread(stall["release"].wait, 60)
        return "250 2.0.0 Message accepted for delivery"


class MailServer:
    """One Dovecot and one aiosmtpd on loopback, with test users ``m01``…"""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="sfogo-dovecot-"))
        self.imap_port = free_port()
        self.smtp_port = free_port()
        self.users = [f"m{n:02d}" for n in range(1, USERS + 1)]
        self._fresh = itertools.count()
        self._lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.smtp = SMTPRecorder(self)
        self._controller = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        root = self.root
        os.chmod(root, 0o755)  # the mail processes run as another user when we are root
        for sub in ("run", "state", "home"):
            (root / sub).mkdir()
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam("nobody")
                uid, gid = entry.pw_uid, entry.pw_gid
            except KeyError:
                uid = gid = 65534
        else:
            uid, gid = os.geteuid(), os.getegid()
        lines = []
        for user in self.users:
            home = root / "home" / user
            home.mkdir()
            if os.geteuid() == 0:
                os.chown(home, uid, gid)
            lines.append(f"{user}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::")
        (root / "passwd").write_text("\n".join(lines) + "\n")
        conf = root / "dovecot.conf"
        conf.write_text(_config(root, self.imap_port, uid, gid))
        # What Dovecot says before its log is open goes to a file: a pipe nobody reads fills.
        with (root / "dovecot.stderr").open("wb") as errors:
            self.proc = subprocess.Popen(
                [self.binary, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=errors
            )
        try:
            wait_for_greeting(self.imap_port, self.proc)
        except RuntimeError as exc:
            said = ""
            for name in ("dovecot.stderr", "dovecot.log"):
                if (root / name).exists():
                    said += (root / name).read_text(errors="replace")[-2000:]
            self.stop()
            raise RuntimeError(f"{exc}; dovecot said:\n{said}") from None
        self._start_smtp()

    def _start_smtp(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        server = self

        def authenticator(smtp, session, envelope, mechanism, data):
            ok = (
                isinstance(data, LoginPassword)
                and data.login.decode() in server.users
                and data.password.decode() == PASSWORD
            )
            return AuthResult(success=ok, handled=False)  # handled=True would send no reply

        self._controller = Controller(
            self.smtp,
            hostname="127.0.0.1",
            port=self.smtp_port,
            authenticator=authenticator,
            auth_require_tls=False,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers for tests -----------------------------------------------------------------

    def new_user(self) -> str:
        """A user nobody else in this session has touched (a clean mailbox)."""
        n = next(self._fresh)
        if n >= len(self.users):
            raise RuntimeError(f"more than {USERS} mail users asked for: raise USERS")
        return self.users[n]

    @staticmethod
    def address(user: str) -> str:
        return f"{user}@{DOMAIN}"

    def imap(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def deliver(self, user: str, *raws: bytes, mailbox: str = "INBOX", when: float = NOW) -> None:
        """Put messages into ``user``'s mailbox the way a delivery agent would (APPEND),
        arriving ``when`` (the tests' NOW: the e-mail tests' clocks stand there)."""
        conn = self.imap(user)
        try:
            date = imaplib.Time2Internaldate(when)
            for raw in raws:
                typ, data = conn.append(mailbox, None, date, raw)
                if typ != "OK":
                    raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            conn.logout()

    def recreate(self, user: str, mailbox: str) -> None:
        """Delete and create a mailbox again: the server gives it a new UIDVALIDITY."""
        conn = self.imap(user)
        try:
            conn.delete(mailbox)
            conn.create(mailbox)  # Dovecot never reuses a UIDVALIDITY
        finally:
            conn.logout()

    def create(self, user: str, mailbox: str) -> None:
        conn = self.imap(user)
        try:
            conn.create(mailbox)
        finally:
            conn.logout()


@pytest.fixture(scope="session")
def mail_server():
    binary = dovecot_binary()
    if binary is None:
        pytest.skip(
            "Dovecot is not installed (apt-get install dovecot-imapd): "
            "the e-mail tests need a real IMAP server"
        )
    server = MailServer(binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_user(mail_server):
    """A fresh mail user (its own empty maildir) for one test."""
    mail_server.smtp.fail.clear()
    mail_server.smtp.stall = None
    return mail_server.new_user()


class ScriptedIMAP:
    """A loopback socket that plays an IMAP server's lines, for failures Dovecot won't show.

    ``greeting`` is sent on connect (None: send nothing, a server that hangs); CAPABILITY
    is answered; LOGIN gets ``login`` (e.g. ``"NO [UNAVAILABLE] try later"``).
    """

    def __init__(
        self,
        greeting: str | None = "* OK [CAPABILITY IMAP4rev1] ready",
        login: str = "OK logged in",
    ) -> None:
        self.greeting, self.login = greeting, login
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"imap://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        try:
            if self.greeting is None:
                return  # say nothing: the client's timeout has to fire
            conn.sendall(self.greeting.encode() + b"\r\n")
            for line in conn.makefile("rb"):
                tag, _, rest = line.decode().strip().partition(" ")
                command = rest.split(" ", 1)[0].upper()
                if command == "CAPABILITY":
                    conn.sendall(f"* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n".encode())
                elif command == "LOGIN":
                    conn.sendall(f"{tag} {self.login}\r\n".encode())
                elif command == "LOGOUT":
                    conn.sendall(f"* BYE bye\r\n{tag} OK done\r\n".encode())
                    return
                else:
                    conn.sendall(f"{tag} BAD unknown\r\n".encode())
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()
        for conn in self._conns:
            conn.close()

    def __enter__(self) -> ScriptedIMAP:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
