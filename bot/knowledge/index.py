"""The search index in the database: incremental (re-)indexing and lexical retrieval.

Both backends find candidates with their own full-text index over the pre-analysed tokens,
then the candidates are scored here with one BM25, so SQLite and PostgreSQL rank alike.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, text

from bot.knowledge.analysis import analyse, tokens
from bot.knowledge.loader import SourceDocument, chunk_document
from bot.knowledge.models import KbChunk, KbDocument
from bot.knowledge.query import Vocabulary
from bot.store.db import Database

log = logging.getLogger(__name__)

CANDIDATES = 40
# The engine ranks the rows matching the question's rarest terms, rarest first, while their
# document frequencies add up to at most this many rows (the rarest term always counts). More
# common terms still score in the BM25 below, on the candidates. A small corpus (the bundled
# knowledge has 133 chunks) keeps every term; at 100k chunks the engine's per-row ranking is
# what costs (PostgreSQL reads each matching row's tsvector for ts_rank).
CANDIDATE_ROWS = 2000
BM25_K1 = 1.2
BM25_B = 0.75
HEADING_SEPARATOR = " › "

Embedder = Callable[[list[str]], list[list[float]]]


@dataclass
class ReindexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(added=self.added, updated=self.updated, unchanged=self.unchanged, removed=self.removed, chunks=self.chunks)


@dataclass
class Hit:
    chunk_id: int
    document_id: int
    title: str
    ref: str
    heading: str
    text: str
    score: float
    matched: frozenset[int] = field(default_factory=frozenset)  # indexes of the query groups found
    position: int = 0  # the chunk's place in its document (0: the opening section)
    language: str = "fr"  # its document's
    source: str = "file"  # its document's: file, slack, slack_channel


def _chunk_rows(document: SourceDocument) -> list[KbChunk]:
    rows = []
    for position, chunk in enumerate(chunk_document(document.title, document.body)):
        heading = HEADING_SEPARATOR.join(chunk.heading_path)
        analysed = analyse(heading + "\n" + chunk.text)
        rows.append(KbChunk(position=position, heading=heading, text=chunk.text, tokens=analysed,
                            token_count=max(1, analysed.count(" ") + 1)))
    return rows


def sync_documents(
    db: Database,
    documents: Iterable[SourceDocument],
    now: datetime,
    *,
    source: str = "file",
    embed: Embedder | None = None,
    remove_missing: bool = True,
) -> ReindexReport:
    """Make the index hold exactly `documents` for `source`: new and changed ones are
    (re-)chunked, unchanged ones (same content hash) are skipped, missing ones are removed."""
    report = ReindexReport()
    seen: set[str] = set()
    for document in documents:
        if document.key in seen:
            continue
        seen.add(document.key)
        with db.session() as session:
            _lock_index(db, session)
            existing = session.scalar(select(KbDocument).where(KbDocument.key == document.key))
            if existing is not None and existing.content_hash == document.content_hash:
                report.unchanged += 1
                continue
            rows = _chunk_rows(document)
            _embed_rows(rows, embed)
            if existing is None:
                existing = KbDocument(key=document.key, created_at=now, created_by_user_id=document.meta.get("user_id"))
                session.add(existing)
                report.added += 1
            else:
                session.execute(delete(KbChunk).where(KbChunk.document_id == existing.id))
                report.updated += 1
            existing.source = document.source
            existing.title = document.title[:500]
            existing.ref = document.ref[:1000]
            existing.kind = document.kind[:32]
            existing.language = document.language[:8]
            existing.content_hash = document.content_hash
            existing.body = document.body if document.source != "file" else None
            existing.updated_at = now
            session.flush()
            for row in rows:
                row.document_id = existing.id
            session.add_all(rows)
            report.chunks += len(rows)
    with db.session() as session:
        _lock_index(db, session)
        stale = [] if not remove_missing else [
            doc_id for doc_id, key in session.execute(select(KbDocument.id, KbDocument.key).where(KbDocument.source == source))
            if key not in seen
        ]
        if stale:
            session.execute(delete(KbChunk).where(KbChunk.document_id.in_(stale)))
            session.execute(delete(KbDocument).where(KbDocument.id.in_(stale)))
            report.removed = len(stale)
    if report.added or report.updated or report.removed:
        STATS.invalidate()
    return report


# Another process (the web process and a worker, two web dynos on a fresh database) may index
# the same files at the same moment: each document's check-then-write runs under one database
# lock, so the second sees the first's rows (same hash: unchanged) instead of inserting the
# document again (a UniqueViolation) or adding its chunks a second time. On SQLite the
# session's BEGIN IMMEDIATE is that lock already (bot.store.db); on PostgreSQL a transaction
# advisory lock, released at commit.
INDEX_LOCK_KEY = 0x50_6A_0C


def _lock_index(db: Database, session) -> None:
    if not db.is_sqlite:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INDEX_LOCK_KEY})


def remove_document(db: Database, key: str) -> bool:
    """Drop one document and its chunks; False when there was none. Under the index's lock, so
    that a concurrent sync doesn't write chunks for the document being removed."""
    with db.session() as session:
        _lock_index(db, session)
        found = session.scalar(select(KbDocument.id).where(KbDocument.key == key))
        if found is None:
            return False
        session.execute(delete(KbChunk).where(KbChunk.document_id == found))
        session.execute(delete(KbDocument).where(KbDocument.id == found))
    STATS.invalidate()
    return True


