"""Sentences of the retrieved passages, ranked for a query, and the extractive answer: one to
three sentences, the one holding the asked value first; a list comes under its heading."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.i18n import Lang
from bot.knowledge.analysis import STOP_WORDS, fold, stem, tokens, words
from bot.knowledge.index import Hit, subject_tokens
from bot.knowledge.query import ATTRIBUTE_FRAMES, HOW_TO, NATIONALITIES, asked_action
from bot.knowledge.retrieve import COVERAGE_WEIGHT_CAP, Retrieval

MAX_SENTENCES = 3
MAX_LIST_ITEMS = 8
# Sentences within this share of the best one's score may join the answer, if they add a word of the question.
KEEP_RATIO = 0.6
# A sentence holding a value of the asked kind (a number for "combien") ranks this much higher.
VALUE_BOOST = 1.4
# In a definition question ("c'est quoi X"), sentences of a document's opening section count this much more.
DEFINITION_BOOST = 1.3
# The noun the question asks about ("quels partenaires") weighs this much more in the sentence itself.
FOCUS_FACTOR = 1.5
# The opening sentence of a document's opening section answers "c'est quoi X".
OPENING_BOOST = 1.3
# Sentences of a passage whose title or heading is about a name the question gives count this much more.
SUBJECT_BOOST = 1.3
# In a thread, the name a reply gives is what it asks about ("And who represented Datactivist
# in it?"): a sentence saying it above one saying the thread's words.
NAMED_BOOST = 1.5
# The terms an attribute frame makes ("staff" for "who works at"), named after it.
FRAME_NAMES = frozenset(frame.name for frame in ATTRIBUTE_FRAMES)
# A sentence opening on these qualifies the one before it.
_CONTRAST = re.compile(r"^(?:mais|cependant|toutefois|pourtant|neanmoins|however|but|yet|instead|still)\b|"
                       r"\b(?:en revanche|par contre|malgre tout|on the other hand|nevertheless|nonetheless)\b")
# A sentence sharing this share of its words with one already chosen says nothing new.
DUPLICATE_SHARE = 0.8

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ«\"(0-9])")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_NUMBER = re.compile(r"\d|\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quinze|vingt|trente|cent|mille|"
                     r"two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|hundred|thousand)\b")
_MONTHS = ("janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre|january|february|march|"
           "april|may|june|july|august|september|october|november|december")
_WEEKDAYS = "lundi|mardi|mercredi|jeudi|vendredi|monday|tuesday|wednesday|thursday|friday"
_DATE = re.compile(rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}h\d*\b|\b\d{{1,2}}:\d\d\b|\b(?:{_MONTHS}|{_WEEKDAYS})\b")
_DAY_OR_MONTH = re.compile(rf"\b(?:{_MONTHS}|{_WEEKDAYS}|samedi|dimanche|saturday|sunday)\b|\b\d{{1,2}}/\d{{1,2}}\b")
_TIME_SPAN = re.compile(r"(?:\d+|\b(?:un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|one|two|three|four|five|six|"
                        r"seven|eight|nine|ten|twelve))\s*(?:\w+\s)?(?:h\b|heures?|jours?|semaines?|mois|ans|annees?|minutes?|"
                        r"hours?|days?|weeks?|months?|years?)")
# "2024-2026", "de février à septembre 2024", "depuis juin 2019", "until December 2024": a span, not a date alone.
# "De" or "from" a date makes a span only up to another ("de février à septembre"): "le pilote de
# 2024" is the 2024 pilot.
_SPAN_POINT = rf"(?:(?:en|le|la|l'|mi-|the)\s*)?(?:\d{{1,2}}\s+)?(?:(?:19|20)\d\d|{_MONTHS})\b"
_DATE_SPAN = re.compile(rf"\b(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d\b|\b(?:depuis|since|jusqu'?|until|till)\s+{_SPAN_POINT}|"
                        rf"\b(?:de|du|from)\s+(?:{_SPAN_POINT}(?:\s+(?:19|20)\d\d)?|\d{{1,2}}(?:er)?)\s*(?:a|au|to|until|till|jusqu'?|[-–])\s*"
                        rf"{_SPAN_POINT}")
# A year, a day of a month, a time of day: numbers that count nothing ("le 27 novembre 2024
# (11h30-12h45)" holds no count of the organisations named after it).
_NOT_A_COUNT = re.compile(rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b|"
                          r"\b\d{1,2}h\d*\b|\b\d{1,2}:\d\d\b")
_MONEY = re.compile(r"\d[\d\s.,]*\s*(?:€|k€|m€|euros?|eur|millions? d'euros)\b|€\s*\d")
# A reason given: "car ce mandat n'était plus compatible…", "because", "due to".
_BECAUSE = re.compile(r"\b(?:car|parce qu|because|due to|owing to|en raison|a cause|faute d|afin d|so that|as a result|"
                      r"since it|pour cause|suite a|following)\b")
_PERCENTAGE = re.compile(r"\d+(?:[.,]\d+)?\s*%")
# A question asking a share, a rate or a score: a percentage answers it.
_SHARE = re.compile(r"%|\b(?:pourcentage|percentage|part|share|taux|rate|proportion|score|note|rating|combien sur)\b")
# Roles people hold, and organisations in a project ("coordinateur", "partner").
_ROLE = re.compile(r"\b(?:(?:vice-)?president(?:e|s|es)?|secretaire|secretary|tresori(?:er|ere)s?|treasurer|delegue(?:e|s|es)?|"
                   r"direct(?:eur|rice|or)s?|responsable|charge(?:e|s|es)? d|head of|officer|manager|chef|chair\w*|"
                   r"(?:co-?)?fondat(?:eur|rice)s?|(?:co-?)?founders?|marraine|parrain|godmother|patron|ministre|minister|"
                   r"administrat(?:eur|rice)s?|board member|membres?|members?|expert(?:e|s|es)?|personnalite qualifiee|"
                   r"(?:co-?)?pilot\w*|(?:co-?)?lead\w*|animat(?:eur|rice)s?|rapporteu(?:r|se)s?|coordinat(?:eur|rice|or)s?|"
                   r"porteu(?:r|se)|partenaires?|partners?)\b")
_COINED = re.compile(r"[a-zà-ÿ][A-ZÀ-Þ]")
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-ZÀ-Þ][\wÀ-ÿ'’-]+")


@dataclass
class Sentence:
    text: str
    hit: Hit
    score: float
    order: int
    groups: frozenset[int]  # query groups found in the sentence or its heading
    holds_value: bool
    intro: str = ""  # for a list item, the line introducing its list
    items: tuple[str, ...] = ()  # for a list intro, its items
    said: frozenset[int] = frozenset()  # query groups in the sentence itself (not its heading)
    on_subject: bool = True  # for a follow-up, its passage holds a word of the thread's subject
    opening: bool = False  # for "c'est quoi X", the first sentence of the document's opening section


def names_day_or_month(text: str) -> bool:
    return bool(_DAY_OR_MONTH.search(fold(text)))


def holds_value(text: str, kind: str | None, known: frozenset[str] = frozenset(),
                counted: tuple[str, ...] = (), given: frozenset[str] = frozenset(), share: bool = True,
                named: frozenset[str] = frozenset()) -> bool:
    """Whether the text holds a value of the asked kind; a name must be one the question
    doesn't already give (`known`: the question's tokens and the knowledge's own subject), and
    a date more than the year it gives (`given`: the question's tokens; "Quand a eu lieu le NEC
    ESS 2024 ?" is not answered by "l'édition 2024"); where the text names what the question
    names (`named`: its names' tokens), the date must stand near the name ("VivaTech, le 25 mai",
    not the December of another event further on).
    `counted`: for a count, the tokens of the noun counted; where the text names it, a number
    must stand next to it ("176 participants", not "four aims" beside "participants"); unless a
    `share` is asked, a percentage is no count ("84 % attendance at the workshops")."""
    folded = fold(text)
    if kind == "amount":
        return bool(_MONEY.search(folded))
    if kind == "quantity":
        plain = _NOT_A_COUNT.sub(" ", folded if share else _PERCENTAGE.sub(" ", folded))
        if counted:
            return _number_beside(plain, set(counted))
        return bool(_NUMBER.search(plain))
    if kind == "date":
        dates = [date.start() for date in _DATE.finditer(folded) if date.group(0) not in given]
        names = [word.start() for word in _WORD.finditer(folded) if stem(word.group(0)) in named] if named else []
        return bool(dates) and (not names or any(abs(d - n) <= DATE_REACH for d in dates for n in names))
    if kind == "duration":
        return bool(_TIME_SPAN.search(folded) or _DATE_SPAN.search(folded))
    if kind == "role":
        return bool(_ROLE.search(folded))
    if kind == "reason":
        return bool(_BECAUSE.search(folded))
    if kind in ("person", "place"):
        # English capitalises months and days: "October" names no one; a coined name
        # ("DatAssos", "LinkedIn") is a project's or a product's, no one's.
        return any(not set(tokens(name.group(0))) <= known and not _DATE.fullmatch(fold(name.group(0)))
                   and fold(name.group(0)) not in NATIONALITIES
                   and not (kind == "person" and _COINED.search(name.group(0)))
                   for name in _NAME.finditer(text))
    return True


# Someone leaving a post ("a quitté", "démissionnaire", "left"): no answer to who holds it.
_DEPARTURE = re.compile(r"\b(?:quitte\w*|demission\w*|parti(?:e|s|es)?|left|leaves?|leaving|resigned|stepped down|"
                        r"departs?|departures?)\b")
# "En quelle année", "what year", when something was founded: a year alone answers.
YEAR_ASKED = re.compile(r"\b(?:annees?|ans?|years?|creee?s?|fondee?s?|creation|created|founded|founding|existe\w*|exist\w*|"
                        r"been around|how old|quel age)\b")
# How many characters may stand between a date and the name it is the date of (a dozen words).
DATE_REACH = 80
_WORD = re.compile(r"\w+")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_AT_FIRST = re.compile(r"\b(?:au (?:depart|debut|lancement)|a l'origine|au commencement|initialement|at (?:first|the start|launch)|"
                       r"initially|originally|to begin with)\b")
# How many words may stand between a count and the noun it counts ("176 participants uniques",
# "participants : 176", "40 personnes, dont 12 participants").
COUNT_REACH = 3


def _number_beside(folded: str, counted: set[str]) -> bool:
    said = [w for w in words(folded) if w not in STOP_WORDS]  # "note moyenne de 4,5": two words apart
    stems = [stem(w) for w in said]
    places = [i for i, s in enumerate(stems) if s in counted]
    if not places:
        return bool(_NUMBER.search(folded))  # the noun is elsewhere (its heading): any number
    numbers = [i for i, w in enumerate(said) if _NUMBER.fullmatch(w) or any(ch.isdigit() for ch in w)]
    return any(abs(i - j) <= COUNT_REACH for i in places for j in numbers)


def split_units(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(sentence, the intro of its list if it is a list item, the items if it is a list intro)."""
    lines = [(bool(_BULLET.match(raw)), _BULLET.sub("", raw).strip()) for raw in text.splitlines()]
    units: list[tuple[str, str, tuple[str, ...]]] = []
    intro = ""
    for n, (bullet, line) in enumerate(lines):
        if not line:
            continue
        if bullet:
            units.append((clean(line), intro, ()))
            continue
        parts = [part.strip() for part in _SENTENCE_END.split(line) if part.strip()]
        intro = parts[-1] if parts and parts[-1].endswith(":") else ""
        for part in parts:
            items: tuple[str, ...] = ()
            if part is parts[-1] and intro:
                following = []
                for is_bullet, item in lines[n + 1:]:
                    if not is_bullet:
                        break
                    following.append(clean(item))
                items = tuple(following)
            units.append((part, "", items))
    return units


def clean(sentence: str) -> str:
    """A list item as a sentence: no trailing ";" or ",", a full stop at the end."""
    sentence = sentence.strip().rstrip(";,").rstrip()
    return sentence if sentence.endswith((".", "!", "?", ":")) else sentence + "."


def rank(retrieval: Retrieval, common: frozenset[str] = frozenset(), top: int = 5) -> list[Sentence]:
    """Sentences of the top passages by the question weight they hold (a word found only in the
    passage's heading counts half). `common`: tokens of the knowledge's own subject, which are
    no answer to "who"."""
    query = retrieval.query
    groups, weights = retrieval.groups, [min(w, COVERAGE_WEIGHT_CAP) for w in retrieval.weights]
    searched = query.searched
    focus = next((i for i, t in enumerate(searched) if t.role == "focus"), None)
    asked = frozenset(alt for group in groups for alt in group)
    known = asked | common
    asked_text = fold(query.text)
    share = bool(_SHARE.search(asked_text))
    thread = {i for i, t in enumerate(searched) if t.from_thread}
    named = {token for name in query.entities for token in tokens(name)} - common
    year_asked = bool(YEAR_ASKED.search(asked_text))
    departure_asked = bool(_DEPARTURE.search(asked_text))
    action = asked_action(asked_text, HOW_TO)
    how_to = re.compile(rf"\b(?:pour|afin d'|afin de|to) {re.escape(stem(action))}") if action else None
    ranked: list[Sentence] = []
    order = 0
    for position, hit in enumerate(retrieval.hits[:top]):
        heading = set(tokens(hit.heading))
        factor = 1.0 - 0.1 * position
        if query.kind == "definition" and hit.position == 0:
            factor *= DEFINITION_BOOST
        if named and named & subject_tokens(hit):
            factor *= SUBJECT_BOOST  # a passage about a name the question gives, not one naming it in passing
        elif focus is not None and searched[focus].word in FRAME_NAMES and set(groups[focus]) & subject_tokens(hit):
            factor *= SUBJECT_BOOST  # or about the attribute a frame asks ("the SOGA team" for "who works at")
        for number, (text, intro, items) in enumerate(split_units(hit.text)):
            own = set(tokens(text + " " + intro))
            # A list intro holds its items' words at half weight, as an item holds its heading's:
            # the item that says it ranks above the list.
            around = heading | set(tokens(" ".join(items)))
            score, found, said = 0.0, set(), set()
            for index, group in enumerate(groups):
                if own.intersection(group):
                    score += weights[index] * (FOCUS_FACTOR if index == focus else 1.0)
                    found.add(index)
                    said.add(index)
                elif around.intersection(group):
                    score += 0.5 * weights[index]
                    found.add(index)
            valued = query.kind not in (None, "definition") and holds_value(
                text + " " + " ".join(items), query.kind, known, counted=groups[focus] if focus is not None else (),
                given=asked, share=share, named=frozenset(named))
            # A "when" is answered better by a day or a month than by a year alone, which most
            # sentences give ("En 2024, …"): only the first is a boost, unless a year is asked.
            # Nor is "who is the treasurer" answered as well by who left the post.
            if valued and (query.kind != "date" or names_day_or_month(text) or year_asked) and not (
                    query.kind in ("person", "role") and not departure_asked and _DEPARTURE.search(fold(text))):
                score *= VALUE_BOOST
            if query.follow_up and named & own:
                score *= NAMED_BOOST
            # "Comment adhérer ?", "how do I join?": the sentence saying what to do to do it
            # ("Pour adhérer, on contacte…", "To join, contact…") is the answer.
            if how_to is not None and how_to.search(fold(text)):
                score *= VALUE_BOOST
            opening = query.kind == "definition" and hit.position == 0 and number == 0
            if opening:
                score *= OPENING_BOOST
            ranked.append(Sentence(text, hit, score * factor, order, frozenset(found), valued, intro, items,
                                   frozenset(said), on_subject=not thread or bool(thread & set(hit.matched)), opening=opening))
            order += 1
    # Between two counts that score alike, with no year asked, the latest is the answer ("138
    # membres au 31 décembre 2024" before "en 2023, 120 membres"); asked at the start ("au
    # départ", "at first"), the earliest.
    dated = query.kind in ("quantity", "amount") and not _YEAR.search(asked_text)
    direction = 1 if _AT_FIRST.search(asked_text) else -1
    ranked.sort(key=lambda s: (-s.score, direction * _latest_year(s.text) if dated else 0, s.order))
    return ranked


def _latest_year(text: str) -> int:
    return max((int(year) for year in _YEAR.findall(text)), default=0)


# "Which projects…", "quels partenaires", "lesquels": more than one thing is asked for.
PLURAL_ASKED = re.compile(r"\b(?:quel(?:le)?s|lesquel(?:le)?s|which \w+s|what \w+s)\b")


def choose(ranked: list[Sentence], plural: bool = False) -> list[Sentence]:
    """The best sentence, then up to two more, close enough in score and not repeating a chosen
    one: first those that say a word of the question the chosen ones don't (a two-fact
    question gets both facts), then other candidate values of the asked kind; asked for
    several things (`plural`), a sentence of another document saying the same words names
    another ("which projects did the Commission cancel?")."""
    if not ranked or ranked[0].score <= 0:
        return []
    best = ranked[0]
    chosen = [best]
    # What the chosen sentences say themselves: a heading naming "participants, speakers" says
    # neither count, so a sentence giving the second fact asked still adds to the first.
    covered = set(best.said)
    following = next((s for s in ranked if s.hit.chunk_id == best.hit.chunk_id and s.order == best.order + 1), None)
    # What X is takes more than its first sentence: the next one of the opening section follows;
    # so does a next sentence that qualifies the best one ("…non retenu. Le projet a en revanche obtenu…").
    if following is not None and (best.opening or _CONTRAST.search(fold(following.text))) and not following.intro \
            and not following.text.endswith(":") and not _repeats(following.text, best.text):
        chosen.append(following)
        covered |= following.said
    # A sentence of another document sharing one word with the question is chance ("intervenant"
    # of a survey beside "intervenus à VivaTech").
    close = [s for s in ranked[1:] if s.score >= KEEP_RATIO * best.score and not (s.text.endswith(":") and not s.items)
             and s.on_subject and (s.hit.ref == best.hit.ref or len(s.groups) >= 2)]
    for new_words in (True, False):
        for sentence in close:
            if len(chosen) >= MAX_SENTENCES:
                break
            if sentence in chosen:
                continue
            # Another candidate value of the asked kind ("who": a second name) may join too.
            adds = not sentence.said <= covered if new_words else (
                sentence.holds_value and (not best.holds_value or _asks_value(sentence))) or (
                plural and sentence.hit.ref != best.hit.ref and best.said <= sentence.said)
            if adds and not any(_repeats(sentence.text, other.text) or _same_list(sentence, other) for other in chosen):
                chosen.append(sentence)
                covered |= sentence.said
    # The sentence that follows the best one stays right after it; the others go by score.
    kept = 2 if len(chosen) > 1 and chosen[1] is following else 1
    return chosen[:kept] + sorted(chosen[kept:], key=lambda s: (-s.score, s.order))


def _same_list(one: Sentence, other: Sentence) -> bool:
    """A list intro shown with its items already shows each of them."""
    for intro, item in ((one, other), (other, one)):
        if intro.items and item.intro == intro.text and intro.hit.chunk_id == item.hit.chunk_id:
            return True
    return False


def _asks_value(sentence: Sentence) -> bool:
    return sentence.score > 0 and sentence.holds_value and bool(sentence.groups)


def _repeats(text: str, other: str) -> bool:
    mine, theirs = set(tokens(text)), set(tokens(other))
    return bool(mine) and len(mine & theirs) >= DUPLICATE_SHARE * len(mine)


def render(chosen: list[Sentence], cited: list[Hit], lang: Lang) -> str:
    """The sentences, each with its source number; a list item under its list's intro, a list
    intro with its items."""
    parts = []
    for sentence in chosen:
        n = next((i for i, hit in enumerate(cited, start=1) if hit.ref == sentence.hit.ref), 1)
        if sentence.items:
            items = "\n".join(f"• {item}" for item in sentence.items[:MAX_LIST_ITEMS])
            parts.append(f"{sentence.text} [{n}]\n{items}")
        elif sentence.intro:
            parts.append(f"{sentence.intro}\n• {sentence.text} [{n}]")
        else:
            parts.append(f"{sentence.text} [{n}]")
    return _merge_intros(parts)


def _merge_intros(parts: list[str]) -> str:
    """Items of one list chosen together stay under one intro; sentences make one paragraph."""
    merged: list[str] = []
    for part in parts:
        head, _, rest = part.partition("\n")
        if merged and rest and merged[-1].startswith(head + "\n"):
            merged[-1] += "\n" + rest
        else:
            merged.append(part)
    text = ""
    for part in merged:
        joiner = "\n" if "\n" in part or "\n" in text.rsplit("]", 1)[-1] or (text and "\n•" in text[-300:]) else " "
        text = part if not text else text + joiner + part
    return text
