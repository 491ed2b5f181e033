"""Help, App Home, and the catch-alls that make sure the bot is never silent."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App

from bot.slack.blocks.core import help_blocks, home_view, unknown_command_text
from bot.core.runtime import SlackEvent
from bot.core.services import Services
from bot.core.texts import CORE


def publish_home(services: Services, client: Any, user_id: str) -> None:
    """(Re)draw the member's App Home: every capability's section, in order, in their language."""
    lang = services.members.language(user_id)
    role = services.roles.role_of(user_id)
    parts = [section(user_id, role, lang) for _order, section in services.home_sections]
    client.views_publish(user_id=user_id, view=home_view(parts, lang))


def register(app: App, services: Services) -> None:
    members = services.members

    def answer_dm_with_help(event: SlackEvent) -> bool:
        """Last responder for DMs: nothing else took the message, so explain what the bot does."""
        message = event.event
        if message.get("channel_type") != "im" or message.get("subtype") or message.get("bot_id"):
            return False
        lang = members.language(message.get("user"))
        event.client.chat_postMessage(
            channel=message["channel"], text=CORE("help_title", lang), blocks=help_blocks(lang)
        )
        return True

    services.router.respond("message", answer_dm_with_help, priority=1000)

    def answer_mention_with_help(event: SlackEvent) -> bool:
        mention = event.event
        lang = members.language(mention.get("user"))
        event.client.chat_postMessage(
            channel=mention["channel"],
            thread_ts=mention.get("thread_ts") or mention["ts"],
            text=CORE("help_title", lang),
            blocks=help_blocks(lang),
        )
        return True

    services.router.respond("app_mention", answer_mention_with_help, priority=1000)

    def on_home_opened(event: SlackEvent) -> bool:
        publish_home(services, event.client, event.event["user"])
        return True

    services.router.respond("app_home_opened", on_home_opened, priority=1000)

    @app.command(re.compile(r"^/.*"))
    def unknown_command(ack, command):  # type: ignore[no-untyped-def]
        lang = members.cached_language(command.get("user_id"))
        ack(response_type="ephemeral", text=unknown_command_text(command.get("command", "?"), lang))

    @app.action(re.compile(r".*"))
    def stale_action(ack):  # type: ignore[no-untyped-def]
        # A button from an older version of a message: acknowledge it so Slack shows no error.
        ack()

    # A modal or shortcut that no listener claims (an older version's, or a forged callback id):
    # without these Bolt answers 404 and Slack shows the member a connection error.
    @app.view(re.compile(r".*"))
    def stale_view(ack):  # type: ignore[no-untyped-def]
        ack()

    @app.shortcut(re.compile(r".*"))
    def stale_shortcut(ack):  # type: ignore[no-untyped-def]
        ack()
