"""A real PostgreSQL server on loopback for the tests and the benchmarks.

PostgreSQL comes from Debian's packages (``.ci/run`` installs ``postgresql``). The fixture
runs ``initdb`` into a temporary folder, starts ``postgres`` on a free loopback port with a
throwaway configuration (fsync off, small buffers, its unix socket in the folder, logging
to a file) once per test session, and stops it at the end. The server refuses to run as
root, so under root (CI) both run as Debian's ``postgres`` system user through ``runuser``.

Logins are ``trust`` on loopback: the tests' roles connect by name, as a member of an
agency would through their own role (row-level security is about which role, not how it
proved itself). Each test gets a fresh database: :meth:`LocalServer.new_database`.
"""

from __future__ import annotations

import concurrent.futures
import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# What must not reach the server: the moved clock of .ci/clock-moved (libfaketime).
CLOCK_ENV = (
    "LD_PRELOAD",
    "FAKETIME",
    "FAKETIME_DONT_FAKE_MONOTONIC",
    "FAKETIME_FORCE_MONOTONIC_FIX",
)
SUPERUSER = "sfogo_admin"


def postgres_bindir() -> Path | None:
    """The newest installed server's binaries (Debian keeps them per major version)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    which = shutil.which("postgres")
    return Path(which).parent if which else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalServer:
    """One throwaway PostgreSQL server; :meth:`start`, then URLs, then :meth:`stop`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="sfogo-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self._names = itertools.count(1)
        # Root may not run the server: Debian's postgres user does, in a folder it owns.
        self.user = "postgres" if os.geteuid() == 0 else None

    def _as_owner(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", self.user, "--", *args] if self.user else args

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in CLOCK_ENV}
        env["LC_ALL"] = "C.UTF-8"
        return env

    def start(self, timeout: float = 30.0) -> None:
        if self.user:
            owner = pwd.getpwnam(self.user)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        subprocess.run(
            self._as_owner(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            env=self._env(),
            timeout=120,
        )
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.folder),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "128MB",
            "max_connections": "200",
            "logging_collector": "off",
        }
        args = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for name, value in settings.items():
            args += ["-c", f"{name}={value}"]
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 (the server's lifetime)
        self.proc = subprocess.Popen(
            self._as_owner(args), stdout=log, stderr=log, env=self._env(), start_new_session=True
        )
        log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        """Until the server answers a login; an exit is noticed at once."""
        import psycopg

        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                psycopg.connect(self.url("postgres", SUPERUSER), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                pass
            try:
                code = self.proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError(f"postgres exited with {code}: {self.log_tail()}")
        raise RuntimeError(f"postgres did not answer within {timeout} s: {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return (self.folder / "server.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run statements as the server's superuser."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "t", *, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); its name."""
        name = f"{prefix}_{next(self._names)}"
        copy = f" TEMPLATE {template}" if template else ""
        self.admin(f"CREATE DATABASE {name}{copy}")
        return name

    def drop_database(self, name: str) -> None:
        """Drop a test's database, closing whatever connections it left open."""
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def psql(
        self, database: str, user: str, sql: str, timeout: float = 30
    ) -> subprocess.CompletedProcess:
        """``psql`` as ``user``: what a member sees with their own role, outside sfogo."""
        return subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                user,
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self._env(),
        )

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            pid = self._postmaster_pid()
            try:
                # Immediate shutdown: no checkpoint, the folder is thrown away next (a fast
                # one wrote every dirty buffer first, seconds at the end of each run).
                os.kill(pid or self.proc.pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


class Copies:
    """Copies of one template database for the tests, one at a time: the next copy is made,
    and a used one dropped, in a thread while a test runs (on two cores the server works
    then, not between the tests)."""

    def __init__(self, server: LocalServer, template: str, timeout: float = 60.0) -> None:
        self._server, self._template, self._timeout = server, template, timeout
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pg-copies")
        self._next = self._worker.submit(server.new_database, template=template)
        self._drops: list[concurrent.futures.Future] = []

    def take(self) -> str:
        """A fresh copy's name (made ahead; its making's error, if any, is raised here)."""
        name = self._next.result(self._timeout)
        self._next = self._worker.submit(self._server.new_database, template=self._template)
        return name

    def drop(self, name: str) -> None:
        """Drop a copy a test is done with, after the next one is made."""
        self._drops.append(self._worker.submit(self._server.drop_database, name))

    def close(self) -> None:
        """Drop the copy made ahead; wait for the thread's work to end (a drop that failed
        fails here)."""
        try:
            self.drop(self._next.result(self._timeout))
        finally:
            self._worker.shutdown(wait=True)
        for dropped in self._drops:
            dropped.result(0)
