"""The answer flow (bot.knowledge.asking) without Slack or Bolt: a recording Conversation stands
for the surface, the real knowledge base and database answer, the OpenAI stand-in writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.knowledge import records
from bot.knowledge.answer import Answer
from bot.knowledge.asking import Question, answer_question
from bot.knowledge.service import KnowledgeBase
from bot.store.db import Database
from integrations.llm import LLM, LLMConfig
from tests.fakes.openai_standin import OpenAIStandin


class Recording:
    """A Conversation that keeps what the flow asked of it, in order."""

    def __init__(self, history: list[tuple[str, str]] | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self._history = history or []

    def say(self, text: str) -> None:
        self.calls.append(("say", text))

    def show_working(self) -> None:
        self.calls.append(("working", None))

    def history(self) -> list[tuple[str, str]]:
        self.calls.append(("history", None))
        return self._history

    def stream(self, delta: str) -> None:
        self.calls.append(("stream", delta))

    def reply(self, answer: Answer) -> str | None:
        self.calls.append(("reply", answer))
        return "1700000000.000900"

    def done(self) -> None:
        self.calls.append(("done", None))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls]


def _question(text: str, **kwargs: Any) -> Question:
    return Question(kwargs.pop("user_id", "U0MEMBER"), "C0GENERAL", text, kwargs.pop("surface", "mention"), **kwargs)


def test_an_answer_is_logged_with_its_reply_ts(db: Database, clock) -> None:
    conversation = Recording()
    answer = answer_question(KnowledgeBase(db, clock=clock), db, clock, _question("Qui finance DIGISET ?", message_ts="1.1", thread_ts="1.1"),
                             "fr", conversation)
    assert answer is not None and answer.answered and "COSME" in answer.text
    assert conversation.kinds() == ["working", "reply", "done"]  # no LLM: no history, no stream
    row = records.question(db, answer.question_id)
    assert row is not None and row.surface == "mention" and row.reply_ts == "1700000000.000900" and row.thread_ts == "1.1"


def test_an_empty_question_gets_a_note_and_nothing_is_logged(db: Database, clock) -> None:
    conversation = Recording()
    assert answer_question(KnowledgeBase(db, clock=clock), db, clock, _question(""), "en", conversation) is None
    assert conversation.kinds() == ["say"] and "question" in conversation.calls[0][1].lower()
    assert records.recent_gaps(db, clock() - records.RATE_LIMIT_WINDOW) == []


def test_the_rate_limit_speaks_except_in_quiet_mode(db: Database, clock) -> None:
    kb = KnowledgeBase(db, clock=clock)
    for _ in range(records.RATE_LIMIT_QUESTIONS):
        answer_question(kb, db, clock, _question("Qui finance DIGISET ?"), "fr", Recording())
    loud, quiet = Recording(), Recording()
    assert answer_question(kb, db, clock, _question("Qui finance DIGISET ?"), "fr", loud) is None
    assert loud.kinds() == ["say"]
    assert answer_question(kb, db, clock, _question("Qui finance DIGISET ?", quiet_if_unknown=True), "fr", quiet) is None
    assert quiet.calls == []


def test_quiet_mode_posts_nothing_it_cannot_answer(db: Database, clock) -> None:
    conversation = Recording()
    question = _question("Quelle est la couleur préférée du trésorier ?", surface="channel", message_ts="2.2", thread_ts="2.2",
                         quiet_if_unknown=True)
    assert answer_question(KnowledgeBase(db, clock=clock), db, clock, question, "fr", conversation) is None
    assert conversation.calls == []


@pytest.fixture
def openai() -> Iterator[OpenAIStandin]:
    server = OpenAIStandin().start()
    yield server
    server.stop()


def test_a_follow_up_reads_the_thread_and_streams_the_llm_answer(db: Database, clock, openai: OpenAIStandin) -> None:
    openai.responder = lambda messages: ("Qui finance DIGISET ?" if "standalone" in messages[0]["content"]
                                         else "STATUS: ANSWER\nSOURCES: 1\nDIGISET est financé par le programme COSME [1].")
    llm = LLM(LLMConfig(api_key="test-key", model="gpt-test", base_url=openai.url + "/v1", embedding_model=None, timeout_seconds=2))
    conversation = Recording(history=[("member", "Parle-moi de DIGISET"), ("assistant", "DIGISET est un projet européen.")])
    question = _question("Qui le finance ?", surface="thread", message_ts="3.5", thread_ts="3.1")
    answer = answer_question(KnowledgeBase(db, llm=llm, clock=clock), db, clock, question, "fr", conversation)
    assert answer is not None and answer.by_llm
    kinds = conversation.kinds()
    assert kinds[:2] == ["working", "history"] and kinds[-2:] == ["reply", "done"]
    streamed = "".join(delta for kind, delta in conversation.calls if kind == "stream")
    assert "COSME" in streamed
    assert any("Parle-moi de DIGISET" in m["content"] for m in openai.prompts()[-1])


def test_a_dm_follow_up_is_about_the_member_s_question_of_the_last_minutes(db: Database, clock) -> None:
    kb = KnowledgeBase(db, clock=clock)

    def dm(text: str, user: str = "U0MEMBER") -> Answer | None:
        return answer_question(kb, db, clock, Question(user, "D0MEMBER", text, "dm", message_ts="1.1"), "fr", Recording())

    dm("C'est quoi le Café IAssos ?")
    clock.advance(minutes=2)
    where = dm("Et c'était où ?")
    assert where is not None and where.answered and "Lille" in where.text
    clock.advance(minutes=1)
    partners = dm("Et qui sont les partenaires ?")  # the subject is two questions back
    assert partners is not None and "CNNum" in partners.text
    # Another member's DM, or a question asked long after, is no context.
    other = dm("Et c'était où ?", user="U0OTHER")
    assert other is not None and "Lille" not in other.text
    clock.advance(minutes=30)
    later = dm("Et c'était où ?")
    assert later is not None and "Lille" not in later.text
    # A question about the association itself is no follow-up of the one before.
    dm("Qui a repris le poste de trésorière après le départ de Samira Sameur ?")
    clock.advance(minutes=1)
    founded = dm("SOGA existe depuis quand ?")
    assert founded is not None and founded.text.startswith("Le Social Good Accelerator (SOGA) a été fondé en 2017")
