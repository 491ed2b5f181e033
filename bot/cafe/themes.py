"""Group a café's questions into at most six short themes: with an LLM when one is configured,
by a deterministic lexical clustering otherwise (and whenever the LLM fails)."""

from __future__ import annotations

import json
import math
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


# The least mean pairwise similarity a theme's questions must have (IDF-weighted cosine of
# their key terms): two questions sharing only a word that many questions use ("association")
# stay below it, two sharing a rarer word ("subventions") are above it.
MIN_COHESION = 0.15


def _weights(stem_sets: dict[int, set[str]]) -> dict[str, float]:
    """Smoothed inverse document frequency: a word most questions use weighs little."""
    total = len(stem_sets)
    df = Counter(s for stems_ in stem_sets.values() for s in stems_)
    return {s: math.log(1 + total / n) for s, n in df.items()}


def _similarity(a: set[str], b: set[str], weight: dict[str, float]) -> float:
    shared = sum(weight[s] ** 2 for s in a & b)
    if not shared:
        return 0.0
    return shared / math.sqrt(sum(weight[s] ** 2 for s in a) * sum(weight[s] ** 2 for s in b))


def lexical_themes(questions: Sequence[ThemeInput], lang: str = "fr") -> list[Theme]:
    """Average-linkage clustering of the questions' key terms (stemmed content words, IDF
    weighted): the two groups whose questions are most alike merge, as long as the mean
    similarity across them reaches MIN_COHESION. Since every merge meets it, every theme's
    mean pairwise similarity does too. The five largest groups of two or more questions are
    themes, titled with the term most of them share; the rest go to "Autres questions".
    Ties break on question ids, so the same questions always give the same themes."""
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
    weight = _weights(stems_of)
    ids = [q.id for q in questions]
    groups: dict[int, list[int]] = {qid: [qid] for qid in ids}  # keyed by the group's smallest id
    # link[a][b]: the sum of similarities between the questions of groups a and b.
    link: dict[int, dict[int, float]] = {a: {} for a in ids}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            sim = _similarity(stems_of[a], stems_of[b], weight)
            if sim:
                link[a][b] = link[b][a] = sim
    while True:
        best: tuple[float, int, int] | None = None
        for a in groups:
            for b, total in link[a].items():
                if a < b:
                    mean = total / (len(groups[a]) * len(groups[b]))
                    if mean >= MIN_COHESION and (best is None or (-mean, a, b) < (-best[0], best[1], best[2])):
                        best = (mean, a, b)
        if best is None:
            break
        _, a, b = best
        groups[a] = sorted(groups[a] + groups.pop(b))
        for c, total in link.pop(b).items():
            link[c].pop(b, None)
            if c != a:
                link[a][c] = link[c][a] = link[a].get(c, 0.0) + total
        link[a].pop(a, None)
    clusters = sorted((g for g in groups.values() if len(g) >= 2), key=lambda g: (-len(g), g[0]))
    themes = [Theme(_short(_title(g, stems_of, forms, weight).capitalize()), tuple(g)) for g in clusters[: MAX_THEMES - 1]]
    grouped = {qid for t in themes for qid in t.question_ids}
    left = [qid for qid in ids if qid not in grouped]
    if left:
        themes.append(Theme(OTHER_TITLE.get(lang, OTHER_TITLE["fr"]), tuple(left)))
    return themes


def _title(group: list[int], stems_of: dict[int, set[str]], forms: dict[str, Counter[str]], weight: dict[str, float]) -> str:
    """The term most of the group shares (the rarer one on a tie), and a second one when
    every question of the group has it too."""
    counts = Counter(s for qid in group for s in stems_of[qid])
    ranked = sorted(counts, key=lambda s: (-counts[s], -weight[s], s))
    title = _form(forms[ranked[0]])
    # A companion word that most questions of the café use would add nothing ("association").
    companion = next((s for s in ranked[1:] if counts[s] == len(group) and weight[s] > math.log(3)), None)
    if companion is not None and counts[ranked[0]] == len(group):
        title = f"{title} · {_form(forms[companion])}"
    return title


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
