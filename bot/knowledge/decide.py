"""Stage 2: answer or decline, from one confidence calibrated on the development set.

The confidence combines the evidence: how much of the question the best passage and its best
sentence hold, whether that sentence holds a value of the asked kind, the question's words the
knowledge doesn't know (each lowers it; none vetoes), numbers of the question the passage lacks,
and, with embeddings, the semantic similarity. A known gap (gaps.json) that holds the question
at least as well as the best passage turns the answer into "the report doesn't say".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.knowledge import compose
from bot.knowledge.compose import Sentence
from bot.knowledge.gaps import Gap, best_gap
from bot.knowledge.analysis import fold, stem, tokens, words
from bot.knowledge.query import ASKED_ACTION, DEMONYMS, MUST_BE_SAID_FRAMES, OWN_SUBJECT_FRAMES, ROLE_WORDS, SUPERLATIVE, UPCOMING
from bot.knowledge.retrieve import COVERAGE_WEIGHT_CAP, TOP_HITS, UNKNOWN_WEIGHT, Retrieval

KIND_MISSING_FACTOR = 0.7
# A count, a sum or a date is the whole answer: a sentence without one can't hold it.
VALUE_KINDS = frozenset({"quantity", "amount", "date", "duration"})
VALUE_MISSING_FACTOR = 0.5
# So is a name for "who": "Qui a repris les finances après le départ de Samira Sameur ?" is answered
# by the sentence naming someone else; and a role for "quel poste".
RUNNER_UP_KINDS = VALUE_KINDS | {"person", "role"}
# The noun asked about ("combien d'abonnés") is not in the answer sentence.
FOCUS_MISSING_FACTOR = 0.75
# A name the question gives ("États-Unis", "Python") is not in the passage.
ENTITY_MISSING_FACTOR = 0.5
# "Qui est la déléguée générale ?" answered by "délégué général d'ESS France": a role held elsewhere.
OTHER_ORGANISATION_FACTOR = 0.5
# "What is open data?" answered by what DatAssos is: the passage is about another subject.
OTHER_SUBJECT_FACTOR = 0.5
MISSING_NUMBER_FACTOR = 0.4
SUBJECT_MISSING_FACTOR = 0.5
# "Traduis…", "recommend a book", "tu penses quoi de…": no passage holds the answer, whatever it names.
TASK_FACTOR = 0.5
# More of the question unknown to the knowledge than found in the passage.
MOSTLY_UNKNOWN_FACTOR = 0.7
# Sentences weighed as the answer: the best-scored ones, down to this share of the best score.
CANDIDATES = 8
RUNNER_UP_SHARE = 0.5
# With embeddings, the similarity's share of the confidence, and the cosine range mapped to 0..1.
SEMANTIC_SHARE = 0.35
COSINE_FLOOR, COSINE_CEILING = 0.2, 0.8


@dataclass(frozen=True)
class Calibration:
    threshold: float  # answer at or above
    near: float  # below the threshold, show the closest passage as "peut-être utile" at or above


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    raw = json.loads(resources.files("bot.knowledge").joinpath("calibration.json").read_text(encoding="utf-8"))
    return Calibration(float(raw["threshold"]), float(raw["near"]))


@dataclass
class Decision:
    answer: bool
    confidence: float
    ranked: list[Sentence]
    gap: Gap | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def near(self) -> Sentence | None:
        """The closest sentence, for a decline, when it is close enough to be worth showing."""
        if self.answer or self.gap is not None or not self.ranked or self.ranked[0].score <= 0:
            return None
        if len(self.ranked[0].groups) < 2:  # one word in common is chance ("recette": income, not recipe)
            return None
        # About another subject than the thread's, another organisation's role, not about the
        # thing asked to define, or lacking a name the question gives: not worth showing.
        if self.evidence.get("off_subject") or self.evidence.get("role_held_elsewhere") or (
                self.evidence.get("defines_subject") is False) or self.evidence.get("entities_ok") is False:
            return None
        return self.ranked[0] if self.confidence >= calibration().near else None


# "délégué général d'ESS France"; an acronym in brackets after the organisation is its other
# name ("Social Good Accelerator (SOGA)").
_ROLE_OF = re.compile(r"\b([\wÀ-ÿ-]+)\s+(?:de la |de l'|de l’|du |des |de |d'|d’|of the |of |at the |at )((?:[A-ZÀ-Þ][\wÀ-ÿ-]*)(?: [A-ZÀ-Þ][\wÀ-ÿ-]*)*)"
                      r"(?: \(([^)]{2,40})\))?")


def _role_held_elsewhere(sentence: str, retrieval: Retrieval, common: frozenset[str], asked_owner: frozenset[str] = frozenset()) -> bool:
    """The question's role word in the sentence belongs to an organisation the question
    doesn't name and that isn't the knowledge's own subject; or the question names the role's
    organisation ("president of the European Commission") and the sentence's is another."""
    asked = {alt for group in retrieval.groups for alt in group}
    for match in _ROLE_OF.finditer(sentence):
        role, owner, alias = set(tokens(match.group(1))), set(tokens(match.group(2))), set(tokens(match.group(3) or ""))
        if not (role & asked and owner):
            continue
        # A role, with the word before it ("délégué général d'…"), not any noun ("un avis de la Commission").
        if not compose.holds_value(" ".join(sentence[:match.start()].split()[-1:] + [match.group(1)]), "role"):
            continue
        if asked_owner and not (owner <= asked_owner or (alias and alias <= asked_owner)):
            return True
        if not owner <= asked | common and not (alias and alias <= asked | common):
            return True
    return False


