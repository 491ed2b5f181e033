"""What kind of answer a question asks for, and whether a sentence holds one.

"Combien…", "how many…" ask for a quantity; "quel budget", "salary", "coût" for an amount of
money; "quand", "when" for a date; "qui", "who", "quels sont les noms" for names. A passage can
share every word of such a question and still not hold the asked value ("DIGISET est financé
par COSME" says nothing of its budget; "7 partenaires venant d'Italie, d'Espagne…" names
countries, not partners), so an answer to a slot question must contain a value of the asked
kind, or the question is declined. For "combien de X" the value must count X: the number's
own noun phrase holds X ("268 abonné·es à la newsletter" counts subscribers, "8 874 impressions
sur LinkedIn" does not count LinkedIn followers).

Questions also name what they ask about ("quelles villes", "which company", "combien de
modules"): that focus word counts twice when sentences are ranked. And "c'est quoi X" / "what
is X" asks for a definition, which the opening section of X's document gives.
"""

from __future__ import annotations

import re

from functools import lru_cache

from dataclasses import dataclass

from bot.knowledge.analysis import ELISION, STOP_WORDS, fold, stem, tokens, words

Slot = str  # "amount" | "quantity" | "date" | "names"

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
_NAMES_Q = re.compile(
    r"\b(?:noms?|nommee?s?|s'appell?e\w*|appelee?s?|names?|named|called|who|whom)\b"
    r"|^\s*qui\b|\b(?:avec|par|pour|a|de|chez|c'est|c'etait) qui\b"
)
# What the names are asked of: "les noms des <partenaires>", "who are the <partners>".
_NAMED_AFTER = re.compile(
    r"\b(?:noms? (?:de |des |du |d')|names? of |s'appell?ent |s'appelle |who (?:is|are|was|were) |"
    r"qui (?:est|sont|etait|etaient) )"
)
_DEFINITION_Q = re.compile(
    r"^\s*(?:(?:c'?est|c'etait) quoi|qu'est[- ]ce que|qu'est[- ]ce qu'|what(?:'s| is| was| are| were)|"
    r"tell me about|parle[sz]?[- ]moi d|presente[sz]?[- ]moi)\b"
)
_FOCUS_AFTER = re.compile(
    r"\b(?:(?:quel|quelle|quels|quelles|which|what|combien de|how many|how much|nombre de|number of)\s+|(?:combien|nombre) d')"
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
    "names": re.compile(r"\b(?:nomm\w*|noms?|cite\w*|liste\w*|lisibles?|identifi\w*)", re.I),
}


