"""A threaded HTTP server on loopback that records every call and can be told to fail.

It is the base of the Slack Web API stand-in (used by the console and the tests) and of the
test fakes for Mailchimp and the OpenAI-compatible API. Faults are scripted per path so that
tests can prove retries and fallbacks through the real clients.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable, Self
from urllib.parse import parse_qs, urlsplit


def json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return None


@dataclass
class RecordedCall:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json_or_none(self.body)

    @property
    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}

    @property
    def params(self) -> dict[str, Any]:
        """JSON body, form body or query string, whichever the client used."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            data = self.json
            return data if isinstance(data, dict) else {}
        merged: dict[str, Any] = {k: v[-1] for k, v in self.query.items()}
        if self.body and "multipart" not in content_type:
            merged.update(self.form)
        return merged


@dataclass
class Response:
    status: int = 200
    body: bytes | str | dict | list | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # An iterable of byte chunks sent with chunked transfer encoding (server-sent events).
    stream: Iterable[bytes] | None = None

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return self.body or b"", "application/octet-stream"


@dataclass
class Fault:
    path_pattern: re.Pattern[str]
    kind: str  # "status", "timeout" or "drop"
    status: int
    remaining: int
    retry_after: int | None
    delay: float
    body: Any


class LoopbackServer:
    """Subclasses implement `route(call) -> Response`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.RLock()
        self.calls: list[RecordedCall] = []
        self._faults: list[Fault] = []
        self._call_event = threading.Condition(self._lock)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                return

            def handle(self) -> None:
                # A client that gives up (a timeout, a closed keep-alive connection) is normal in
                # tests; without this, socketserver prints a traceback for each one.
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _serve(self) -> None:
                server._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        # serve_forever only notices shutdown() between polls; the default 0.5 s poll made every
        # stop() take half a second, which adds up over a test suite.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- faults ----------------------------------------------------------------------------
    def fail(
        self,
        path_pattern: str = ".*",
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        kind: str = "status",
        delay: float = 5.0,
        body: Any = None,
    ) -> None:
        """Make the next `times` calls whose path matches fail.

        kind="status" answers `status` (with Retry-After when given), kind="timeout" waits
        `delay` seconds before answering normally, kind="drop" closes the connection.
        """
        with self._lock:
            self._faults.append(
                Fault(re.compile(path_pattern), kind, status, times, retry_after, delay, body)
            )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.path_pattern.search(path):
                    fault.remaining -= 1
                    return fault
        return None

    # -- recording -------------------------------------------------------------------------
    def calls_to(self, path_suffix: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if c.path.rstrip("/").endswith(path_suffix)]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def wait_for(self, path_suffix: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until at least `count` calls to `path_suffix` were recorded, or raise."""
        deadline = time.monotonic() + timeout
        with self._call_event:
            while True:
                found = [c for c in self.calls if c.path.rstrip("/").endswith(path_suffix)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {path_suffix}, got {len(found)}: "
                        f"{[c.path for c in self.calls]}"
                    )
                self._call_event.wait(remaining)

    # -- serving ---------------------------------------------------------------------------
    def route(self, call: RecordedCall) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def fault_body(self, fault: Fault) -> Response:
        """The body of a kind="status" fault. Subclasses override it to speak their vendor's
        error shape, because real clients parse error bodies (and some ignore empty ones)."""
        return Response(fault.status, {"error": "injected"})

    def fault_response(self, fault: Fault) -> Response:
        response = Response(fault.status, fault.body) if fault.body is not None else self.fault_body(fault)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        call = RecordedCall(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            at=time.time(),
        )
        fault = self._take_fault(parts.path)
        if fault is not None and fault.kind == "drop":
            handler.close_connection = True
            try:
                handler.connection.shutdown(2)
            except OSError:
                pass
            return
        # Record before a timeout's delay: the request did arrive, and a test that checks the
        # calls right after its client gave up must see it.
        with self._call_event:
            self.calls.append(call)
            self._call_event.notify_all()
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        if fault is not None and fault.kind == "status":
            response = self.fault_response(fault)
        else:
            try:
                response = self.route(call)
            except Exception as exc:  # a bug in a fake must show up in the test, not hang it
                response = Response(500, {"error": f"stand-in error: {exc!r}"})
        self._write(handler, response)

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, response: Response) -> None:
        try:
            if response.stream is not None:
                handler.send_response(response.status)
                handler.send_header("Content-Type", response.headers.get("Content-Type", "text/event-stream"))
                handler.send_header("Transfer-Encoding", "chunked")
                for key, value in response.headers.items():
                    if key != "Content-Type":
                        handler.send_header(key, value)
                handler.end_headers()
                for chunk in response.stream:
                    handler.wfile.write(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                    handler.wfile.flush()
                handler.wfile.write(b"0\r\n\r\n")
                return
            payload, content_type = response.encoded()
            handler.send_response(response.status)
            handler.send_header("Content-Type", response.headers.get("Content-Type", content_type))
            handler.send_header("Content-Length", str(len(payload)))
            for key, value in response.headers.items():
                if key != "Content-Type":
                    handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
