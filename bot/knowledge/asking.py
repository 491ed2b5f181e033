"""Answering one member's question, on any surface (DM, mention, thread, channel, /ask, the
Assistant panel): the rate limit, a sign of work, the thread's history, streaming, the log, the
reply. The surface's I/O is passed in (`Conversation`), so the flow runs without Slack."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.i18n import Lang
from bot.knowledge import records
from bot.knowledge.answer import Answer
from bot.knowledge.query import small_talk
from bot.knowledge.service import KnowledgeBase
from bot.knowledge.texts import KB_SLACK
from bot.store.db import Database


@dataclass(frozen=True)
class Question:
    user_id: str
    channel: str
    text: str  # without the mention of the bot
    surface: str  # how it was asked: dm, assistant, mention, thread, channel, command
    message_ts: str | None = None
    thread_ts: str | None = None  # where the answer goes; None: not in a thread
    # A channel in "questions" mode: the bot speaks only when it found an answer.
    quiet_if_unknown: bool = False


class Conversation(Protocol):
    """Where a question was asked, as the flow sees it."""

    def say(self, text: str) -> None:
        """A short note to the member (an empty question, the rate limit)."""

    def show_working(self) -> None:
        """A sign that the bot is on it."""

    def history(self) -> list[tuple[str, str]]:
        """The earlier messages of the thread, as ("member" | "assistant", text)."""

    def stream(self, delta: str) -> None:
        """A piece of the answer as the LLM writes it."""

    def reply(self, answer: Answer) -> str | None:
        """Post the answer (or finish the streamed one); the reply's ts, if it has one."""

    def done(self) -> None:
        """The answer is out: clear any sign of work."""


# A DM has no threads: the member's questions of the last minutes are what "Et c'était où ?" is about.
DM_CONTEXT = timedelta(minutes=10)


def _dm_context(db: Database, now: datetime, question: Question) -> list[tuple[str, str]]:
    if question.surface != "dm":
        return []
    earlier = records.latest_questions(db, user_id=question.user_id, channel_id=question.channel, surface="dm",
                                       since=now - DM_CONTEXT)
    return [turn for row in earlier for turn in (("member", row.question), ("assistant", row.answer))]


def answer_question(kb: KnowledgeBase, db: Database, now: Callable[[], datetime], question: Question, lang: Lang,
                    conversation: Conversation) -> Answer | None:
    """Always reply something, except in quiet mode, where only a found answer is posted."""
    if not question.text:
        conversation.say(KB_SLACK("empty_question", lang))
        return None
    talk = small_talk(question.text)
    if talk is not None:  # "merci !" after an answer: a reply in kind, not a question the knowledge lacks
        if not question.quiet_if_unknown:
            conversation.say(KB_SLACK(f"small_talk_{talk}", lang))
        return None
    if not records.admit_question(db, question.user_id, now()):
        if not question.quiet_if_unknown:
            conversation.say(KB_SLACK("rate_limited", lang))
        return None
    if not question.quiet_if_unknown:
        conversation.show_working()
    thread_ts = question.thread_ts
    # A reply in a thread may be a follow-up ("Et c'était quand ?"): with or without an LLM it
    # is answered about the thread's subject, so the thread is read.
    follow_up = bool(thread_ts and thread_ts != question.message_ts)
    streaming = kb.llm is not None and bool(thread_ts)
    history = conversation.history() if follow_up else _dm_context(db, now(), question)
    answer = kb.ask(question.text, lang, history=history or None, on_delta=conversation.stream if streaming else None)
    if question.quiet_if_unknown and not answer.answered:
        return None
    answer.question_id = records.log_question(
        db, answer, user_id=question.user_id, surface=question.surface, channel_id=question.channel,
        thread_ts=thread_ts or question.message_ts, now=now(),
    )
    reply_ts = conversation.reply(answer)
    if reply_ts is not None:
        records.set_reply_ts(db, answer.question_id, reply_ts)
    conversation.done()
    return answer
