"""Stage 1: the passages a query finds, lexically (BM25 over stems, lemmas and corrected typos)
and, when embeddings are configured, semantically, fused by reciprocal rank."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.knowledge import index
from bot.knowledge.index import Hit
from bot.knowledge.query import Query
from bot.store.db import Database

log = logging.getLogger(__name__)

RRF_K = 60
TOP_HITS = 6
# A word carried over from the thread, or a typo matched to the vocabulary, is weaker evidence.
THREAD_FACTOR = 0.6
CORRECTED_FACTOR = 0.85
RELATED_FACTOR = 0.7  # a word used like the member's, not the member's own
FRAME_FACTOR = 0.3
# A question word the knowledge doesn't know weighs this much in coverage (a typical known word
# weighs 1 to 3): it lowers confidence, it never vetoes.
UNKNOWN_WEIGHT = 1.0
# Rare question words weigh at most this much in coverage: the rarest words of a question are
# often its verbs ("gagné", "votés"), which passages phrase differently.
COVERAGE_WEIGHT_CAP = 3.0

EmbedQuery = Callable[[str], list[float]]


@dataclass
class Retrieval:
    query: Query
    hits: list[Hit]
    groups: list[tuple[str, ...]]
    weights: list[float]  # per group, idf times its factor
    similarity: dict[int, float] = field(default_factory=dict)  # chunk id -> cosine, with embeddings

    def coverage(self, hit: Hit) -> float:
        """The share of the question's weight the passage holds (unknown words count in the whole)."""
        return self.share(hit.matched)

    def share(self, groups: frozenset[int] | set[int]) -> float:
        capped = [min(w, COVERAGE_WEIGHT_CAP) for w in self.weights]
        total = sum(capped) + UNKNOWN_WEIGHT * len(self.query.unknown)
        return sum(capped[i] for i in groups) / total if total else 0.0

    @property
    def best_similarity(self) -> float | None:
        return max(self.similarity.values()) if self.similarity else None

    def as_debug(self) -> list[dict[str, Any]]:
        return [{"title": h.title, "heading": h.heading, "ref": h.ref, "score": round(h.score, 3),
                 "coverage": round(self.coverage(h), 3), "similarity": round(self.similarity.get(h.chunk_id, 0.0), 3) or None}
                for h in self.hits]


def retrieve(db: Database, query: Query, *, embed: EmbedQuery | None = None, limit: int = TOP_HITS) -> Retrieval:
    searched = query.searched
    groups = [t.alternatives for t in searched]
    factors = [(THREAD_FACTOR if t.from_thread else CORRECTED_FACTOR if t.corrected else RELATED_FACTOR if t.related else 1.0) * (FRAME_FACTOR if t.role == "frame" else 1.0)
               for t in searched]
    lexical = index.lexical_search(db, groups, limit=limit * 2, language=query.language, factors=factors)
    if not lexical.hits:  # no knowledge file in the question's language holds it: any language will do
        lexical = index.lexical_search(db, groups, limit=limit * 2, factors=factors)
    retrieval = Retrieval(query, lexical.hits, groups, lexical.group_weights)
    if embed is not None:
        _fuse(db, retrieval, embed, limit)
    if query.kind == "definition" and retrieval.hits:
        # "C'est quoi X": the opening section of the document titled after X says what X is, else
        # that of the best passage's document. (A name every passage gives, as "SOGA", makes the
        # best passage any of them.)
        asked = {alt for group in groups for alt in group}
        about = next((h for h in retrieval.hits if index.titled_after(h, asked)), retrieval.hits[0])
        opening = about if about.position == 0 else index.opening_hit(db, about.document_id, groups)
        if opening is not None:
            retrieval.hits = [opening] + [h for h in retrieval.hits if h.chunk_id != opening.chunk_id]
    retrieval.hits = retrieval.hits[:limit]
    return retrieval


def _fuse(db: Database, retrieval: Retrieval, embed: EmbedQuery, limit: int) -> None:
    from integrations.llm import LLMUnavailable

    try:
        vector = embed(retrieval.query.standalone())
    except LLMUnavailable as exc:
        log.info("embeddings unavailable, lexical ranking only: %s", exc)
        return
    semantic = index.embedding_search(db, vector, limit=limit * 2)
    retrieval.similarity = dict(semantic)
    scores: dict[int, float] = {}
    for rank, hit in enumerate(retrieval.hits):
        scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (chunk_id, _similarity) in enumerate(semantic):
        scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
    known = {hit.chunk_id: hit for hit in retrieval.hits}
    known.update(index.hits_by_ids(db, [c for c, _s in semantic if c not in known]))
    lang = retrieval.query.language
    # A knowledge file in the other language is a translation of one in this language: skip it.
    fused = [known[cid] for cid in sorted(scores, key=lambda cid: (-scores[cid], cid))
             if cid in known and (known[cid].source != "file" or known[cid].language == lang)]
    retrieval.hits = fused or retrieval.hits
