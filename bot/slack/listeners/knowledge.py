"""Slack listeners of the knowledge capability: DMs, mentions, /ask, thread follow-ups, the
Assistant panel, feedback, hand-off to staff and saving answers into the knowledge."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.core.roles import Permission
from bot.core.runtime import SlackEvent, payload_id, payload_json
from bot.core.services import Services
from bot.core.texts import CORE
from bot.knowledge import records
from bot.knowledge.asking import Question, answer_question
from bot.knowledge.channels import refresh_thread, thread_root
from bot.knowledge.service import KnowledgeBase, default_title, save_from_slack
from bot.knowledge.texts import KB_SLACK
from bot.slack.answering import EphemeralReply, SlackThread, quietly
from bot.slack.blocks import escape_mrkdwn
from bot.slack.blocks.knowledge import (
    FEEDBACK_DOWN, FEEDBACK_UP, HANDOFF, SAVE_CALLBACK, SAVE_TITLE_BLOCK, SAVE_TITLE_INPUT, SAVE_VIEW, gaps_section,
    save_modal, suggested_prompts,
)
from bot.slack.listeners.failures import failure_reporter
from bot.slack.listeners.wiring import ack_only, action, command, install, respond, shortcut, view
from integrations.slack_api import iter_pages

log = logging.getLogger(__name__)

MENTION = re.compile(r"<@[A-Z0-9]+>")


@dataclass(frozen=True)
class KnowledgeContext:
    services: Services
    kb: KnowledgeBase

    def lang(self, user_id: str | None) -> Any:
        return self.services.members.language(user_id)

    def can(self, user_id: str | None, permission: Permission) -> bool:
        return self.services.roles.can(user_id, permission)

    def refused(self, user_id: str | None, *, cached: bool = False) -> str:
        members = self.services.members
        lang = members.cached_language(user_id) if cached else members.language(user_id)
        return CORE("refused", lang, who=CORE("who_staff", lang))


# -- answering in messages ------------------------------------------------------------------------
def _answer(ctx: KnowledgeContext, client: Any, *, user_id: str, channel: str, text: str, surface: str,
            message_ts: str | None, thread_ts: str | None, quiet_if_unknown: bool = False, assistant: bool = False,
            team_id: str | None = None) -> None:
    lang = ctx.lang(user_id)
    thread = SlackThread(client, channel=channel, user_id=user_id, message_ts=message_ts, thread_ts=thread_ts, lang=lang,
                         can_hand_off=bool(ctx.services.settings.staff_channel), assistant=assistant, team_id=team_id)
    question = Question(user_id, channel, MENTION.sub("", text).strip(), surface, message_ts, thread_ts, quiet_if_unknown)
    answer_question(ctx.kb, ctx.services.db, ctx.services.clock, question, lang, thread)


def _team_id(event: SlackEvent) -> str | None:
    return event.event.get("team") or event.body.get("team_id")


def _bot_user_id(event: SlackEvent) -> str | None:
    auths = event.body.get("authorizations") or [{}]
    return auths[0].get("user_id")


def on_message(ctx: KnowledgeContext, event: SlackEvent) -> bool:
    db = ctx.services.db
    message = event.event
    if message.get("subtype") or message.get("bot_id") or not message.get("user"):
        return False
    user, channel, ts = message["user"], message["channel"], message["ts"]
    thread_ts = message.get("thread_ts")
    text = message.get("text", "")
    if message.get("channel_type") == "im":
        if records.is_small_talk(MENTION.sub("", text)):
            return False  # the core's help answers greetings
        if thread_ts:  # the Assistant panel, or a thread in the DM
            _answer(ctx, event.client, user_id=user, channel=channel, text=text, surface="assistant",
                    message_ts=ts, thread_ts=thread_ts, assistant=True, team_id=_team_id(event))
        else:
            _answer(ctx, event.client, user_id=user, channel=channel, text=text, surface="dm", message_ts=ts, thread_ts=None)
        return True
    bot_id = _bot_user_id(event)
    if bot_id and f"<@{bot_id}>" in text:
        return False  # the app_mention event answers it
    if thread_ts and thread_ts != ts and records.is_answered_thread(db, channel, thread_ts):
        _answer(ctx, event.client, user_id=user, channel=channel, text=text, surface="thread", message_ts=ts, thread_ts=thread_ts,
                team_id=_team_id(event))
        return True
    if not thread_ts and records.channel_mode(db, channel) == records.MODE_QUESTIONS and records.looks_like_question(text):
        _answer(ctx, event.client, user_id=user, channel=channel, text=text, surface="channel",
                message_ts=ts, thread_ts=ts, quiet_if_unknown=True, team_id=_team_id(event))
        return True
    return False


def relay_staff_reply(ctx: KnowledgeContext, event: SlackEvent) -> bool:
    message = event.event
    thread_ts = message.get("thread_ts")
    if (message.get("channel") != ctx.services.settings.staff_channel or not thread_ts or thread_ts == message.get("ts")
            or message.get("subtype") or message.get("bot_id")):
        return False
    handoff = records.handoff_for_staff_thread(ctx.services.db, message["channel"], thread_ts)
    if handoff is None or not ctx.can(message.get("user"), Permission.ANSWER_HANDOFF):
        return False
    meant = records.reply_for_member(message.get("text", ""))
    if meant is None:
        return False  # an internal note of the staff thread ("@karim tu peux regarder ?") stays internal
    lang = ctx.lang(handoff.user_id)
    event.client.chat_postMessage(
        channel=handoff.member_channel_id, thread_ts=handoff.member_thread_ts,
        text=KB_SLACK("relay", lang, staff=message["user"], text=meant),
    )
    quietly(event.client.reactions_add, channel=message["channel"], timestamp=message["ts"], name="outbox_tray")
    return True


def follow_channel_edit(ctx: KnowledgeContext, event: SlackEvent) -> bool:
    """An edited or deleted message of an opt-in knowledge channel: its thread's document is
    rebuilt (or removed), so the index never serves text its author took back."""
    from jobs.knowledge import slack_channel_ids

    message = event.event
    channel = message.get("channel")
    root = thread_root(message)
    if root is None or channel not in slack_channel_ids(ctx.services.settings):
        return False
    client = event.client

    def replies(channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        try:
            return list(iter_pages(client.conversations_replies, "messages", channel=channel_id, ts=thread_ts))
        except SlackApiError as exc:
            if exc.response.get("error") in ("thread_not_found", "message_not_found"):
                raise LookupError(thread_ts) from exc
            raise

    refresh_thread(ctx.services.db, channel, root, replies, ctx.services.clock(), embed=ctx.kb._embedder())
    return True


def on_mention(ctx: KnowledgeContext, event: SlackEvent) -> bool:
    mention = event.event
    if mention.get("bot_id") or not mention.get("user"):
        return False
    _answer(ctx, event.client, user_id=mention["user"], channel=mention["channel"], text=mention.get("text", ""),
            surface="mention", message_ts=mention["ts"], thread_ts=mention.get("thread_ts") or mention["ts"],
            team_id=_team_id(event))
    return True


def on_assistant_thread_started(ctx: KnowledgeContext, event: SlackEvent) -> bool:
    thread = event.event.get("assistant_thread") or {}
    title, prompts = suggested_prompts(ctx.lang(thread.get("user_id")))
    event.client.assistant_threads_setSuggestedPrompts(
        channel_id=thread.get("channel_id"), thread_ts=thread.get("thread_ts"), title=title, prompts=prompts
    )
    return True


def on_reaction(ctx: KnowledgeContext, event: SlackEvent) -> bool:
    """✅ by staff on a bot answer: offer to save the answer into the knowledge."""
    reaction = event.event
    item = reaction.get("item") or {}
    if reaction.get("reaction") != "white_check_mark" or item.get("type") != "message":
        return False
    if not ctx.can(reaction.get("user"), Permission.CURATE_KNOWLEDGE):
        return False
    # Slack gives no trigger_id with reactions, so the modal comes from a button in a DM.
    lang = ctx.lang(reaction.get("user"))
    value = json.dumps({"channel": item.get("channel"), "ts": item.get("ts")})
    event.client.chat_postEphemeral(
        channel=item.get("channel"), user=reaction["user"], text=KB_SLACK("save_title", lang),
        blocks=[{"type": "actions", "block_id": "kb_save", "elements": [
            {"type": "button", "action_id": "kb_save_open", "value": value,
             "text": {"type": "plain_text", "text": KB_SLACK("save_title", lang)}}]}],
    )
    return True


# -- /ask ---------------------------------------------------------------------------------------
def ack_ask(ctx: KnowledgeContext, ack, command):
    lang = ctx.services.members.cached_language(command.get("user_id"))
    text = (command.get("text") or "").strip()
    if not text:
        ack(response_type="ephemeral", text=KB_SLACK("empty_question", lang))
    elif text.split()[0].lower() == "mode":
        ack()
    else:
        ack(response_type="ephemeral", text=KB_SLACK("searching", lang))


def run_ask(ctx: KnowledgeContext, command, respond, client):
    user, text = command["user_id"], (command.get("text") or "").strip()
    if not text:
        return
    lang = ctx.lang(user)
    words = text.split()
    if words[0].lower() == "mode":
        _set_mode(ctx, respond, user, command.get("channel_id", ""), words[1:], lang)
        return
    question = Question(user, command.get("channel_id"), text, "command")
    reply = EphemeralReply(respond, can_hand_off=bool(ctx.services.settings.staff_channel))
    answer_question(ctx.kb, ctx.services.db, ctx.services.clock, question, lang, reply)


def _set_mode(ctx: KnowledgeContext, respond: Any, user: str, channel: str, args: list[str], lang: Any) -> None:
    if not ctx.can(user, Permission.SET_CHANNEL_MODE):
        respond(response_type="ephemeral", text=ctx.refused(user))
        return
    mode = records.MODE_QUESTIONS if args and args[0].lower() in ("questions", "question", "auto") else records.MODE_MENTION
    records.set_channel_mode(ctx.services.db, channel, mode, user, ctx.services.clock())
    respond(response_type="ephemeral", text=KB_SLACK("mode_set", lang, mode=KB_SLACK("mode_" + mode, lang)))


# -- buttons ------------------------------------------------------------------------------------
def feedback(ctx: KnowledgeContext, body, action, client):
    user = body["user"]["id"]
    lang = ctx.lang(user)
    value = "up" if action["action_id"] == FEEDBACK_UP else "down"
    question_id = payload_id(action.get("value"))
    recorded = bool(question_id) and records.record_feedback(ctx.services.db, question_id, user, value)
    if body.get("response_url"):
        WebhookClient(body["response_url"]).send(
            response_type="ephemeral", replace_original=False,
            text=KB_SLACK("feedback_thanks" if recorded else "feedback_not_yours", lang),
        )


def hand_off(ctx: KnowledgeContext, body, action, client):
    db, settings = ctx.services.db, ctx.services.settings
    user = body["user"]["id"]
    lang = ctx.lang(user)
    reply = _replier(body, client, user)
    question_id = payload_id(action.get("value"))
    row = records.question(db, question_id)
    if row is None or row.user_id != user:
        reply(KB_SLACK("feedback_not_yours", lang))
        return
    if records.handoff_exists(db, question_id):
        reply(KB_SLACK("handoff_already", lang))
        return
    if not settings.staff_channel:
        reply(KB_SLACK("handoff_unavailable", lang))
        return
    message_ts = (body.get("container") or {}).get("message_ts") or row.reply_ts
    channel = (body.get("channel") or {}).get("id") or row.channel_id
    link = ""
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=message_ts)["permalink"]
    except SlackApiError:
        log.warning("no permalink for %s/%s", channel, message_ts)
    posted = client.chat_postMessage(
        channel=settings.staff_channel,
        text=KB_SLACK("handoff_staff", "fr", user=user, question=escape_mrkdwn(row.question), link=link),
    )
    records.record_handoff(db, question_id, user_id=user, member_channel_id=channel, member_thread_ts=row.thread_ts,
                           staff_channel_id=posted["channel"], staff_ts=posted["ts"], now=ctx.services.clock())
    reply(KB_SLACK("handoff_done", lang))


# -- saving into the knowledge (staff) ----------------------------------------------------------
def _open_save_modal(ctx: KnowledgeContext, client: Any, trigger_id: str, user: str, channel: str, ts: str, text: str) -> None:
    metadata = json.dumps({"channel": channel, "ts": ts})
    client.views_open(trigger_id=trigger_id, view=save_modal(default_title(text), text, ctx.lang(user), metadata))


def on_shortcut(ctx: KnowledgeContext, ack, shortcut, client):
    user = shortcut["user"]["id"]
    if not ctx.can(user, Permission.CURATE_KNOWLEDGE):
        ack()
        WebhookClient(shortcut["response_url"]).send(response_type="ephemeral", text=ctx.refused(user, cached=True))
        return
    ack()
    message = shortcut.get("message") or {}
    _open_save_modal(ctx, client, shortcut["trigger_id"], user, shortcut["channel"]["id"], message.get("ts", ""), message_text(message))


def on_save_button(ctx: KnowledgeContext, ack, body, action, client):
    ack()
    user = body["user"]["id"]
    if not ctx.can(user, Permission.CURATE_KNOWLEDGE):
        _replier(body, client, user)(ctx.refused(user))
        return
    target = message_ref(payload_json(action.get("value")))
    if target is None:
        return
    found = client.conversations_replies(channel=target["channel"], ts=target["ts"], limit=1).get("messages", [])
    message = next((m for m in found if m.get("ts") == target["ts"]), found[0] if found else {})
    _open_save_modal(ctx, client, body["trigger_id"], user, target["channel"], target["ts"], message_text(message))


def _save_title(view: dict[str, Any]) -> str:
    return (view["state"]["values"].get(SAVE_TITLE_BLOCK, {}).get(SAVE_TITLE_INPUT, {}).get("value") or "").strip()


def ack_save(ctx: KnowledgeContext, ack, body, view):
    user = body["user"]["id"]
    if not ctx.can(user, Permission.CURATE_KNOWLEDGE):
        ack(response_action="errors", errors={SAVE_TITLE_BLOCK: ctx.refused(user, cached=True)})
        return
    if not _save_title(view):
        ack(response_action="errors", errors={SAVE_TITLE_BLOCK: KB_SLACK("save_label", ctx.lang(user))})
        return
    ack()


def run_save(ctx: KnowledgeContext, body, view, client):
    user = body["user"]["id"]
    if not ctx.can(user, Permission.CURATE_KNOWLEDGE):
        return
    lang = ctx.lang(user)
    target = message_ref(payload_json(view.get("private_metadata")))
    if target is None:
        return
    title = (view["state"]["values"][SAVE_TITLE_BLOCK][SAVE_TITLE_INPUT].get("value") or "").strip()
    found = client.conversations_replies(channel=target["channel"], ts=target["ts"], limit=1).get("messages", [])
    message = next((m for m in found if m.get("ts") == target["ts"]), None)
    if message is None:
        return
    try:
        ref = client.chat_getPermalink(channel=target["channel"], message_ts=target["ts"])["permalink"]
    except SlackApiError:
        ref = f"slack:{target['channel']}/{target['ts']}"
    save_from_slack(ctx.kb, channel_id=target["channel"], ts=target["ts"], title=title, text=message_text(message), ref=ref, user_id=user)
    client.chat_postMessage(channel=user, text=KB_SLACK("saved", lang, title=title))


# -- App Home: gaps for staff -------------------------------------------------------------------
def home_gaps(ctx: KnowledgeContext, user_id: str, role: Any, lang: str) -> list[dict[str, Any]]:
    if not ctx.can(user_id, Permission.CURATE_KNOWLEDGE):
        return []
    since = ctx.services.clock() - timedelta(days=30)
    return gaps_section(records.recent_gaps(ctx.services.db, since), lang)  # type: ignore[arg-type]


def message_ref(data: dict[str, Any]) -> dict[str, str] | None:
    """{"channel", "ts"} of the message a save button or modal is about; None if malformed."""
    channel, ts = data.get("channel"), data.get("ts")
    if isinstance(channel, str) and isinstance(ts, str) and channel and ts:
        return {"channel": channel, "ts": ts}
    return None


def message_text(message: dict[str, Any]) -> str:
    """A message's text; for bot answers (Block Kit), the text of its sections."""
    sections = [b["text"]["text"] for b in message.get("blocks") or [] if b.get("type") == "section" and isinstance(b.get("text"), dict)]
    return "\n".join(sections) if sections else message.get("text", "")