def upsert_document(db: Database, document: SourceDocument, now: datetime, embed: Embedder | None = None) -> ReindexReport:
    """Add or replace one document without touching the others (e.g. saved from Slack)."""
    return sync_documents(db, [document], now, source=document.source, embed=embed, remove_missing=False)


def _embed_rows(rows: list[KbChunk], embed: Embedder | None) -> None:
    if embed is None or not rows:
        return
    try:
        vectors = embed([f"{row.heading}\n{row.text}" for row in rows])
    except Exception as exc:  # embeddings are an optional signal: index lexically anyway
        log.warning("embeddings unavailable while indexing: %s", exc)
        return
    for row, vector in zip(rows, vectors):
        row.embedding = json.dumps([round(x, 6) for x in vector])


@contextmanager
def reading(db: Database) -> Iterator[Connection]:
    """A connection for the retrieval reads. SQLite: a deferred transaction, which doesn't take
    the write lock. PostgreSQL: autocommit, so a read is one round trip (no BEGIN / ROLLBACK)
    and psycopg keeps the statements it prepared (it forgets them all on a ROLLBACK): the
    candidate query, run on every question, is planned once per connection."""
    if db.is_sqlite:
        with db.reading() as connection:
            yield connection
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            yield connection


class CorpusStats:
    """Document frequencies and lengths for BM25, cached until the index changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._totals: dict[str, tuple[int, int, float]] = {}  # db url -> (generation, N, avgdl)
        self._df: dict[tuple[str, str], tuple[int, int]] = {}  # (db url, term) -> (generation, df)
        self._vocabulary: dict[str, tuple[int, Vocabulary]] = {}  # db url -> (generation, vocabulary)

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1

    def totals(self, db: Database) -> tuple[int, float]:
        with self._lock:
            cached = self._totals.get(db.url)
            if cached and cached[0] == self._generation:
                return cached[1], cached[2]
            generation = self._generation
        with reading(db) as connection:
            count, average = connection.execute(select(func.count(KbChunk.id), func.avg(KbChunk.token_count))).one()
        with self._lock:
            self._totals[db.url] = (generation, int(count or 0), float(average or 1.0))
        return int(count or 0), float(average or 1.0)

    def vocabulary(self, db: Database) -> Vocabulary:
        """Every indexed token with its document frequency: read once per index generation
        (typos are matched against it, and it answers document frequencies without a query)."""
        with self._lock:
            cached = self._vocabulary.get(db.url)
            if cached and cached[0] == self._generation:
                return cached[1]
            generation = self._generation
        with reading(db) as connection:
            if db.is_sqlite:
                rows = connection.execute(text("SELECT term, doc FROM kb_chunks_vocab")).all()
            else:
                rows = connection.execute(text("SELECT word, ndoc FROM ts_stat('SELECT tsv FROM kb_chunks')")).all()
            # The knowledge files' words as written, for typos a stem hides ("partenères" is
            # "partenaires"); the files are a few hundred passages, whatever else is indexed.
            written: dict[str, list[str]] = {}
            for language, heading, body in connection.execute(
                    select(KbDocument.language, KbChunk.heading, KbChunk.text).join(KbDocument).where(KbDocument.source == "file")):
                written.setdefault(language, []).extend((heading, body))
        vocabulary = Vocabulary({term: int(df) for term, df in rows}, {lang: " ".join(parts) for lang, parts in written.items()})
        with self._lock:
            self._vocabulary[db.url] = (generation, vocabulary)
        return vocabulary

    def document_frequencies(self, db: Database, terms: list[str]) -> dict[str, int]:
        result: dict[str, int] = {}
        missing: list[str] = []
        with self._lock:
            for term in terms:
                cached = self._df.get((db.url, term))
                if cached and cached[0] == self._generation:
                    result[term] = cached[1]
                else:
                    missing.append(term)
            generation = self._generation
        if missing:
            with reading(db) as connection:
                if db.is_sqlite:
                    rows = connection.execute(
                        text("SELECT term, doc FROM kb_chunks_vocab WHERE term IN (" + ",".join(f":t{i}" for i in range(len(missing))) + ")"),
                        {f"t{i}": _fts5_term(term) for i, term in enumerate(missing)},
                    ).all()
                    found = dict(rows)
                    fresh = {term: int(found.get(_fts5_term(term), 0)) for term in missing}
                else:
                    # One round trip: each term counted through the GIN index.
                    rows = connection.execute(
                        text("SELECT term, (SELECT count(*) FROM kb_chunks WHERE tsv @@ to_tsquery('simple', term)) "
                             "FROM unnest(CAST(:terms AS text[])) AS t(term)"),
                        {"terms": [_tsquery_term(term) for term in missing]},
                    ).all()
                    found = dict(rows)
                    fresh = {term: int(found.get(_tsquery_term(term), 0)) for term in missing}
            with self._lock:
                if len(self._df) > 100_000:
                    self._df.clear()
                for term, df in fresh.items():
                    self._df[(db.url, term)] = (generation, df)
            result.update(fresh)
        return result


STATS = CorpusStats()


def _fts5_term(term: str) -> str:
    return term  # tokens are [a-z0-9]+, the same in FTS5's unicode61 tokeniser


def _tsquery_term(term: str) -> str:
    return term


Groups = list[tuple[str, ...]]


@dataclass
class LexicalResult:
    hits: list[Hit]
    group_weights: list[float]  # idf of each query group, for coverage


def lexical_search(
    db: Database, groups: Groups, limit: int = 8, *, language: str | None = None, factors: list[float] | None = None
) -> LexicalResult:
    """BM25 over the candidates; each group scores by its best alternative in the chunk,
    times its factor (a word carried over from the thread, or a corrected typo, counts less).
    With `language`, knowledge files in other languages are left out (documents from Slack
    stay, whatever their language)."""
    terms = list(dict.fromkeys(term for group in groups for term in group))
    if not terms:
        return LexicalResult([], [])
    factors = factors or [1.0] * len(groups)
    total, average = STATS.totals(db)
    df = STATS.document_frequencies(db, terms)
    weights = [factor * idf(max(df.get(term, 0) for term in group), total) for group, factor in zip(groups, factors)]
    rows = _candidates(db, candidate_terms(terms, df), language)
    if not rows:
        return LexicalResult([], weights)
    scored = []
    for row in rows:
        counts = Counter(row.tokens.split())
        norm = BM25_K1 * (1 - BM25_B + BM25_B * row.token_count / average)
        score = 0.0
        matched = set()
        for index, group in enumerate(groups):
            best = 0.0
            for term in group:
                tf = counts.get(term, 0)
                if tf:
                    best = max(best, factors[index] * idf(df.get(term, 0), total) * tf * (BM25_K1 + 1) / (tf + norm))
            if best:
                matched.add(index)
                score += best
        scored.append((score, row.id, frozenset(matched), row))
    scored.sort(key=lambda item: (-item[0], item[1]))
    hits = [_hit(row, score=score, matched=matched) for score, _id, matched, row in scored[:limit]]
    return LexicalResult(hits, weights)


def candidate_terms(terms: list[str], df: dict[str, int]) -> list[str]:
    """The terms the engine looks for: the rarest first, while their document frequencies add
    up to at most CANDIDATE_ROWS (the rarest always)."""
    chosen: list[str] = []
    rows = 0
    for term in sorted(terms, key=lambda t: (df.get(t, 0), t)):
        rows += df.get(term, 0)
        if chosen and rows > CANDIDATE_ROWS:
            break
        chosen.append(term)
    return chosen


def idf(df: int, total: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


# The candidates' rows and documents come back with the candidates: one statement, one round trip.
_CANDIDATE_ROWS_SQL = (
    "SELECT c.id, c.document_id, c.position, c.heading, c.text, c.tokens, c.token_count, d.title, d.ref, d.language, d.source "
    "FROM candidates JOIN kb_chunks c ON c.id = candidates.id JOIN kb_documents d ON d.id = c.document_id"
)
# A knowledge file in another language than the question's is not a candidate.
_IN_LANGUAGE = "(:lang IS NULL OR cd.source <> 'file' OR cd.language = :lang)"
_SQLITE_CANDIDATES = text(
    "WITH candidates AS (SELECT kb_chunks_fts.rowid AS id FROM kb_chunks_fts "
    "JOIN kb_chunks cc ON cc.id = kb_chunks_fts.rowid JOIN kb_documents cd ON cd.id = cc.document_id "
    "WHERE kb_chunks_fts MATCH :m AND " + _IN_LANGUAGE + " ORDER BY bm25(kb_chunks_fts) LIMIT :n) " + _CANDIDATE_ROWS_SQL
)
_POSTGRESQL_CANDIDATES = text(
    "WITH candidates AS (SELECT cc.id FROM kb_chunks cc JOIN kb_documents cd ON cd.id = cc.document_id, "
    "to_tsquery('simple', :q) query WHERE cc.tsv @@ query AND " + _IN_LANGUAGE.replace(":lang IS NULL", "CAST(:lang AS text) IS NULL")
    + " ORDER BY ts_rank(cc.tsv, query) DESC, cc.id LIMIT :n) " + _CANDIDATE_ROWS_SQL
)


def _candidates(db: Database, terms: list[str], language: str | None = None):
    with reading(db) as connection:
        if db.is_sqlite:
            match = " OR ".join(f'"{term}"' for term in terms)
            return connection.execute(_SQLITE_CANDIDATES, {"m": match, "n": CANDIDATES, "lang": language}).all()
        return connection.execute(_POSTGRESQL_CANDIDATES, {"q": " | ".join(terms), "n": CANDIDATES, "lang": language}).all()


# A heading's subject is what comes before its qualifiers: "DatAssos: a study of how
# associations use and open their data", "Code de conduite des données (Commission européenne)".
_QUALIFIER = re.compile(r"\s*(?:[:(]|\s[–—-]\s|,\s).*$")
# "Le Social Good Accelerator (SOGA)": an acronym in brackets right after the subject is its other name.
_ALIAS = re.compile(r"^[^:(–—]*?\(([A-Z0-9][A-Z0-9_+-]{1,11})\)")


def subject_tokens(hit: Hit) -> set[str]:
    """The tokens of what a passage is about: the subject of its document's title and of its
    section's heading (a passage merely naming X is about something else)."""
    subject: set[str] = set()
    for part in {hit.title, *(p for p in hit.heading.split(" › ") if p)}:
        alias = _ALIAS.match(part)
        subject |= set(tokens(_QUALIFIER.sub("", part) + " " + (alias.group(1) if alias else "")))
    return subject


