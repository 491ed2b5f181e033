"""The knowledge capability's entry point: index on first use, retrieve, answer, log."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from bot.core.i18n import Lang
from bot.knowledge import index
from bot.knowledge.answer import (
    COVERAGE_WEIGHT_CAP,
    MIN_COVERAGE,
    NO_ANSWER,
    SENTENCE_KEEP_RATIO,
    Answer,
    Sentence,
    compose_decline,
    compose_extractive,
    coverage,
    cited_numbers,
    is_gap_statement,
    llm_messages,
    pick_sentences,
    rank_sentences,
    sources_for,
)
from bot.knowledge.analysis import fold, stem, tokens
from bot.knowledge.glossary import query_groups
from bot.knowledge.index import Hit
from bot.knowledge.language import detect_language
from bot.knowledge.loader import iter_sources
from bot.knowledge.slots import (
    SLOT_GAP_WORDS,
    asked_slot,
    counted_words,
    counts_asked,
    focus_word,
    has_value,
    is_definition,
    named_words,
    names_in,
    slot_frame_tokens,
)
from prompts import read_prompt
from bot.store.db import Database
from integrations.llm import LLM, LLMUnavailable, PromptEcho

log = logging.getLogger(__name__)

RRF_K = 60
TOP_HITS = 6
# Sentences without a value of the asked kind (a number for "combien") weigh this much less.
SLOT_MISSING_FACTOR = 0.6
# A capitalised word found in more than this share of the passages is the knowledge's own
# subject (the association's name), not a name that answers "who".
COMMON_NAME_SHARE = 0.3


@dataclass
class Retrieval:
    hits: list[Hit]
    groups: list[tuple[str, ...]]
    weights: list[float]

    @property
    def coverage(self) -> float:
        return max((coverage(hit, self.weights) for hit in self.hits[:3]), default=0.0)


@dataclass
class Draft:
    """What retrieval supports, before any LLM writes the answer."""

    answer: Answer
    retrieval: Retrieval
    cited: list[Hit]


class KnowledgeBase:
    def __init__(
        self,
        db: Database,
        *,
        llm: LLM | None = None,
        extra_dir: Path | None = None,
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.llm = llm
        self.extra_dir = extra_dir
        self.clock = clock
        self._indexed = False
        self._index_lock = threading.Lock()

    # -- indexing ------------------------------------------------------------------------------
    def _embedder(self):
        return self.llm.embed if self.llm is not None and self.llm.embeddings_enabled else None

    def reindex(self) -> index.ReindexReport:
        with self._index_lock:
            report = index.sync_documents(self.db, iter_sources(self.extra_dir), self.clock(), source="file", embed=self._embedder())
            self._indexed = True
            return report

    def ensure_indexed(self) -> None:
        """Index the files on first use in this process (cheap when nothing changed)."""
        if not self._indexed:
            self.reindex()

    # -- retrieval -----------------------------------------------------------------------------
    def retrieve(self, question: str, lang: Lang = "fr", limit: int = TOP_HITS) -> Retrieval:
        self.ensure_indexed()
        groups = query_groups(question, lang)
        lexical = index.lexical_search(self.db, groups, limit=limit * 2)
        hits = lexical.hits
        if self._embedder() is not None:
            hits = self._fuse_with_embeddings(question, hits, limit)
        return Retrieval(hits[:limit], groups, lexical.group_weights)

    def _fuse_with_embeddings(self, question: str, lexical: list[Hit], limit: int) -> list[Hit]:
        try:
            vector = self.llm.embed([question])[0]  # type: ignore[union-attr]
        except LLMUnavailable as exc:
            log.info("embeddings unavailable, lexical ranking only: %s", exc)
            return lexical
        semantic = index.embedding_search(self.db, vector, limit=limit * 2)
        scores: dict[int, float] = {}
        for rank, hit in enumerate(lexical):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, chunk_id in enumerate(semantic):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        known = {hit.chunk_id: hit for hit in lexical}
        known.update({cid: hit for cid, hit in index.hits_by_ids(self.db, [c for c in semantic if c not in known]).items()})
        return [known[cid] for cid in sorted(scores, key=lambda cid: (-scores[cid], cid)) if cid in known]

    # -- answering -----------------------------------------------------------------------------
    def draft(self, question: str, fallback_lang: Lang = "fr") -> Draft:
        """The extractive answer or the decline, decided from retrieval alone."""
        lang = detect_language(question, fallback_lang)
        retrieval = self.retrieve(question, lang)
        slot = asked_slot(question)
        if slot is not None:
            # "En quelle année…": the year answers the word "année"; passages needn't contain it.
            retrieval.weights = [0.0 if set(group) & slot_frame_tokens(slot) else w
                                 for group, w in zip(retrieval.groups, retrieval.weights)]
        focus = _focus_group(question, retrieval.groups)
        ranked = rank_sentences(
            retrieval.hits, retrieval.groups, retrieval.weights, focus=focus, definition=is_definition(question)
        )
        if (not retrieval.hits or retrieval.coverage < MIN_COVERAGE or not ranked or ranked[0].score <= 0
                or not _numbers_found(retrieval)):
            return Draft(Answer(question, compose_decline(lang), False, lang), retrieval, [])
        if is_gap_statement(ranked[0].text) and not _focus_answered(ranked, retrieval.groups, focus):
            return _declined(question, lang, retrieval, ranked[0])
        if slot is not None:
            valued = _with_slot(ranked, slot, self._slot_check(question, slot, retrieval, ranked[0]))
            if valued is None:
                # Quote what the answer's own document says it lacks, if it says so.
                gap = next((s for s in ranked if s.hit.document_id == ranked[0].hit.document_id
                            and is_gap_statement(s.text) and SLOT_GAP_WORDS[slot].search(fold(s.text))), None)
                return _declined(question, lang, retrieval, gap)
            ranked = valued
        chosen = pick_sentences(ranked)
        cited = list(dict.fromkeys(s.hit.chunk_id for s in chosen))
        cited_hits = [next(s.hit for s in chosen if s.hit.chunk_id == cid) for cid in cited]
        answer = Answer(question, compose_extractive(chosen, cited_hits, lang), True, lang, sources_for(cited_hits))
        return Draft(answer, retrieval, cited_hits)

    def _slot_check(self, question: str, slot: str, retrieval: Retrieval, best: Sentence) -> Callable[[Sentence], bool]:
        """Whether a sentence holds a value of the asked kind: for a count, a number counting
        what is asked; for names, a name not already in the question, next to what the names
        are asked of ("les noms des partenaires"). Either way the sentence must be about what
        the best one is about once the asked word is set aside: sharing the counted noun doesn't
        make "268 abonné·es à la newsletter" an answer about LinkedIn followers."""
        groups = retrieval.groups
        if slot == "quantity":
            counted = [i for i in (_group_of(word, groups) for word in counted_words(question)) if i is not None]
            if not counted:
                return lambda s: has_value(s.text, slot)
            others = [frozenset(group) for i, group in enumerate(groups)
                      if i not in counted and retrieval.weights[i] > 0 and not all(term.isdigit() for term in group)]
            asked = [frozenset(groups[i]) for i in counted]
            return lambda s: (_about_subject(s, best, retrieval.weights, counted)
                              and counts_asked(s.text, asked, others, s.intro))
        if slot == "names":
            entity = [i for i in (_group_of(word, groups) for word in named_words(question)) if i is not None]
            asked_terms = {term for group in groups for term in group}

            def holds_name(s: Sentence) -> bool:
                own = set(tokens(s.text + "\n" + s.intro))
                if not all(own.intersection(groups[i]) for i in entity) or not _about_subject(s, best, retrieval.weights, entity):
                    return False
                candidates = [[t for t in name if t not in asked_terms] for name in names_in(s.text)]
                informative = {t for name in candidates for t in name}
                if not informative:
                    return False
                common = self._common_terms(sorted(informative))
                return any(name and not set(name) <= common for name in candidates)

            return holds_name
        return lambda s: has_value(s.text, slot)

    def _common_terms(self, terms: list[str]) -> set[str]:
        total, _average = index.STATS.totals(self.db)
        df = index.STATS.document_frequencies(self.db, terms)
        return {term for term in terms if total and df.get(term, 0) > COMMON_NAME_SHARE * total}

    def ask(
        self,
        question: str,
        fallback_lang: Lang = "fr",
        *,
        history: list[tuple[str, str]] | None = None,
        on_delta: Callable[[str], None] | None = None,
    ) -> Answer:
        """Answer a question. With an LLM the answer is written from the passages (streamed to
        `on_delta` when given); any LLM failure falls back to the extractive answer, silently."""
        started = time.perf_counter()
        draft = self.draft(question, fallback_lang)
        answer = draft.answer
        if self.llm is not None and answer.answered:
            written = self._write_with_llm(question, draft, history, on_delta)
            if written is not None:
                answer = written
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _write_with_llm(
        self, question: str, draft: Draft, history: list[tuple[str, str]] | None, on_delta: Callable[[str], None] | None
    ) -> Answer | None:
        hits = draft.retrieval.hits[:5]
        lang = draft.answer.language
        prompt = load_prompt()
        messages = llm_messages(prompt, question, hits, lang, history)
        echo = PromptEcho(prompt)
        try:
            if on_delta is None:
                text = self.llm.complete(messages)  # type: ignore[union-attr]
            else:
                text = "".join(_tee(self.llm.stream(messages), on_delta, echo))  # type: ignore[union-attr]
        except LLMUnavailable as exc:
            log.info("LLM unavailable, extractive answer instead: %s", exc)
            return None
        text = text.strip()
        if not text:
            return None
        if echo.found_in(text):
            # Someone talked the model into repeating its instructions: the member gets the
            # extractive answer instead (a streamed reply is replaced by it).
            log.warning("LLM reply quoted the system prompt; extractive answer instead")
            return None
        if text.startswith(NO_ANSWER):
            return Answer(question, compose_decline(lang), False, lang)
        numbers = [n for n in cited_numbers(text) if 1 <= n <= len(hits)]
        cited = [hits[n - 1] for n in numbers] or hits[:1]
        # Sources keep the passage numbers the model cited, so [n] in the text points at sources[n-1].
        sources = sources_for(hits) if numbers else sources_for(cited)
        return Answer(question, text, True, lang, sources, by_llm=True)


def _focus_group(question: str, groups: list[tuple[str, ...]]) -> int | None:
    return _group_of(focus_word(question), groups)


def _group_of(word: str | None, groups: list[tuple[str, ...]]) -> int | None:
    if word is None:
        return None
    stemmed = stem(word)
    return next((index for index, group in enumerate(groups) if stemmed in group), None)


def _about_subject(sentence: Sentence, best: Sentence, weights: list[float], asked: list[int]) -> bool:
    """Whether the sentence (with its heading) carries, of the question's words other than the
    asked ones, at least SENTENCE_KEEP_RATIO of the weight the best sentence carries: closeness
    to the best answer measured on the subject, not on the counted noun both share."""

    def subject(s: Sentence) -> float:
        return sum(min(w, COVERAGE_WEIGHT_CAP) for i, w in enumerate(weights) if i not in asked and i in s.groups)

    reference = subject(best)
    return not reference or subject(sentence) >= SENTENCE_KEEP_RATIO * reference


def _numbers_found(retrieval: Retrieval) -> bool:
    """A number in the question ("en 2025", "les 28 PME") is a constraint, not a hint: one of
    the best passages must contain every one of them."""
    numeric = {i for i, group in enumerate(retrieval.groups) if all(term.isdigit() for term in group)}
    return not numeric or any(numeric <= hit.matched for hit in retrieval.hits[:3])


def _focus_answered(ranked: list[Sentence], groups: list[tuple[str, ...]], focus: int | None) -> bool:
    """Whether a sentence of another document, close to the best one (a gap statement), stating
    a fact, names what the question asks about and matches all the question words the gap
    matches: then one document saying it lacks the fact doesn't silence another that has it.
    The gap's own document is taken at its word: its other sentences are context around the
    gap ("le seul chiffre cité… concerne vraisemblablement un autre projet")."""
    if focus is None:
        return False
    gap = ranked[0]
    return any(
        s.hit.document_id != gap.hit.document_id
        and s.score >= SENTENCE_KEEP_RATIO * gap.score and not is_gap_statement(s.text) and not s.text.endswith(":")
        and set(tokens(s.text)).intersection(groups[focus]) and gap.groups <= s.groups
        for s in ranked
    )


def _with_slot(ranked: list[Sentence], slot: str, holds_value: Callable[[Sentence], bool]) -> list[Sentence] | None:
    """Sentences holding a value of the asked kind come first; None when no sentence close to
    the best one holds such a value (the knowledge doesn't give what is asked)."""
    best = ranked[0].score
    # A list intro ("répartis en six collèges :") can state a quantity or amount on its own; a date can't.
    holds = {id(s) for s in ranked if s.score >= SENTENCE_KEEP_RATIO * best and not is_gap_statement(s.text)
             and (slot != "date" or not s.text.endswith(":")) and holds_value(s)}
    if not holds:
        return None
    reweighted = [
        replace(s, score=s.score, holds_value=True) if id(s) in holds else replace(s, score=s.score * SLOT_MISSING_FACTOR)
        for s in ranked
    ]
    reweighted.sort(key=lambda s: (-s.score, s.order))
    return reweighted


def _declined(question: str, lang: Lang, retrieval: Retrieval, gap: Sentence | None) -> Draft:
    """A decline, quoting the sentence that says the knowledge lacks the fact when there is one."""
    if gap is None:
        return Draft(Answer(question, compose_decline(lang), False, lang), retrieval, [])
    cited = [gap.hit]
    return Draft(Answer(question, compose_decline(lang, gap, cited), False, lang, sources_for(cited)), retrieval, cited)


def _tee(deltas: Iterator[str], on_delta: Callable[[str], None], echo: PromptEcho | None = None) -> Iterator[str]:
    """Forward each delta as it comes, until the text so far quotes the prompt: from then on
    nothing more is shown (the whole reply is replaced by the extractive answer)."""
    so_far = ""
    leaking = False
    for delta in deltas:
        so_far += delta
        leaking = leaking or (echo is not None and echo.found_in(so_far))
        if not leaking:
            on_delta(delta)
        yield delta


def load_prompt() -> str:
    return read_prompt("answer.md")


def save_from_slack(kb: KnowledgeBase, *, channel_id: str, ts: str, title: str, text: str, ref: str, user_id: str) -> None:
    """Staff saved a useful Slack message: it becomes a document of source 'slack', indexed now."""
    from bot.knowledge.loader import SourceDocument

    document = SourceDocument(
        key=f"slack:{channel_id}/{ts}", source="slack", title=title.strip() or text[:80], body=text, ref=ref,
        kind="community", language="fr", meta={"user_id": user_id},
    )
    index.upsert_document(kb.db, document, kb.clock(), embed=kb._embedder())


def default_title(text: str, limit: int = 80) -> str:
    first = next((line.strip(" #*_>") for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"
