"""The knowledge capability's entry point: a question is analysed once into a Query, which goes
through retrieve -> decide -> compose; with an LLM, the model decides from the same passages."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from bot.core.i18n import Lang
from bot.knowledge import compose, index, llm_answer
from bot.knowledge.analysis import fold
from bot.knowledge.answer import Answer, sources_for
from bot.knowledge.decide import Decision, calibration, decide
from bot.knowledge.language import detect_language
from bot.knowledge.loader import iter_sources
from bot.knowledge.query import Query, analyse_question, split_compound, split_context
from bot.knowledge.retrieve import TOP_HITS, Retrieval, retrieve
from bot.knowledge.texts import KB
from bot.store.db import Database
from integrations.llm import LLM, LLMUnavailable, PromptEcho, neutralise
from prompts import read_prompt

log = logging.getLogger(__name__)

History = list[tuple[str, str]]
# A token in more than half of the passages is the association's own name ("soga").
OWN_NAME_SHARE = 0.5


@dataclass
class Draft:
    """What retrieval supports, before any LLM writes the answer."""

    query: Query
    retrieval: Retrieval
    decision: Decision
    answer: Answer
    more_passages: list[index.Hit] = field(default_factory=list)  # a two-part question's second part's

    @property
    def passages(self) -> list[index.Hit]:
        seen = {hit.chunk_id for hit in self.retrieval.hits}
        return self.retrieval.hits + [hit for hit in self.more_passages if hit.chunk_id not in seen]


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

    # -- the pipeline --------------------------------------------------------------------------
    def analyse(self, question: str, fallback_lang: Lang = "fr", history: History | None = None) -> Query:
        self.ensure_indexed()
        return analyse_question(question, fallback_lang, index.STATS.vocabulary(self.db), history)

    def retrieve(self, question: str | Query, lang: Lang = "fr", limit: int = TOP_HITS) -> Retrieval:
        query = question if isinstance(question, Query) else self.analyse(question, lang)
        embed = None
        if self._embedder() is not None:
            embed = lambda text: self.llm.embed([text])[0]  # type: ignore[union-attr]  # noqa: E731
        return retrieve(self.db, query, embed=embed, limit=limit)

    def draft(self, question: str, fallback_lang: Lang = "fr", history: History | None = None) -> Draft:
        """The extractive answer or the decline, decided from retrieval alone. A question asking
        two things ("Qui finance X et combien de pays y participent ?") is answered part by part,
        the second part as a follow-up of the first. What a message says before its question
        ("Je prépare un dossier sur le café de Lille. Il y avait combien de monde ?") is read as
        the thread before it."""
        context = split_context(question)
        if context is not None:
            history = (history or []) + [("member", context[0])]
            question = context[1]
        parts = split_compound(question)
        if parts is None:
            return self._draft(question, fallback_lang, history)
        # Each part reads the other as its thread: "How many participants (…) and how many
        # partners did the Café IAssos have?" names its subject last.
        lang = detect_language(question, fallback_lang)
        first = self._draft(parts[0], lang, (history or []) + [("member", parts[1])])
        second = self._draft(parts[1], lang, (history or []) + [("member", parts[0])])
        if not (first.decision.answer or second.decision.answer):
            return self._draft(question, fallback_lang, history)
        return combined(question, first, second)

    def _draft(self, question: str, fallback_lang: Lang, history: History | None) -> Draft:
        query = self.analyse(question, fallback_lang, history)
        retrieval = self.retrieve(query)
        total, _average = index.STATS.totals(self.db)
        vocabulary = index.STATS.vocabulary(self.db)
        decision = decide(retrieval, vocabulary.common(total), vocabulary.common(total, OWN_NAME_SHARE))
        return Draft(query, retrieval, decision, extractive(question, query, decision))

    def ask(
        self,
        question: str,
        fallback_lang: Lang = "fr",
        *,
        history: History | None = None,
        on_delta: Callable[[str], None] | None = None,
        debug: bool = False,
    ) -> Answer:
        """Answer a question. With an LLM, the model answers or declines from the passages of any
        question found in scope (streamed to `on_delta` when given); a reply that fails its
        checks, or any LLM failure, gives the extractive answer instead."""
        started = time.perf_counter()
        # Delimiter look-alikes ("</question>") are markup, not words of the question.
        asked = neutralise(question)
        draft = self.draft(asked, fallback_lang, history)
        if self.llm is not None and draft.query.follow_up and history:  # a two-part question's parts read each other, not a thread
            rewritten = self._standalone(question, history or [])
            if rewritten != question:
                asked = rewritten
                draft = self.draft(asked, fallback_lang)
        answer = draft.answer
        if self.llm is not None and (draft.decision.answer or draft.decision.confidence >= calibration().near):
            written = self._write_with_llm(question, draft, history, on_delta)
            if written is not None:
                answer = written
        answer.question = question
        answer.latency_ms = (time.perf_counter() - started) * 1000
        if debug:
            answer.debug = {
                "query": draft.query.as_debug() | ({"rewritten": asked} if asked != neutralise(question) else {}),
                "retrieve": draft.retrieval.as_debug(),
                "decide": draft.decision.evidence | {"answer": draft.decision.answer,
                                                     "gap": draft.decision.gap.says.get(draft.query.language) if draft.decision.gap else None},
                "compose": {"by_llm": answer.by_llm, "sentences": [s.text for s in chosen_sentences(draft.query, draft.decision)]
                            if draft.decision.answer else []},
            }
        return answer

    def _standalone(self, question: str, history: History) -> str:
        """A follow-up rewritten by the model into a question that names its subject."""
        try:
            rewritten = self.llm.complete(llm_answer.standalone_messages(question, history), max_tokens=120)  # type: ignore[union-attr]
        except LLMUnavailable as exc:
            log.info("LLM unavailable for the follow-up rewrite: %s", exc)
            return question
        line = next((part.strip() for part in rewritten.splitlines() if part.strip()), "")
        return line[:500] or question

    def _write_with_llm(
        self, question: str, draft: Draft, history: History | None, on_delta: Callable[[str], None] | None
    ) -> Answer | None:
        hits = draft.passages[: llm_answer.MAX_PASSAGES]
        if not hits:
            return None
        lang = draft.query.language
        messages = llm_answer.answer_messages(question, hits, lang, history)
        echo = PromptEcho(read_prompt("answer.md"))
        try:
            if on_delta is None:
                raw = self.llm.complete(messages)  # type: ignore[union-attr]
            else:
                raw = "".join(llm_answer.text_deltas(_until_echo(self.llm.stream(messages), echo), on_delta))  # type: ignore[union-attr]
        except LLMUnavailable as exc:
            log.info("LLM unavailable, extractive answer instead: %s", exc)
            return None
        if echo.found_in(raw):
            # Someone talked the model into repeating its instructions: the member gets the
            # extractive answer instead (a streamed reply is replaced by it).
            log.warning("LLM reply quoted the system prompt; extractive answer instead")
            return None
        reply = llm_answer.parse(raw)
        if reply is None:
            log.info("LLM reply not in the structured format; extractive answer instead")
            return None
        if not reply.answered:
            return declined(question, draft.query, draft.decision, by_llm=True)
        if not llm_answer.checked(reply, hits):
            log.info("LLM reply cites passages it wasn't given or numbers they lack; extractive answer instead")
            return None
        cited = sorted(set(reply.cited))
        # Sources keep the passage numbers the model cited, so [n] in the text points at sources[n-1].
        return Answer(question, reply.text, True, lang, sources_for(hits[: max(cited)]), by_llm=True)


def combined(question: str, first: Draft, second: Draft) -> Draft:
    """One draft for a two-part question: the answered parts' sentences in the question's order,
    and both parts' passages for the model."""
    answered = [draft for draft in (first, second) if draft.decision.answer]
    # Each part's own answer, its best sentence, in the question's order.
    chosen: list[compose.Sentence] = []
    for draft in answered:
        best = compose.choose(draft.decision.ranked)[0]
        if all(best.text != other.text for other in chosen):
            chosen.append(best)
    answer = _answer_from(question, chosen, first.query.language)
    decision = replace(answered[0].decision, confidence=max(first.decision.confidence, second.decision.confidence))
    return Draft(first.query, first.retrieval, decision, answer, second.retrieval.hits)


