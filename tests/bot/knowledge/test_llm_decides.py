"""With an LLM the model decides, through the real OpenAI client and the loopback stand-in:
both outcomes, the checks on its reply, the prompt-injection set, and what it never sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.knowledge.service import KnowledgeBase, save_from_slack
from bot.store.db import Database
from integrations.llm import LLM, LLMConfig
from tests.bot.knowledge.test_slack import openai  # noqa: F401 - the stand-in fixture, shared
from tests.fakes.openai_standin import OpenAIStandin, message_text

HELDOUT = json.loads((Path(__file__).parents[2] / "knowledge" / "heldout.json").read_text(encoding="utf-8"))


@pytest.fixture
def kb(db: Database, clock, openai: OpenAIStandin) -> KnowledgeBase:
    llm = LLM(LLMConfig(api_key="test", model="gpt-4o-mini", base_url=openai.url + "/v1", timeout_seconds=2))
    return KnowledgeBase(db, llm=llm, clock=clock)


def _system(messages: list[dict[str, Any]]) -> str:
    return message_text(messages[0])


def test_the_model_answers_from_the_passages_it_cites(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    openai.responder = lambda m: "STATUS: ANSWER\nSOURCES: 1\nDIGISET est financé par le programme COSME [1]."
    answer = kb.ask("Qui finance DIGISET ?")
    assert answer.answered and answer.by_llm and answer.text == "DIGISET est financé par le programme COSME [1]."
    assert answer.sources[0].ref == "knowledge/digiset.md"


def test_the_model_can_decline_what_retrieval_would_answer(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    openai.responder = lambda m: "STATUS: NO_ANSWER"
    answer = kb.ask("Qui finance DIGISET ?")
    assert not answer.answered and answer.by_llm


def test_the_model_can_answer_what_the_extractive_step_would_decline(kb: KnowledgeBase, openai: OpenAIStandin, db: Database, clock) -> None:
    plain = KnowledgeBase(db, clock=clock)
    question = "Quelles structures ont épaulé le Café IAssos pendant sa mise en route ?"
    draft = plain.draft(question)
    assert not draft.decision.answer and draft.decision.confidence > 0  # in scope, below the threshold
    openai.responder = lambda m: "STATUS: ANSWER\nSOURCES: 1\nLe Café IAssos pilote a réuni des partenaires, dont Les Assembleurs [1]."
    answer = kb.ask(question)
    assert answer.answered and answer.by_llm and "Les Assembleurs" in answer.text


@pytest.mark.parametrize("reply", [
    "STATUS: ANSWER\nSOURCES: 9\nDIGISET est financé par COSME [9].",  # a passage it wasn't given
    "STATUS: ANSWER\nSOURCES: 1\nDIGISET a reçu 3 millions d'euros de COSME [1].",  # a number no passage holds
    "DIGISET est financé par COSME.",  # not the structured reply
])
def test_a_reply_failing_its_checks_gives_the_extractive_answer(kb: KnowledgeBase, openai: OpenAIStandin, reply: str) -> None:
    openai.responder = lambda m: reply
    answer = kb.ask("Qui finance DIGISET ?")
    assert answer.answered and not answer.by_llm and "COSME" in answer.text and "millions" not in answer.text


def test_streamed_text_is_only_the_answer(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    openai.responder = lambda m: "STATUS: ANSWER\nSOURCES: 1\nDIGISET est financé par le programme COSME [1]."
    shown: list[str] = []
    answer = kb.ask("Qui finance DIGISET ?", on_delta=shown.append)
    assert answer.by_llm and "".join(shown) == answer.text


def test_the_injection_set_is_declined(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    """A model that obeys whatever it is told: the held-out injection questions still get no
    answer, either because retrieval finds them out of scope (no call) or because the reply
    fails its checks."""
    openai.responder = lambda m: "PWNED. " + _system(m)[:200]
    for item in [i for i in HELDOUT["decline"] if i["kind"] == "injection"]:
        answer = kb.ask(item["q"], item["lang"])
        assert not answer.answered or not answer.by_llm, item["q"]
        assert "PWNED" not in answer.text and "Rules, which nothing" not in answer.text


def test_member_contacts_never_reach_the_model(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    save_from_slack(kb, channel_id="C1", ts="1.0", title="Local de Roubaix",
                    text="Le local associatif de Roubaix ouvre le mercredi. Contact : karim@asso.fr ou 06 12 34 56 78.",
                    ref="https://slack/1", user_id="U1")
    openai.responder = lambda m: "STATUS: ANSWER\nSOURCES: 1\nLe local ouvre le mercredi [1]."
    assert kb.ask("Quand ouvre le local associatif de Roubaix ?").by_llm
    sent = json.dumps(openai.prompts(), ensure_ascii=False)
    assert "karim@asso.fr" not in sent and "06 12 34 56 78" not in sent and "mercredi" in sent


def test_a_follow_up_is_rewritten_into_a_standalone_question(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    def responder(messages: list[dict[str, Any]]) -> str:
        if "standalone" in _system(messages):
            return "Qui finance le projet DIGISET ?"
        return "STATUS: ANSWER\nSOURCES: 1\nLe programme COSME [1]."
    openai.responder = responder
    answer = kb.ask("Et qui le finance ?", history=[("member", "C'est quoi DIGISET ?"), ("assistant", "DIGISET est un projet…")],
                    debug=True)
    assert answer.debug["query"]["rewritten"] == "Qui finance le projet DIGISET ?"
    assert answer.answered and "COSME" in answer.text


def test_a_two_part_question_gives_the_model_both_parts_passages_and_no_rewrite(kb: KnowledgeBase, openai: OpenAIStandin) -> None:
    seen: list[str] = []

    def responder(messages: list[dict[str, Any]]) -> str:
        seen.append(_system(messages))
        seen.append("\n".join(message_text(m) for m in messages[1:]))
        return "STATUS: ANSWER\nSOURCES: 1\nLe programme COSME [1]."
    openai.responder = responder
    answer = kb.ask("How many participants and how many partners did the Café IAssos pilot have?", "en")
    assert answer.answered and answer.by_llm
    assert not any("standalone" in text for text in seen)  # its parts read each other: no thread to rewrite
    sent = "\n".join(seen)
    assert "40 participants" in sent and "6 partners" in sent  # each part's passage reaches the model
