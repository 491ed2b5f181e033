"""Sends Slack-shaped, signed requests to the bot's HTTP endpoint, as Slack does.

The console drives the app with it, and the tests use it to exercise the real HTTP path.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.console.loopback import json_or_none
from bot.console.slack_standin import APP_ID, TEAM_ID


@dataclass
class HttpResult:
    status: int
    body: bytes
    elapsed: float

    @property
    def json(self) -> Any:
        return json_or_none(self.body)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSlackClient:
    def __init__(self, url: str, signing_secret: str, response_url_base: str = "http://127.0.0.1:9/response") -> None:
        self.url = url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.response_url_base = response_url_base
        self._counter = itertools.count(1)

    # -- raw ---------------------------------------------------------------------------------
    def post(
        self, body: bytes, content_type: str, *, timestamp: int | None = None, secret: str | None = None,
        headers: dict[str, str] | None = None, timeout: float = 10.0,
    ) -> HttpResult:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", content_type)
        request.add_header("X-Slack-Request-Timestamp", ts)
        request.add_header("X-Slack-Signature", sign(secret or self.secret, ts, body))
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return HttpResult(response.status, response.read(), time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            return HttpResult(exc.code, exc.read(), time.perf_counter() - started)

    def post_json(self, payload: dict[str, Any], **kwargs: Any) -> HttpResult:
        return self.post(json.dumps(payload).encode(), "application/json", **kwargs)

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> HttpResult:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    # -- Slack shapes ------------------------------------------------------------------------
    def envelope(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "verification_token", "team_id": TEAM_ID, "api_app_id": APP_ID, "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:12].upper()}",
            "event_time": int(time.time()), "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOTSOGA", "is_bot": True}],
        }

    def send_event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None) -> HttpResult:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else None
        return self.post_json(self.envelope(event, event_id), headers=headers)

    def command(self, command: str, text: str, user_id: str, channel_id: str, *, trigger_id: str | None = None) -> tuple[HttpResult, str]:
        key = f"cmd{next(self._counter)}"
        fields = {
            "token": "verification_token", "team_id": TEAM_ID, "team_domain": "soga", "channel_id": channel_id,
            "channel_name": channel_id, "user_id": user_id, "user_name": user_id.lower(), "command": command,
            "text": text, "api_app_id": APP_ID, "is_enterprise_install": "false",
            "response_url": f"{self.response_url_base}/{key}",
            "trigger_id": trigger_id or f"trig.{uuid.uuid4().hex[:10]}",
        }
        return self.post_form(fields), key

    def interaction(self, payload: dict[str, Any]) -> HttpResult:
        payload = {"team": {"id": TEAM_ID, "domain": "soga"}, "api_app_id": APP_ID, "token": "verification_token", **payload}
        return self.post_form({"payload": json.dumps(payload)})

    def block_action(
        self, user_id: str, action: dict[str, Any], *, channel_id: str | None = None, message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None, container: dict[str, Any] | None = None,
    ) -> HttpResult:
        key = f"act{next(self._counter)}"
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "trigger_id": f"trig.{uuid.uuid4().hex[:10]}", "actions": [dict(action, action_ts=str(time.time()))],
            "response_url": f"{self.response_url_base}/{key}",
            "container": container or {"type": "message"},
        }
        if channel_id:
            payload["channel"] = {"id": channel_id, "name": channel_id}
        if message:
            payload["message"] = message
            payload["container"] = container or {"type": "message", "message_ts": message.get("ts"), "channel_id": channel_id}
        if view:
            payload["view"] = view
            payload["container"] = container or {"type": "view", "view_id": view.get("id")}
        return self.interaction(payload)

    def view_submission(self, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> HttpResult:
        submitted = dict(view, state={"values": values})
        return self.interaction({
            "type": "view_submission", "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
            "trigger_id": f"trig.{uuid.uuid4().hex[:10]}", "view": submitted, "response_urls": [],
        })

    def message_shortcut(self, user_id: str, callback_id: str, channel_id: str, message: dict[str, Any]) -> HttpResult:
        key = f"sc{next(self._counter)}"
        return self.interaction({
            "type": "message_action", "callback_id": callback_id, "user": {"id": user_id, "name": user_id.lower()},
            "channel": {"id": channel_id, "name": channel_id}, "message": message, "message_ts": message.get("ts"),
            "trigger_id": f"trig.{uuid.uuid4().hex[:10]}", "response_url": f"{self.response_url_base}/{key}",
        })
