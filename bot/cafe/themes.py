"""Group a café's questions into at most six short themes: with an LLM when one is configured,
by a deterministic lexical clustering otherwise (and whenever the LLM fails)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.cafe.analysis import fold, stem, surface_words
from integrations.llm import LLMUnavailable, neutralise
from prompts import read_prompt

MAX_THEMES = 6
MAX_TITLE = 60

OTHER_TITLE = {"fr": "Autres questions", "en": "Other questions"}


@dataclass(frozen=True)
class Theme:
    title: str
    question_ids: tuple[int, ...]


@dataclass(frozen=True)
class ThemeInput:
    id: int
    text: str


def lexical_themes(questions: Sequence[ThemeInput], lang: str = "fr") -> list[Theme]:
    """Greedy keyword cover: the stem shared by most not-yet-grouped questions makes a theme,
    titled with its most frequent written form (plus its most frequent companion word).
    Stems found in more than half of the questions say nothing about them and are skipped.
    Ties break alphabetically, so the same questions always give the same themes."""
    questions = sorted(questions, key=lambda q: q.id)
    if not questions:
        return []
    stems_of: dict[int, set[str]] = {}
    forms: dict[str, Counter[str]] = {}
    for q in questions:
        words = surface_words(q.text)
        stems_of[q.id] = {stem(fold(w), lang) for w in words}
        for w in words:
            forms.setdefault(stem(fold(w), lang), Counter())[w] += 1
    total = len(questions)
    too_common = {s for s in forms if total >= 4 and sum(s in st for st in stems_of.values()) > total / 2}
    left = [q.id for q in questions]
    themes: list[Theme] = []
    while left and len(themes) < MAX_THEMES - 1:
        counts = Counter(s for qid in left for s in stems_of[qid] if s not in too_common)
        candidates = [(n, s) for s, n in counts.items() if n >= 2]
        if not candidates:
            break
        _, best = min(candidates, key=lambda pair: (-pair[0], pair[1]))
        members = [qid for qid in left if best in stems_of[qid]]
        companions = Counter(s for qid in members for s in stems_of[qid] if s != best and s not in too_common)
        title = _form(forms[best])
        shared = [(n, s) for s, n in companions.items() if n >= 2 and n == len(members)]
        if shared:
            title = f"{title} · {_form(forms[min(shared, key=lambda p: (-p[0], p[1]))[1]])}"
        themes.append(Theme(_short(title.capitalize()), tuple(members)))
        left = [qid for qid in left if qid not in members]
    if left:
        themes.append(Theme(OTHER_TITLE.get(lang, OTHER_TITLE["fr"]), tuple(left)))
    return themes


def _form(counter: Counter[str]) -> str:
    return min(counter.items(), key=lambda pair: (-pair[1], pair[0]))[0]


def _short(title: str) -> str:
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


def theme_messages(questions: Sequence[ThemeInput], lang: str) -> list[dict[str, str]]:
    """The LLM request: instructions from the prompt file, member text only as delimited data."""
    instructions = read_prompt("cafe_themes.md").replace("{max_themes}", str(MAX_THEMES))
    instructions = instructions.replace("{language}", "French" if lang == "fr" else "English")
    data = json.dumps([{"id": q.id, "text": neutralise(q.text)} for q in sorted(questions, key=lambda q: q.id)],
                      ensure_ascii=False)
    return [
        {"role": "system", "content": instructions},
        {"role": "user", "content": f"<questions>\n{data}\n</questions>"},
    ]


def parse_llm_themes(reply: str, questions: Sequence[ThemeInput], lang: str) -> list[Theme]:
    """Keep only what the reply may say: known ids, each in one theme, at most six themes.
    Raises ValueError when the reply is unusable."""
    match = re.search(r"\{.*\}", reply, re.DOTALL)
    if not match:
        raise ValueError("no JSON object in the reply")
    data = json.loads(match.group(0))
    known = {q.id for q in questions}
    seen: set[int] = set()
    themes: list[Theme] = []
    for item in data.get("themes") or []:
        title = _short(str(item.get("title") or "").strip())
        ids = []
        for raw in item.get("question_ids") or item.get("questions") or []:
            try:
                qid = int(raw)
            except (TypeError, ValueError):
                continue
            if qid in known and qid not in seen:
                seen.add(qid)
                ids.append(qid)
        if title and ids:
            themes.append(Theme(title, tuple(sorted(ids))))
    if not themes:
        raise ValueError("no usable theme in the reply")
    if len(themes) > MAX_THEMES:
        extra = [qid for theme in themes[MAX_THEMES - 1 :] for qid in theme.question_ids]
        themes = themes[: MAX_THEMES - 1] + [Theme(OTHER_TITLE.get(lang, OTHER_TITLE["fr"]), tuple(sorted(extra)))]
    missing = sorted(known - seen)
    if missing:
        other = next((t for t in themes if t.title == OTHER_TITLE.get(lang)), None)
        if other is not None:
            themes[themes.index(other)] = Theme(other.title, tuple(sorted({*other.question_ids, *missing})))
        elif len(themes) < MAX_THEMES:
            themes.append(Theme(OTHER_TITLE.get(lang, OTHER_TITLE["fr"]), tuple(missing)))
        else:
            last = themes[-1]
            themes[-1] = Theme(last.title, tuple(sorted({*last.question_ids, *missing})))
    return themes


def make_themes(
    questions: Sequence[ThemeInput], lang: str, complete: Callable[[list[dict[str, str]]], str] | None
) -> tuple[list[Theme], str]:
    """(themes, method): "llm" when the model gave usable themes, "lexical" otherwise."""
    if complete is not None and questions:
        try:
            return parse_llm_themes(complete(theme_messages(questions, lang)), questions, lang), "llm"
        except (LLMUnavailable, ValueError, TypeError, AttributeError):  # a reply we cannot use: fall back
            pass
    return lexical_themes(questions, lang), "lexical"
