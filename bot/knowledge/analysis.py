"""The one text analyser behind retrieval, on SQLite FTS5 and PostgreSQL alike.

Text becomes a space-separated string of tokens: lowercased, accents folded, stop words
dropped, then stemmed with the French and the English Snowball stemmers. Both databases index
and query this pre-analysed text with their plain tokenisers ('simple' on PostgreSQL, unicode61
on SQLite), so neither engine's own language handling gets in the way.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)

# Short, closed-class words of both languages, and the words that introduce a list ("la
# répartition suivante", "the following", which "suivi" would match by its stem). Content words
# stay, even very common ones ("soga"), because BM25's idf already discounts them.
STOP_WORDS = frozenset(
    """
    a au aux avec ce ces cet cette c ca d dans de des du elle elles en est et etaient etait ete
    etre eu il ils j je l la le les leur leurs lui m ma mais me meme mes moi mon n ne ni nos notre
    nous on ou par pas pour qu que quel quelle quelles quels qui s sa sans se ses si son sont sur
    t ta te tes toi ton tu un une vos votre vous y ont avait avaient sera seront fait faire
    avons avez aura auras aurons aurez auront aurait auraient suis es etes
    a an and are as at be been by can could did do does for from had has have he her his how
    i if in into is it its me my no not of on or our she so than that the their them then there
    these they this those to was we were what when where which who whom whose why will with would you
    your about also any been being both each few more most other some such only own same too very
    s t just don should now many much
    through during after before since until over under between across via per while within without among upon
    c'est quoi combien comment pourquoi quand ou est-ce
    chez entre depuis aussi encore tres plus moins tout tous toute toutes
    alors donc car comme apres avant vers chaque autre autres quoi dont lorsque puis
    durant pendant parmi selon sous lors envers malgre afin contre jusqu hors
    suivant suivante suivants suivantes following
    """.split()  # "but" is kept: in French it means "goal" ("le but du projet")
)

# Bump when tokens() changes: documents are re-analysed on the next reindex.
ANALYSER_VERSION = "8"

_french = snowballstemmer.stemmer("french")
_english = snowballstemmer.stemmer("english")


# Ligatures Unicode doesn't decompose: "cœur" would lose its "œ".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})


def fold(text: str) -> str:
    """Lowercase with accents removed ("Été" -> "ete") and ligatures spelt out ("cœur" -> "coeur")."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    if "œ" in lowered or "æ" in lowered or "ß" in lowered:
        lowered = lowered.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FEMININE_EE = re.compile(r"(?<=..)ees?$")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    # French first (the knowledge is mostly French), then English: "formations" -> "format",
    # "funded" -> "fund". Applying both maps the two languages' inflections onto one stem
    # often enough to let an English question find a French passage sharing a cognate.
    if word.isdigit() or len(word) <= 3:
        return word
    stemmed = _english.stemWord(_french.stemWord(word))
    if stemmed.endswith("e") and _FEMININE_EE.search(word):
        # French agreement: the stemmer leaves a participle's feminine "e" ("créée" -> "cree"
        # while "créé" -> "cre"), so the masculine form would miss the feminine one.
        return stem(_FEMININE_EE.sub("e", word))
    return stemmed


def words(text: str) -> list[str]:
    """Folded words, elisions ("l'adhésion") split off, numbers kept whole ("41,8" -> "41d8", "1 500" -> "1500")."""
    text = ELISION.sub(" ", text)
    text = re.sub(r"(?<=\d)[  ](?=\d{3}\b)", "", text)  # French thousands separators
    folded = fold(text).replace("’", "'")
    return [re.sub(r"[.,]", "d", w) for w in _WORD.findall(folded)]


def tokens(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def analyse(text: str) -> str:
    """The indexed form of a text: its tokens joined by spaces."""
    return " ".join(tokens(text))
