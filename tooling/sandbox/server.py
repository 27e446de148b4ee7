"""The sandbox's HTTP server: threaded, HTTP/1.1 with keep-alive, able to drop connections.

Werkzeug's development server always answers ``Connection: close``; a sync sends tens of
thousands of requests, and a new TCP connection (and thread) per request would make the
sandbox slow and could run the machine out of ports. So the server is the standard library's
threading HTTP server with a small WSGI bridge that keeps connections open, answers with a
Content-Length in one write, and drains unread request bodies so the next request on the
connection parses cleanly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from tooling.sandbox.app import (
    PM_EMAIL,
    USER_EMAIL,
    DropConnection,
    SandboxApp,
    SandboxConfig,
)
from tooling.sandbox.store import Store

logger = logging.getLogger(__name__)

# Unread request bytes (an upload refused before it was read) are read and dropped, so the
# client gets its answer instead of a reset connection; only beyond this the connection closes.
MAX_DRAIN = 512 * 1024 * 1024
PERSIST_INTERVAL_S = 2.0


class _BoundedReader:
    """``wsgi.input``: at most Content-Length bytes of the connection."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self.left = length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._stream.read(size)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data

    def readline(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._stream.readline(size)
        self.left -= len(data)
        return data

    def drain(self) -> None:
        while self.left > 0 and self.read(64 * 1024):
            pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # per-request lines would swamp a benchmark; /_control/counters has the numbers

    def _run(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._answer(
                "411 Length Required", [("Content-Type", "text/plain")], b"Length Required"
            )
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._answer("400 Bad Request", [("Content-Type", "text/plain")], b"Bad Content-Length")
            return
        body = _BoundedReader(self.rfile, length)  # type: ignore[arg-type]
        raw_path, _sep, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(raw_path, encoding="latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(length),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": body,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key in set(self.headers.keys()):
            name = key.upper().replace("-", "_")
            if name not in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
                environ["HTTP_" + name] = ",".join(self.headers.get_all(key) or [])
        started: list[Any] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() callable; our app never uses it

        try:
            chunks = self.server.app(environ, start_response)
            try:
                payload = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except DropConnection:
            self._drop()
            return
        except Exception:
            logger.exception("facilioo sandbox: unhandled error")
            started[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
            payload = b"Internal Server Error"
        if body.left > MAX_DRAIN:
            self.close_connection = True
        else:
            body.drain()
        status, headers = started
        self._answer(status, headers, b"" if self.command == "HEAD" else payload)

    def _answer(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code, _sep, reason = status.partition(" ")
        self.send_response(int(code), reason or None)
        for key, value in headers:
            if key.lower() not in {"content-length", "connection", "transfer-encoding"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body in one write: two small writes meet Nagle and delayed ACKs.
        self._headers_buffer.append(b"\r\n" + payload)  # type: ignore[attr-defined]
        self.flush_headers()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _run


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # the default of 5 drops connection bursts from the worker pool

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (getfqdn), which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # the client went away; nothing to report
        logger.exception("facilioo sandbox: error on a connection")


@dataclass
class SandboxOptions:
    """How to start a sandbox. ``config`` holds what ``/_control`` can change later."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    password: str | None = None  # None: FACILIOO_SANDBOX_PASSWORD, else a random one
    state_file: Path | None = None  # keep the data across restarts
    fresh: bool = False  # start from the seed data even if state_file holds data
    store_content: bool = True  # keep uploaded bytes (size and sha256 are always kept)
    config: SandboxConfig = field(default_factory=SandboxConfig)
    accounts: int = 1  # property-management companies, two tenants each
    # Basic-auth password of /_control and the HTML page (user "sandbox"). None: none on
    # loopback; beyond it FACILIOO_SANDBOX_CONTROL_PASSWORD, else a random one.
    control_password: str | None = None
    # Seconds since the epoch as the sandbox sees them (token issue and expiry). Tests of the
    # sandbox in this process pass a clock they move on instead of waiting.
    clock: Callable[[], float] = time.time


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def generate_password() -> str:
    return secrets.token_urlsafe(12)


class SandboxServer:
    """A running sandbox: ``start()`` serves on a background thread, ``stop()`` ends it."""

    def __init__(self, options: SandboxOptions) -> None:

        self.options = options
        password = (
            options.password or os.environ.get("FACILIOO_SANDBOX_PASSWORD") or generate_password()
        )
        store = Store(store_content=options.store_content)
        if options.state_file is not None and options.state_file.exists() and not options.fresh:
            store.load(options.state_file)
        control_password = options.control_password
        if control_password is None and options.host not in LOOPBACK:
            control_password = (
                os.environ.get("FACILIOO_SANDBOX_CONTROL_PASSWORD") or generate_password()
            )
        self.control_password = control_password
        self.app = SandboxApp(
            password=password,
            store=store,
            config=options.config,
            accounts=options.accounts,
            control_password=control_password,
            clock=options.clock,
        )
        self.password = password
        self.email = PM_EMAIL
        self.user_email = USER_EMAIL
        self._httpd = _Server((options.host, options.port), self.app)
        self._thread: threading.Thread | None = None
        self._persister: threading.Thread | None = None
        self._stopping = threading.Event()
        self._saved_version = -1
        self._save_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = "127.0.0.1" if host in {"0.0.0.0", ""} else host  # noqa: S104 (display only)
        return f"http://{shown}:{port}"

    @property
    def store(self) -> Store:
        return self.app.store

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="facilioo-sandbox",
            daemon=True,
        )
        self._thread.start()
        if self.options.state_file is not None:
            self.save()
            self._persister = threading.Thread(
                target=self._persist_loop, name="facilioo-sandbox-state", daemon=True
            )
            self._persister.start()
        return self

    def save(self) -> None:
        if self.options.state_file is None:
            return
        with self._save_lock:
            version = self.store.version
            if version != self._saved_version:
                self.store.save(self.options.state_file)
                self._saved_version = version

    def _persist_loop(self) -> None:
        while not self._stopping.wait(PERSIST_INTERVAL_S):
            try:
                self.save()
            except OSError:
                logger.exception("facilioo sandbox: could not save the state")

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._persister is not None:
            self._persister.join(timeout=5)
        self.save()
