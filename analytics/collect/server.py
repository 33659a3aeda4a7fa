"""The OTLP/HTTP receiver: Claude Code's telemetry straight into the landing folder.

A stdlib `ThreadingHTTPServer`, one thread per connection, because the work per request is a
protobuf parse and an fsync, and the clients are a few thousand developers' CLIs exporting
every few seconds, not a fleet. What keeps it safe in front of those clients:

- every request is read against a deadline (ANALYTICS_COLLECT_TIMEOUT_SECONDS, for the whole
  request, and the same for an idle keep-alive connection), with the header limits of
  `http.server` plus a total, and bodies above ANALYTICS_COLLECT_MAX_BODY_BYTES (as sent and
  once inflated) refused with 413 before they are read;
- at most ANALYTICS_COLLECT_MAX_CONNECTIONS connections and a bounded number of requests
  being decoded and written at once; beyond that, 503 with Retry-After, which OTLP exporters
  retry;
- with ANALYTICS_COLLECT_TOKEN, `Authorization: Bearer <token>` or 401, compared in constant
  time; nothing from a request's headers is ever printed.

Answers follow OTLP/HTTP: an empty Export*ServiceResponse in the request's encoding once the
line is durable (see landing.py), a google.rpc.Status with the reason otherwise.
"""

from __future__ import annotations

import hmac
import io
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import otlp
from .landing import LandingWriteError, SignalWriter
from .stats import Stats

MAX_HEADER_BYTES = 32 * 1024
RETRY_AFTER_SECONDS = 2
# Requests decoded and written at once: the work is CPU (the GIL) and fsync, so more would
# only hold more bodies in memory.
MAX_IN_FLIGHT = 16
IN_FLIGHT_WAIT_SECONDS = 5.0
# After an answer that closes the connection before its request was read, what the client
# still sends is read and dropped for a moment (a lingering close): closed with the request
# still arriving, the connection would be reset and the client would never read the answer.
LINGER_SECONDS = 2.0
# Connections refused as busy that linger at once, each on a short thread; beyond, closed at once.
MAX_LINGERING = 16


def linger(sock: socket.socket, seconds: float = LINGER_SECONDS) -> None:
    """Stop writing, then read and drop what the client still sends until it closes or
    `seconds` pass."""
    try:
        sock.shutdown(socket.SHUT_WR)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            sock.settimeout(min(left, 1.0))
            if not sock.recv(65536):
                break
    except OSError:
        pass


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    timeout_seconds: float
    max_connections: int
    rotate_bytes: int


class _DeadlineReader(io.RawIOBase):
    """The socket as a raw stream whose reads fail once the current request is too slow.

    Until the first byte of a request the idle timeout applies (a keep-alive connection
    waiting); from then on the whole request must arrive within the request timeout, however
    it trickles in.
    """

    def __init__(self, sock: socket.socket, timeout: float):
        self.sock = sock
        self.timeout = timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.deadline is None:
            self.sock.settimeout(self.timeout)
        else:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request took too long to arrive")
            self.sock.settimeout(left)
        received = self.sock.recv_into(buffer)
        if received and self.deadline is None:
            self.deadline = time.monotonic() + self.timeout
        return received


class CollectServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, landing_dir: Path, token: str | None, limits: Limits, stats: Stats):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.landing_dir = landing_dir
        self.token = token
        self.limits = limits
        self.stats = stats
        self.writers = {
            name: SignalWriter(landing_dir, name, limits.rotate_bytes) for name in ("logs", "metrics")
        }
        self.in_flight = threading.BoundedSemaphore(MAX_IN_FLIGHT)
        self.stopping = False
        self.traces_said = False
        self._connections: dict[socket.socket, bool] = {}  # socket -> busy with a request
        self._lingering = threading.BoundedSemaphore(MAX_LINGERING)
        self._state = threading.Condition()
        super().__init__(address, Handler)

    def process_request(self, request, client_address):
        with self._state:
            full = len(self._connections) >= self.limits.max_connections
            if not full:
                self._connections[request] = False
        if full:
            self._refuse_busy(request)
            return
        super().process_request(request, client_address)

    def _refuse_busy(self, request) -> None:
        """503 with Retry-After before reading anything, then a lingering close on a short
        thread (the accept loop does not wait for it)."""
        self.stats.rejected("busy")
        try:
            request.settimeout(1.0)
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: "
                + str(RETRY_AFTER_SECONDS).encode()
                + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
        except OSError:
            self.shutdown_request(request)
            return
        if not self._lingering.acquire(blocking=False):
            self.shutdown_request(request)
            return
        threading.Thread(
            target=self._linger_and_close, args=(request,), name="collect-refused", daemon=True
        ).start()

    def _linger_and_close(self, request) -> None:
        try:
            linger(request)
        finally:
            self.close_request(request)
            self._lingering.release()

    def set_busy(self, request, busy: bool) -> None:
        with self._state:
            if request in self._connections:
                self._connections[request] = busy
            self._state.notify_all()

    def forget(self, request) -> None:
        with self._state:
            self._connections.pop(request, None)
            self._state.notify_all()

    def drain(self, timeout: float) -> None:
        """Stop: idle connections are closed, requests in flight finish (up to `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._state:
            self.stopping = True
            while self._connections and time.monotonic() < deadline:
                for sock, busy in list(self._connections.items()):
                    if not busy:
                        try:
                            sock.shutdown(socket.SHUT_RD)
                        except OSError:
                            pass
                self._state.wait(0.1)
        for writer in self.writers.values():
            writer.close()

    @property
    def connections(self) -> int:
        with self._state:
            return len(self._connections)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "analytics-collect"
    sys_version = ""
    server: CollectServer

    def setup(self) -> None:
        super().setup()
        self._reader = _DeadlineReader(self.connection, self.server.limits.timeout_seconds)
        self.rfile = io.BufferedReader(self._reader, 64 * 1024)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.forget(self.connection)

    def handle_one_request(self) -> None:
        self._reader.deadline = None
        self._body_read = False
        self.server.set_busy(self.connection, False)
        if self.server.stopping:
            self.close_connection = True
            return
        super().handle_one_request()

    def parse_request(self) -> bool:
        self.server.set_busy(self.connection, True)
        if not super().parse_request():
            return False
        if sum(len(k) + len(v) for k, v in self.headers.items()) > MAX_HEADER_BYTES:
            self._refuse(431, "too_large", "request headers are too large", None)
            return False
        return True

    def log_message(self, format, *args) -> None:
        """Nothing per request: the minute lines count them, and headers may hold the token."""

    # --- routes ---------------------------------------------------------------------------

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/healthz":
            self._answer(200, b"ok\n", "text/plain")
        elif self._signal() is not None:
            self._refuse(405, "not_found", "use POST", None, extra={"Allow": "POST"})
        else:
            self._refuse(404, "not_found", f"no such path: {self.path[:100]}", None)

    def do_POST(self) -> None:
        signal = self._signal()
        if signal is None:
            self._refuse(404, "not_found", f"no such path: {self.path[:100]}", None)
            return
        media = otlp.media_type(self.headers.get("Content-Type"))
        if not self._authorized():
            self._refuse(401, "unauthorized", "missing or wrong bearer token", media,
                         extra={"WWW-Authenticate": "Bearer"})
            return
        if media is None:
            self._refuse(415, "unsupported_media_type",
                         "Content-Type must be application/x-protobuf or application/json", None)
            return
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("identity", "gzip"):
            self._refuse(415, "unsupported_media_type", f"Content-Encoding {encoding!r} is not supported", media)
            return
        if not self.server.in_flight.acquire(timeout=IN_FLIGHT_WAIT_SECONDS):
            self._refuse(503, "busy", "the receiver is busy, retry later", media,
                         extra={"Retry-After": str(RETRY_AFTER_SECONDS)})
            return
        try:
            self._export(signal, media, encoding)
        finally:
            self.server.in_flight.release()

    def _export(self, signal: otlp.Signal, media: str, encoding: str) -> None:
        limit = self.server.limits.max_body_bytes
        try:
            body = self._read_body(limit)
            size = len(body)
            if encoding == "gzip":
                body = otlp.gunzip(body, limit)
            if signal.name == "traces":
                self._drop_traces(signal, media, size)
                return
            decoded = otlp.decode(signal, media, body)
        except otlp.BodyError as exc:
            reason = {400: "bad_body", 411: "bad_body", 413: "too_large"}.get(exc.status, "bad_body")
            self._refuse(exc.status, reason, str(exc), media)
            return
        except TimeoutError:
            self._refuse(408, "timeout", "the request took too long to arrive", media)
            return
        try:
            self.server.writers[signal.name].append(decoded.line)
        except LandingWriteError as exc:
            print(f"collect: error: {exc}", flush=True)
            self._refuse(503, "write_failed", "the receiver cannot write, retry later", media,
                         extra={"Retry-After": str(RETRY_AFTER_SECONDS)})
            return
        self.server.stats.accepted(decoded.records, size, len(decoded.line))
        self._answer(200, otlp.success_body(signal, media), media)

    def _drop_traces(self, signal: otlp.Signal, media: str, size: int) -> None:
        if not self.server.traces_said:
            self.server.traces_said = True
            print("collect: /v1/traces requests are accepted and dropped (spans are not used)", flush=True)
        self.server.stats.dropped_trace(size)
        self._answer(200, otlp.success_body(signal, media), media)

    # --- helpers --------------------------------------------------------------------------

    def _signal(self) -> otlp.Signal | None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.startswith("/v1/"):
            return otlp.SIGNALS.get(path[len("/v1/"):])
        return None

    def _authorized(self) -> bool:
        token = self.server.token
        if not token:
            return True
        scheme, _, credentials = (self.headers.get("Authorization") or "").strip().partition(" ")
        given = credentials.strip().encode("utf-8", "replace")
        return scheme.lower() == "bearer" and hmac.compare_digest(given, token.encode())

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(limit)
        length = self.headers.get("Content-Length")
        if length is None:
            raise otlp.BodyError(411, "Content-Length or chunked Transfer-Encoding required")
        try:
            size = int(length)
        except ValueError:
            raise otlp.BodyError(400, f"Content-Length {length[:30]!r} is not a number") from None
        if size < 0:
            raise otlp.BodyError(400, "Content-Length is negative")
        if size > limit:
            raise otlp.BodyError(413, f"body of {size} bytes is larger than {limit} bytes")
        body = self.rfile.read(size)
        self._body_read = True
        if len(body) < size:
            raise otlp.BodyError(400, "body ends before Content-Length")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise otlp.BodyError(400, "bad chunk size in a chunked body") from None
            if size == 0:
                while self.rfile.readline(MAX_HEADER_BYTES) not in (b"\r\n", b"\n", b""):
                    pass
                self._body_read = True
                return b"".join(parts)
            total += size
            if total > limit:
                raise otlp.BodyError(413, f"chunked body is larger than {limit} bytes")
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _refuse(self, status: int, reason: str, message: str, media: str | None, extra=None) -> None:
        """An error answer. A body not read yet is read and dropped when it is small enough,
        so the connection stays usable; else the connection closes after the answer, reading
        what the client still sends for a moment, so the client sees the answer rather than a
        reset."""
        self.server.stats.rejected(reason)
        body, content_type = otlp.error_body(status, message, media)
        unread = not self._body_read and self.command == "POST" and not self._discard_body()
        self.close_connection = self.close_connection or unread or status in (408, 413, 431)
        self._answer(status, body, content_type, extra)
        if unread:
            self._linger()

    def _discard_body(self) -> bool:
        """Read and drop a body of known, acceptable size; False when that is not possible."""
        try:
            size = int(self.headers.get("Content-Length") or "")
        except ValueError:
            return False
        if size < 0 or size > self.server.limits.max_body_bytes or "Transfer-Encoding" in self.headers:
            return False
        try:
            self._body_read = len(self.rfile.read(size)) == size
        except OSError:
            return False
        return self._body_read

    def _linger(self) -> None:
        try:
            self.wfile.flush()
        except OSError:
            return
        linger(self.connection)

    def _answer(self, status: int, body: bytes, content_type: str, extra=None) -> None:
        try:
            self.send_response_only(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            if self.close_connection or self.server.stopping:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            self.close_connection = True
