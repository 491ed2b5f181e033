"""Every staff and facilitator action, forged by a plain member, is refused and has no effect.

Permission is checked where the action happens (the command, the button, the view submission,
the shortcut, the event), not by hiding buttons, so each forged payload here is the real one a
staff member would send, signed, with MEMBER as the user. A capability adds a `Forgery` per
action to FORGERIES; `test_every_permission_has_a_forgery` fails until each permission is covered.

"No effect" is checked twice over: no table changed (a row-by-row snapshot of every table, taken
after the setup and again after the forged request), and the Slack stand-in recorded no call but
the refusal itself (an ephemeral note, a response_url answer, a DM to the member).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from bot.console.slack_standin import BOT_USER_ID
from bot.digest.service import workflow_for
from bot.core.roles import Permission
from bot.store.registry import metadata
from tests.bot.cafe.cafe_support import ask_form, cafe_form, cafes, create_cafe
from tests.bot.digest.helpers import WEEK
from tests.support import FACILITATOR, MEMBER, STAFF, STAFF_CHANNEL, BotHarness

OTHER = "U0OTHER"
REFUSAL = ("réservée", "reserved")
# Tables a member's mere presence may touch (their profile cache, the event ledger) and, for
# forged events, what the observers record of any public message or reaction (digest).
ALWAYS_IGNORED = frozenset({"members", "processed_events"})
OBSERVED = frozenset({"digest_threads", "digest_links", "growth_activity", "growth_member_weeks", "growth_member_months", "growth_weeks"})


@dataclass(frozen=True)
class Forgery:
    name: str
    permission: Permission
    # Sends the payload as `user` and returns what the checks need (an HTTP result, a key...).
    send: Callable[[BotHarness, str, Any], object]
    # True when the member was told no, from the HTTP answer or from what Slack recorded.
    refused: Callable[[BotHarness, "Sent"], bool]
    # Builds the state the staff action would act on (as staff); its result is passed to send.
    setup: Callable[[BotHarness], Any] = lambda bot: None
    # A specific sign the action happened anyway, on top of the generic checks.
    took_effect: Callable[[BotHarness, "Sent"], bool] = lambda bot, sent: False
    ignore_tables: frozenset[str] = field(default=frozenset())
    # Slack calls a member may cause too (e.g. their own App Home being drawn).
    allowed_calls: frozenset[str] = field(default=frozenset())


@dataclass(frozen=True)
class Sent:
    """A forged request: its HTTP answer, its response_url key (commands) and where Slack's
    record stood before it."""

    result: Any
    key: str | None
    since: int

    @property
    def json(self) -> dict[str, Any]:
        return self.result.json if self.result.body else {}


# -- what a refusal looks like -------------------------------------------------------------
def _member_notes(bot: BotHarness, sent: Sent) -> list[str]:
    """Everything the bot told the member since the forgery: ephemerals, responses, DMs."""
    notes = []
    for item in bot.slack.feed_since(sent.since):
        data = item.data
        if item.kind == "ephemeral" and data.get("user") == MEMBER:
            notes.append(json.dumps(data, ensure_ascii=False))
        elif item.kind == "response":
            notes.append(json.dumps(data, ensure_ascii=False))
        elif item.kind == "message" and data.get("channel") in (bot.slack.dm_channel(MEMBER), MEMBER):
            notes.append(json.dumps(data, ensure_ascii=False))
    return notes


def told_no(bot: BotHarness, sent: Sent) -> bool:
    """In the ack itself (the HTTP answer), or afterwards in Slack."""
    notes = [json.dumps(sent.json, ensure_ascii=False), *_member_notes(bot, sent)]
    return any(any(word in note for word in REFUSAL) for note in notes)


def ack_errors(bot: BotHarness, sent: Sent) -> bool:
    """A modal refused in place: Slack shows the error under the field, the modal stays open."""
    body = sent.json
    return body.get("response_action") == "errors" and any(w in json.dumps(body["errors"], ensure_ascii=False) for w in REFUSAL)


def ignored(_bot: BotHarness, _sent: Sent) -> bool:
    """For events (a reaction, a message in a thread) there is no one to answer: the bot stays
    silent, which the generic no-effect checks verify."""
    return True


# -- forging -------------------------------------------------------------------------------
def command(name: str, text: str, channel: str | None = None) -> Callable[[BotHarness, str, Any], object]:
    def send(bot: BotHarness, user: str, _ctx: Any) -> object:
        return bot.command(user, name, text, channel=channel)

    return send


def button(action_id: str, value: Callable[[Any], str], channel: str = "C0GENERAL") -> Callable[[BotHarness, str, Any], object]:
    def send(bot: BotHarness, user: str, ctx: Any) -> object:
        return bot.client.block_action(user, {"type": "button", "action_id": action_id, "block_id": "forged", "value": value(ctx)},
                                       channel_id=channel)

    return send


def submission(callback_id: str, values: Callable[[Any], dict], metadata_: Callable[[Any], str] = lambda ctx: "") -> Callable[[BotHarness, str, Any], object]:
    def send(bot: BotHarness, user: str, ctx: Any) -> object:
        view = {"id": "V0FORGED", "type": "modal", "callback_id": callback_id, "private_metadata": metadata_(ctx)}
        return bot.client.view_submission(user, view, values(ctx))

    return send


# -- setups (done as staff / facilitators, as in real life) -------------------------------
def digest_draft(bot: BotHarness) -> str:
    workflow_for(bot.services).run_weekly(WEEK)
    return WEEK


def a_cafe_with_questions(bot: BotHarness) -> dict[str, int]:
    bot.slack.add_user(OTHER, "dominique")
    cafe_id = create_cafe(bot)
    bot.dm(OTHER, "question pour le café : Quels financements pour un projet IA ?")
    bot.dm(OTHER, "question pour le café : Faut-il une charte éthique ?")
    first, second = sorted(q.id for q in cafes(bot).questions(cafe_id))
    return {"cafe": cafe_id, "first": first, "second": second}


def a_pending_question(bot: BotHarness) -> dict[str, int]:
    bot.slack.add_user(OTHER, "dominique")
    cafe_id = create_cafe(bot, approval=True)
    bot.dm(OTHER, "question pour le café : Une question à valider ?")
    (question,) = cafes(bot).questions(cafe_id, moderation=True)
    return {"cafe": cafe_id, "first": question.id}


def a_closed_cafe(bot: BotHarness) -> dict[str, int]:
    cafe_id = create_cafe(bot)
    bot.command(FACILITATOR, "/cafe", "close")
    return {"cafe": cafe_id}


def no_moderation_controls(bot: BotHarness, sent: Sent) -> bool:
    """`/cafe questions` is open to all, but a member gets the member list: no moderation
    buttons and no hidden or pending question."""
    responses = bot.responses(sent.key or "")
    text = json.dumps(responses, ensure_ascii=False)
    return bool(responses) and not any(f'"{a}"' in text for a in ("cafe_hide", "cafe_approve", "cafe_answer", "cafe_merge"))


def a_hidden_question(bot: BotHarness) -> dict[str, int]:
    ids = a_cafe_with_questions(bot)
    bot.client.block_action(FACILITATOR, {"action_id": "cafe_hide", "value": str(ids["first"])})
    bot.wait_idle()
    return ids


def hidden_question_shown(bot: BotHarness, sent: Sent) -> bool:
    return "Quels financements" in json.dumps(bot.responses(sent.key or ""), ensure_ascii=False)


def a_message_to_save(bot: BotHarness) -> dict[str, str]:
    message = bot.slack.add_message("C0ENTRAIDE", STAFF, "Le goûter des bénévoles a lieu chaque vendredi à 16h.")
    return {"channel": "C0ENTRAIDE", "ts": message["ts"], "message": message}


def a_bot_answer(bot: BotHarness) -> dict[str, str]:
    bot.dm(MEMBER, "Qui finance DIGISET ?")
    reply = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))[-1]
    return {"channel": bot.slack.dm_channel(MEMBER), "ts": reply["ts"]}


def react(bot: BotHarness, user: str, ctx: dict[str, str]) -> object:
    return bot.client.send_event({"type": "reaction_added", "user": user, "reaction": "white_check_mark", "item_user": BOT_USER_ID,
                                  "item": {"type": "message", "channel": ctx["channel"], "ts": ctx["ts"]}, "event_ts": ctx["ts"]})


def a_handoff(bot: BotHarness) -> dict[str, str]:
    bot.slack.add_user(OTHER, "dominique")
    bot.dm(OTHER, "Quelle est la recette de la tarte tatin ?")
    dm = bot.slack.dm_channel(OTHER)
    reply = bot.slack.bot_messages(dm)[-1]
    handoff = next(e for b in reply["blocks"] if b.get("type") == "actions" for e in b["elements"] if e["action_id"] == "kb_handoff")
    bot.client.block_action(OTHER, handoff, channel_id=dm, message=reply)
    bot.wait_idle()
    return {"staff_ts": bot.slack.bot_messages(STAFF_CHANNEL)[-1]["ts"], "dm": dm}


def reply_in_staff_thread(bot: BotHarness, user: str, ctx: dict[str, str]) -> object:
    return bot.post(user, STAFF_CHANNEL, "Réponse forgée : venez tous à 3h du matin", thread_ts=ctx["staff_ts"])


def a_member_with_data(bot: BotHarness) -> dict[str, str]:
    bot.slack.add_user(OTHER, "dominique")
    bot.dm(OTHER, "bonjour")
    bot.dm(OTHER, "Qui finance DIGISET ?")
    return {"victim": OTHER}


def erase_notice(bot: BotHarness, sent: Sent) -> bool:
    """The modal turns into a notice: this is not your erase request."""
    return sent.json.get("response_action") == "update" and bool(sent.json.get("view"))


def victim_erased(bot: BotHarness, _sent: Sent) -> bool:
    from bot.store.models import Member

    with bot.services.db.read_session() as session:
        return session.get(Member, OTHER) is None


INTRO = {"digest_intro_block": {"digest_intro_input": {"type": "plain_text_input", "value": "Intro forgée"}}}
SAVE = {"kb_save_title": {"kb_save_title_input": {"type": "plain_text_input", "value": "Titre forgé"}}}

FORGERIES: list[Forgery] = [
    # digest (issue 5)
    *[Forgery(f"/digest {verb}", Permission.MANAGE_DIGEST, command("/digest", verb), told_no, setup=digest_draft)
      for verb in ("preview", "send-now", "status", f"send-now {WEEK}", "")],
    *[Forgery(f"{action} button", Permission.MANAGE_DIGEST, button(action, lambda week: week, STAFF_CHANNEL), told_no, setup=digest_draft)
      for action in ("digest_approve", "digest_skip", "digest_retry", "digest_edit_intro")],
    Forgery("digest intro modal", Permission.MANAGE_DIGEST,
            submission("digest_intro_modal", lambda week: INTRO, lambda week: f"{week}|{STAFF_CHANNEL}|1"), ack_errors, setup=digest_draft),
    # knowledge (issue 3)
    Forgery("kb_save_message shortcut", Permission.CURATE_KNOWLEDGE,
            lambda bot, user, ctx: bot.client.message_shortcut(user, "kb_save_message", ctx["channel"], ctx["message"]),
            told_no, setup=a_message_to_save),
    Forgery("kb_save_open button (save from a ✅ reaction)", Permission.CURATE_KNOWLEDGE,
            button("kb_save_open", lambda ctx: json.dumps({"channel": ctx["channel"], "ts": ctx["ts"]}), "C0ENTRAIDE"),
            told_no, setup=a_message_to_save),
    Forgery("kb save modal", Permission.CURATE_KNOWLEDGE,
            submission("kb_save_view", lambda ctx: SAVE, lambda ctx: json.dumps({"channel": ctx["channel"], "ts": ctx["ts"]})),
            ack_errors, setup=a_message_to_save),
    Forgery("✅ reaction on a bot answer", Permission.CURATE_KNOWLEDGE, react, ignored, setup=a_bot_answer, ignore_tables=OBSERVED),
    Forgery("/ask mode questions", Permission.SET_CHANNEL_MODE, command("/ask", "mode questions", "C0ENTRAIDE"), told_no),
    Forgery("/ask mode mention", Permission.SET_CHANNEL_MODE, command("/ask", "mode mention", "C0ENTRAIDE"), told_no),
    Forgery("reply in a staff hand-off thread", Permission.ANSWER_HANDOFF, reply_in_staff_thread, ignored, setup=a_handoff,
            took_effect=lambda bot, _sent: any("forgée" in m.get("text", "") for m in bot.slack.bot_messages()), ignore_tables=OBSERVED),
    # café (issue 6)
    *[Forgery(f"/cafe {verb}", Permission.MANAGE_CAFE, command("/cafe", verb, "C0GENERAL"), told_no, setup=a_cafe_with_questions)
      for verb in ("new", "edit", "themes", "export", "export csv", "close")],
    Forgery("/cafe reopen", Permission.MANAGE_CAFE, command("/cafe", "reopen"), told_no, setup=a_closed_cafe),
    Forgery("café modal (new)", Permission.MANAGE_CAFE, submission("cafe_cafe_view", lambda ctx: cafe_form(), lambda ctx: "{}"), ack_errors),
    Forgery("café modal (edit)", Permission.MANAGE_CAFE,
            submission("cafe_cafe_view", lambda ctx: cafe_form(title="Café détourné"), lambda ctx: json.dumps({"cafe_id": ctx["cafe"]})),
            ack_errors, setup=a_cafe_with_questions),
    Forgery("/cafe questions (moderation part)", Permission.MODERATE_CAFE, command("/cafe", "questions"), no_moderation_controls,
            setup=a_hidden_question, took_effect=hidden_question_shown),
    Forgery("cafe_approve button", Permission.MODERATE_CAFE, button("cafe_approve", lambda ctx: str(ctx["first"])), told_no,
            setup=a_pending_question),
    *[Forgery(f"{action} button", Permission.MODERATE_CAFE, button(action, lambda ctx: str(ctx["first"])), told_no, setup=a_cafe_with_questions)
      for action in ("cafe_hide", "cafe_answer", "cafe_merge")],
    Forgery("café merge modal", Permission.MODERATE_CAFE,
            submission("cafe_merge_view", lambda ctx: {"cafe_target": {"value": {"type": "static_select", "selected_option": {"value": str(ctx["second"])}}}},
                       lambda ctx: json.dumps({"question_id": ctx["first"]})), ack_errors, setup=a_cafe_with_questions),
    Forgery("café edit of someone else's question", Permission.MODERATE_CAFE,
            submission("cafe_edit_question_view", lambda ctx: ask_form("Question réécrite"), lambda ctx: json.dumps({"question_id": ctx["first"]})),
            lambda bot, sent: sent.json.get("response_action") == "errors", setup=a_cafe_with_questions),
    Forgery("cafe_withdraw of someone else's question", Permission.MODERATE_CAFE, button("cafe_withdraw", lambda ctx: str(ctx["first"])),
            lambda bot, sent: bool(_member_notes(bot, sent)), setup=a_cafe_with_questions),
    # privacy (issue 7): erasing someone else's data is what MANAGE_PRIVACY_REQUESTS names; in
    # Slack nobody may do it (staff use `sogabot privacy erase`), so the erase modal only ever
    # erases the presser, whatever its private_metadata says.
    Forgery("privacy erase modal for someone else", Permission.MANAGE_PRIVACY_REQUESTS,
            submission("privacy_erase_confirm", lambda ctx: {}, lambda ctx: ctx["victim"]), erase_notice,
            setup=a_member_with_data, took_effect=victim_erased),
]

def open_home(bot: BotHarness, user: str, _ctx: Any) -> object:
    return bot.client.send_event({"type": "app_home_opened", "user": user, "channel": bot.slack.dm_channel(user), "tab": "home"})


def growth_home_shown(bot: BotHarness, _sent: Sent) -> bool:
    from bot.growth.texts import GROWTH

    home = json.dumps(bot.slack.ws.homes.get(MEMBER, {}), ensure_ascii=False)
    return not bot.slack.ws.homes.get(MEMBER) or any(GROWTH("home_title", lang) in home for lang in ("fr", "en"))


FORGERIES += [
    # growth (issue 4)
    *[Forgery(f"/stats {text}".strip(), Permission.VIEW_STATS, command("/stats", text), told_no) for text in ("", "export", "2026-11-01")],
    Forgery("App Home staff dashboard", Permission.VIEW_STATS, open_home, ignored, took_effect=growth_home_shown,
            ignore_tables=OBSERVED, allowed_calls=frozenset({"home"})),
]

# Permissions whose actions arrive with a capability not merged yet. Move each to FORGERIES
# when its capability lands; the lead empties this list.
NOT_YET_MERGED: dict[Permission, str] = {}


def test_every_permission_has_a_forgery() -> None:
    covered = {forgery.permission for forgery in FORGERIES}
    missing = [p.value for p in Permission if p not in covered and p not in NOT_YET_MERGED]
    assert not missing, f"staff/facilitator actions with no forged-payload test: {missing}"


def _snapshot(bot: BotHarness, ignore: frozenset[str]) -> dict[str, list[str]]:
    found = {}
    with bot.services.db.read_session() as session:
        for table in metadata().sorted_tables:
            if table.name in ignore:
                continue
            found[table.name] = sorted(repr(tuple(row)) for row in session.execute(select(table)))
    return found


def _slack_effects(bot: BotHarness, since: int, allowed: frozenset[str]) -> list[tuple[str, dict]]:
    """Calls other than telling the member: anything posted elsewhere, a modal, a file, an edit."""
    own_dm = bot.slack.dm_channel(MEMBER)
    effects = []
    for item in bot.slack.feed_since(since):
        if item.kind in ("ephemeral", "response") or item.kind in allowed:
            continue
        if item.kind == "message" and item.data.get("channel") in (own_dm, MEMBER):
            continue
        effects.append((item.kind, item.data))
    return effects


@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.name for f in FORGERIES])
def test_a_member_forging_a_staff_action_is_refused_without_effect(bot: BotHarness, forgery: Forgery) -> None:
    assert not bot.services.roles.can(MEMBER, forgery.permission)
    context = forgery.setup(bot)
    bot.wait_idle()
    ignore = ALWAYS_IGNORED | forgery.ignore_tables
    before, since = _snapshot(bot, ignore), (bot.slack.feed[-1].seq if bot.slack.feed else 0)
    outcome = forgery.send(bot, MEMBER, context)
    bot.wait_idle()
    result, key = outcome if isinstance(outcome, tuple) else (outcome, None)
    sent = Sent(result, key, since)
    assert result.status == 200, result.body[:200]
    assert forgery.refused(bot, sent), _member_notes(bot, sent)
    assert _slack_effects(bot, since, forgery.allowed_calls) == []
    assert _snapshot(bot, ignore) == before
    assert not forgery.took_effect(bot, sent)