def _replier(body: dict[str, Any], client: Any, user: str):
    def reply(text: str) -> None:
        if body.get("response_url"):
            WebhookClient(body["response_url"]).send(response_type="ephemeral", replace_original=False, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)

    return reply


def register(app: App, services: Services) -> None:
    settings = services.settings
    kb = KnowledgeBase(services.db, llm=services.llm, extra_dir=settings.knowledge_dir, clock=services.clock)
    services.extras["knowledge"] = kb
    install(app, services, KnowledgeContext(services, kb), failure_reporter(services), listeners=[
        command("/ask", ack_ask, run_ask),
        action(FEEDBACK_UP, ack_only, feedback),
        action(FEEDBACK_DOWN, ack_only, feedback),
        action(HANDOFF, ack_only, hand_off),
        shortcut(SAVE_CALLBACK, on_shortcut, report=True),
        action("kb_save_open", on_save_button, report=True),
        view(SAVE_VIEW, ack_save, run_save),
    ], events=[
        respond("message", on_message, priority=50),
        respond("message", relay_staff_reply, priority=45),
        respond("message", follow_channel_edit, priority=40),
        respond("app_mention", on_mention, priority=50),
        respond("assistant_thread_started", on_assistant_thread_started, priority=50),
        respond("reaction_added", on_reaction, priority=50),
    ], home=[(60, home_gaps)])
