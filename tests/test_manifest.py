"""manifest.json and the app must agree: every command, event and shortcut, both ways."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from bot.slack.app import build_app
from bot.core.services import build_services

MANIFEST = json.loads((Path(__file__).resolve().parent.parent / "manifest.json").read_text())


def _listened(settings, db) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    services = build_services(settings, db=db)
    app = build_app(services, token_verification=False)
    # Events reach the capabilities through the router, behind one Bolt listener for all types.
    found: dict[str, set[str]] = {"command": set(), "event": set(services.router.event_types()),
                                  "message_shortcut": set(), "shortcut": set()}
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            kind = getattr(func, "__qualname__", "").split(".<locals>")[0]
            if kind not in found:
                continue
            values = inspect.getclosurevars(func).nonlocals
            value = values.get("command") or values.get("event_type") or values.get("callback_id") or values.get("constraints")
            if isinstance(value, str):
                found[kind].add(value)
    return found


def test_commands_match(settings, db) -> None:  # type: ignore[no-untyped-def]
    manifest = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert _listened(settings, db)["command"] == manifest


def test_events_match(settings, db) -> None:  # type: ignore[no-untyped-def]
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    # Slack subscribes to message.im / message.channels / …; Bolt listens to "message".
    manifest = {name.split(".")[0] for name in subscribed}
    assert _listened(settings, db)["event"] == manifest


def test_shortcuts_match(settings, db) -> None:  # type: ignore[no-untyped-def]
    listened = _listened(settings, db)
    manifest = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", [])}
    # app.shortcut() matches global and message shortcuts alike; app.message_shortcut() only the latter.
    assert listened["message_shortcut"] | listened["shortcut"] == manifest
    manifest_message = {s["callback_id"] for s in MANIFEST["features"].get("shortcuts", []) if s["type"] == "message"}
    assert listened["message_shortcut"] <= manifest_message


def test_scopes_cover_the_methods_the_app_needs() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    needs = {"commands", "chat:write", "users:read"}
    needs |= {"im:history"} if "message.im" in subscribed else set()
    needs |= {"channels:history"} if "message.channels" in subscribed else set()
    needs |= {"app_mentions:read"} if "app_mention" in subscribed else set()
    needs |= {"reactions:read"} if "reaction_added" in subscribed else set()
    needs |= {"assistant:write"} if "assistant_thread_started" in subscribed else set()
    assert needs <= scopes
