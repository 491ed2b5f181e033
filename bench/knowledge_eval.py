"""Score the evaluation set: `python -m bench.knowledge_eval [--database-url URL]` (no LLM; a
fresh SQLite database by default, or a scratch schema on PostgreSQL, dropped afterwards)."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from bench.knowledge_retrieval import scratch_database
from bot.knowledge.service import KnowledgeBase
from bot.store.migrate import upgrade
from tests.knowledge.test_eval import EVAL, score


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    with scratch_database(args.database_url) as db:
        upgrade(db)
        answerable, declined, misses = score(KnowledgeBase(db, clock=lambda: datetime.now(timezone.utc)))
        backend = "sqlite" if db.is_sqlite else "postgresql"
    print(f"backend: {backend}")
    print(f"answerable with all facts: {answerable:.0%} of {len(EVAL['answerable'])} ({round(answerable * len(EVAL['answerable']))})")
    print(f"must-decline declined:     {declined:.0%} of {len(EVAL['decline'])} ({round(declined * len(EVAL['decline']))})")
    for question in misses:
        print("  miss:", question)


if __name__ == "__main__":
    main()
