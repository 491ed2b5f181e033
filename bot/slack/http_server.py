"""HTTP mode: Slack's events, commands and interactivity at POST /slack/events, and GET /healthz."""

from __future__ import annotations

import json
import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any, Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
# Slack never sends bodies near this; anything larger is refused without being parsed.
MAX_BODY_BYTES = 2 * 1024 * 1024
# An oversized body up to this size is read and thrown away first, so the sender sees the 413
# rather than a connection reset mid-upload; beyond it the connection is simply dropped.
MAX_DRAINED_BYTES = 32 * 1024 * 1024


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        log.debug("%s %s", self.address_string(), format % args)


def make_wsgi_app(app: App, health: Callable[[], dict[str, Any]], web: Callable[..., Iterable[bytes]] | None = None):
    """`web`: the café's web pages (bot.web.build_web_app), for every other path."""
    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def wsgi(environ: dict[str, Any], start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            report = health()
            status = "200 OK" if report.get("status") == "ok" else "503 Service Unavailable"
            payload = json.dumps(report).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            return [payload]
        if path == SLACK_PATH and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                _drain(environ["wsgi.input"], length)
                start_response("413 Payload Too Large", [("Content-Type", "text/plain")])
                return [b"payload too large"]
            # Bolt reads these headers as "run only this lazy function, now, without acking":
            # they are for stored work (bot.core.worker), never for a request from outside.
            for key in [key for key in environ if key.startswith("HTTP_X_SLACK_BOLT_")]:
                del environ[key]
            try:
                return slack(environ, start_response)
            except (ValueError, TypeError, AttributeError, KeyError, IndexError):
                # Bolt parses the body and reads ids out of it (team, enterprise, user...) before
                # it checks the signature or routes anything. A body that isn't the JSON or form
                # its Content-Type says, or a JSON array, or a field of the wrong type, raised
                # out of that: a 500 and a traceback (found by tests/hardening/test_http_fuzz.py).
                # Listener errors never get here (Bolt catches them), so this is the sender's
                # error, and nothing was handled.
                log.info("refused a malformed %s body", environ.get("CONTENT_TYPE"))
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"malformed body"]
        if web is not None and path != SLACK_PATH and path != "/healthz":
            return web(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return wsgi


def _drain(stream, length: int) -> None:
    remaining = min(length, MAX_DRAINED_BYTES)
    while remaining > 0:
        chunk = stream.read(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)


class HttpServer:
    def __init__(self, app: App, health: Callable[[], dict[str, Any]], host: str = "0.0.0.0", port: int = 3000,
                 web: Callable[..., Iterable[bytes]] | None = None) -> None:
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
