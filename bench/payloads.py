"""Slack-shaped request bodies for every HTTP entry point, shared by the benchmarks and the
hostile-input tests.

Shapes follow Slack's own samples (../shared/fixtures-vendor/slack/: java-sdk-shapes and
bolt-python payloads) and bot/console/signed_client.py. Each generator takes a sequence number
and returns `(body: bytes, content_type: str)`; ids are unique per number so the event ledger
sees distinct deliveries.

To cover a capability's entry point, add a generator to `ENTRY_POINTS` (and to `BENCH_MIX`
if it belongs in the load mix).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from bot.console.slack_standin import APP_ID, BOT_USER_ID, TEAM_ID

Body = tuple[bytes, str]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

BENCH_USERS = [f"U0BENCH{index:03d}" for index in range(200)]
# Where the payloads' response_url points: nowhere by default; the benchmarks aim it at the
# Slack stand-in (bench/harness.py), as Slack's would work.
RESPONSE_URL_BASE = "http://127.0.0.1:9"


def dm_channel(user_id: str) -> str:
    """The stand-in's DM channel id for a user (bot/console/slack_standin.py)."""
    return "D" + user_id.lstrip("U")[:10]


def envelope(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "token": "verification_token", "team_id": TEAM_ID, "api_app_id": APP_ID, "event": event,
        "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


def _ts(n: int) -> str:
    return f"{time.time():.0f}.{n % 1_000_000:06d}"


def _user(n: int) -> str:
    return BENCH_USERS[n % len(BENCH_USERS)]


def _event(event: dict[str, Any], n: int, tag: str) -> Body:
    return json.dumps(envelope(event, f"Ev{tag}{n:08d}")).encode(), JSON


def app_mention(n: int, tag: str = "B", text: str | None = None) -> Body:
    ts = _ts(n)
    return _event({
        "type": "app_mention", "user": _user(n), "text": text if text is not None else f"<@{BOT_USER_ID}> qui finance DIGISET ?",
        "ts": ts, "channel": "C0GENERAL", "event_ts": ts, "team": TEAM_ID,
    }, n, tag)


def message_im(n: int, tag: str = "B", text: str | None = None) -> Body:
    user, ts = _user(n), _ts(n)
    return _event({
        "type": "message", "user": user, "text": text if text is not None else "Bonjour, comment rejoindre un café IA ?",
        "ts": ts, "channel": dm_channel(user), "channel_type": "im", "event_ts": ts, "team": TEAM_ID,
    }, n, tag)


def team_join(n: int, tag: str = "B", text: str | None = None) -> Body:
    user = f"U0JOIN{n:06d}"
    return _event({
        "type": "team_join",
        "user": {"id": user, "team_id": TEAM_ID, "name": text or f"new{n}", "deleted": False, "real_name": f"New {n}",
                 "tz": "Europe/Paris", "tz_offset": 3600, "locale": "fr-FR", "is_bot": False,
                 "profile": {"display_name": text or f"new{n}", "real_name": f"New {n}", "team": TEAM_ID}},
        "event_ts": _ts(n),
    }, n, tag)


def reaction_added(n: int, tag: str = "B", text: str | None = None) -> Body:
    return _event({
        "type": "reaction_added", "user": _user(n), "reaction": text or "thumbsup", "item_user": _user(n + 1),
        "item": {"type": "message", "channel": "C0GENERAL", "ts": _ts(n)}, "event_ts": _ts(n),
    }, n, tag)


def slash_command(n: int, tag: str = "B", text: str | None = None, command: str = "/ask", user: str | None = None) -> Body:
    user = user or _user(n)
    fields = {
        "token": "verification_token", "team_id": TEAM_ID, "team_domain": "soga", "channel_id": dm_channel(user),
        "channel_name": "directmessage", "user_id": user, "user_name": user.lower(), "command": command,
        "text": text if text is not None else "qui finance DIGISET ?", "api_app_id": APP_ID,
        "is_enterprise_install": "false", "response_url": f"{RESPONSE_URL_BASE}/response/cmd{tag}{n}",
        "trigger_id": f"{n}.{tag}.trigger",
    }
    return urlencode(fields).encode(), FORM


def _interaction(payload: dict[str, Any]) -> Body:
    payload = {"team": {"id": TEAM_ID, "domain": "soga"}, "api_app_id": APP_ID, "token": "verification_token",
               "is_enterprise_install": False, **payload}
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def block_actions(n: int, tag: str = "B", text: str | None = None, action_id: str = "bench_button", value: str | None = None,
                  user: str | None = None) -> Body:
    user = user or _user(n)
    return _interaction({
        "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "trigger_id": f"{n}.{tag}.trigger", "response_url": f"{RESPONSE_URL_BASE}/response/act{tag}{n}",
        "container": {"type": "message", "message_ts": _ts(n), "channel_id": "C0GENERAL", "is_ephemeral": False},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "message": {"type": "message", "user": BOT_USER_ID, "ts": _ts(n), "text": "…"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "bench", "value": value if value is not None else (text or "1"),
                     "text": {"type": "plain_text", "text": "OK"}, "action_ts": _ts(n)}],
    })