def _asked_owner(query_text: str) -> frozenset[str]:
    """"Who is the president of the European Commission?": the organisation the role asked is of."""
    owners: set[str] = set()
    for match in _ROLE_OF.finditer(query_text):
        owners |= set(tokens(match.group(2)))
    return frozenset(owners)


_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][\w'’-]*")
# What a passage says is still to come: a word of the future, or a year after the report's.
_PLANNED = re.compile(r"\b(?:prochaine?s?|next|upcoming|a venir|futur(?:e|es|s)?|future|will|sera|seront|aura|auront|"
                      r"prevue?s?|planned|envisage(?:e|es|s)?|202[5-9]|20[3-9]\d)\b")
# "Quels sont les horaires de…", "what is the population of…": the noun asked is an attribute of what follows.
_ATTRIBUTE_OF = re.compile(r"\b(?:quel(?:le)?s? (?:est|sont|etait|etaient) (?:le |la |les |l')|what (?:is|are|was|were) the )"
                           r"\s*\w+ (?:de |du |des |d'|of )")


def confidence_of(retrieval: Retrieval, ranked: list[Sentence], common: frozenset[str] = frozenset(),
                  own_name: frozenset[str] = frozenset()) -> tuple[float, dict[str, Any]]:
    query = retrieval.query
    if not retrieval.hits or not ranked or ranked[0].score <= 0:
        return 0.0, {"reason": "nothing found"}
    best = ranked[0]
    defines = query.kind != "definition" or any(compose.subject_tokens(best.hit) & set(group) for group in retrieval.groups)
    # "Comment fonctionne l'IA générative ?": the passage must be about each word of the thing
    # to explain (the knowledge's own subject aside), not merely name one.
    if query.explained is not None:
        about = compose.subject_tokens(best.hit) | common
        defines = defines and all(t.known and set(t.alternatives) & about for t in query.terms
                                  if t.word in query.explained and not t.from_thread and t.role != "frame")
    # The words that only say the kind asked ("combien de temps", "quel jour") are answered by
    # a sentence holding such a value; "comment marche X", by a passage about X.
    framing = {i for i, t in enumerate(query.searched) if t.role == "frame" and not t.from_thread} if (
        best.holds_value and query.kind not in (None, "definition")) or (query.explained is not None and defines) else set()
    passage = retrieval.share(set(best.hit.matched) | framing)
    sentence = retrieval.share(set(best.groups) | framing)
    lexical = 0.4 * passage + 0.6 * sentence
    kind_ok = best.holds_value or query.kind in (None, "definition")
    unknown = len(query.unknown)
    numbers_ok = all(
        any(set(t.alternatives) & set(g) for i, g in enumerate(retrieval.groups) if i in best.hit.matched)
        for t in query.numbers if t.known
    ) and all(t.known for t in query.numbers)
    focus = next((i for i, t in enumerate(query.searched) if t.role == "focus"), None)
    focus_ok = (focus is not None and focus in best.groups) or not any(t.role == "focus" for t in query.terms)
    # "What role did she have, and when?": the role asked beside another kind is a role the
    # sentence names, whatever its word for it.
    focus_ok = focus_ok or (focus is not None and query.searched[focus].word in ROLE_WORDS
                            and compose.holds_value(best.text, "role"))
    # A name is found as a name ("La Poste" is not "des postes"); a name mistyped ("DIGISTE") as
    # the word its typo was matched to.
    written = best.hit.heading + " " + best.hit.text
    # The passage's document sets its scene: "combien de monde au café IA de Lille" is answered by
    # the café's attendance passage, whose document says where the café was.
    document = " ".join(h.heading + " " + h.text for h in retrieval.hits if h.ref == best.hit.ref)
    named = set(tokens(" ".join(_CAPITALISED.findall(document or written))))
    corrected = {stem(t.word): t.corrected for t in query.terms if t.corrected}
    found = named | (set(corrected.values()) & set(tokens(written))) if corrected else named
    # A demonym is found as its country's name ("Italian" as "Italy").
    countries = {stem(t.word): set(t.alternatives) for t in query.terms if t.word in DEMONYMS}
    entities_ok = all(all(corrected.get(token, token) in found or countries.get(token, set()) & found for token in tokens(name))
                      for name in query.entities)
    elsewhere = query.kind == "person" and _role_held_elsewhere(best.text, retrieval, own_name, _asked_owner(query.text))
    # "Qui dirige la France ?": the head asked is of an organisation other than the knowledge's own.
    elsewhere = elsewhere or (any(t.role == "focus" and t.word in OWN_SUBJECT_FRAMES for t in query.terms)
                              and any(not set(tokens(name)) <= own_name for name in query.entities))
    value = lexical * (1.0 if kind_ok else VALUE_MISSING_FACTOR if query.kind in VALUE_KINDS else KIND_MISSING_FACTOR)
    # The noun a count or a sum is of, unknown to the whole knowledge ("combien de téléchargements"):
    # no passage can hold that value.
    focus_unknown = any(t.role == "focus" and not t.known for t in query.terms)
    # So does an attribute of a subject the knowledge never names ("les horaires de la Cité
    # universitaire"), unlike a kind of answer ("which company…" is answered by a name).
    # So does an action no passage names ("how do I mute a channel", "who replaced X").
    asked = fold(query.text)
    # So does a quality compared that no passage names ("le pays le plus peuplé").
    attribute_unknown = focus_unknown and bool(_ATTRIBUTE_OF.search(asked) or ASKED_ACTION.search(asked) or SUPERLATIVE.search(asked))
    # "Who replaced X": a sentence that doesn't say who took over tells another thing about X.
    attribute_unknown = attribute_unknown or any(t.role == "focus" and t.word in MUST_BE_SAID_FRAMES for t in query.terms)
    focus_factor = VALUE_MISSING_FACTOR if focus_unknown and query.kind in ("quantity", "amount") or attribute_unknown \
        else FOCUS_MISSING_FACTOR
    value *= (1.0 if focus_ok else focus_factor) * (1.0 if entities_ok else ENTITY_MISSING_FACTOR)
    value *= OTHER_ORGANISATION_FACTOR if elsewhere else 1.0
    value *= 1.0 if defines else OTHER_SUBJECT_FACTOR
    value *= 1.0 if numbers_ok else MISSING_NUMBER_FACTOR
    upcoming_ok = not UPCOMING.search(asked) or bool(_PLANNED.search(fold(written)))
    value *= 1.0 if upcoming_ok else VALUE_MISSING_FACTOR
    # A follow-up ("Et ça dure combien de temps ?") is about the thread's subject: a passage
    # holding none of its words answers about something else.
    thread_groups = {i for i, t in enumerate(query.searched) if t.from_thread}
    off_subject = bool(thread_groups) and not thread_groups & set(best.hit.matched)
    value *= SUBJECT_MISSING_FACTOR if off_subject else 1.0
    value *= TASK_FACTOR if query.task else 1.0
    # More of the question unknown to the knowledge than found in the passage: what is found is
    # chance ("la recette du gâteau au yaourt": the report's income).
    mostly_unknown = unknown > len(set(best.groups) | set(best.hit.matched))
    value *= MOSTLY_UNKNOWN_FACTOR if mostly_unknown else 1.0
    similarity = retrieval.best_similarity
    if similarity is not None:
        semantic = min(1.0, max(0.0, (similarity - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))
        value = (1 - SEMANTIC_SHARE) * value + SEMANTIC_SHARE * semantic
    evidence = {"passage_coverage": round(passage, 3), "sentence_coverage": round(sentence, 3), "kind_ok": kind_ok,
                "focus_ok": focus_ok, "entities_ok": entities_ok, "role_held_elsewhere": elsewhere, "defines_subject": defines,
                "unknown_words": unknown, "numbers_ok": numbers_ok, "off_subject": off_subject, "upcoming_ok": upcoming_ok,
                "similarity": similarity}
    return value, evidence


def _names_day(sentence: Sentence) -> bool:
    return compose.names_day_or_month(sentence.text + " " + " ".join(sentence.items))


def question_words(retrieval: Retrieval) -> tuple[list[tuple[frozenset[str], float]], list[int | None]]:
    """Each question word's tokens (its own stem too) with its weight in coverage, unknown words
    included; and the index of its group in the retrieval (None for an unknown word)."""
    weights = [min(w, COVERAGE_WEIGHT_CAP) for w in retrieval.weights]
    found: list[tuple[frozenset[str], float]] = []
    groups: list[int | None] = []
    group = 0
    asked = set(words(retrieval.query.text))
    for term in retrieval.query.terms:
        if term.known:
            # A word a frame stands for ("audience" for "who is it aimed at") brings the
            # knowledge's words for it ("addresses"), not words the member asked about
            # ("address" is no e-mail address here).
            own = frozenset(term.alternatives) if term.word in asked or term.from_thread else frozenset()
            found.append((own | {stem(term.word)}, weights[group]))
            groups.append(group)
            group += 1
        elif not term.from_thread:
            found.append((frozenset({stem(term.word)}), UNKNOWN_WEIGHT))
            groups.append(None)
    return found, groups


def decide(retrieval: Retrieval, common: frozenset[str] = frozenset(), own_name: frozenset[str] = frozenset()) -> Decision:
    """`common`: tokens of the knowledge's own subject (in over 30 % of passages), no answer to
    "who"; `own_name`: those in over half of them, the association's own name."""
    ranked = compose.rank(retrieval, common, top=TOP_HITS if retrieval.query.follow_up else 5)
    # A follow-up is about the thread's subject: its best sentence on that subject comes before
    # one about another ("Et ça dure combien de temps ?" after DIGISET is not the café's 3 hours).
    # The best that holds the value asked, else the best.
    if retrieval.query.follow_up and ranked:
        on_subject = next((i for i, s in enumerate(ranked) if s.on_subject and s.score > 0 and s.holds_value), None)
        if on_subject is None:
            on_subject = next((i for i, s in enumerate(ranked) if s.on_subject and s.score > 0), 0)
        ranked = [ranked[on_subject]] + ranked[:on_subject] + ranked[on_subject + 1:]
    confidence, evidence = confidence_of(retrieval, ranked, common, own_name)
    # A count, a sum, a date, a duration or a name is the whole answer: when the best-scored
    # sentence lacks it, a close runner-up that holds it is the answer.
    # So is one of the best sentence's own passage, however it scores: the passage is what the
    # question found ("the support lasted three months" after "OCTO supported SOGA").
    for at in range(1, min(CANDIDATES, len(ranked)) if retrieval.query.kind in RUNNER_UP_KINDS else 1):
        if evidence.get("kind_ok", True):
            break
        if ranked[at].score < RUNNER_UP_SHARE * ranked[0].score and ranked[at].hit.chunk_id != ranked[0].hit.chunk_id:
            continue
        if ranked[0].on_subject and not ranked[at].on_subject:
            continue
        other, other_evidence = confidence_of(retrieval, ranked[at:], common, own_name)
        if other > confidence and other_evidence["kind_ok"]:
            confidence, evidence = other, other_evidence
            ranked = [ranked[at]] + ranked[:at] + ranked[at + 1:]
    # A "when" is answered by a day or a month before a year alone ("NEC ESS 2024 results:"):
    # the best sentence naming one, if close, answers in its place.
    if retrieval.query.kind == "date" and ranked and evidence.get("kind_ok") and not _names_day(ranked[0]) \
            and not compose.YEAR_ASKED.search(fold(retrieval.query.text)):
        dated = next((i for i, s in enumerate(ranked[1:], start=1) if s.holds_value and _names_day(s) and s.on_subject
                      and s.score >= RUNNER_UP_SHARE * ranked[0].score), None)
        if dated is not None:
            other, other_evidence = confidence_of(retrieval, ranked[dated:], common, own_name)
            if other >= min(confidence, calibration().threshold):
                confidence, evidence = other, other_evidence
                ranked = [ranked[dated]] + ranked[:dated] + ranked[dated + 1:]
    evidence["confidence"] = round(confidence, 3)
    evidence["threshold"] = calibration().threshold
    weighed, groups = question_words(retrieval)
    gap, gap_share, asked = best_gap(weighed, own_name, retrieval.query.kind)
    if gap is not None:
        # The gap wins when the best passage lacks the asked attribute ("budget" of a project
        # whose passage doesn't mention one). Staff's own answers (saved from Slack, opt-in
        # channels) outrank what the report lacks.
        best = ranked[0] if ranked and ranked[0].score > 0 else None
        # A typo's correction is a guess ("numéro" read as "numérique"): the passage holding the
        # guess doesn't hold the attribute asked.
        guessed = {i for i, term in enumerate(retrieval.query.searched) if term.corrected or term.related}
        # And a word of the attribute the knowledge doesn't know ("phone" of "phone number") is
        # in no passage: "Number of SOGA members" doesn't hold it.
        holds_attribute = best is not None and all(groups[i] is not None for i in asked) and all(
            groups[i] not in guessed and groups[i] in best.groups for i in asked)
        if not asked:  # asked by its kind alone: the passage holds it when it holds such a value
            holds_attribute = best is not None
        evidence["gap_coverage"] = round(gap_share, 3)
        # So does a passage that names the attribute without its value ("backed by funders").
        if (best is None or best.hit.source == "file") and (not holds_attribute or not evidence.get("kind_ok", True)):
            return Decision(False, confidence, ranked, gap, evidence)
    return Decision(confidence >= calibration().threshold, confidence, ranked, None, evidence)