def extractive(question: str, query: Query, decision: Decision) -> Answer:
    lang = query.language
    if not decision.answer:
        return declined(question, query, decision)
    return _answer_from(question, chosen_sentences(query, decision), lang)


def chosen_sentences(query: Query, decision: Decision) -> list[compose.Sentence]:
    # Several things asked ("which projects", "quels partenaires"), not several values of one
    # ("quelles dates").
    plural = query.kind in (None, "person") and bool(compose.PLURAL_ASKED.search(fold(query.text)))
    return compose.choose(decision.ranked, plural)


def _answer_from(question: str, chosen: list[compose.Sentence], lang: Lang) -> Answer:
    # One source a document: two sections of one file are one reference to read.
    cited: list[index.Hit] = []
    for sentence in chosen:
        if all(hit.ref != sentence.hit.ref for hit in cited):
            cited.append(sentence.hit)
    text = compose.render(chosen, cited, lang)
    if any(hit.language != lang for hit in cited):
        text += KB("source_in_french", lang) if lang == "en" else ""
    return Answer(question, text, True, lang, sources_for(cited))


def declined(question: str, query: Query, decision: Decision, *, by_llm: bool = False) -> Answer:
    """A decline; what the report doesn't say when a known gap matches, else the closest
    passage as "peut-être utile" when one is near."""
    lang = query.language
    if decision.gap is not None:
        return Answer(question, KB("decline_gap", lang, says=decision.gap.says.get(lang) or decision.gap.says["fr"]), False, lang)
    text = KB("decline", lang)
    near = decision.near
    if near is None:
        return Answer(question, text, False, lang, by_llm=by_llm)
    sentence = compose.render([near], [near.hit], lang).split(" [1]")[0].replace("\n", " ")
    return Answer(question, text + "\n" + KB("maybe_useful", lang, sentence=sentence), False, lang, sources_for([near.hit]), by_llm=by_llm)


def _until_echo(deltas, echo: PromptEcho):
    """Stop forwarding once the text so far quotes the prompt (the rest is still read)."""
    so_far = ""
    for delta in deltas:
        so_far += delta
        if echo.found_in(so_far):
            yield delta
            for rest in deltas:
                yield rest
            return
        yield delta


def save_from_slack(kb: KnowledgeBase, *, channel_id: str, ts: str, title: str, text: str, ref: str, user_id: str) -> None:
    """Staff saved a useful Slack message: it becomes a document of source 'slack', indexed now."""
    from bot.knowledge.loader import SourceDocument

    document = SourceDocument(
        key=f"slack:{channel_id}/{ts}", source="slack", title=title.strip() or text[:80], body=text, ref=ref,
        kind="community", language=detect_language(text, "fr"), meta={"user_id": user_id},
    )
    index.upsert_document(kb.db, document, kb.clock(), embed=kb._embedder())


def default_title(text: str, limit: int = 80) -> str:
    first = next((line.strip(" #*_>") for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"
