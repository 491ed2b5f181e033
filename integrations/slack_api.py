"""Slack Web API: one configured client, with retries for rate limits, 5xx and dropped connections."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

log = logging.getLogger(__name__)

# Slack asks clients to honour Retry-After on 429; the handler sleeps that long before retrying.
RATE_LIMIT_RETRIES = 4
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2


def make_web_client(token: str | None, base_url: str, timeout: int = 15) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
            ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
            ConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
        ],
    )


class SlackDirectory:
    """Look-ups of users, user groups, channel names and permalinks that domain code receives as
    plain callables.

    Without a bot token (`online=False`: the command line on a laptop) nothing asks Slack: every
    look-up answers "unknown" at once. Asking anyway meant slack.com refusing (or, offline, the
    client retrying its connection for seconds and logging an ERROR per attempt) for each name."""

    def __init__(self, client: WebClient, *, online: bool = True) -> None:
        self._client = client
        self.online = online

    def channel_name(self, channel_id: str) -> str | None:
        """The channel's name, or None (offline, channel gone, no access)."""
        if not self.online:
            return None
        try:
            return self._client.conversations_info(channel=channel_id)["channel"].get("name")
        except Exception as exc:  # SlackApiError, or a connection that failed through its retries
            log.info("no name for channel %s: %s", channel_id, _reason(exc))
            return None

    def permalink(self, channel_id: str, ts: str) -> str | None:
        """A message's permalink, or None (offline, message gone, channel out of reach)."""
        if not self.online:
            return None
        try:
            return self._client.chat_getPermalink(channel=channel_id, message_ts=ts)["permalink"]
        except Exception as exc:
            log.info("no permalink for %s/%s: %s", channel_id, ts, _reason(exc))
            return None

    def user_profile(self, user_id: str) -> dict[str, Any] | None:
        if not self.online:
            return None
        try:
            user = self._client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as exc:
            log.warning("users.info failed for %s: %s", user_id, exc.response.get("error"))
            return None
        profile = user.get("profile") or {}
        return {
            "user_id": user["id"],
            "team_id": user.get("team_id"),
            "display_name": profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name"),
            "locale": user.get("locale"),
            "tz": user.get("tz"),
            "is_bot": bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
            "is_deleted": bool(user.get("deleted")),
        }

    def usergroup_members(self, usergroup_id: str) -> set[str]:
        if not self.online:
            return set()
        return set(self._client.usergroups_users_list(usergroup=usergroup_id)["users"])


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return type(exc).__name__


def iter_pages(method, key: str, limit: int = 200, **params: Any):
    """Follow `response_metadata.next_cursor` through a paginated Web API method."""
    cursor = None
    while True:
        response = method(limit=limit, cursor=cursor, **params) if cursor else method(limit=limit, **params)
        yield from response.get(key, [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def permalink(client: Any, channel: str, ts: str) -> str | None:
    """A message's permalink; None when Slack refuses (message gone, channel out of reach)."""
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError:
        return None
