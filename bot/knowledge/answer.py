"""Answers from retrieved passages: extractive (no LLM) or written by an LLM, and when to decline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import Lang
from bot.knowledge.analysis import tokens
from bot.knowledge.index import Hit
from bot.knowledge.texts import KB
from integrations.llm import neutralise

MAX_SOURCES = 5
EXCERPT_CHARS = 280
# The best passage must contain this share of the question's weight (idf) to be trusted.
MIN_COVERAGE = 0.5
# Sentences within this share of the best one's score join the answer.
SENTENCE_KEEP_RATIO = 0.5
MAX_SENTENCES = 4
NO_ANSWER = "NO_ANSWER"

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-ZÀ-ÖØ-Þ«\"(0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
# Knowledge files say plainly when the report lacks a fact ("Le rapport ne précise pas le
# montant…"). When such a sentence is the best match, the honest answer is "I don't know".
_GAP = re.compile(
    r"\bne\s+(?:\w+\s+){0,2}?(?:donne|précise|nomme|cite|chiffre|décrit|indique|mentionne|détaille|figurent?|sont|est|dit)\b"
    r"[^.]{0,60}?\b(?:pas|ni|aucun)\b|\baucun(?:e)? (?:chiffre|montant|information|donnée)|\bpas (?:connus?|disponibles?)\b|"
    r"\bnot (?:known|given|specified|stated|available)\b|\bdoes not (?:say|give|specify|state|mention)\b",
    re.IGNORECASE,
)


@dataclass
class Source:
    title: str
    ref: str
    excerpt: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "ref": self.ref, "excerpt": self.excerpt}


@dataclass
class Answer:
    question: str
    text: str
    answered: bool
    language: Lang
    sources: list[Source] = field(default_factory=list)
    latency_ms: float = 0.0
    by_llm: bool = False
    question_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.text, "answered": self.answered, "language": self.language,
            "sources": [s.as_dict() for s in self.sources], "latency_ms": round(self.latency_ms, 1),
        }


@dataclass
class Sentence:
    text: str
    hit: Hit
    score: float
    order: int
    groups: frozenset[int] = frozenset()  # the question groups found in the sentence or its heading
    holds_value: bool = False  # holds a value of the kind the question asks for (a list intro may then stand alone)
    intro: str = ""  # for a list item, the line introducing the list ("Partenaires du projet :")


# Rare question words weigh at most this much in coverage: the rarest words of a question are
# often its verbs ("gagné", "votés"), which passages phrase differently ("adoptés", "soit 18 de plus").
COVERAGE_WEIGHT_CAP = 3.0
# In a definition question ("c'est quoi X"), sentences of a document's opening section count this much more.
DEFINITION_BOOST = 1.3
# The question's focus word ("villes" in "dans quelles villes") weighs this much more in a sentence.
FOCUS_FACTOR = 1.5


def coverage(hit: Hit, weights: list[float]) -> float:
    capped = [min(w, COVERAGE_WEIGHT_CAP) for w in weights]
    total = sum(capped)
    return sum(capped[i] for i in hit.matched) / total if total else 0.0


def split_sentences(text: str) -> list[str]:
    return [sentence for sentence, _intro in split_units(text)]


def split_units(text: str) -> list[tuple[str, str]]:
    """Sentences, each with the line introducing its list when it is a list item: the items
    of "Le rapport indique la répartition des sièges :" count seats."""
    units: list[tuple[str, str]] = []
    intro = ""
    for raw in text.splitlines():
        bullet = bool(_BULLET.match(raw))
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        parts = [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
        if not bullet:
            intro = parts[-1] if parts and parts[-1].endswith(":") else ""
        units.extend((part, intro if bullet else "") for part in parts)
    return units


def rank_sentences(
    hits: list[Hit],
    groups: list[tuple[str, ...]],
    weights: list[float],
    *,
    focus: int | None = None,
    definition: bool = False,
) -> list[Sentence]:
    """Sentences of the top passages scored by the question weight they carry; the passage's
    heading lends half weight (a list item under "Qui finance DIGISET ?" is about DIGISET).
    The question's focus group (`focus`, e.g. "villes" in "dans quelles villes") weighs more."""
    ranked: list[Sentence] = []
    order = 0
    for rank, hit in enumerate(hits[:4]):
        heading_tokens = set(tokens(hit.heading))
        passage_factor = 1.0 - 0.15 * rank
        if definition and hit.position == 0:
            passage_factor = DEFINITION_BOOST
        for sentence, intro in split_units(hit.text):
            own = set(tokens(sentence))
            score = 0.0
            found = set()
            for index, group in enumerate(groups):
                factor = FOCUS_FACTOR if index == focus else 1.0
                if own.intersection(group):
                    score += factor * weights[index]
                    found.add(index)
                elif heading_tokens.intersection(group):
                    score += 0.5 * factor * weights[index]
                    found.add(index)
            ranked.append(Sentence(sentence, hit, score * passage_factor, order, frozenset(found), intro=intro))
            order += 1
    ranked.sort(key=lambda s: (-s.score, s.order))
    return ranked