def view_submission(n: int, tag: str = "B", text: str | None = None, callback_id: str = "bench_view",
                    values: Callable[[str], dict[str, Any]] | None = None, metadata: str = "", user: str | None = None) -> Body:
    user = user or _user(n)
    text = text if text is not None else "Une question"
    state = values(text) if values else {"q": {"q": {"type": "plain_text_input", "value": text}}}
    return _interaction({
        "type": "view_submission", "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "trigger_id": f"{n}.{tag}.trigger", "response_urls": [],
        "view": {"id": f"V{n:08d}", "type": "modal", "callback_id": callback_id, "private_metadata": metadata,
                 "title": {"type": "plain_text", "text": "SOGA"}, "blocks": [], "state": {"values": state}},
    })


def message_shortcut(n: int, tag: str = "B", text: str | None = None, callback_id: str = "bench_shortcut", user: str | None = None) -> Body:
    user = user or _user(n)
    return _interaction({
        "type": "message_action", "callback_id": callback_id, "user": {"id": user, "name": user.lower()},
        "channel": {"id": "C0GENERAL", "name": "general"}, "message_ts": _ts(n), "trigger_id": f"{n}.{tag}.trigger",
        "message": {"type": "message", "user": _user(n + 1), "ts": _ts(n), "text": text if text is not None else "Une question"},
        "response_url": f"{RESPONSE_URL_BASE}/response/sc{tag}{n}",
    })


Generator = Callable[..., Body]

# The load mix of the ack-latency benchmark (issue 8): seven kinds, in turn.
def _feedback_click(n: int, tag: str = "B", text: str | None = None, **kw: Any) -> Body:
    """👍 on an answer: the button members click most."""
    return block_actions(n, tag, text, action_id="kb_feedback_up", value=str(n % 1000 + 1), **kw)


def _cafe_question_submitted(n: int, tag: str = "B", text: str | None = None, **kw: Any) -> Body:
    """A question sent for the next café from its modal."""
    return view_submission(n, tag, text or "Comment utiliser l'IA dans une petite association ?", callback_id="cafe_ask_view",
                           values=_cafe_question, metadata=json.dumps({"cafe_id": 1}), **kw)


# The load of the ack benchmark: the bot's own buttons and modals, so each request takes the
# path a real one would (the bare app acks anything).
BENCH_MIX: list[tuple[str, Generator]] = [
    ("app_mention", app_mention),
    ("message.im", message_im),
    ("team_join", team_join),
    ("reaction_added", reaction_added),
    ("slash_command", slash_command),
    ("block_actions", _feedback_click),
    ("view_submission", _cafe_question_submitted),
]

def _text_input(block: str, action: str = "value") -> Callable[[str], dict[str, Any]]:
    return lambda text: {block: {action: {"type": "plain_text_input", "value": text}}}


def _cafe_form(text: str) -> dict[str, Any]:
    """The café modal with `text` in every free field and in the pickers' values."""
    return {
        "cafe_title": {"value": {"type": "plain_text_input", "value": text}},
        "cafe_date": {"value": {"type": "datepicker", "selected_date": text[:10] or "2026-12-03"}},
        "cafe_time": {"value": {"type": "timepicker", "selected_time": "18:30"}},
        "cafe_place": {"value": {"type": "plain_text_input", "value": text}},
        "cafe_channel": {"value": {"type": "conversations_select", "selected_conversation": text[:12] or "C0GENERAL"}},
        "cafe_close_date": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "cafe_close_time": {"value": {"type": "timepicker", "selected_time": text[:5]}},
        "cafe_approval": {"value": {"type": "checkboxes", "selected_options": [{"value": text[:20]}]}},
        "cafe_language": {"value": {"type": "static_select", "selected_option": {"value": text[:5]}}},
    }


