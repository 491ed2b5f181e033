"""Help, App Home, and the catch-alls that make sure the bot is never silent."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.core.runtime import SlackEvent
from bot.core.services import Services
from bot.core.texts import CORE
from bot.slack.blocks.core import help_blocks, home_view, unknown_command_text
from bot.slack.listeners.failures import failure_reporter
from bot.slack.listeners.wiring import ack_only, action, command, install, respond, shortcut, view

ANY = re.compile(r".*")


def publish_home(services: Services, client: Any, user_id: str) -> None:
    """(Re)draw the member's App Home: every capability's section, in order, in their language."""
    lang = services.members.language(user_id)
    role = services.roles.role_of(user_id)
    parts = [section(user_id, role, lang) for _order, section in services.home_sections]
    client.views_publish(user_id=user_id, view=home_view(parts, lang))


def answer_dm_with_help(ctx: Services, event: SlackEvent) -> bool:
    """Last responder for DMs: nothing else took the message, so explain what the bot does."""
    message = event.event
    if message.get("channel_type") != "im" or message.get("subtype") or message.get("bot_id"):
        return False
    lang = ctx.members.language(message.get("user"))
    event.client.chat_postMessage(channel=message["channel"], text=CORE("help_title", lang), blocks=help_blocks(lang))
    return True


def answer_mention_with_help(ctx: Services, event: SlackEvent) -> bool:
    mention = event.event
    lang = ctx.members.language(mention.get("user"))
    event.client.chat_postMessage(
        channel=mention["channel"], thread_ts=mention.get("thread_ts") or mention["ts"],
        text=CORE("help_title", lang), blocks=help_blocks(lang),
    )
    return True


def on_home_opened(ctx: Services, event: SlackEvent) -> bool:
    publish_home(ctx, event.client, event.event["user"])
    return True


def unknown_command(ctx: Services, ack, command):
    lang = ctx.members.cached_language(command.get("user_id"))
    ack(response_type="ephemeral", text=unknown_command_text(command.get("command", "?"), lang))


def register(app: App, services: Services) -> None:
    install(app, services, services, failure_reporter(services), listeners=[
        command(re.compile(r"^/.*"), unknown_command),
        # A button from an older version of a message, or a modal or shortcut that no listener
        # claims (an older version's, a forged callback id): without an ack Bolt answers 404
        # and Slack shows the member an error.
        action(ANY, ack_only),
        view(ANY, ack_only),
        shortcut(ANY, ack_only),
    ], events=[
        respond("message", answer_dm_with_help, priority=1000),
        respond("app_mention", answer_mention_with_help, priority=1000),
        respond("app_home_opened", on_home_opened, priority=1000),
    ])
