"""Score the evaluation sets without an LLM: `python -m bench.knowledge_eval [--database-url URL]
[--set held-out|held-out 2|held-out 3|held-out 4|held-out 5|held-out 6|dev|old eval] [--misses]` (a fresh SQLite database by default, or a scratch
schema on PostgreSQL, dropped afterwards).

The held-out set (tests/knowledge/heldout.json) was written and committed before any run and
is only ever reported, as is the second held-out set (heldout2.json), written by a session that
saw neither the code nor the other sets and committed before the changes it measures, and the
third to sixth (heldout3.json to heldout6.json), written the same way; `--misses` lists no held-out miss. The
development set (tests/knowledge/dev.json) is the one to tune on;
the old eval (tests/knowledge/eval.json) is the set the project used before the split.
Beside the hit rate, how many hits hold the (first) key fact in what a member reads first: the
answer up to its first source number, with the items of a list it introduces.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone

from sqlalchemy.exc import OperationalError

from bench.knowledge_retrieval import scratch_database
from bot.knowledge.service import KnowledgeBase
from bot.store.migrate import upgrade
from tests.knowledge.scoring import SETS, load, score


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--set", action="append", choices=list(SETS), help="default: all of them")
    parser.add_argument("--misses", action="store_true", help="list each miss")
    args = parser.parse_args()
    try:
        run(args)
    except OperationalError as exc:
        raise SystemExit(f"cannot reach the database: {str(exc.orig).splitlines()[0]}") from None


def run(args: argparse.Namespace) -> None:
    with scratch_database(args.database_url) as db:
        upgrade(db)
        kb = KnowledgeBase(db, clock=lambda: datetime.now(timezone.utc))
        print(f"backend: {'sqlite' if db.is_sqlite else 'postgresql'} (no LLM)")
        for name in args.set or list(SETS):
            report = score(kb, load(name))
            print(f"\n{name} ({SETS[name].name}):")
            for line in report.lines():
                print("  " + line)
            if args.misses and name.startswith("held-out"):
                print("    (a held-out set's misses are not listed: it is never tuned on)")
            elif args.misses:
                for miss in report.misses:
                    print("    " + miss)


if __name__ == "__main__":
    main()
