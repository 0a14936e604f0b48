"""A small threaded HTTP server on 127.0.0.1 with routes and injectable faults.

Built on the standard library's http.server. Two measured details matter:
Nagle's algorithm is disabled and headers and body go out in one write, otherwise every
request stalls ~44 ms on delayed ACKs.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, overload
from urllib.parse import parse_qs, urlsplit

from sfogo.inbox.clock import Clock, SystemClock

# What an emulator takes as its clock: a Clock, a callable returning epoch seconds, or None
# (the machine's clock, for the live demo and the benchmarks' server).
TimeSource = Clock | Callable[[], float] | None


def time_source(clock: TimeSource) -> Callable[[], float]:
    """A callable returning the time (epoch seconds, float) from any :data:`TimeSource`."""
    if clock is None:
        return SystemClock().time
    return clock.time if hasattr(clock, "time") else clock


MAINTENANCE_HTML = (
    b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
    b"<body><h1>We&rsquo;ll be back soon</h1><p>Scheduled maintenance.</p></body></html>"
)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the route
    received_at: float = 0.0  # on the emulator's clock

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    @overload
    def arg(self, name: str) -> str | None: ...
    @overload
    def arg(self, name: str, default: str) -> str: ...
    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Fault "reset": send the headers and this many body bytes, then drop the connection.
    cut_after: int | None = None


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def html_response(
    body: bytes = MAINTENANCE_HTML, status: int = 503, headers: dict[str, str] | None = None
) -> Response:
    return Response(status, body, {"Content-Type": "text/html; charset=utf-8", **(headers or {})})


# partial: the request is answered as usual, in a shape the platform really sends and the
# generated data never would (entries without ids, times, authors: see recorded.py).
# answer: the request is not handled; the answer is ``spec["status"]`` with the JSON body
# ``spec["body"]`` (an error shape a platform was seen to send, e.g. one quoting the token).
# stall: the request is handled (a reply is created), then the answer waits for
# ``spec["release"]`` (a threading.Event) after setting ``spec["received"]``: a client killed
# in between saw nothing although the server accepted. offline: the server stops listening
# (connections are refused) until the fault is cleared; ``count`` and ``paths`` do not apply.
FAULT_KINDS = (
    "down",
    "slow",
    "rate_limited",
    "expired",
    "blocked",
    "malformed",
    "reset",
    "offline",
    "stall",
    "partial",
    "answer",
)
# Faults of a platform's queue of scheduled posts (emulators/_queue.py), not of requests:
# drop_scheduled (the queue silently loses posts), stall_publish (due posts stay queued),
# publish_late (posts go out ``seconds`` after their time). They take ``match`` (a regex on
# the post's text) instead of ``paths``, and requests never answer with them.
QUEUE_FAULTS = ("drop_scheduled", "stall_publish", "publish_late")


class Faults:
    """Faults to inject: each kind with how many requests it still affects (None: forever)."""

    def __init__(
        self,
        on_offline: Callable[[bool], None] | None = None,
        reads: Callable[[dict], str | None] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, dict] = {}
        self._on_offline = on_offline
        self._reads = reads  # the paths a "partial" fault applies to, unless told

    def set(
        self,
        kind: str,
        *,
        count: int | None = None,
        paths: str | None = None,
        after: int = 0,
        **params,
    ) -> None:
        """Fail the next ``count`` requests (all if None) whose path matches ``paths``,
        letting the first ``after`` of them through."""
        if kind not in FAULT_KINDS and kind not in QUEUE_FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        if kind == "offline":
            if self._on_offline is not None:
                self._on_offline(True)
            return
        if kind == "partial" and paths is None and self._reads is not None:
            paths = self._reads(params)
        with self._lock:
            self._active[kind] = {
                "count": count,
                "paths": re.compile(paths) if paths else None,
                "after": after,
                **params,
            }

    def clear(self, kind: str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._active.clear()
            else:
                self._active.pop(kind, None)
        if kind in (None, "offline") and self._on_offline is not None:
            self._on_offline(False)

    def take(self, path: str) -> tuple[str, dict] | None:
        """The fault that applies to this request, consuming one of its count."""
        with self._lock:
            for kind, spec in list(self._active.items()):
                if kind in QUEUE_FAULTS:
                    continue
                if spec["paths"] is not None and not spec["paths"].search(path):
                    continue
                if spec["after"] > 0:
                    spec["after"] -= 1
                    continue
                if spec["count"] is not None:
                    spec["count"] -= 1
                    if spec["count"] <= 0:
                        del self._active[kind]
                return kind, spec
        return None

    def peek(self, kind: str) -> dict | None:
        """The active fault of ``kind`` (a queue fault), without using it up."""
        with self._lock:
            spec = self._active.get(kind)
            return dict(spec) if spec is not None else None

    def spend(self, kind: str) -> None:
        """One use of a counted fault of ``kind`` (a queue fault dropped one post)."""
        with self._lock:
            spec = self._active.get(kind)
            if spec is not None and spec["count"] is not None:
                spec["count"] -= 1
                if spec["count"] <= 0:
                    del self._active[kind]


Handler = Callable[[Request], Response]


class RateWindow:
    """A fixed-window request budget per key (a token, an IP), on the emulator's clock."""

    def __init__(self, limit: int, period: int, clock: Callable[[], float]) -> None:
        self.limit, self.period, self.clock = limit, period, clock
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window start, used)
        self._lock = threading.Lock()

    def hit(self, key: str) -> tuple[bool, int, int]:
        """Count one request; return (allowed, remaining, reset epoch seconds)."""
        now = int(self.clock())
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            if now >= start + self.period:
                start, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._windows[key] = (start, used)
        return allowed, self.limit - used, start + self.period

    def exhaust(self, key: str) -> None:
        """Use up the current window (a 429 until it resets)."""
        now = int(self.clock())
        with self._lock:
            start, _ = self._windows.get(key, (now, 0))
            if now >= start + self.period:
                start = now
            self._windows[key] = (start, self.limit)


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class Emulator:
    """Base of every platform emulator: subclasses register routes with :meth:`route`.

    Subclasses override :meth:`fault_response` for the platform's own shapes of the
    rate-limit, expired-token and blocked errors.
    """

    platform = "generic"

    def __init__(self, *, clock: TimeSource = None) -> None:
        self.faults = Faults(on_offline=self._set_offline, reads=self._partial_reads)
        self.requests: list[Request] = []  # every request received, for assertions
        self.slow_seconds = 30.0
        # Data timestamps, rate windows, token expiry (tests pass a manual clock).
        self.clock = time_source(clock)
        self._stopping = threading.Event()  # wakes "slow" and "stall" waits on stop()
        self._connections: set[socket.socket] = set()
        self._offline = False  # stopped by the "offline" fault
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self.lock = threading.RLock()  # guards the emulator's data between request threads

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    # -- the live demo (``sfogo demo --live``, tui/demo/live.py) ----------------------------

    def live_accounts(self) -> list[dict]:
        """Create accounts with generated items (call after :meth:`start`); return, per
        account: ``channel``, ``handle``, ``url`` (this emulator's base URL), ``secret`` and
        ``secret_kind`` ("token" or "password"), ``owner`` (passed back to
        :meth:`add_live_items`) and optionally ``settings`` (e.g. ``{"user": ...}``).
        An emulator that returns [] takes no part in the live demo."""
        return []

    def add_live_items(self, owner, count: int) -> None:
        """``count`` new items for the account ``owner`` arrive now."""

    # -- faults --------------------------------------------------------------------------

    def fault_response(self, kind: str, spec: dict, request: Request) -> Response:
        """The platform's answer for an injected fault (override for platform shapes)."""
        if kind == "down":
            return html_response(headers={"Retry-After": "600"})
        if kind == "rate_limited":
            return json_response({"error": "Too many requests"}, 429)
        if kind == "expired":
            return json_response({"error": "The access token expired"}, 401)
        if kind == "blocked":
            return json_response({"error": "Your login is currently disabled"}, 403)
        if kind == "malformed":
            return Response(
                200, b'{"data": [{"id": "1", "text": "trunc', {"Content-Type": "application/json"}
            )
        if kind == "answer":
            return json_response(spec.get("body"), spec.get("status", 400))
        raise ValueError(kind)

    def _partial_reads(self, spec: dict) -> str | None:
        from . import recorded

        return recorded.reads(self.platform, spec)

    # -- serving -------------------------------------------------------------------------

    def tick(self) -> None:
        """Let time act before a request is answered (queues publish what is due)."""

    def dispatch(self, request: Request) -> Response:
        request.received_at = self.clock()
        with self.lock:
            self.requests.append(request)
            self.tick()
        fault = self.faults.take(request.path)
        if fault is not None:
            kind, spec = fault
            if kind == "slow":
                self._stopping.wait(spec.get("seconds", self.slow_seconds))
            elif kind == "stall":
                response = self._route(request)
                if "received" in spec:
                    spec["received"].set()
                if "release" in spec:
                    spec["release"].wait(spec.get("seconds", 60))
                return response
            elif kind == "reset":
                response = self._route(request)
                response.cut_after = max(1, len(response.body) // 2)
                return response
            elif kind == "partial":
                from . import recorded

                return recorded.reshape(self.platform, request, self._route(request), spec)
            else:
                return self.fault_response(kind, spec, request)
        return self._route(request)

    def requests_to(self, pattern: str, method: str | None = None) -> list[Request]:
        """Requests received whose path matches ``pattern`` (a regex), for assertions."""
        rx = re.compile(pattern)
        with self.lock:
            return [
                r
                for r in self.requests
                if rx.search(r.path) and (method is None or r.method == method)
            ]

    def _route(self, request: Request) -> Response:
        for method, pattern, handler in self._routes:
            if method != request.method:
                continue
            match = pattern.match(request.path)
            if match:
                request.params = match.groupdict()
                return handler(request)
        return json_response({"error": "Record not found"}, 404)

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1 (a free port by default); return the base URL."""
        emulator = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                try:
                    response = emulator.dispatch(request)
                except Exception as exc:  # an emulator bug shows as a 500, not a hang
                    response = json_response({"error": f"emulator: {exc!r}"}, 500)
                head = [
                    f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}"
                ]
                headers = {"Content-Length": str(len(response.body)), **response.headers}
                head += [f"{k}: {v}" for k, v in headers.items()]
                raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
                try:
                    if response.cut_after is not None:
                        cut = len(raw) - len(response.body) + response.cut_after
                        self.wfile.write(raw[:cut])
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    self.wfile.write(raw)  # headers and body in one write
                except OSError:  # the client went away (killed, timed out): nothing to tell
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        connections = self._connections

        class _Server(ThreadingHTTPServer):
            daemon_threads = True

            def process_request(self, request, client_address):
                connections.add(request)
                super().process_request(request, client_address)

            def shutdown_request(self, request):
                connections.discard(request)
                super().shutdown_request(request)

            def handle_error(self, request, client_address):  # a dropped client is not news
                pass

        self._stopping.clear()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self.port = self._server.server_address[1]
        # A short poll interval makes stop() (and the offline fault) take ~20 ms, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.02,),
            name=f"emulator-{self.platform}",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving: afterwards connections are refused (the 'offline' case).

        Open keep-alive connections are cut too, or a client's pooled connection would
        still reach the stopped server.
        """
        if self._server is not None:
            self._stopping.set()
            self._server.shutdown()
            self._server.server_close()
            for conn in list(self._connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()
            self._server = None

    def _set_offline(self, offline: bool) -> None:
        """The 'offline' fault: stop listening; clearing it serves again on the same port
        (only if the fault stopped it: an emulator a test stopped stays stopped)."""
        if offline and self._server is not None:
            self.stop()
            self._offline = True
        elif not offline and self._offline and self.port is not None:
            self._offline = False
            self.start(self.port)

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
