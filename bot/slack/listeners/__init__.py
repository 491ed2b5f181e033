"""Listeners are thin: parse the payload, call a domain function, render with a Block Kit builder."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import cafe, core, digest, growth, knowledge, privacy
from bot.core.services import Services


def register_all(app: App, services: Services) -> None:
    # Bolt runs the first listener that matches, so the core's catch-alls come last.
    for module in (knowledge, growth, digest, cafe, privacy):
        module.register(app, services)
    core.register(app, services)
