"""The WSGI app the bot serves on PORT, and a small threaded server for it (Socket Mode, tests).

Routes: GET /healthz; POST /slack/events in HTTP mode only (Socket Mode receives Slack's requests
over its WebSocket, so there the path answers 404 and no forged request reaches Bolt); every
other path goes to the bot's web pages (bot/web), when there are any. In production HTTP mode
runs under gunicorn (bot/wsgi.py, bot/gunicorn_config.py).
"""

from __future__ import annotations

import json
import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any, Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request import BoltRequest

from bot.slack.inbound import MAX_JSON_DEPTH, may_be_too_deep, nesting_depth

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
# Slack never sends bodies near this; anything larger is refused without being parsed.
MAX_BODY_BYTES = 2 * 1024 * 1024
# An oversized body up to this size is read and thrown away first, so the sender sees the 413
# rather than a connection reset mid-upload; beyond it the connection is simply dropped.
MAX_DRAINED_BYTES = 32 * 1024 * 1024
# The threaded server's bounds: a connection that sends nothing for this long is closed, and
# past this many connections at once new ones are closed at once rather than given a thread.
READ_TIMEOUT_SECONDS = 10
MAX_CONNECTIONS = 64


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # full: shed this one rather than queue behind idle ones
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _QuietHandler(WSGIRequestHandler):
    timeout = READ_TIMEOUT_SECONDS  # socketserver sets it on the connection: no read waits forever

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        log.debug("%s %s", self.address_string(), format % args)


class _BoundedSlackHandler(SlackRequestHandler):
    def dispatch(self, request):
        # BoltRequest parses the body (json.loads raises RecursionError past ~1,000 levels);
        # below that, a body nested deeper than Slack's would still be walked by Bolt and by us.
        bolt_request = BoltRequest(body=request.get_body(), query=request.query_string, headers=request.get_headers())
        if may_be_too_deep(bolt_request.raw_body) and nesting_depth(bolt_request.body) > MAX_JSON_DEPTH:
            log.info("refused a body nested deeper than %d levels", MAX_JSON_DEPTH)
            return BoltResponse(status=400, body="too deeply nested")
        return self.app.dispatch(bolt_request)


def _plain(start_response, status: str, text: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(text)))])
    return [text]


def make_wsgi_app(app: App | None, health: Callable[[], dict[str, Any]], web: Callable | None = None):
    """`app`: the Bolt app that serves /slack/events (HTTP mode); None in Socket Mode.
    `web`: the WSGI app of the bot's web pages, for every other path."""
    slack = _BoundedSlackHandler(app, path=SLACK_PATH) if app is not None else None

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            report = health()
            status = "200 OK" if report.get("status") == "ok" else "503 Service Unavailable"
            payload = json.dumps(report).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        if path == SLACK_PATH:
            if slack is None or method != "POST":
                return _plain(start_response, "404 Not Found", b"not found")
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                _drain(environ["wsgi.input"], length)
                return _plain(start_response, "413 Payload Too Large", b"payload too large")
            # Bolt reads these headers as "run only this lazy function, now, without acking":
            # they are for stored work (bot.core.worker), never for a request from outside.
            for key in [key for key in environ if key.startswith("HTTP_X_SLACK_BOLT_")]:
                del environ[key]
            try:
                return slack(environ, start_response)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
                # Bolt parses the body and reads ids out of it (team, enterprise, user...) before
                # it checks the signature or routes anything. A body that isn't the JSON or form
                # its Content-Type says, or a JSON array, or a field of the wrong type, raised
                # out of that: a 500 and a traceback (found by tests/hardening/test_http_fuzz.py).
                # Listener errors never get here (Bolt catches them), so this is the sender's
                # error, and nothing was handled.
                # RecursionError: JSON nested past ~1,000 levels, before the depth check can see it.
                log.info("refused a malformed %s body", environ.get("CONTENT_TYPE"))
                return _plain(start_response, "400 Bad Request", b"malformed body")
        if web is not None:
            return web(environ, start_response)
        return _plain(start_response, "404 Not Found", b"not found")

    return wsgi


def _drain(stream, length: int) -> None:
    remaining = min(length, MAX_DRAINED_BYTES)
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)


class HttpServer:
    """The WSGI app on a thread per connection (bounded): Socket Mode's health port, and tests.
    HTTP mode in production runs under gunicorn instead (bot/wsgi.py)."""

    def __init__(self, app: App | None, health: Callable[[], dict[str, Any]], host: str = "0.0.0.0", port: int = 3000,
                 *, web: Callable | None = None) -> None:
        self._server = make_server(
            host, port, make_wsgi_app(app, health, web), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> "HttpServer":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="sogabot-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
