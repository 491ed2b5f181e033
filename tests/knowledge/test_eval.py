"""The development set (tests/knowledge/dev.json) scored as `sogabot ask` answers it, no LLM.

The floors are below the figures `python -m bench.knowledge_eval` reports for the dev set, so a
change that breaks a class of questions fails here. The held-out set is never run by the tests
(it is only reported, never tuned on).
"""

from __future__ import annotations

from bot.knowledge.service import KnowledgeBase
from tests.knowledge.scoring import first_unit, load, score

HIT_FLOOR = 0.80
DECLINE_FLOOR = 0.80
ENGLISH_FLOOR = 0.95
OFF_TOPIC_FLOOR = 0.9
FIRST_FLOOR = 0.8


def test_development_set_meets_its_floors(db, clock) -> None:
    report = score(KnowledgeBase(db, clock=clock), load("dev"))
    assert report.hits >= HIT_FLOOR * report.answerable, report.misses
    assert report.declined >= DECLINE_FLOOR * report.decline, report.misses
    assert report.english_in_english >= ENGLISH_FLOOR * report.english
    assert report.hits_first >= FIRST_FLOOR * report.hits  # the value asked comes first
    # Every prompt-injection question of the dev set is declined, and off-topic ones nearly all
    # (the dev set keeps the off-topic questions still answered, to tune on: see the bench).
    declined, total = report.must_decline_kinds["injection"]
    assert declined == total, report.misses
    declined, total = report.must_decline_kinds["off-topic"]
    assert declined >= OFF_TOPIC_FLOOR * total, report.misses


def test_what_a_member_reads_first_is_the_first_sentence_or_the_list_it_introduces() -> None:
    listed = "Le bureau se composait de : [1]\n• Jeanne, présidente.\n• Samira, trésorière.\nSamira a quitté. [2]"
    assert first_unit(listed) == "Le bureau se composait de : [1]\n• Jeanne, présidente.\n• Samira, trésorière."
    assert first_unit("SOGA a été fondé en 2017. [1] Il compte 50 adhérents. [1]") == "SOGA a été fondé en 2017. [1]"
