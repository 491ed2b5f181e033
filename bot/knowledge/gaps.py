"""What the knowledge does not say (gaps.json), matched against a query: a gap wins over the
passages when its topic and its missing attribute are both asked, and it holds at least as
much of the question as the best passage does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from bot.knowledge.analysis import fold, tokens
from bot.knowledge.query import KINDS


@dataclass(frozen=True)
class Gap:
    doc: str
    topic: dict[str, frozenset[str]]  # language -> tokens
    missing: dict[str, frozenset[str]]
    says: dict[str, str]
    kinds: frozenset[str] = frozenset()  # the kinds of value missing ("date", "amount"), when its words say


@lru_cache(maxsize=1)
def known_gaps() -> tuple[Gap, ...]:
    raw = json.loads(resources.files("bot.knowledge").joinpath("gaps.json").read_text(encoding="utf-8"))
    return tuple(
        Gap(item["doc"], {lang: frozenset(tokens(text)) for lang, text in item.get("topic", {}).items()},
            {lang: frozenset(tokens(text)) for lang, text in item["missing"].items()}, item["says"],
            frozenset(kind for kind, pattern in KINDS for text in item["missing"].values() if pattern.search(fold(text))))
        for item in raw["gaps"]
    )


Word = tuple[frozenset[str], float]  # a question word's tokens (known or not) and its weight


def gap_match(gap: Gap, words: list[Word], own_name: frozenset[str] = frozenset(),
              kind: str | None = None) -> tuple[float, set[int]]:
    """(the share of the question's weight the gap holds, the indexes of the question words
    asking for its missing attribute); (0, ∅) unless the question asks for the attribute (in
    its words, or by the kind of value it asks: "la cotisation, c'est combien ?" asks a sum)
    and, when the gap has a topic, names its topic. The association's own name (`own_name`)
    names every topic: alone, it matches only a question the gap holds whole ("le budget du
    SOGA", not "un nouveau trésorier au SOGA")."""
    missing = frozenset().union(*gap.missing.values())
    topic = frozenset().union(*gap.topic.values()) if gap.topic else frozenset()
    in_topic = {i for i, (own, _w) in enumerate(words) if topic & own}
    in_missing = {i for i, (own, _w) in enumerate(words) if missing & own and not topic & own}
    if not (in_missing or (kind in gap.kinds and in_topic)) or (topic and not in_topic):
        return 0.0, set()
    held = in_topic | in_missing
    if topic and all(words[i][0] <= own_name for i in in_topic) and len(held) < len(words):
        return 0.0, set()
    total = sum(w for _own, w in words)
    return (sum(words[i][1] for i in held) / total if total else 0.0), in_missing


def best_gap(words: list[Word], own_name: frozenset[str] = frozenset(), kind: str | None = None) -> tuple[Gap | None, float, set[int]]:
    """`kind`: the kind of value the question asks; a gap missing values of other kinds doesn't
    answer it ("Qui a mené la réunion ?" is not asking the meeting's missing date)."""
    gaps = [gap for gap in known_gaps() if kind in (None, "definition") or not gap.kinds or kind in gap.kinds]
    scored = [(gap_match(gap, words, own_name, kind), gap) for gap in gaps]
    (share, asked), gap = max(scored, key=lambda item: item[0][0], default=((0.0, set()), None))
    return (gap, share, asked) if share > 0 else (None, 0.0, set())