def _cafe_question(text: str) -> dict[str, Any]:
    return {"cafe_question": {"value": {"type": "plain_text_input", "value": text}},
            "cafe_anonymous": {"value": {"type": "checkboxes", "selected_options": [{"value": "anonymous"}]}},
            "cafe_cafe": {"value": {"type": "static_select", "selected_option": {"value": text[:8]}}}}


def _select(block: str) -> Callable[[str], dict[str, Any]]:
    return lambda text: {block: {"value": {"type": "static_select", "selected_option": {"value": text[:20]}}}}


def _command(name: str) -> Generator:
    return partial(slash_command, command=name)


def _button(action_id: str) -> Generator:
    """The hostile text goes in the button's value, where the capability reads its ids."""
    return lambda n, tag="B", text=None, **kw: block_actions(n, tag, text, action_id=action_id, value=text, **kw)


def _modal(callback_id: str, values: Callable[[str], dict[str, Any]], metadata: Callable[[str], str] = lambda text: "") -> Generator:
    return lambda n, tag="B", text=None, **kw: view_submission(n, tag, text, callback_id=callback_id, values=values,
                                                               metadata=metadata(text or ""), **kw)


# The capabilities' own commands, buttons, modals and shortcuts (issues 3 to 7).
CAPABILITY_ENTRY_POINTS: list[tuple[str, Generator]] = [
    *[(f"command {name}", _command(name)) for name in ("/ask", "/cafe", "/digest", "/privacy", "/stats")],
    ("event app_home_opened", lambda n, tag="B", text=None, **kw: _event(
        {"type": "app_home_opened", "user": kw.get("user") or _user(n), "channel": dm_channel(kw.get("user") or _user(n)),
         "tab": text if text is not None else "home", "event_ts": _ts(n)}, n, tag)),
    *[(f"button {action}", _button(action)) for action in (
        "kb_feedback_up", "kb_feedback_down", "kb_handoff", "kb_save_open",
        "cafe_ask", "cafe_list", "cafe_vote", "cafe_add_anyway", "cafe_edit", "cafe_withdraw",
        "cafe_approve", "cafe_hide", "cafe_answer", "cafe_merge",
        "digest_approve", "digest_skip", "digest_retry", "digest_edit_intro",
        "privacy_export", "privacy_opt_out", "privacy_opt_in", "privacy_erase")],
    ("modal kb_save_view", _modal("kb_save_view", _text_input("kb_save_title", "kb_save_title_input"), lambda t: t)),
    ("modal digest_intro_modal", _modal("digest_intro_modal", _text_input("digest_intro_block", "digest_intro_input"), lambda t: t)),
    ("modal cafe_ask_view", _modal("cafe_ask_view", _cafe_question, lambda t: t)),
    ("modal cafe_edit_question_view", _modal("cafe_edit_question_view", _cafe_question, lambda t: t)),
    ("modal cafe_cafe_view", _modal("cafe_cafe_view", _cafe_form, lambda t: t)),
    ("modal cafe_merge_view", _modal("cafe_merge_view", _select("cafe_target"), lambda t: t)),
    ("modal privacy_erase_confirm", _modal("privacy_erase_confirm", lambda t: {}, lambda t: t)),
    *[(f"shortcut {cid}", partial(message_shortcut, callback_id=cid)) for cid in ("kb_save_message", "cafe_submit_message")],
]

# Every HTTP entry point, for the fuzz test. Capabilities add theirs to CAPABILITY_ENTRY_POINTS,
# e.g. ("button cafe_vote", _button("cafe_vote")).
ENTRY_POINTS: list[tuple[str, Generator]] = [
    *BENCH_MIX, ("block_actions (unknown id)", block_actions), ("view_submission (unknown id)", view_submission),
    ("message_shortcut", message_shortcut), *CAPABILITY_ENTRY_POINTS,
]


def mixed(n: int, tag: str = "B") -> tuple[str, Body]:
    name, generator = BENCH_MIX[n % len(BENCH_MIX)]
    return name, generator(n, tag)