# Words that name the slot itself ("en quelle année", "le nombre de"): the value answers them.
_SLOT_FRAME_WORDS: dict[Slot, str] = {
    "date": "annee annees date dates jour jours year years day days",
    "quantity": "nombre number",
    "amount": "montant montants amount",
    "names": "nom noms name names appelle appellent appelés called named",
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
    if _NAMES_Q.search(text):
        return "names"
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


# -- names ------------------------------------------------------------------------------------
# Capitalised words that are places, times or common acronyms, not the names of people or
# organisations a "who" / "quels noms" question asks for ("7 partenaires venant d'Italie,
# d'Espagne…" names no partner). Cities aren't listed: too many to list.
_NOT_NAMES = frozenset(
    """
    europe afrique asie amerique oceanie africa asia america
    france allemagne autriche belgique bulgarie chypre croatie danemark espagne estonie finlande grece hongrie
    irlande italie lettonie lituanie luxembourg malte pays bas pologne portugal roumanie slovaquie slovenie suede
    tchequie tcheque royaume uni suisse norvege islande ukraine turquie serbie albanie macedoine moldavie
    etats unis canada quebec maroc tunisie algerie senegal japon chine inde bresil mexique
    germany austria belgium bulgaria cyprus croatia denmark spain estonia finland greece hungary ireland italy
    latvia lithuania malta netherlands poland romania slovakia slovenia sweden czechia czech republic united
    kingdom switzerland norway iceland turkey serbia albania macedonia states usa morocco tunisia algeria
    senegal japan china india brazil mexico
    europeen europeenne europeens europeennes european europeans francais francaise french belge belges
    belgian italien italienne italian espagnol espagnole spanish allemand allemande german
    hauts ile normandie bretagne occitanie provence auvergne bourgogne aquitaine grand est centre corse
    region regions
    """.split()
    + _MONTHS
    + _DAYS
    + "ess pme pmes sme smes ia ai oes ong ngo ue eu ca ag age tpe eti rh pdf url faq".split()
)
_WORD_AT = re.compile(r"[^\W\d_][\w'’·-]*")
_OPENING = "«“\""


def named_words(question: str) -> list[str]:
    """What a names question asks the names of: "les noms des partenaires d'X" -> ["partenaires"],
    "the name of the Slack channel for…" -> ["slack", "channel"], "who is SOGA's godmother" ->
    ["godmother"], or [] ("qui finance…")."""
    text = fold(question).replace("’", "'")
    match = _NAMED_AFTER.search(text)
    if not match:
        return []
    phrase: list[str] = []
    for found in re.finditer(r"([a-z0-9]+)('s\b)?", text[match.end():]):
        word = found.group(1)
        if found.group(2):  # "SOGA's godmother": the possessor isn't what is named
            continue
        if word in STOP_WORDS or word in {"is", "was", "are", "were", "etait", "sont"}:
            if phrase:
                break  # "the Slack channel | for job offers"
            continue
        phrase.append(word)
    return phrase


def names_in(sentence: str) -> list[list[str]]:
    """The words of a sentence that can be names (capitalised: "La MedNum", "FARI", "Jeanne
    Bretécher"), each as its stems. A sentence's or a quotation's first word counts only if it
    looks like a name by itself ("CNNum", "FARI") or starts a run of capitalised words
    ("Jeanne Bretécher"): "Selon", "Le" don't. Places, months and common acronyms don't count."""
    text = ELISION.sub(lambda m: " " * len(m.group()), sentence)  # "d'Italie" -> "  Italie"
    found = list(_WORD_AT.finditer(text))
    names: list[list[str]] = []
    for index, match in enumerate(found):
        word = match.group()
        if not word[0].isupper() or len(word) < 3:
            continue
        before = text[: match.start()].rstrip(" *")
        if not before or before[-1] in _OPENING:
            following = found[index + 1] if index + 1 < len(found) else None
            run = following is not None and following.group()[0].isupper() and not text[match.end(): following.start()].strip()
            if not (run or any(ch.isupper() for ch in word[1:])):
                continue
        parts = [w for w in words(word) if w not in STOP_WORDS and w not in _NOT_NAMES and len(w) > 1]
        if parts:
            names.append([stem(w) for w in parts])
    return names


# -- counts -----------------------------------------------------------------------------------
# Counted nouns that any number can answer: "combien de personnes" -> "6 448 Européens",
# "combien de temps" -> "3 heures".
GENERIC_COUNTED = frozenset(tokens("personne personnes people gens temps time fois times duree long"))
# A number's noun phrase: the words after it, up to the next number or clause break, at most this many.
COUNT_SPAN = 6
# Clause breaks: punctuation, and the conjunctions that start another statement
# ("40 photos sur Instagram | et sa gazette compte 215 abonnés").
_CLAUSE = re.compile(
    r"[;:()\[\]«»“”\"]|,\s|\s[–—-]\s|\s(?:et|ou|mais|dont|soit|tandis que|alors que|and|or|but|whereas|while)\s",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^\d+(?:d\d+)*$")
_COUNT_WORDS = frozenset(w for w in _NUMBER_WORDS if w not in {"un", "une"})


@dataclass(frozen=True)
class Count:
    """A number of a sentence and the stems of its noun phrase ("268 abonné·es à la newsletter")."""

    number: str
    span: tuple[str, ...]

    @property
    def head(self) -> str | None:
        return self.span[0] if self.span else None


def counted_words(question: str) -> list[str]:
    """The nouns a quantity question counts: "combien de participants et d'intervenants" ->
    ["participants", "intervenants"]; "how many people…" -> ["people"]."""
    text = fold(question).replace("’", "'")
    match = re.search(r"\b(?:combien de\s+|combien d'|how many\s+|nombre de\s+|nombre d'|number of\s+)", text)
    if not match:
        return []
    found: list[str] = []
    expect = True
    for word in re.findall(r"[a-z0-9]+", text[match.end():])[:8]:
        if word in {"et", "and"}:
            expect = True
        elif word in {"de", "d", "of", "the", "les", "des"}:
            continue
        elif expect and word not in STOP_WORDS:
            found.append(word)
            expect = False
        else:
            break
    return found


def counts_in(sentence: str) -> list[Count]:
    """The counts of a sentence, each with its noun phrase. Years and days of the month
    ("31 décembre") are dates, not counts."""
    counts: list[Count] = []
    for clause in _CLAUSE.split(sentence):
        clause_words = words(clause)
        current: list[str] | None = None
        number = ""
        for position, word in enumerate(clause_words):
            following = clause_words[position + 1] if position + 1 < len(clause_words) else ""
            is_count = (
                (_NUMBER.match(word) and not _YEAR.match(word) and following not in _MONTHS) or word in _COUNT_WORDS
            )
            if is_count:
                if current is not None:
                    counts.append(Count(number, tuple(current[:COUNT_SPAN])))
                current, number = [], word
            elif current is not None and word not in STOP_WORDS and len(word) > 1:
                current.append(stem(word))
        if current is not None:
            counts.append(Count(number, tuple(current[:COUNT_SPAN])))
    return counts


def counts_asked(
    sentence: str,
    counted: list[frozenset[str]],
    others: list[frozenset[str]],
    intro: str = "",
) -> bool:
    """Whether a number of the sentence counts what the question counts: its noun phrase starts
    with a counted noun (or, in a list item, the list's intro names it: "répartition des sièges :"
    then "4 représentant·e·s…"), and no other word of the question sits in another number's
    phrase ("8 874 impressions sur LinkedIn et 268 abonné·es à la newsletter" doesn't give
    LinkedIn subscribers). No counted noun, or only a generic one ("personnes", "temps"): any
    number without such a conflict."""
    counts = counts_in(sentence)
    if not counts:
        return False
    specific = [group for group in counted if not group & GENERIC_COUNTED]
    intro_tokens = set(tokens(intro)) if intro else set()

    def counts_it(index: int, count: Count) -> bool:
        if not specific:
            return True
        if any(count.head in group for group in specific):
            return True
        return index == 0 and any(intro_tokens & group for group in specific)

    def about_counted(count: Count) -> bool:
        return any(set(count.span) & group for group in specific)

    for index, count in enumerate(counts):
        if not counts_it(index, count):
            continue
        own = set(count.span)
        conflict = any(
            not own & group and any(set(other.span) & group for other in counts if other is not count and not about_counted(other))
            for group in others
        )
        if not conflict:
            return True
    return False
