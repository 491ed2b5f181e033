"""Member text echoed by the bot can't ping @channel/@here/@everyone, a user group or a person,
on any surface, end to end: what the Slack stand-in recorded the bot posting (messages, stream
updates, ephemerals, response_url answers, file comments) holds no live mention. Slack sends a
member's "@channel" as `<!channel>`; escaped, it shows as text.

Surfaces: the Q&A's staff hand-off, Q&A answers that quote the question (written by the model,
posted whole or streamed), café questions in lists, themes and exports, and the digest's
excerpts and intro (preview and channel post)."""

from __future__ import annotations

import json
import re

import pytest

from bot.digest.observe import DigestRecorder
from bot.digest.service import workflow_for
from tests.bot.cafe.cafe_support import create_cafe
from tests.bot.digest.helpers import IN_WEEK, WEEK, message, ts_at
from tests.fakes.openai_standin import OpenAIStandin, message_text
from tests.hardening.test_prompt_injection import ask, knowledge_dir, llm_bot, openai  # noqa: F401 (fixtures)
from tests.support import FACILITATOR, MEMBER, STAFF, STAFF_CHANNEL, BotHarness

SMUGGLED = "<!channel> <!here> <!everyone> <!subteam^S0STAFF|@staff> <@U0VICTIM> <https://evil.example|cliquez>"
LIVE = re.compile(r"<!(channel|here|everyone)\b|<!subteam\^|<@U0VICTIM")


def live_mentions(bot: BotHarness) -> list[tuple[str, str]]:
    """(kind, text) of every live mention in what the bot showed; file contents don't ping."""
    found = []

    def walk(kind: str, value: object) -> None:
        if isinstance(value, str):
            if LIVE.search(value):
                found.append((kind, value[:200]))
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "content":
                    walk(kind, item)
        elif isinstance(value, list):
            for item in value:
                walk(kind, item)

    for item in bot.slack.feed:
        walk(item.kind, item.data)
    return found


def shown(bot: BotHarness) -> str:
    return json.dumps([item.data for item in bot.slack.feed], ensure_ascii=False, default=str)


def test_a_question_handed_to_staff_pings_nobody(bot: BotHarness) -> None:
    bot.dm(MEMBER, f"Quelle est la recette de la tarte tatin ? {SMUGGLED}")
    reply = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))[-1]
    handoff = next(e for b in reply["blocks"] if b.get("type") == "actions" for e in b["elements"] if e["action_id"] == "kb_handoff")
    bot.client.block_action(MEMBER, handoff, channel_id=bot.slack.dm_channel(MEMBER), message=reply)
    bot.wait_idle()
    (staff_post,) = bot.slack.bot_messages(STAFF_CHANNEL)
    assert "tarte tatin" in staff_post["text"] and "&lt;!channel&gt;" in staff_post["text"]
    assert live_mentions(bot) == []


@pytest.mark.parametrize("surface", ["dm", "ask", "mention"])
def test_an_answer_quoting_the_question_pings_nobody(llm_bot: BotHarness, openai: OpenAIStandin, surface: str) -> None:
    def quoting(messages: list[dict]) -> str:
        question = message_text(messages[-1]).split("\n")[1]
        return f"Vous demandez « {question} » : DIGISET est financé par le programme COSME [1]."

    openai.responder = quoting
    # Short enough that the question stays answerable from the knowledge, so the model is asked.
    ask(llm_bot, surface, "<!channel> Qui finance DIGISET ?")
    assert openai.prompts(), "the model was asked"
    assert "COSME" in shown(llm_bot)
    assert live_mentions(llm_bot) == []


def test_cafe_questions_in_lists_themes_and_exports_ping_nobody(llm_bot: BotHarness, openai: OpenAIStandin) -> None:
    create_cafe(llm_bot)
    llm_bot.dm(MEMBER, f"question pour le café : Comment former les bénévoles à l'IA ? {SMUGGLED}")
    llm_bot.dm("U0OTHER", "question pour le café : Quels financements pour un projet IA ?")
    openai.responder = lambda messages: json.dumps({"themes": [{"title": "<!channel> Formation", "question_ids": [1, 2]}]})
    llm_bot.command(MEMBER, "/cafe", "questions")
    for verb in ("questions", "themes", "export", "export csv"):
        llm_bot.command(FACILITATOR, "/cafe", verb)
    llm_bot.client.send_event({"type": "app_home_opened", "user": MEMBER, "channel": llm_bot.slack.dm_channel(MEMBER), "tab": "home"})
    llm_bot.wait_idle()
    text = shown(llm_bot)
    assert "former les bénévoles" in text and "&lt;!channel&gt;" in text
    assert [i for i in llm_bot.slack.feed if i.kind == "file"], "an export was sent"
    assert live_mentions(llm_bot) == []


def test_digest_excerpts_and_intro_ping_nobody(llm_bot: BotHarness, openai: OpenAIStandin) -> None:
    recorder = DigestRecorder(llm_bot.services.db, llm_bot.settings.tz)
    parent = ts_at(IN_WEEK, 0)
    recorder.record_message(message("C0ENTRAIDE", MEMBER, f"Un outil libre pour nos adhérents ? {SMUGGLED}", parent))
    recorder.record_message(message("C0ENTRAIDE", STAFF, "bonne question", ts_at(IN_WEEK, 1), thread_ts=parent))
    openai.responder = lambda messages: "<!channel> Une semaine riche, merci à toutes et à tous ! <!here>"
    workflow_for(llm_bot.services).run_weekly(WEEK)
    preview = next(m for m in llm_bot.slack.bot_messages(STAFF_CHANNEL))
    assert "outil libre" in json.dumps(preview, ensure_ascii=False)
    llm_bot.client.block_action(STAFF, {"action_id": "digest_approve", "value": WEEK, "type": "button"},
                                channel_id=STAFF_CHANNEL, message=preview)
    llm_bot.wait_idle()
    assert llm_bot.slack.bot_messages("C0GENERAL"), "the digest was posted"
    assert live_mentions(llm_bot) == []
