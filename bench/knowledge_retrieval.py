"""Retrieval latency: p50/p95 of `KnowledgeBase.retrieve` on the bundled knowledge and on a
synthetic corpus of 100k chunks. `python -m bench.knowledge_retrieval [--chunks 100000] [--database-url URL]`

On PostgreSQL the bench works in a schema of its own (`kb_bench_<random>`), created for the
run and dropped after it: nothing else in the database is touched.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert, text

from bot.knowledge.index import STATS
from bot.knowledge.models import KbChunk, KbDocument
from bot.knowledge.service import KnowledgeBase
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.knowledge.scoring import load

NOW = datetime.now(timezone.utc)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def time_queries(kb: KnowledgeBase, questions: list[tuple[str, str]], rounds: int) -> list[float]:
    for question, lang in questions:  # warm caches (document frequencies, stems)
        kb.retrieve(question, lang)
    samples = []
    for _ in range(rounds):
        for question, lang in questions:
            started = time.perf_counter()
            kb.retrieve(question, lang)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def synthesise(db: Database, chunks: int, seed: int = 7) -> None:
    """Chunks made of the bundled knowledge's own words, shuffled: a realistic vocabulary."""
    rng = random.Random(seed)
    with db.engine.connect() as connection:
        vocabulary = " ".join(connection.execute(text("SELECT tokens FROM kb_chunks")).scalars()).split()
    per_document = 20
    with db.engine.begin() as connection:
        for start in range(0, chunks, per_document * 500):
            documents = []
            for d in range(start // per_document, min(chunks, start + per_document * 500) // per_document):
                documents.append(dict(key=f"synthetic:{d}", source="synthetic", title=f"Synthetic {d}", ref=f"synthetic/{d}",
                                      kind="", language="fr", content_hash="x", created_at=NOW, updated_at=NOW))
            result = connection.execute(insert(KbDocument).returning(KbDocument.id), documents)
            rows = []
            for document_id in result.scalars():
                for position in range(per_document):
                    words = rng.choices(vocabulary, k=rng.randint(40, 160))
                    rows.append(dict(document_id=document_id, position=position, heading=f"Synthetic › {position}",
                                     text=" ".join(words), tokens=" ".join(words), token_count=len(words)))
            connection.execute(insert(KbChunk), rows)
    STATS.invalidate()


def run(db: Database, questions: list[tuple[str, str]], args: argparse.Namespace):
    upgrade(db)
    kb = KnowledgeBase(db, clock=lambda: NOW)
    started = time.perf_counter()
    kb.reindex()
    index_ms = (time.perf_counter() - started) * 1000
    bundled = percentiles(time_queries(kb, questions, args.rounds))
    started = time.perf_counter()
    synthesise(db, args.chunks)
    build_s = time.perf_counter() - started
    large = percentiles(time_queries(kb, questions, args.rounds))
    return ("sqlite" if db.is_sqlite else "postgresql"), index_ms, bundled, build_s, large


@contextmanager
def scratch_database(database_url: str | None) -> Iterator[Database]:
    """A database for one run: a temporary SQLite file, or on PostgreSQL a schema of its own
    (`kb_bench_<random>`), created for the run and dropped after it."""
    with tempfile.TemporaryDirectory() as folder:
        if database_url and not database_url.startswith("sqlite"):
            schema = f"kb_bench_{secrets.token_hex(4)}"
            admin = Database(database_url)
            with admin.engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))  # fails rather than reuse an existing one
            separator = "&" if "?" in database_url else "?"
            url = f"{database_url}{separator}options=-csearch_path%3D{schema}"
        else:
            schema, admin, url = None, None, database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        db = Database(url)
        try:
            yield db
        finally:
            db.dispose()
            if admin is not None:
                with admin.engine.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    dev = load("dev")
    questions = [(item["q"], item["lang"]) for item in dev["answerable"] + dev["decline"]]
    with scratch_database(args.database_url) as db:
        backend, index_ms, bundled, build_s, large = run(db, questions, args)
    print(json.dumps({
        "backend": backend,
        "bundled": {"index_ms": round(index_ms), "p50_ms": round(bundled[0], 2), "p95_ms": round(bundled[1], 2)},
        f"synthetic_{args.chunks}": {"build_s": round(build_s, 1), "p50_ms": round(large[0], 2), "p95_ms": round(large[1], 2)},
        "queries": len(questions) * args.rounds,
    }))


if __name__ == "__main__":
    main()
