"""Scoring of an evaluation set as `sogabot ask` answers it (no LLM), shared by the test and
`python -m bench.knowledge_eval`.

A fact matches when it occurs in the answer text after folding case and accents and dropping
the separators inside numbers ("41,8" matches "41.8", "8 874" matches "8,874"); a fact given as
a list matches when any of its spellings does. A thread follow-up's earlier questions are asked
first, and the bot's replies go along with them as the thread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.knowledge.analysis import fold
from bot.knowledge.language import detect_language

HERE = Path(__file__).parent
SETS = {"held-out": HERE / "heldout.json", "held-out 2": HERE / "heldout2.json", "held-out 3": HERE / "heldout3.json",
        "held-out 4": HERE / "heldout4.json", "held-out 5": HERE / "heldout5.json",
        "held-out 6": HERE / "heldout6.json",
        "dev": HERE / "dev.json",
        "old eval": HERE / "eval.json"}


def load(name: str) -> dict[str, Any]:
    return json.loads(SETS[name].read_text(encoding="utf-8"))


def normalise(text: str) -> str:
    return re.sub(r"(?<=\d)[\s\u00a0\u202f.,](?=\d)", "", fold(text))


def first_unit(text: str) -> str:
    """What a member reads first: the answer up to its first source number, with the items of
    the list it introduces."""
    head, marker, rest = text.partition("[1]")
    items: list[str] = []
    for line in rest.split("\n")[1:] if rest.startswith("\n") else []:
        if not line.startswith("•"):
            break
        items.append(line)
    return "\n".join([head + marker, *items])


def has_fact(text: str, fact: str | list[str]) -> bool:
    spellings = fact if isinstance(fact, list) else [fact]
    return any(normalise(spelling) in normalise(text) for spelling in spellings)


@dataclass
class Report:
    answerable: int = 0
    hits: int = 0
    hits_first: int = 0  # hits whose first sentence (or list) holds the first key fact
    wrong_refusals: int = 0
    wrong_answers: int = 0
    decline: int = 0
    declined: int = 0
    english: int = 0
    english_in_english: int = 0
    must_decline_kinds: dict[str, list[int]] = field(default_factory=dict)  # kind -> [declined, total]
    misses: list[str] = field(default_factory=list)

    def rate(self, part: int, whole: int) -> str:
        return f"{part}/{whole} ({part / whole:.0%})" if whole else "—"

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{kind} {d}/{t}" for kind, (d, t) in sorted(self.must_decline_kinds.items()))
        return [
            f"hit rate (answered with the key facts): {self.rate(self.hits, self.answerable)}",
            f"  of which the first sentence holds it:  {self.rate(self.hits_first, self.hits)}",
            f"wrong refusals:                         {self.rate(self.wrong_refusals, self.answerable)}",
            f"wrong answers (answered, facts missing): {self.rate(self.wrong_answers, self.answerable)}",
            f"must-decline declined:                  {self.rate(self.declined, self.decline)}" + (f"  [{kinds}]" if kinds else ""),
            f"English questions answered in English:  {self.rate(self.english_in_english, self.english)}",
        ]


def ask(kb: Any, item: dict[str, Any]) -> Any:
    history: list[tuple[str, str]] = []
    for earlier in item.get("history", []):
        reply = kb.ask(earlier, item["lang"], history=history or None)
        history += [("member", earlier), ("assistant", reply.text)]
    return kb.ask(item["q"], item["lang"], history=history or None)


def score(kb: Any, evaluation: dict[str, Any]) -> Report:
    report = Report()
    for item in evaluation["answerable"]:
        answer = ask(kb, item)
        report.answerable += 1
        if item["lang"] == "en":
            report.english += 1
            if answer.language == "en" and detect_language(answer.text, "en") == "en":  # French text still reads French
                report.english_in_english += 1
        if not answer.answered:
            report.wrong_refusals += 1
            report.misses.append(f"refused: {item['q']}")
        elif all(has_fact(answer.text, fact) for fact in item["facts"]):
            report.hits += 1
            report.hits_first += has_fact(first_unit(answer.text), item["facts"][0])
        else:
            report.wrong_answers += 1
            report.misses.append(f"wrong:   {item['q']}  ->  {answer.text[:160]!r}")
    for item in evaluation["decline"]:
        answer = ask(kb, item)
        report.decline += 1
        counts = report.must_decline_kinds.setdefault(item.get("kind", "other"), [0, 0])
        counts[1] += 1
        if not answer.answered:
            report.declined += 1
            counts[0] += 1
        else:
            report.misses.append(f"answered (must decline): {item['q']}  ->  {answer.text[:160]!r}")
    return report
