"""Filling a modal's input fields from the console's lines: each field is asked for in turn and
read into the value Slack would send in `view.state.values`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any


class FieldReader:
    def __init__(self, ask: Callable[[str], str | None], say: Callable[[str], None], tz: tzinfo,
                 channel_id: Callable[[str], str | None], user_id: Callable[[str], str | None]) -> None:
        self.ask, self.say, self.tz = ask, say, tz
        self.channel_id, self.user_id = channel_id, user_id

    def read(self, block: dict[str, Any]) -> Any:
        """The value Slack would send for one input block, or "cancel"; None leaves it empty."""
        element = block.get("element") or {}
        label = (block.get("label") or {}).get("text", block.get("block_id", "?"))
        kind = element.get("type")
        optional = block.get("optional", False)
        options = element.get("options") or []
        if options:
            for index, option in enumerate(options, start=1):
                self.say(f"      {index}. {(option.get('text') or {}).get('text', option.get('value'))}")
        initial = element.get("initial_value") or element.get("initial_date") or element.get("initial_time") or ""
        hint = {"datepicker": "YYYY-MM-DD", "timepicker": "HH:MM", "datetimepicker": "YYYY-MM-DD HH:MM",
                "checkboxes": "numbers, comma-separated", "conversations_select": "#channel",
                "channels_select": "#channel", "users_select": "name"}.get(kind or "", "")
        shown = label + (f" [{hint}]" if hint else "") + (f" (now: {initial})" if initial else "") + (" (optional)" if optional else "")
        while True:
            raw = self.ask(shown)
            if raw is None:
                return "cancel"
            raw = raw.strip()
            if raw == "cancel":
                return "cancel"
            if not raw:
                if initial and kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
                    raw = initial
                elif kind == "checkboxes":
                    return {"type": "checkboxes", "selected_options": []}
                elif optional or kind in ("datepicker", "timepicker") and initial:
                    return self._initial_value(element) if initial else None
                else:
                    self.say("      (this field is required)")
                    continue
            value = self._parse_value(element, raw, options)
            if value is not None:
                return value
            self.say("      (not a valid value, try again)")

    def _initial_value(self, element: dict[str, Any]) -> dict[str, Any] | None:
        kind = element.get("type")
        if kind == "datepicker":
            return {"type": kind, "selected_date": element.get("initial_date")}
        if kind == "timepicker":
            return {"type": kind, "selected_time": element.get("initial_time")}
        return None

    def _parse_value(self, element: dict[str, Any], raw: str, options: list[dict[str, Any]]) -> dict[str, Any] | None:
        kind = element.get("type")
        if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
            return {"type": kind, "value": raw.replace("\\n", "\n")}
        if kind == "datepicker":
            return {"type": kind, "selected_date": raw} if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
        if kind == "timepicker":
            return {"type": kind, "selected_time": raw} if re.fullmatch(r"\d{1,2}:\d{2}", raw) else None
        if kind == "datetimepicker":
            try:
                moment = datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=self.tz)
            except ValueError:
                return None
            return {"type": kind, "selected_date_time": int(moment.timestamp())}
        if kind in ("static_select", "radio_buttons"):
            chosen = self._pick(raw, options)
            return {"type": kind, "selected_option": chosen[0]} if len(chosen) == 1 else None
        if kind == "checkboxes":
            chosen = self._pick(raw, options)
            return {"type": kind, "selected_options": chosen} if chosen else None
        if kind in ("conversations_select", "channels_select"):
            channel = self.channel_id(raw)
            key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
            return {"type": kind, key: channel} if channel else None
        if kind == "users_select":
            person = self.user_id(raw.lstrip("@").lower())
            return {"type": kind, "selected_user": person} if person else None
        return {"type": kind, "value": raw}

    @staticmethod
    def _pick(raw: str, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        chosen = []
        for part in re.split(r"[,\s]+", raw):
            if part.isdigit() and 1 <= int(part) <= len(options):
                chosen.append(options[int(part) - 1])
        return chosen
