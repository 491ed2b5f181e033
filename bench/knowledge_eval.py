"""Score the evaluation set: `python -m bench.knowledge_eval` (no LLM, a fresh SQLite database)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bot.knowledge.service import KnowledgeBase
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.knowledge.test_eval import EVAL, score


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'eval.db'}")
        upgrade(db)
        answerable, declined, misses = score(KnowledgeBase(db, clock=lambda: datetime.now(timezone.utc)))
        db.dispose()
    print(f"answerable with all facts: {answerable:.0%} of {len(EVAL['answerable'])}")
    print(f"must-decline declined:     {declined:.0%} of {len(EVAL['decline'])}")
    for question in misses:
        print("  miss:", question)


if __name__ == "__main__":
    main()
