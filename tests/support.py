"""Test harness: the real app in HTTP mode, the Slack stand-in, signed requests, a settable clock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import SecretStr

from bot.slack.app import build_app
from bot.console.signed_client import SignedSlackClient
from bot.console.slack_standin import SlackStandin
from bot.slack.http_server import HttpServer
from bot.core.runtime import TrackingExecutor
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.store.db import Database
from bot.web import build_web_app

SIGNING_SECRET = "test-signing-secret"
MEMBER = "U0MEMBER"
ENGLISH_MEMBER = "U0ENGLISH"
STAFF = "U0STAFF"
FACILITATOR = "U0FACIL"
STAFF_CHANNEL = "C0STAFF"
DIGEST_CHANNEL = "C0GENERAL"


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, now: datetime) -> None:
        with self._lock:
            self._now = now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now


def populate_workspace(slack: SlackStandin) -> None:
    slack.add_user(MEMBER, "camille")
    slack.add_user(ENGLISH_MEMBER, "alex", locale="en-US", tz="Europe/London")
    slack.add_user(STAFF, "sofia")
    slack.add_user(FACILITATOR, "karim")


def make_settings(slack: SlackStandin, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        _env_file=None,
        database_url=database_url,
        slack_bot_token=SecretStr("xoxb-test-token"),
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_api_url=slack.url + "/api/",
        staff_user_ids=STAFF,
        facilitator_user_ids=FACILITATOR,
        staff_channel=STAFF_CHANNEL,
        digest_channel=DIGEST_CHANNEL,
        run_scheduler=False,
    )
    values.update(overrides)
    return Settings(**values)


class BotHarness:
    """The app as it runs in production (HTTP mode), with Slack replaced by the stand-in."""

    def __init__(self, settings: Settings, db: Database, slack: SlackStandin, clock: FakeClock | None = None,
                 *, queue_work: bool = False, threads: int | None = None, **service_args: Any) -> None:
        """`queue_work`: the web process of BACKGROUND_WORK=worker, with a worker beside it (its
        own services and app, as another process would have), which `wait_idle` drives."""
        self.settings = settings
        self.slack = slack
        self.clock = clock
        kwargs: dict[str, Any] = dict(service_args)
        if clock is not None:
            kwargs["clock"] = clock
        self.services: Services = build_services(settings, db=db, **kwargs)
        if threads is not None:  # a smaller pool than production's, to make a backlog
            self.services.executor = TrackingExecutor(threads)
        self.app = build_app(self.services, token_verification=False, queue_work=queue_work)
        self.worker_services: Services | None = None
        if queue_work:
            self.worker_services = build_services(settings, db=db, **kwargs)
            self.worker = build_app(self.worker_services, token_verification=False).stored_work  # type: ignore[attr-defined]
        self.server = HttpServer(self.app, lambda: {"status": "ok"}, host="127.0.0.1", port=0,
                                 web=build_web_app(self.services)).start()
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.client = SignedSlackClient(self.url, SIGNING_SECRET, response_url_base=slack.url + "/response")

    def wait_idle(self, timeout: float = 10.0) -> None:
        assert self.services.executor.wait_idle(timeout), "listeners still running"
        if self.worker_services is not None:
            self.run_worker(timeout)

    def run_worker(self, timeout: float = 10.0) -> int:
        """What the worker process would do now: run every queued item, until none is left."""
        assert self.worker_services is not None
        done = 0
        while taken := self.worker.drain_once():
            done += taken
            assert self.worker_services.executor.wait_idle(timeout), "worker still running"
        return done

    # Conveniences that read like what a member does in Slack.
    def dm(self, user: str, text: str, **extra: Any):
        message = self.slack.add_message(self.slack.dm_channel(user), user, text, **extra)
        event = dict(message, channel=self.slack.dm_channel(user), channel_type="im", event_ts=message["ts"])
        result = self.client.send_event(event)
        self.wait_idle()
        return result

    def post(self, user: str, channel: str, text: str, thread_ts: str | None = None):
        message = self.slack.add_message(channel, user, text, thread_ts=thread_ts)
        event = dict(message, channel=channel, channel_type="channel", event_ts=message["ts"])
        result = self.client.send_event(event)
        self.wait_idle()
        return result

    def command(self, user: str, command: str, text: str = "", channel: str | None = None):
        result, key = self.client.command(command, text, user, channel or self.slack.dm_channel(user))
        self.wait_idle()
        return result, key

    def responses(self, key: str) -> list[dict[str, Any]]:
        return [item.data for item in self.slack.feed if item.kind == "response" and item.data.get("key") == key]

    def close(self) -> None:
        self.server.stop()
        self.services.executor.shutdown(wait=True)
        if self.worker_services is not None:
            self.worker_services.executor.shutdown(wait=True)
