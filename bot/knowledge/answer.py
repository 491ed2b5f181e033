"""What the Q&A replies: an answer (or a decline) with its sources."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import Lang
from bot.knowledge.index import Hit

MAX_SOURCES = 5
EXCERPT_CHARS = 280
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass
class Source:
    title: str
    ref: str
    excerpt: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "ref": self.ref, "excerpt": self.excerpt}


@dataclass
class Answer:
    question: str
    text: str
    answered: bool
    language: Lang
    sources: list[Source] = field(default_factory=list)
    latency_ms: float = 0.0
    by_llm: bool = False
    question_id: int | None = None
    debug: dict[str, Any] = field(default_factory=dict)  # each stage's output, for `sogabot ask --debug`

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.text, "answered": self.answered, "language": self.language,
            "sources": [s.as_dict() for s in self.sources], "latency_ms": round(self.latency_ms, 1),
        }


def sources_for(hits: list[Hit]) -> list[Source]:
    """One source per passage given, in order, at most MAX_SOURCES."""
    return [Source(hit.title, hit.ref, excerpt(hit.text)) for hit in hits[:MAX_SOURCES]]


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    flat = " ".join(_BULLET.sub("", line).strip() for line in text.splitlines() if line.strip())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"
