"""The bot as a long-running process: HTTP mode (under gunicorn, bot/wsgi.py) and Socket Mode.

Both build the same thing, `RunningBot`: the Bolt app, the scheduler when this process runs it,
the recovery loop, and the WSGI app the process serves on PORT. They differ in what that serves:
HTTP mode takes Slack's requests at POST /slack/events; Socket Mode receives them over its
WebSocket, so there /slack/events answers 404 and only /healthz and the web pages are served.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from typing import Any

from bot.core.services import Services

log = logging.getLogger("sogabot")

# Where CPU-bound Python (retrieval, Block Kit) shares a process with I/O (Slack, the database)
# in many threads, a thread back from its I/O waits for the GIL up to the switch interval (5 ms
# by default) behind the CPU-bound ones, at every call: an ack in a process that also does the
# work, the next step of an answer (its 👀 first) in the worker (first sign under 100 ev/s: p50
# 1 s without it). A web process that only acks has no such work: more switches would only cost
# it CPU, so it keeps the default.
GIL_SWITCH_SECONDS = 0.0005
# The Procfile's web: gunicorn with the settings of bot/gunicorn_config.py, serving bot/wsgi.py.
GUNICORN_ARGS = ["--config", "python:bot.gunicorn_config", "bot.wsgi:application"]


class RunningBot:
    """What a Slack mode (`http` or `socket`) starts, and stops in order."""

    def __init__(self, services: Services, mode: str) -> None:
        from bot.slack.app import build_app, start_recovery_loop
        from bot.slack.http_server import make_wsgi_app

        settings = services.settings
        self.services, self.mode = services, mode
        self.companion = None
        if settings.background_work == "auto":
            from bot.cli.companion import CompanionWorker

            self.companion = CompanionWorker()
            services.ledger.on_enqueued = self.companion.wake
        self.queue_work = settings.background_work == "worker" or self.companion is not None
        if not self.queue_work:
            sys.setswitchinterval(GIL_SWITCH_SECONDS)
        self.app = build_app(services, queue_work=self.queue_work)
        self._stop = threading.Event()
        from jobs.keeper import SchedulerKeeper

        # The web process runs the jobs while no worker does: a Procfile's worker scaled to 0 must
        # not mean no digest (jobs.keeper).
        self.keeper = SchedulerKeeper(services, "web", check_seconds=settings.scheduler_check_seconds).start() if settings.run_scheduler else None
        self.app.recover_abandoned()  # type: ignore[attr-defined]
        start_recovery_loop(self.app, self._stop, take_over_stale=self.queue_work)
        self.web = web_pages(services)
        from bot.core.health import health_report
        from jobs.keeper import scheduler_report

        self._health = health_report(services, mode, queue_work=self.queue_work, scheduler=lambda: scheduler_report(services))
        self.wsgi = make_wsgi_app(self.app if mode == "http" else None, self.health, web=self.web)
        if self.companion is not None:
            self.companion.start()
        # What start-up built (the app, the capabilities, the knowledge index) lives as long as the
        # process: leave it out of the garbage collector's full passes, which otherwise walk it
        # again and again while requests are served, a pause in some acks each time.
        gc.freeze()

    def health(self) -> dict[str, Any]:
        report = self._health()
        if self.companion is not None:
            # A child down for good shows in the queue's age too (503 past it); this says why.
            report["worker_child"] = {"pid": self.companion.pid, "running": self.companion.pid is not None,
                                      "restarts": self.companion.restarts}
        return report

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop taking work, then let what was acked finish (at most `timeout` seconds)."""
        self._stop.set()
        if self.keeper is not None:
            self.keeper.stop(wait=False)
        deadline = time.monotonic() + max(timeout, 0.0)
        companion = None
        if self.companion is not None:  # it drains its own work meanwhile
            companion = threading.Thread(target=self.companion.stop, args=(max(timeout, 0.0),), daemon=True)
            companion.start()
        drained = self.services.executor.wait_idle(timeout=max(timeout, 0.0))
        if not drained:
            log.warning("stopped with work still running after %.0f s", timeout)
        if companion is not None:
            companion.join(max(deadline - time.monotonic(), 0.0) + 1.0)
        return drained


def web_pages(services: Services) -> Any:
    """The bot's own web pages (bot/web: the café board and join pages, the App Home chart)."""
    from bot.web import build_web_app

    return build_web_app(services)


def exec_gunicorn() -> None:
    """HTTP mode: become the Procfile's web process (gunicorn), with the same arguments."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *GUNICORN_ARGS])


def serve_socket_mode(bot: RunningBot, port: int) -> None:
    """Socket Mode: Slack's requests come over the WebSocket; PORT serves /healthz and the web
    pages for the platform (never /slack/events)."""
    from bot.slack.http_server import HttpServer

    handler = make_socket_mode_handler(bot.app, bot.services.settings)
    HttpServer(None, bot.health, port=port, web=bot.web).start()
    log.info("Socket Mode; health check on port %s", port)
    handler.start()


def make_socket_mode_handler(app, settings: Any):
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from integrations.slack_api import make_web_client

    # The Socket Mode client calls apps.connections.open with the app token through this
    # client, so SLACK_API_URL applies to Socket Mode as well.
    return SocketModeHandler(
        app,
        settings.slack_app_token.get_secret_value(),
        web_client=make_web_client(None, settings.slack_api_url),
    )
