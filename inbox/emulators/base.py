"""A small threaded HTTP server on 127.0.0.1 with routes and injectable faults.

Built on the standard library's http.server. Two measured details matter (architecture.md):
Nagle's algorithm is disabled and headers and body go out in one write, otherwise every
request stalls ~44 ms on delayed ACKs.
"""
from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

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

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

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
    return Response(status, json.dumps(obj).encode(), {"Content-Type": "application/json",
                                                        **(headers or {})})


def html_response(body: bytes = MAINTENANCE_HTML, status: int = 503,
                  headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, {"Content-Type": "text/html; charset=utf-8", **(headers or {})})


FAULT_KINDS = ("down", "slow", "rate_limited", "expired", "blocked", "malformed", "reset",
               "offline")


class Faults:
    """Faults to inject: each kind with how many requests it still affects (None: forever)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, dict] = {}

    def set(self, kind: str, *, count: int | None = None, paths: str | None = None,
            **params) -> None:
        """Fail the next ``count`` requests (all if None) whose path matches ``paths``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._active[kind] = {"count": count, "paths": re.compile(paths) if paths else None,
                                  **params}

    def clear(self, kind: str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._active.clear()
            else:
                self._active.pop(kind, None)

    def take(self, path: str) -> tuple[str, dict] | None:
        """The fault that applies to this request, consuming one of its count."""
        with self._lock:
            for kind, spec in list(self._active.items()):
                if spec["paths"] is not None and not spec["paths"].search(path):
                    continue
                if spec["count"] is not None:
                    spec["count"] -= 1
                    if spec["count"] <= 0:
                        del self._active[kind]
                return kind, spec
        return None


Handler = Callable[[Request], Response]


class Emulator:
    """Base of every platform emulator: subclasses register routes with :meth:`route`.

    Subclasses override :meth:`fault_response` for the platform's own shapes of the
    rate-limit, expired-token and blocked errors.
    """

    platform = "generic"

    def __init__(self) -> None:
        self.faults = Faults()
        self.requests: list[Request] = []  # every request received, for assertions
        self.slow_seconds = 30.0
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None
        self.lock = threading.RLock()  # guards the emulator's data between request threads

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

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
            return Response(200, b'{"data": [{"id": "1", "text": "trunc', {"Content-Type": "application/json"})
        raise ValueError(kind)

    # -- serving -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
        fault = self.faults.take(request.path)
        if fault is not None:
            kind, spec = fault
            if kind == "slow":
                time.sleep(spec.get("seconds", self.slow_seconds))
            elif kind == "reset":
                response = self._route(request)
                response.cut_after = max(1, len(response.body) // 2)
                return response
            else:
                return self.fault_response(kind, spec, request)
        return self._route(request)

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
                request = Request(self.command, parts.path,
                                  parse_qs(parts.query, keep_blank_values=True),
                                  {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    response = emulator.dispatch(request)
                except Exception as exc:  # an emulator bug shows as a 500, not a hang
                    response = json_response({"error": f"emulator: {exc!r}"}, 500)
                head = [f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}"]
                headers = {"Content-Length": str(len(response.body)), **response.headers}
                head += [f"{k}: {v}" for k, v in headers.items()]
                raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body
                if response.cut_after is not None:
                    cut = len(raw) - len(response.body) + response.cut_after
                    self.wfile.write(raw[:cut])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(raw)  # headers and body in one write

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f"emulator-{self.platform}", daemon=True)
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving: afterwards connections are refused (the 'offline' case)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
