"""Telling the member that something failed, so the bot is never silent."""

from __future__ import annotations

from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.core.texts import CORE


def acting_user(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    event = body.get("event") or {}
    return body.get("user_id") or (user if isinstance(user, str) else None) or event.get("user")


def failure_reporter(services):
    """Tells the member something went wrong (for `bot.core.runtime.reported` around lazy listeners)."""

    def tell_member(_exc: BaseException, body: dict[str, Any], client: Any) -> None:
        user = acting_user(body)
        text = CORE("error", services.members.known_language(user))  # the database may be what failed
        response_url = body.get("response_url") or next(
            (r.get("response_url") for r in body.get("response_urls") or [] if r.get("response_url")), None
        )
        if response_url:
            WebhookClient(response_url).send(text=text, response_type="ephemeral", replace_original=False)
            return
        event = body.get("event") or {}
        client = client or services.slack
        if event.get("channel") and event.get("ts") and event.get("channel_type") != "im":
            client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"], text=text)
        elif user:
            client.chat_postMessage(channel=event.get("channel") or user, text=text)

    return tell_member
