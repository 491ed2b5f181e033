"""What kind of answer a question asks for, and whether a sentence holds one.

"Combien…", "how many…" ask for a quantity; "quel budget", "salary", "coût" for an amount of
money; "quand", "when" for a date. A passage can share every word of such a question and still
not hold the asked value ("DIGISET est financé par COSME" says nothing of its budget), so an
answer to a slot question must contain a value of the asked kind, or the question is declined.

Questions also name what they ask about ("quelles villes", "which company", "combien de
modules"): that focus word counts twice when sentences are ranked. And "c'est quoi X" / "what
is X" asks for a definition, which the opening section of X's document gives.
"""

from __future__ import annotations

import re

from functools import lru_cache

from bot.knowledge.analysis import STOP_WORDS, fold, tokens

Slot = str  # "amount" | "quantity" | "date"

_AMOUNT_Q = re.compile(
    r"\b(?:budgets?|montants?|salaires?|salary|salaries|wages?|remunerations?|couts?|coute|coutent|couter|costs?|"
    r"prix|price|tarifs?|fees?|how much money|combien d'euros|chiffre d'affaires|recettes?|revenues?|income|"
    r"resultats? (?:comptables?|nets?|financiers?)|benefices?|deficits?|excedents?|profits?|loss|net income)\b"
)
_QUANTITY_Q = re.compile(r"\b(?:combien|how many|how much|how long|nombre de|number of|quel nombre|what number)\b")
_DATE_Q = re.compile(
    r"\b(?:quand|when|quelle date|what date|quel jour|what day|which day|quelle annee|what year|which year|"
    r"en quelle annee|a quelle date|depuis quand|since when)\b"
)
_DEFINITION_Q = re.compile(
    r"^\s*(?:(?:c'?est|c'etait) quoi|qu'est[- ]ce que|qu'est[- ]ce qu'|what(?:'s| is| was| are| were)|"
    r"tell me about|parle[sz]?[- ]moi d|presente[sz]?[- ]moi)\b"
)
_FOCUS_AFTER = re.compile(
    r"\b(?:quel|quelle|quels|quelles|which|what|combien de|combien d'|how many|how much|nombre de|number of)\s+"
)

_NUMBER_WORDS = (
    "un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt trente quarante "
    "cinquante soixante cent cents mille million millions milliard douzaine dizaine dizaines centaine centaines "
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty hundred "
    "hundreds thousand thousands million millions dozen dozens"
).split()
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(w for w in _NUMBER_WORDS if w not in {"un", "une"}) + r")\b")
_DIGITS = re.compile(r"\d+(?:[  .,/]\d+)*")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_CURRENCY = re.compile(
    r"\d[\d  .,]*\s?(?:k|m|md|millions?|milliards?|thousand|million|billion)?\s?(?:€|euros?|eur\b|d'euros)|[€$£]\s?\d",
)
_MONTHS = (
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre "
    "january february march april may june july august september october november december"
).split()
_DAYS = (
    "lundi mardi mercredi jeudi vendredi samedi dimanche hebdomadaire mensuel mensuelle annuel annuelle quotidien "
    "monday tuesday wednesday thursday friday saturday sunday weekly monthly yearly annual daily"
).split()
_DATE = re.compile(
    r"\b(?:(?:19|20)\d\d|" + "|".join(_MONTHS + _DAYS) + r"|\d{1,2}h\d{0,2}|\d{1,2}:\d\d|"
    r"(?:chaque|tous les|toutes les|every) (?:jours?|semaines?|mois|ans?|annees?|day|week|month|year))\b"
)

# Words a sentence uses to say what it doesn't know, per slot, for quoting the right gap.
SLOT_GAP_WORDS: dict[Slot, re.Pattern[str]] = {
    "amount": re.compile(r"\b(?:montant|budget|cout|salaire|remuneration|financ\w*|chiffre|prix|tarif)", re.I),
    "quantity": re.compile(r"\b(?:nombre|combien|chiffre|effectif|total)", re.I),
    "date": re.compile(r"\b(?:date|calendrier|quand|annee|jour)", re.I),
}


# Words that name the slot itself ("en quelle année", "le nombre de"): the value answers them.
_SLOT_FRAME_WORDS: dict[Slot, str] = {
    "date": "annee annees date dates jour jours year years day days",
    "quantity": "nombre number",
    "amount": "montant montants amount",
}


@lru_cache(maxsize=None)
def slot_frame_tokens(slot: Slot) -> frozenset[str]:
    return frozenset(tokens(_SLOT_FRAME_WORDS[slot]))


def asked_slot(question: str) -> Slot | None:
    text = fold(question).replace("’", "'")
    if _AMOUNT_Q.search(text):
        return "amount"
    if _DATE_Q.search(text):
        return "date"
    if _QUANTITY_Q.search(text):
        return "quantity"
    return None


def is_definition(question: str) -> bool:
    return bool(_DEFINITION_Q.search(fold(question).replace("’", "'")))


def focus_word(question: str) -> str | None:
    """The noun a question asks about: the first content word after "quel(le)(s)", "which",
    "combien de"… ("Dans quelles villes…" -> "villes"), or None."""
    text = fold(question).replace("’", "'")
    match = _FOCUS_AFTER.search(text)
    if not match:
        return None
    for word in re.findall(r"[a-z0-9]+", text[match.end():])[:3]:
        if word not in STOP_WORDS and word not in {"is", "was", "are", "were", "etait", "sont"}:
            return word
    return None


def has_value(sentence: str, slot: Slot) -> bool:
    text = fold(sentence)
    if slot == "amount":
        return bool(_CURRENCY.search(text))
    if slot == "date":
        return bool(_DATE.search(text))
    if _NUMBER_WORD.search(text) or "%" in text:
        return True
    return any(not _YEAR.match(number.strip()) for number in _DIGITS.findall(text))