def titled_after(hit: Hit, asked: set[str]) -> bool:
    """Whether the passage's document is titled after what the question names: the title's
    subject ("DIGISET – …", "Le Social Good Accelerator (SOGA) – présentation") or its alias
    ("SOGA") is all in `asked`."""
    alias = _ALIAS.match(hit.title)
    subject = set(tokens(_QUALIFIER.sub("", hit.title)))
    if subject and subject <= asked:
        return True
    return alias is not None and set(tokens(alias.group(1))) <= asked


def _hit(row, score: float = 0.0, matched: frozenset[int] = frozenset()) -> Hit:
    return Hit(row.id, row.document_id, row.title, row.ref, row.heading, row.text, score, matched, position=row.position,
               language=row.language, source=row.source)


def embedding_search(db: Database, vector: list[float], limit: int = 8) -> list[tuple[int, float]]:
    """(chunk id, cosine similarity) by similarity to `vector` (chunks without an embedding are skipped)."""
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    scored = []
    with reading(db) as connection:
        for chunk_id, raw in connection.execute(select(KbChunk.id, KbChunk.embedding).where(KbChunk.embedding.is_not(None))):
            other = json.loads(raw)
            other_norm = math.sqrt(sum(x * x for x in other)) or 1.0
            scored.append((sum(a * b for a, b in zip(vector, other)) / (norm * other_norm), chunk_id))
    scored.sort(reverse=True)
    return [(chunk_id, score) for score, chunk_id in scored[:limit]]


