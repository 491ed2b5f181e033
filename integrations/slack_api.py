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
    """Look-ups of users and user groups that domain code receives as plain callables."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def user_profile(self, user_id: str) -> dict[str, Any] | None:
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
        return set(self._client.usergroups_users_list(usergroup=usergroup_id)["users"])


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
