"""Slack listeners of the growth capability."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services


def register(app: App, services: Services) -> None:
    """Attach this capability's listeners, router handlers and App Home section."""