def opening_hit(db: Database, document_id: int, groups: Groups) -> Hit | None:
    """A document's opening section, with the query groups it holds."""
    with reading(db) as connection:
        row = connection.execute(
            select(KbChunk.id, KbChunk.document_id, KbChunk.heading, KbChunk.text, KbChunk.tokens, KbChunk.position,
                   KbDocument.title, KbDocument.ref, KbDocument.language, KbDocument.source)
            .join(KbDocument, KbDocument.id == KbChunk.document_id)
            .where(KbChunk.document_id == document_id).order_by(KbChunk.position).limit(1)
        ).first()
    if row is None:
        return None
    own = set(row.tokens.split())
    return _hit(row, matched=frozenset(i for i, group in enumerate(groups) if own.intersection(group)))


def hits_by_ids(db: Database, chunk_ids: list[int]) -> dict[int, Hit]:
    if not chunk_ids:
        return {}
    with reading(db) as connection:
        rows = connection.execute(
            select(KbChunk.id, KbChunk.document_id, KbChunk.heading, KbChunk.text, KbChunk.position, KbDocument.title, KbDocument.ref,
                   KbDocument.language, KbDocument.source)
            .join(KbDocument, KbDocument.id == KbChunk.document_id)
            .where(KbChunk.id.in_(chunk_ids))
        ).all()
    return {row.id: _hit(row) for row in rows}


def document_count(db: Database) -> int:
    with reading(db) as connection:
        return int(connection.execute(select(func.count(KbDocument.id))).scalar() or 0)
