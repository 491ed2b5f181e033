"""Slack listeners of the knowledge capability: DMs, mentions, /ask, thread follow-ups, the
Assistant panel, feedback, hand-off to staff and saving answers into the knowledge."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.core.i18n import Lang
from bot.knowledge import records
from bot.knowledge.answer import Answer
from bot.slack.blocks.knowledge import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    HANDOFF,
    SAVE_CALLBACK,
    SAVE_TITLE_BLOCK,
    SAVE_TITLE_INPUT,
    SAVE_VIEW,
    answer_blocks,
    fallback_text,
    gaps_section,
    safe_answer_text,
    save_modal,
    suggested_prompts,
    tail_blocks,
)
from bot.knowledge.service import KnowledgeBase, default_title, save_from_slack
from bot.knowledge.texts import KB_SLACK
from bot.core.roles import Permission
from bot.core.runtime import SlackEvent, payload_id, payload_json, reported
from bot.slack.listeners.failures import failure_reporter
from bot.core.services import Services
from bot.core.texts import CORE

log = logging.getLogger(__name__)

MENTION = re.compile(r"<@[A-Z0-9]+>")
STREAM_BUFFER = 40


def register(app: App, services: Services) -> None:
    settings = services.settings
    db = services.db
    kb = KnowledgeBase(db, llm=services.llm, extra_dir=settings.knowledge_dir, clock=services.clock)
    services.extras["knowledge"] = kb
    tell_member = failure_reporter(services)

    def lang_of(user_id: str | None) -> Lang:
        return services.members.language(user_id)

    # -- answering ---------------------------------------------------------------------------
    def history(client: Any, channel: str, thread_ts: str, current_ts: str) -> list[tuple[str, str]]:
        try:
            messages = client.conversations_replies(channel=channel, ts=thread_ts, limit=20).get("messages", [])
        except SlackApiError:
            return []
        return [("assistant" if m.get("bot_id") else "member", m.get("text", "")) for m in messages if m.get("ts") != current_ts]

    def answer_question(
        client: Any, *, user_id: str, channel: str, text: str, surface: str, message_ts: str | None,
        thread_ts: str | None, quiet_if_unknown: bool = False, assistant: bool = False,
    ) -> None:
        """Show a sign at once, answer, and always reply something."""
        question = MENTION.sub("", text).strip()
        lang = lang_of(user_id)
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=KB_SLACK("empty_question", lang))
            return
        if records.over_rate_limit(db, user_id, services.clock()):
            if not quiet_if_unknown:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=KB_SLACK("rate_limited", lang))
            return
        if not quiet_if_unknown:
            show_working(client, channel, message_ts, thread_ts, lang, assistant)
        conversation = history(client, channel, thread_ts, message_ts or "") if (kb.llm and thread_ts and thread_ts != message_ts) else None
        streamer = Streamer(client, channel, thread_ts, user_id) if kb.llm is not None and thread_ts else None
        answer = kb.ask(question, lang, history=conversation, on_delta=streamer.append if streamer else None)
        if quiet_if_unknown and not answer.answered:
            return
        answer.question_id = records.log_question(
            db, answer, user_id=user_id, surface=surface, channel_id=channel, thread_ts=thread_ts or message_ts, now=services.clock()
        )
        can_hand_off = bool(settings.staff_channel)
        reply_ts = streamer.finish(answer, lang, can_hand_off) if streamer else None
        if reply_ts is None:
            response = client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=fallback_text(answer),
                blocks=answer_blocks(answer, can_hand_off=can_hand_off),
            )
            reply_ts = response.get("ts")
        records.set_reply_ts(db, answer.question_id, reply_ts)
        if assistant:
            _quietly(client.assistant_threads_setStatus, channel_id=channel, thread_ts=thread_ts, status="")

    def show_working(client: Any, channel: str, message_ts: str | None, thread_ts: str | None, lang: Lang, assistant: bool) -> None:
        if assistant and thread_ts:
            _quietly(client.assistant_threads_setStatus, channel_id=channel, thread_ts=thread_ts, status=KB_SLACK("thinking", lang))
        elif message_ts:
            _quietly(client.reactions_add, channel=channel, timestamp=message_ts, name="eyes")

    # -- events ------------------------------------------------------------------------------
    def bot_user_id(event: SlackEvent) -> str | None:
        auths = event.body.get("authorizations") or [{}]
        return auths[0].get("user_id")

    def on_message(event: SlackEvent) -> bool:
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
                answer_question(event.client, user_id=user, channel=channel, text=text, surface="assistant",
                                message_ts=ts, thread_ts=thread_ts, assistant=True)
            else:
                answer_question(event.client, user_id=user, channel=channel, text=text, surface="dm",
                                message_ts=ts, thread_ts=None)
            return True
        bot_id = bot_user_id(event)
        if bot_id and f"<@{bot_id}>" in text:
            return False  # the app_mention event answers it
        if thread_ts and thread_ts != ts and records.is_answered_thread(db, channel, thread_ts):
            answer_question(event.client, user_id=user, channel=channel, text=text, surface="thread",
                            message_ts=ts, thread_ts=thread_ts)
            return True
        if not thread_ts and records.channel_mode(db, channel) == records.MODE_QUESTIONS and records.looks_like_question(text):
            answer_question(event.client, user_id=user, channel=channel, text=text, surface="channel",
                            message_ts=ts, thread_ts=ts, quiet_if_unknown=True)
            return True
        return False

    services.router.respond("message", on_message, priority=50)

    def relay_staff_reply(event: SlackEvent) -> bool:
        message = event.event
        thread_ts = message.get("thread_ts")
        if (message.get("channel") != settings.staff_channel or not thread_ts or thread_ts == message.get("ts")
                or message.get("subtype") or message.get("bot_id")):
            return False
        handoff = records.handoff_for_staff_thread(db, message["channel"], thread_ts)
        if handoff is None or not services.roles.can(message.get("user"), Permission.ANSWER_HANDOFF):
            return False
        lang = lang_of(handoff.user_id)
        event.client.chat_postMessage(
            channel=handoff.member_channel_id, thread_ts=handoff.member_thread_ts,
            text=KB_SLACK("relay", lang, staff=message["user"], text=message.get("text", "")),
        )
        _quietly(event.client.reactions_add, channel=message["channel"], timestamp=message["ts"], name="outbox_tray")
        return True

    services.router.respond("message", relay_staff_reply, priority=45)

    def on_mention(event: SlackEvent) -> bool:
        mention = event.event
        if mention.get("bot_id") or not mention.get("user"):
            return False
        answer_question(event.client, user_id=mention["user"], channel=mention["channel"], text=mention.get("text", ""),
                        surface="mention", message_ts=mention["ts"], thread_ts=mention.get("thread_ts") or mention["ts"])
        return True

    services.router.respond("app_mention", on_mention, priority=50)

    def on_assistant_thread_started(event: SlackEvent) -> bool:
        thread = event.event.get("assistant_thread") or {}
        lang = lang_of(thread.get("user_id"))
        title, prompts = suggested_prompts(lang)
        event.client.assistant_threads_setSuggestedPrompts(
            channel_id=thread.get("channel_id"), thread_ts=thread.get("thread_ts"), title=title, prompts=prompts
        )
        return True

    services.router.respond("assistant_thread_started", on_assistant_thread_started, priority=50)

    def on_reaction(event: SlackEvent) -> bool:
        """✅ by staff on a bot answer: offer to save the answer into the knowledge."""
        reaction = event.event
        item = reaction.get("item") or {}
        if reaction.get("reaction") != "white_check_mark" or item.get("type") != "message":
            return False
        if not services.roles.can(reaction.get("user"), Permission.CURATE_KNOWLEDGE):
            return False
        # Slack gives no trigger_id with reactions, so the modal comes from a button in a DM.
        lang = lang_of(reaction.get("user"))
        value = json.dumps({"channel": item.get("channel"), "ts": item.get("ts")})
        event.client.chat_postEphemeral(
            channel=item.get("channel"), user=reaction["user"], text=KB_SLACK("save_title", lang),
            blocks=[{"type": "actions", "block_id": "kb_save", "elements": [
                {"type": "button", "action_id": "kb_save_open", "value": value,
                 "text": {"type": "plain_text", "text": KB_SLACK("save_title", lang)}}]}],
        )
        return True

    services.router.respond("reaction_added", on_reaction, priority=50)

    # -- /ask --------------------------------------------------------------------------------
    def ack_ask(ack, command):  # type: ignore[no-untyped-def]
        lang = services.members.cached_language(command.get("user_id"))
        text = (command.get("text") or "").strip()
        if not text:
            ack(response_type="ephemeral", text=KB_SLACK("empty_question", lang))
        elif text.split()[0].lower() == "mode":
            ack()
        else:
            ack(response_type="ephemeral", text=KB_SLACK("searching", lang))

    def run_ask(command, respond, client):  # type: ignore[no-untyped-def]
        user, text = command["user_id"], (command.get("text") or "").strip()
        if not text:
            return
        lang = lang_of(user)
        words = text.split()
        if words[0].lower() == "mode":
            set_mode(respond, user, command.get("channel_id", ""), words[1:], lang)
            return
        if records.over_rate_limit(db, user, services.clock()):
            respond(response_type="ephemeral", replace_original=False, text=KB_SLACK("rate_limited", lang))
            return
        answer = kb.ask(text, lang)
        answer.question_id = records.log_question(db, answer, user_id=user, surface="command",
                                                  channel_id=command.get("channel_id"), thread_ts=None, now=services.clock())
        respond(response_type="ephemeral", replace_original=False, text=fallback_text(answer),
                blocks=answer_blocks(answer, can_hand_off=bool(settings.staff_channel)))

    def set_mode(respond, user: str, channel: str, args: list[str], lang: Lang) -> None:  # type: ignore[no-untyped-def]
        if not services.roles.can(user, Permission.SET_CHANNEL_MODE):
            respond(response_type="ephemeral", text=CORE("refused", lang, who=CORE("who_staff", lang)))
            return
        mode = records.MODE_QUESTIONS if args and args[0].lower() in ("questions", "question", "auto") else records.MODE_MENTION
        records.set_channel_mode(db, channel, mode, user, services.clock())
        respond(response_type="ephemeral", text=KB_SLACK("mode_set", lang, mode=KB_SLACK("mode_" + mode, lang)))

    app.command("/ask")(ack=ack_ask, lazy=[reported(run_ask, tell_member)])

    # -- buttons -----------------------------------------------------------------------------
    def ack_only(ack):  # type: ignore[no-untyped-def]
        ack()

    def feedback(body, action, client):  # type: ignore[no-untyped-def]
        user = body["user"]["id"]
        lang = lang_of(user)
        value = "up" if action["action_id"] == FEEDBACK_UP else "down"
        question_id = payload_id(action.get("value"))
        recorded = bool(question_id) and records.record_feedback(db, question_id, user, value)
        WebhookClient(body["response_url"]).send(
            response_type="ephemeral", replace_original=False,
            text=KB_SLACK("feedback_thanks" if recorded else "feedback_not_yours", lang),
        ) if body.get("response_url") else None

    for action_id in (FEEDBACK_UP, FEEDBACK_DOWN):
        app.action(action_id)(ack=ack_only, lazy=[reported(feedback, tell_member)])

    def hand_off(body, action, client):  # type: ignore[no-untyped-def]
        user = body["user"]["id"]
        lang = lang_of(user)
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
        from bot.slack.blocks import escape_mrkdwn

        posted = client.chat_postMessage(
            channel=settings.staff_channel,
            text=KB_SLACK("handoff_staff", "fr", user=user, question=escape_mrkdwn(row.question), link=link),
        )
        records.record_handoff(db, question_id, user_id=user, member_channel_id=channel, member_thread_ts=row.thread_ts,
                               staff_channel_id=posted["channel"], staff_ts=posted["ts"], now=services.clock())
        reply(KB_SLACK("handoff_done", lang))

    app.action(HANDOFF)(ack=ack_only, lazy=[reported(hand_off, tell_member)])

    # -- saving into the knowledge (staff) ---------------------------------------------------
    def open_save_modal(client, trigger_id: str, user: str, channel: str, ts: str, text: str) -> None:  # type: ignore[no-untyped-def]
        lang = lang_of(user)
        metadata = json.dumps({"channel": channel, "ts": ts})
        client.views_open(trigger_id=trigger_id, view=save_modal(default_title(text), text, lang, metadata))

    def on_shortcut(ack, shortcut, client):  # type: ignore[no-untyped-def]
        user = shortcut["user"]["id"]
        if not services.roles.can(user, Permission.CURATE_KNOWLEDGE):
            lang = services.members.cached_language(user)
            ack()
            WebhookClient(shortcut["response_url"]).send(
                response_type="ephemeral", text=CORE("refused", lang, who=CORE("who_staff", lang)))
            return
        ack()
        message = shortcut.get("message") or {}
        open_save_modal(client, shortcut["trigger_id"], user, shortcut["channel"]["id"], message.get("ts", ""), message_text(message))

    app.shortcut(SAVE_CALLBACK)(reported(on_shortcut, tell_member))

    def on_save_button(ack, body, action, client):  # type: ignore[no-untyped-def]
        ack()
        user = body["user"]["id"]
        if not services.roles.can(user, Permission.CURATE_KNOWLEDGE):
            lang = lang_of(user)
            _replier(body, client, user)(CORE("refused", lang, who=CORE("who_staff", lang)))
            return
        target = message_ref(payload_json(action.get("value")))
        if target is None:
            return
        found = client.conversations_replies(channel=target["channel"], ts=target["ts"], limit=1).get("messages", [])
        message = next((m for m in found if m.get("ts") == target["ts"]), found[0] if found else {})
        open_save_modal(client, body["trigger_id"], user, target["channel"], target["ts"], message_text(message))

    app.action("kb_save_open")(reported(on_save_button, tell_member))

    def ack_save(ack, body, view):  # type: ignore[no-untyped-def]
        user = body["user"]["id"]
        if not services.roles.can(user, Permission.CURATE_KNOWLEDGE):
            lang = services.members.cached_language(user)
            ack(response_action="errors", errors={SAVE_TITLE_BLOCK: CORE("refused", lang, who=CORE("who_staff", lang))})
            return
        title = (view["state"]["values"].get(SAVE_TITLE_BLOCK, {}).get(SAVE_TITLE_INPUT, {}).get("value") or "").strip()
        if not title:
            ack(response_action="errors", errors={SAVE_TITLE_BLOCK: KB_SLACK("save_label", lang_of(user))})
            return
        ack()

    def run_save(body, view, client):  # type: ignore[no-untyped-def]
        user = body["user"]["id"]
        if not services.roles.can(user, Permission.CURATE_KNOWLEDGE):
            return
        lang = lang_of(user)
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
        save_from_slack(kb, channel_id=target["channel"], ts=target["ts"], title=title, text=message_text(message), ref=ref, user_id=user)
        client.chat_postMessage(channel=user, text=KB_SLACK("saved", lang, title=title))

    app.view(SAVE_VIEW)(ack=ack_save, lazy=[reported(run_save, tell_member)])

    # -- App Home: gaps for staff ------------------------------------------------------------
    def home_gaps(user_id: str, role: Any, lang: str) -> list[dict[str, Any]]:
        if not services.roles.can(user_id, Permission.CURATE_KNOWLEDGE):
            return []
        since = services.clock() - timedelta(days=30)
        return gaps_section(records.recent_gaps(db, since), lang)  # type: ignore[arg-type]

    services.add_home_section(60, home_gaps)


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


def _replier(body: dict[str, Any], client: Any, user: str):  # type: ignore[no-untyped-def]
    def reply(text: str) -> None:
        if body.get("response_url"):
            WebhookClient(body["response_url"]).send(response_type="ephemeral", replace_original=False, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)

    return reply


def _quietly(method, **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
    """A courtesy call (reaction, status): its failure must not stop the answer."""
    try:
        method(**kwargs)
    except SlackApiError as exc:
        log.info("%s failed: %s", getattr(method, "__name__", "call"), exc.response.get("error"))


class Streamer:
    """Streams LLM deltas into a thread reply; any Slack error turns it off so that the answer
    is posted once instead."""

    def __init__(self, client: Any, channel: str, thread_ts: str, user_id: str) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.user_id = user_id
        self.stream = None
        self.failed = False
        self.text = ""

    def append(self, delta: str) -> None:
        self.text += delta
        if self.failed:
            return
        try:
            if self.stream is None:
                team = None
                self.stream = self.client.chat_stream(channel=self.channel, thread_ts=self.thread_ts, buffer_size=STREAM_BUFFER,
                                                      recipient_user_id=self.user_id, recipient_team_id=team)
            self.stream.append(markdown_text=safe_answer_text(delta))  # the model may echo a member's <!channel>
        except Exception as exc:  # noqa: BLE001 - slack_sdk raises several types; fall back to one post
            log.info("streaming unavailable, posting once: %s", exc)
            self.failed = True

    def finish(self, answer: Answer, lang: Lang, can_hand_off: bool) -> str | None:
        """The streamed message's ts once finalised; None when the answer must be posted."""
        if self.stream is None or self.failed or not answer.by_llm:
            if self.stream is not None and self.stream.ts:
                # A stream was opened but the answer isn't the streamed text: replace it.
                try:
                    self.client.chat_update(channel=self.channel, ts=self.stream.ts, text=fallback_text(answer),
                                            blocks=answer_blocks(answer, can_hand_off=can_hand_off))
                    return self.stream.ts
                except SlackApiError:
                    return None
            return None
        try:
            response = self.stream.stop(blocks=tail_blocks(answer, can_hand_off=can_hand_off))
            return response.get("ts") or self.stream.ts
        except Exception as exc:  # noqa: BLE001
            log.info("could not finish the stream: %s", exc)
            if self.stream.ts:
                try:
                    self.client.chat_update(channel=self.channel, ts=self.stream.ts, text=fallback_text(answer),
                                            blocks=answer_blocks(answer, can_hand_off=can_hand_off))
                    return self.stream.ts
                except SlackApiError:
                    pass
            return None
