"""Lexical analysis of questions: folded, stop-worded, stemmed words, and their similarity.

Deterministic on purpose: near-duplicate detection and the lexical themes must give the same
answer for the same questions, on every run and on both databases.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

import snowballstemmer

from bot.knowledge.analysis import fold  # the one accent folding of the project

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Closed-class words of French and English, plus words every café question shares ("IA"):
# they would make every question look like every other.
STOP_WORDS = frozenset(
    """
    a au aux avec ce ces cet cette c ca d dans de des du elle elles en est et etaient etait ete
    etre eu il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne ni nos notre
    nous on ou par pas pour qu que quel quelle quelles quels qui s sa sans se ses si son sont sur
    t ta te tes toi ton tu un une vos votre vous y ont avait avaient sera seront fait faire peut
    peuvent pouvons pourrait doit doivent faut comment pourquoi quoi quand combien est-ce
    tout tous toute toutes plus moins tres bien aussi alors donc car comme entre chez vers
    ia ai intelligence artificielle artificial question questions
    an and are as at be been but by can could did do does for from had has have he her his how
    i if in into is it its me my no not of on or our she so than that the their them then there
    these they this those to was we were what when where which who whom why will with would you
    your about also any being both each few more most other some such only own same too very
    should just now use using
    """.split()
)

_STEMMERS = {"fr": snowballstemmer.stemmer("french"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=20_000)
def stem(word: str, lang: str = "fr") -> str:
    return _STEMMERS.get(lang, _STEMMERS["fr"]).stemWord(word)


def surface_words(text: str) -> list[str]:
    """Lowercased words as written (accents kept), without stop words or one-letter words."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and fold(w) not in STOP_WORDS]


def stems(text: str, lang: str = "fr") -> list[str]:
    return [stem(fold(w), lang) for w in surface_words(text)]


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
