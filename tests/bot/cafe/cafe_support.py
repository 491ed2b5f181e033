"""Helpers for the café tests: a café in the future, and Slack-shaped modal values."""

from __future__ import annotations

import json

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cafe.service import CafeService
from bot.cafe.values import CafeDraft, CafeInfo
from tests.support import FACILITATOR, BotHarness

PARIS = ZoneInfo("Europe/Paris")
# The FakeClock starts on Monday 2026-11-23 09:00 UTC.
STARTS = datetime(2026, 12, 3, 18, 30, tzinfo=PARIS)
CLOSES = datetime(2026, 12, 1, 12, 0, tzinfo=PARIS)


def draft(**changes: Any) -> CafeDraft:
    values: dict[str, Any] = dict(title="Café IAssos de décembre", starts_at=STARTS, closes_at=CLOSES,
                                  place="La Ruche, Paris", announce_channel="C0GENERAL")
    values.update(changes)
    return CafeDraft(**values)


def make_cafe(cafes: CafeService, user: str = "U0FACIL", **changes: Any) -> CafeInfo:
    return cafes.create_cafe(user, draft(**changes))


def cafe_form(*, title: str = "Café IAssos de décembre", date: str = "2026-12-03", time: str = "18:30",
              place: str = "La Ruche, Paris", channel: str = "C0GENERAL", close_date: str = "2026-12-01",
              close_time: str = "12:00", approval: bool = False, language: str = "fr") -> dict[str, Any]:
    """The state.values Slack sends for the café modal."""
    option = {"text": {"type": "plain_text", "text": "x"}, "value": "approval"}
    return {
        "cafe_title": {"value": {"type": "plain_text_input", "value": title}},
        "cafe_date": {"value": {"type": "datepicker", "selected_date": date}},
        "cafe_time": {"value": {"type": "timepicker", "selected_time": time}},
        "cafe_place": {"value": {"type": "plain_text_input", "value": place}},
        "cafe_channel": {"value": {"type": "conversations_select", "selected_conversation": channel}},
        "cafe_close_date": {"value": {"type": "datepicker", "selected_date": close_date}},
        "cafe_close_time": {"value": {"type": "timepicker", "selected_time": close_time}},
        "cafe_approval": {"value": {"type": "checkboxes", "selected_options": [option] if approval else []}},
        "cafe_language": {"value": {"type": "static_select", "selected_option": {"value": language}}},
    }


def ask_form(text: str, *, anonymous: bool = False, cafe_id: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "cafe_question": {"value": {"type": "plain_text_input", "value": text}},
        "cafe_anonymous": {"value": {"type": "checkboxes", "selected_options": [{"value": "anonymous"}] if anonymous else []}},
    }
    if cafe_id is not None:
        values["cafe_cafe"] = {"value": {"type": "static_select", "selected_option": {"value": str(cafe_id)}}}
    return values


def last_view(bot: BotHarness) -> dict:
    views = [item.data for item in bot.slack.feed if item.kind == "view_open"]
    assert views, "no modal was opened"
    return views[-1]


def last_response(bot: BotHarness) -> dict:
    responses = [item.data for item in bot.slack.feed if item.kind == "response"]
    assert responses, "nothing was sent to a response_url"
    return responses[-1]


def all_text(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def cafes(bot: BotHarness):
    return bot.services.extras["cafe"]


def create_cafe(bot: BotHarness, **form) -> int:
    bot.command(FACILITATOR, "/cafe", "new", channel="C0GENERAL")
    result = bot.client.view_submission(FACILITATOR, last_view(bot), cafe_form(**form))
    assert result.status == 200 and not result.body, result.body
    bot.wait_idle()
    return cafes(bot).cafes()[-1].id


def announcement(bot: BotHarness, channel: str = "C0GENERAL") -> dict:
    found = [m for m in bot.slack.bot_messages(channel) if any(b.get("block_id", "").startswith("cafe_announce") or "Café IAssos" in all_text(b) for b in m.get("blocks", []))]
    assert found, "no announcement"
    return found[0]
