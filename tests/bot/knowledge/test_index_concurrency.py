"""Several processes index the same knowledge at once (#14, 3): a web process and a worker
booting on a fresh database, or both noticing a changed file. Each indexer here has its own
engine, so its own connections, as another process would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from bot.knowledge.index import sync_documents
from bot.knowledge.loader import iter_sources
from bot.knowledge.models import KbChunk, KbDocument
from bot.store.db import Database

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
INDEXERS = 4


def _at_once(database_url: str, index: Callable[[Database], object]) -> list[BaseException]:
    barrier = threading.Barrier(INDEXERS)
    errors: list[BaseException] = []
    databases = [Database(database_url) for _ in range(INDEXERS)]

    def run(db: Database) -> None:
        barrier.wait()
        try:
            index(db)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(db,)) for db in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for db in databases:
        db.dispose()
    return errors


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        documents = session.scalar(select(func.count(KbDocument.id)))
        chunks = session.scalar(select(func.count(KbChunk.id)))
        places = session.scalar(select(func.count()).select_from(
            select(KbChunk.document_id, KbChunk.position).distinct().subquery()))
    return int(documents or 0), int(chunks or 0), int(places or 0)


def test_concurrent_indexers_on_a_fresh_database_all_succeed_and_index_once(database_url: str, db: Database, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    for n in range(30):  # many small documents: many chances for two indexers to meet
        (extra / f"note{n}.md").write_text(f"## Note {n}\nLa ruche {n} compte douze cadres.\n", encoding="utf-8")
    errors = _at_once(database_url, lambda other: sync_documents(other, iter_sources(extra), NOW))
    assert errors == []
    documents, chunks, places = _counts(db)
    alone = sync_documents(db, iter_sources(extra), NOW)
    assert alone.added == alone.updated == alone.removed == 0  # nothing left to do
    assert documents == alone.unchanged and chunks == places


def test_a_changed_file_indexed_by_two_processes_at_once_keeps_its_chunks_once(database_url: str, db: Database, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    bulky = "\n".join(f"## Partie {n}\nLe jardin {n} ouvre le mardi." for n in range(40))
    (extra / "jardin.md").write_text(bulky, encoding="utf-8")
    sync_documents(db, iter_sources(extra), NOW)
    before = _counts(db)
    (extra / "jardin.md").write_text(bulky.replace("mardi", "jeudi"), encoding="utf-8")
    errors = _at_once(database_url, lambda other: sync_documents(other, iter_sources(extra), NOW))
    assert errors == []
    assert _counts(db) == before
