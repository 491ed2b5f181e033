"""Calibrate the answer/decline confidence on the development set (never on the held-out set):
`python -m bench.knowledge_calibrate [--write]`.

Each dev question's confidence is computed once; the threshold kept is the one that gets the
most questions right (answered with their key facts, or declined when they must be), ties
going to the higher threshold (declining is the safer mistake). "Near" (show the closest
passage as "peut-être utile" on a decline) is set at NEAR_SHARE of the threshold.
With --write, bot/knowledge/calibration.json is rewritten.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from bench.knowledge_retrieval import scratch_database
from bot.knowledge.service import KnowledgeBase, extractive
from bot.store.migrate import upgrade
from tests.knowledge.scoring import has_fact, load

NEAR_SHARE = 0.6
CALIBRATION = Path(__file__).resolve().parent.parent / "bot" / "knowledge" / "calibration.json"


def observations(kb: KnowledgeBase) -> list[tuple[float, bool, bool]]:
    """(confidence, must be answered, the extractive answer holds the facts) per dev question;
    a question a known gap declines counts as declined at any threshold (confidence -1)."""
    dev = load("dev")
    seen = []
    for item, answerable in [(i, True) for i in dev["answerable"]] + [(i, False) for i in dev["decline"]]:
        history: list[tuple[str, str]] = []
        for earlier in item.get("history", []):
            history += [("member", earlier), ("assistant", kb.ask(earlier, item["lang"], history=history or None).text)]
        draft = kb.draft(item["q"], item["lang"], history or None)
        if draft.decision.gap is not None:
            seen.append((-1.0, answerable, False))
            continue
        forced = extractive(item["q"], draft.query, replace(draft.decision, answer=True))
        good = answerable and all(has_fact(forced.text, fact) for fact in item["facts"])
        seen.append((draft.decision.confidence, answerable, good))
    return seen


def best_threshold(seen: list[tuple[float, bool, bool]]) -> tuple[float, int]:
    candidates = sorted({round(c, 3) for c, _a, _g in seen if c >= 0} | {1.01})
    def right(t: float) -> int:
        return sum(1 for c, answerable, good in seen if (c >= t and good) or (c < t and not answerable))
    best = max(candidates, key=lambda t: (right(t), t))
    return best, right(best)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with scratch_database(None) as db:
        upgrade(db)
        seen = observations(KnowledgeBase(db, clock=lambda: datetime.now(timezone.utc)))
    threshold, right = best_threshold(seen)
    if args.write:
        CALIBRATION.write_text(json.dumps({
            "threshold": threshold, "near": round(NEAR_SHARE * threshold, 3),
            "note": "Written by `python -m bench.knowledge_calibrate --write` from the development set (tests/knowledge/dev.json).",
        }, indent=1) + "\n", encoding="utf-8")

    print(f"threshold {threshold}: {right}/{len(seen)} dev questions right")
    for c, answerable, good in sorted(seen):
        print(f"  {c:6.3f} {'answerable' if answerable else 'decline   '} {'facts' if good else ''}")

if __name__ == "__main__":
    main()