def pick_sentences(ranked: list[Sentence]) -> list[Sentence]:
    if not ranked or ranked[0].score <= 0:
        return []
    best = ranked[0].score
    chosen = [
        s for s in ranked
        if s.score >= SENTENCE_KEEP_RATIO * best and (s.holds_value or not s.text.endswith(":")) and not is_gap_statement(s.text)
    ][:MAX_SENTENCES]
    return sorted(chosen, key=lambda s: s.order)  # in reading order, so the answer flows


_BUT = re.compile(r"\b(?:mais|but|cependant|however)\b", re.IGNORECASE)


_CLAUSE_BREAK = re.compile(r"[:;]\s")
# A gap clause after a statement of this length ("X a eu lieu le 5 février : le rapport ne
# précise pas…") leaves a sentence that still states a fact.
FACT_BEFORE_GAP_CHARS = 40


def is_gap_statement(sentence: str) -> bool:
    """A sentence saying the knowledge lacks a fact, and nothing more: "…, mais…" after the
    gap, or a whole statement before it, adds one."""
    match = _GAP.search(sentence)
    if not match or _BUT.search(sentence, match.end()):
        return False
    breaks = [b.start() for b in _CLAUSE_BREAK.finditer(sentence, 0, match.start())]
    return not (breaks and breaks[-1] >= FACT_BEFORE_GAP_CHARS)


def sources_for(hits: list[Hit]) -> list[Source]:
    """One source per document, in first-use order, at most MAX_SOURCES."""
    seen: dict[int, Source] = {}
    for hit in hits:
        if hit.document_id not in seen and len(seen) < MAX_SOURCES:
            seen[hit.document_id] = Source(hit.title, hit.ref, excerpt(hit.text))
    return list(seen.values())


def source_number(hits: list[Hit], hit: Hit) -> int:
    documents = list(dict.fromkeys(h.document_id for h in hits))
    return documents.index(hit.document_id) + 1


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(_BULLET.sub("", line).strip() for line in text.splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def compose_extractive(chosen: list[Sentence], cited: list[Hit], lang: Lang) -> str:
    lines = [KB("extractive_intro", lang)]
    for sentence in chosen:
        lines.append(f"• {sentence.text} [{source_number(cited, sentence.hit)}]")
    return "\n".join(lines)


def compose_decline(lang: Lang, gap: Sentence | None = None, cited: list[Hit] | None = None) -> str:
    text = KB("decline", lang)
    if gap is not None and cited:
        text += "\n" + KB("decline_known", lang, sentence=gap.text, n=source_number(cited, gap.hit))
    return text


def llm_messages(
    template: str, question: str, hits: list[Hit], lang: Lang, history: list[tuple[str, str]] | None = None
) -> list[dict[str, str]]:
    """The system prompt holds the rules and the passages; member text only ever appears
    inside delimiters in user messages, with delimiter look-alikes removed."""
    passages = "\n\n".join(
        _strip_tags(f"[{n}] {hit.title} — {hit.heading}\n{hit.text}") for n, hit in enumerate(_one_per_passage(hits), start=1)
    )
    system = template.replace("{language}", "French" if lang == "fr" else "English").replace("{passages}", passages)
    messages = [{"role": "system", "content": system}]
    if history:
        conversation = "\n".join(f"{who}: {_strip_tags(text)}" for who, text in history[-6:])
        messages.append({"role": "user", "content": f"<conversation>\n{conversation}\n</conversation>"})
    messages.append({"role": "user", "content": f"<question>\n{_strip_tags(question)}\n</question>"})
    return messages


def _one_per_passage(hits: list[Hit]) -> list[Hit]:
    return hits[:MAX_SOURCES]


def _strip_tags(text: str) -> str:
    """Member and document text can't open or close a block of the prompt."""
    return neutralise(text)


def cited_numbers(text: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r"\[(\d{1,2})\]", text)})
