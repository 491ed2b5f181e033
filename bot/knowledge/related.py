"""Words French text uses like one another ("aidées" and "accompagnées", "parraine" and
"marraine"): how a member's word finds the knowledge's when the two differ.

The table (related.fr.json.gz) is built from word vectors by scripts/build_related_words.py.
"""
from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

TABLES = {"fr": Path(__file__).with_name("related.fr.json.gz")}


@cache
def _groups(lang: str) -> dict[str, tuple[str, ...]]:
    """Each word to the other words of its group, built on first use (0.2 s)."""
    path = TABLES.get(lang)
    if path is None:
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as raw:
        groups: list[list[str]] = json.load(raw)["groups"]
    by_word: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for word in group:
            by_word[word] = by_word.get(word, ()) + tuple(other for other in group if other != word)
    return by_word


def related_words(forms: tuple[str, ...], lang: str) -> list[str]:
    """The words (folded) used like any of `forms` (folded), in the table's order."""
    table = _groups(lang)
    return list(dict.fromkeys(other for form in forms for other in table.get(form, ()) if other not in forms))
