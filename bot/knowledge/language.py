"""French or English, from the words of the question; the member's locale breaks ties."""

from __future__ import annotations

import re

from bot.core.i18n import Lang

_FRENCH = frozenset(
    "le la les des du de un une et est sont qui quoi quel quelle quels quelles combien comment pourquoi "
    "quand où ou avec pour dans sur je nous vous il elle ils elles c'est qu'est-ce au aux ce cette ces "
    "mon ma mes notre nos votre vos leur a été était ont peut faut y pas ne".split()
)
_ENGLISH = frozenset(
    "the a an of and is are was were who what which when where why how many much does do did in on "
    "for with to from by can could i you we they it its this that these those has have had be about "
    "there their our your".split()
)
_WORD = re.compile(r"[a-zA-Zàâäçéèêëîïôöùûüÿœæ']+")


def detect_language(text: str, fallback: Lang = "fr") -> Lang:
    words = [w.lower() for w in _WORD.findall(text)]
    french = sum(1 for w in words if w in _FRENCH or "'" in w and w.split("'")[0] in {"l", "d", "c", "qu", "j", "n", "s"})
    english = sum(1 for w in words if w in _ENGLISH or w.endswith("'s"))
    # Accents of names ("Stéphanie Séré-Anichini") say nothing of the question's language.
    common = [w for n, w in enumerate(_WORD.findall(text)) if n == 0 or not w[0].isupper()]
    french += sum(2 for w in common for ch in w.lower() if ch in "àâçéèêëîïôùûœ")
    if french > english:
        return "fr"
    if english > french:
        return "en"
    return fallback
