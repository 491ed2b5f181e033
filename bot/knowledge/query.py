"""A question analysed once: language, terms (stems, lemmas, typos resolved against the index
vocabulary), the kind of answer asked, and the thread's subject for a follow-up.

Every later stage (retrieve, decide, compose) reads this object and never re-analyses the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import simplemma
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.i18n import Lang
from bot.knowledge.analysis import ELISION, STOP_WORDS, fold, stem, words
from bot.knowledge.language import detect_language
from bot.knowledge.related import related_words

# Written shorthand of chat messages, mapped to the word it stands for (French SMS spelling
# and English chat abbreviations: a closed class, like stop words).
CHAT_SPEAK = {
    "c": "c'est", "koi": "quoi", "kwa": "quoi", "ki": "qui", "kel": "quel", "kelle": "quelle", "keske": "qu'est-ce que",
    "cb": "combien", "cmb": "combien", "qd": "quand", "pk": "pourquoi", "pq": "pourquoi", "ds": "dans",
    "pr": "pour", "tt": "tout", "bcp": "beaucoup", "jpeux": "je peux", "jsuis": "je suis", "jsais": "je sais",
    "chui": "je suis", "y'a": "il y a", "ya": "il y a", "g": "j'ai", "ct": "c'était", "u": "you", "r": "are",
    "ppl": "people", "pls": "please", "plz": "please", "thx": "thanks", "whos": "who is", "whats": "what is",
    "wheres": "where is", "hows": "how is",
    "prez": "présidente", "pdte": "présidente", "asso": "association", "assos": "associations", "rdv": "rendez-vous",
    "dispo": "disponible", "tréso": "trésorière", "treso": "trésorière", "orgs": "organisations", "org": "organisation",
    "com": "communication", "comms": "communications", "info": "information", "infos": "informations",
}
# Greetings, politeness and discourse fillers of chat: they carry no subject.
FILLERS = frozenset(
    "slt salut bonjour bonsoir hello hi hey yo coucou merci thanks stp svp please lol mdr ptdr franchement "
    "vite fait dis moi dites sais savoir exactement svp ok okay alors bref genre juste really actually "
    "quick quickly tell know wondering maintenant actuellement currently now en ce moment "
    "nah yeah yep ouais bah ben euh hein deja ever btw fyi imo gros wesh bon vrai overall globalement "
    # The particles of English phrasal verbs ("help out", "team up"): the verb says it.
    "up out off down".split()
)

# A message that only greets, asks for help or thanks ("Bonjour à tous", "menu", "merci
# beaucoup !"): no question for the knowledge.
_HELLO = ("bonjour", "bonsoir", "salut", "slt", "coucou", "hello", "hi", "hey", "hiya", "yo")
_GREETINGS = frozenset(_HELLO + ("help", "aide", "aidez-moi", "menu", "start", "commencer"))
# Thanks, and the acknowledgements said instead ("ok", "super", "parfait").
_THANKS = frozenset("merci thanks thank thx ty cheers ok okay super top parfait cool genial nickel great perfect awesome".split())
_COURTESY = frozenset("beaucoup bcp infiniment encore bien tres vraiment you so much a lot very "
                      "tous tout le monde everyone all there team l equipe soga bot "
                      "pour la ta votre reponse answer the for vous toi de et and svp stp please".split())


# "What can you do?", "t'es qui ?": a question about the bot, answered by what it does.
_ABOUT_THE_BOT = re.compile(
    r"^\W*(?:what (?:can|do) you do|what are you(?: for)?|who are you|how do(?:es)? (?:you|this bot|it) work|"
    r"que (?:peux|sais|fais)[- ]tu(?: faire)?|qu'est-ce que tu (?:peux|sais|fais)(?: faire)?|"
    r"que (?:pouvez|savez|faites)[- ]vous(?: faire)?|tu (?:sers|fais) (?:a )?quoi|a quoi (?:tu sers|sers-tu)|"
    r"t'?es qui|qui es[- ]tu|tu es qui|comment (?:tu marches|ca marche|fonctionnes[- ]tu))\W*$")


def small_talk(text: str) -> str | None:
    """"thanks" or "greeting" (a greeting, a call for help, a question about the bot) for a
    message that says nothing else, else None."""
    if _ABOUT_THE_BOT.match(fold(text).replace("’", "'")):
        return "greeting"
    said = {_ELONGATED.sub(r"\1", w) for w in words(fold(text))}
    if not said or not said <= _GREETINGS | _THANKS | _COURTESY:
        return None
    return "thanks" if said & _THANKS else "greeting" if said & _GREETINGS else None


# The kind of value a question asks for. Patterns run on folded text.
KINDS: list[tuple[str, re.Pattern[str]]] = [
    # A duration is a count of time ("3 heures") or a span of dates ("2024-2026").
    ("duration", re.compile(r"\b(?:combien de temps|how long|de quand a quand|(?:ca|il|elle) (?:dure|durait|a dure)|"
                            r"a dure|quelle (?:est|etait) (?:la )?duree|durait|lasted|(?:did|does|will) [\w' -]+ last)\b")),
    ("amount", re.compile(r"\b(?:budgets?|montants?|salaires?|salary|couts?|coute|costs?|prix|price|tarifs?|fees?|cotisations?|"
                          r"recettes|revenues?|income|depenses|expenses|resultat comptable|chiffres? d'affaires|turnover|how much money|euros?)\b")),
    ("quantity", re.compile(r"\b(?:combien|how many|how much|how big|how large|quelle taille|what size|nombre de|number of|"
                            r"quel pourcentage|what share|"
                            r"what percentage|taux|rate|quelle part|note|rating|score)\b")),
    ("date", re.compile(r"\b(?:quand|when|quelles? dates?|(?:what|which) dates?|quels? jours?|(?:what|which) days?|"
                        r"quelles? annees?|(?:what|which) years?|depuis quand|since when|a quelle heure|what time|"
                        r"quels? mois|(?:what|which) months?)\b")),
    ("place", re.compile(r"(?:^|\s|d')(?:ou|where|dans quelles? villes?|which city|which cities|quel lieu|in which country|"
                         r"(?:dans |de )?quel coin|"
                         r"(?:what|which) (?:venue|town|place)|quelle salle|"
                         r"de quels pays|which countries)\b")),
    ("person", re.compile(r"(?:^|\s)(?:qui|who|whom|avec qui|with whom)\b")),
    # "Quel partenaire belge", "which company": an organisation's name answers, as for "who".
    ("person", re.compile(r"\b(?:quel(?:le)?s?|which|what)\s+(?:[\w-]+\s+)?(?:organisations?|organismes?|structures?|"
                          r"entreprises?|boites?|societes?|partenaires?|partners?|compan(?:y|ies)|firms?|institutions?|"
                          r"fondations?|foundations?|associations?|ong|ngos?|financeurs?|funders?|sponsors?|medias?|"
                          r"journal|journaux|quotidiens?|newspapers?)\b")),
    # "Quel parlementaire", "which employees": people asked by what they are; names answer.
    ("person", re.compile(r"\b(?:quel(?:le)?s?|which)\s+(?:[\w-]+\s+)?(?:personnes?|gens|people|persons?|salarie(?:e|s|es)?|"
                          r"employe(?:e|s|es)?|employees?|staff|parlementaires?|deputee?s?|senat(?:eur|rice)s?|elue?s?|mps?|"
                          r"senators?|experte?s?|experts?|intervenant(?:e|s|es)?|speakers?|benevoles?|volunteers?|"
                          r"administrat(?:eur|rice)s?|directors?)\b")),
    # "Quel poste occupe X", "what role did she have": a role answers ("secrétaire d'État").
    ("role", re.compile(r"\b(?:roles?|quel(?:le)?s? (?:poste|fonction|titre|metier)s?|postes? (?:occupe|tenu)|"
                        r"(?:what|which) (?:[\w-]+ )?(?:position|job|title|post)s?|comme (?:poste|boulot|metier|fonction))\b")),
    ("reason", re.compile(r"^\s*(?:et |and )?(?:pourquoi|why)\b")),
    ("definition", re.compile(r"^\s*(?:(?:c'?est|c'etait) quoi|qu'est[- ]ce que|qu'est[- ]ce qu'|what(?:'s| is| was| are)|"
                              r"tell me about|parle[sz]?[- ]moi|presente[sz]?[- ]moi|quoi|explain)\b")),
]

# Words that only frame the asked kind ("en quelle année", "à quelle heure"): the answer holds
# a year, an hour or a percentage, not the word.
FRAME_WORDS = frozenset("annee annees date dates jour jours mois heure heures year years date day days month months time "
                        "nombre number total fois times lieu endroit coin place venue venues salle moment periode "
                        # "à la fin de l'année", "at the end of 2024": the answer holds the date
                        "fin debut milieu end beginning "
                        # "combien de temps ça dure": the answer holds the time, not the verb
                        "dure durait duree temps long lasted last duration "
                        # "ça se passait où", "s'est tenu quand", "was held", "took place": the event happened
                        "passe passes passait passee passees deroule deroulait deroulee deroulees tenu tenue tenus held took happened "
                        # "what share", "quelle part": the answer holds a percentage, not the word
                        "share part percentage pourcentage proportion "
                        # "how big", "quelle taille": the answer holds the count
                        "big large taille size".split())
# The words that ask for a role: the answer names the role, not the word.
ROLE_WORDS = frozenset("poste postes role roles fonction fonctions titre metier boulot position job title post".split())
# The noun a question asks about comes after these ("quels partenaires", "combien de villes").
_FOCUS_AFTER = re.compile(
    r"\b(?:(?:quels?|quelles?|which|what|combien de|how many|how much|nombre de|number of|"
    r"(?:qui|quels?|quelles?) sont les|who are the|who were the|what are the)\s+|(?:combien|nombre) d'\s*)"
)
# Adjectives before the noun asked about ("the main levers", "les principaux partenaires").
_QUALIFIERS = frozenset("main key major principal principaux principale principales grands grandes various different "
                        "differents differentes divers diverses".split())
_RELATIVE_TIME = re.compile(r"\b(?:cette annee|l'an(?:nee)? (?:dernier|derniere|passee?)|this year|last year|back in|"
                            r"a l'epoque|at the time|en ce moment|these days)\b")
_TOPICS = frozenset("sujet sujets theme themes thematiques topic topics subject subjects".split())
# Nouns that only say what the next one is counted or sorted as ("exemples de", "kinds of").
_CONTAINERS = frozenset("exemples examples types sortes genres categories kinds sorts".split())
# "qu'est-ce que X a fait", "what did X do": not a definition.
_ACTION = re.compile(r"\b(?:a|ont|avait|avaient)\s+(?:fait|eu|organise|realise|lance|publie|obtenu)\b|\bwhat did\b")

_ALL_TOGETHER = re.compile(r"\btou(?:s|tes) (?:les )?[\w-]+ confondu(?:e)?s\b|\ball [\w-]+ combined\b")
_TOOK_PLACE = re.compile(r"\b(?:eu|a|ont|aura|auront|avoir|avait|avaient|aurait|aurons) lieu\b")
# A count of people ("how many people", "combien de gens") names them in general words: they
# only frame the count, like "nombre", and the passage names them by their role.
PEOPLE_WORDS = frozenset("people persons gens personnes monde".split())
# A count of people who came to something ("came", "took part", "sont venus", "ont participé")
# is what the knowledge reports as the event's participants or attendees.
_ATTENDANCE = re.compile(r"\b(?:came|come|attended|attend|(?:took|take|taking) part|participated|venus?|venues?|"
                         r"assiste|participe|etaient (?:la|presents?)|"
                         # People gathered: "se sont retrouvés", "a rassemblé", "ils étaient combien"
                         r"retrouve(?:e|s|es)?|reuni(?:e|s|es)?|rassemble(?:e|s|es)?|gathered|"
                         r"(?:ils|elles) etaient combien|combien etaient[- ](?:ils|elles))\b(?! (?:from|through|via|de|par)\b)")
ATTENDEE_WORDS = ("participants", "attendees")
# Said of people, these too count those who came.
_PRESENCE = re.compile(r"\b(?:on a eu|a eu|ont eu|y avait|y a eu|there were|were there|were at)\b")



@dataclass(frozen=True)
class AttributeFrame:
    """A way of asking for one attribute of a subject ("à qui s'adresse X", "what is X for",
    "pourquoi X s'est arrêté") in words the knowledge may not use: the frame's words give way
    to the knowledge's own words for that attribute, as the noun asked about."""

    name: str
    pattern: re.Pattern[str]
    own_words: re.Pattern[str]  # the frame's own words ("adresse", "sert"): they go, the subject inside stays
    words: dict[str, tuple[str, ...]]  # language -> the knowledge's words for the attribute
    clears_kind: bool  # "à qui", "what is": the question word asks for no name, no definition
    kind: str | None = None  # the kind of value the frame itself asks ("depuis quand existe": a date)
    # Only a sentence saying the knowledge's words for it tells the attribute ("who took over":
    # one saying X left names no one else).
    must_be_said: bool = False
    # An attribute of the knowledge's own subject: asked of another organisation, it is held elsewhere.
    own_subject_only: bool = False


ATTRIBUTE_FRAMES = (
    AttributeFrame(
        "audience",
        re.compile(r"\b(?:a qui (?:s'adress\w*|(?:est |etait |sont )?destine\w*)|(?:s'adress|destine)\w* a qui|pour qui|"
                   r"(?:quel|which) public|public vise|(?:aimed|intended) at whom|for whom|"
                   r"target audience|who (?:is|was|are|were)\b.{1,60}\b(?:for|aimed at|intended for)\s*\??\s*$)"),
        re.compile(r"adress\w*|destin\w*|public|vise|audience|target|aimed|intended"),
        {"fr": ("public", "destine", "adresse", "vise"), "en": ("audience", "aimed", "intended", "addresses", "targeted")},
        clears_kind=True),
    AttributeFrame(
        "purpose",
        re.compile(r"\b(?:a quoi (?:sert|servait|servent|ca sert)|(?:quel|quels) (?:est|etait|sont|etaient) (?:le but|les buts|"
                   r"l'objectif|les objectifs)|what (?:is|was|are|were)\b.{1,60}\bfor\s*\??\s*$|what (?:is|was|are|were) the "
                   r"(?:aims?|goals?|purposes?|objectives?)\b)"),
        re.compile(r"sert|servait|servent|buts?|objectifs?|aims?|goals?|purposes?|objectives?"),
        {"fr": ("objectif", "but", "vise", "finalite"), "en": ("aim", "goal", "purpose", "objective")},
        clears_kind=True),
    AttributeFrame(
        "founding",
        # Also when it was created: "SOGA a été créé quand ?", "when was X set up?".
        re.compile(r"\b(?:existe(?:nt)? depuis|depuis (?:quand|quelle annee) (?:[\w'-]+ ){0,4}existe|been around|how old|quel age|"
                   r"exist(?:s|ed)? since|since when (?:[\w'-]+ ){0,4}exist\w*|date de (?:creation|fondation)|"
                   r"(?:quand|quelle annee|when|what year|which year)\b(?: [\w'-]+){0,5} (?:cree|creee|fonde|fondee|created|founded|set up)|"
                   r"(?:cree|creee|fonde|fondee|created|founded|set up)(?: [\w'-]+){0,2} (?:quand|en quelle annee|when|in what year))\b"),
        re.compile(r"existe\w*|exist\w*|depuis|been|around|old|age|date|creation|fondation|cree\w*|fonde\w*|created|founded|set|up"),
        {"fr": ("fonde",), "en": ("founded",)},
        clears_kind=True, kind="date"),
    AttributeFrame(
        "founders",
        # "Qui a fondé X ?", "who set X up?": the knowledge names its founders (co-fondatrice, co-founder).
        re.compile(r"\b(?:qui (?:a |ont )?(?:fonde|cree|lance)\w*|who (?:founded|created|started|set up)|"
                   r"(?:co-?)?fondat(?:eur|rice)s?|(?:co-?)?founders?)\b"),
        re.compile(r"fonde\w*|cree\w*|lance\w*|founded|created|started|set|up|co|fondat\w*|founders?"),
        {"fr": ("fondatrice", "fondateur", "fondateurs"), "en": ("founder", "founders")},
        clears_kind=False),
    AttributeFrame(
        "staff",
        re.compile(r"\b(?:qui (?:bosse|travaille)(?:nt)? (?:chez|a|au|pour)|who (?:works?|is working) (?:at|for))\b"),
        re.compile(r"bosse\w*|travaill\w*|works?|working"),
        {"fr": ("equipe", "salariee", "salarie"), "en": ("team", "staff")},
        clears_kind=False),
    AttributeFrame(
        "partners",
        # "Avec qui X fait Y ?", "which organisations is SOGA running X with?": the knowledge
        # names them as partners.
        re.compile(r"\b(?:avec qui|avec quel(?:le)?s? (?:structures?|organisations?|organismes?|acteurs?|partenaires?|"
                   r"associations?|assos?|entreprises?|boites?)|with whom|(?:who|which (?:organi[sz]ations?|partners?|groups?|"
                   r"companies|structures?|bodies))\b.{1,80}\bwith\s*\??\s*$)"),
        re.compile(r"avec|with|whom|structures?|organi[sz]ations?|organismes?|acteurs?|partenaires?|partners?|associations?|"
                   r"assos?|entreprises?|boites?|groups?|companies|bodies"),
        {"fr": ("partenaires", "partenaire", "partenariat"), "en": ("partners", "partner", "partnership")},
        clears_kind=False),
    AttributeFrame(
        "coordinator",
        # "Sous l'égide de qui…", "sous la houlette de quelles organisations…", "who coordinated
        # X?": the knowledge names who coordinated it ("sous la coordination de…").
        re.compile(r"\b(?:sous (?:l'egide|la houlette|la direction|le pilotage|la coordination|l'impulsion) (?:de|d') ?"
                   r"(?:qui|quel\w*)|(?:qui|quel\w*(?: [\w-]+)?) (?:a |ont |avait |avaient )?(?:pilote|chapeaute|coordonne)\w*|"
                   r"under (?:(?:the )?(?:aegis|leadership|coordination|guidance) of (?:whom|which|what)|"
                   r"whose (?:aegis|leadership|coordination|guidance))|"
                   r"(?:who|which [\w-]+) (?:coordinated|coordinates|steered|oversaw)|coordinated by (?:whom|which|what))\b"),
        re.compile(r"sous|egide|houlette|direction|pilotage|coordination|impulsion|pilote\w*|chapeaute\w*|coordonne\w*|"
                   r"under|aegis|leadership|guidance|coordinated|coordinates|steered|oversaw|by"),
        {"fr": ("coordination", "coordonne", "coordonnee", "coordinateur", "coordinatrice"),
         "en": ("coordination", "coordinated", "coordinator")},
        clears_kind=False),
    AttributeFrame(
        "leader",
        # "Qui dirige SOGA ?", "c'est qui la big boss", "who runs it?": its president.
        re.compile(r"\b(?:qui (?:dirige|dirigent)|(?:big )?boss|patronne?|who (?:runs|leads|heads|is in charge))\b"),
        re.compile(r"dirige\w*|big|boss|patronne?|runs|leads|heads|in|charge"),
        {"fr": ("presidente", "president"), "en": ("president",)},
        clears_kind=False, own_subject_only=True),
    AttributeFrame(
        "successor",
        # "Qui a remplacé X", "who took over from X": the knowledge says who took over, or who
        # was elected new in the role ("a pris le relais", "a élu une nouvelle trésorière").
        re.compile(r"\b(?:(?:qui|who)\b(?: [\w'-]+){0,3} (?:remplace\w*|repris|reprend|succede\w*|pris la suite|pris le relais|"
                   r"replaced|took over|succeeded|stepped in)|remplacant\w*|successeur\w*|successors?|replacements?)\b"),
        re.compile(r"remplac\w*|repris|reprend|succede\w*|pris|suite|relais|replaced|took|over|succeeded|stepped|in|"
                   r"successeur\w*|successors?|replacements?"),
        {"fr": ("relais", "nouvelle", "nouveau", "elue", "elu"), "en": ("took", "new", "elected")},
        clears_kind=False, must_be_said=True),
    AttributeFrame(
        "outcome",
        # What came of it: "ça a servi à quoi ?", "ça a donné quoi ?", "what came out of X?",
        # "what did X achieve?": the knowledge says what it led to, or that it was called off.
        re.compile(r"\b(?:(?:ca|il|elle|ils|elles) (?:a|ont) (?:servi|donne|abouti) (?:a )?(?:quoi|quelque chose|qqch|rien)|"
                   r"qu'est[- ]ce (?:que (?:ca|il|elle|ils|elles) |qu'(?:il |elle |ils |elles )?)(?:a|ont) donne|qu'est[- ]ce qui en (?:est )?sorti|"
                   r"(?:quels?|quelles?) (?:sont|ont ete|etaient) (?:les |le )?(?:resultats?|retombees|suites)|"
                   r"what came (?:out )?of|what (?:did|has|have) .{1,60} (?:achieve|lead to|led to|result in|come to)|"
                   r"what (?:were|was|are|is) the (?:results?|outcomes?)|(?:any|the) (?:results?|outcomes?) of)\b"),
        re.compile(r"servi|donne|abouti|quelque|chose|qqch|rien|sorti|resultats?|retombees|suites|came|out|achieve|lead|led|"
                   r"result|results|come|outcomes?"),
        {"fr": ("resultats", "retombees", "contribue", "permis", "annule"),
         "en": ("results", "outcome", "contributed", "helped", "cancelled")},
        clears_kind=True),
    AttributeFrame(
        "end",
        # Also what became of it: "what (ended up) happening with X", "is X still a thing",
        # "qu'est devenu X", and what did not happen: "X ne s'est pas fait", "X fell through".
        re.compile(r"\b(?:arrete\w*|arreter|annul\w*|stop(?:ped)?|cancell?(?:ed|ation)?|abandon\w*|termine\w*|pris fin|"
                   r"what (?:ended up |finally |eventually )?happen(?:ed|ing) (?:to|with)|still (?:a thing|going|on|running|alive|active|happening)|"
                   r"(?:did|has) .{1,80} (?:ever )?(?:actually )?(?:happen|take place|go ahead|go through|come off)|"
                   r"a (?:bien |finalement |vraiment )?pu (?:se faire|avoir lieu|aboutir|se realiser)|jusqu'au bout|qu'est[- ]devenu\w*|advenu\w*|existe (?:encore|toujours)|"
                   r"ne s'est (?:finalement |jamais )?pas fait|n'a (?:finalement |jamais )?pas eu lieu|"
                   r"(?:didn't|did not|never) (?:happen|go ahead|take place)|f[ae]ll(?:s|en)? through)\b"),
        re.compile(r"arret\w*|annul\w*|stop(?:ped)?|cancel\w*|abandon\w*|termine\w*|pris|fin|happen\w*|still|thing|going|"
                   r"running|alive|active|ever|actually|take|place|go|come|devenu\w*|advenu\w*|existe|encore|toujours|"
                   r"bien|vraiment|pu|faire|avoir|aboutir|realiser|bout|"
                   r"ended|finally|eventually|finalement|jamais|fait|lieu|ahead|f[ae]ll\w*|through"),
        {"fr": ("annule", "annulation", "arrete", "abandonne", "termine"), "en": ("cancelled", "cancellation", "stopped", "abandoned")},
        clears_kind=False),
)

MUST_BE_SAID_FRAMES = frozenset(frame.name for frame in ATTRIBUTE_FRAMES if frame.must_be_said)
OWN_SUBJECT_FRAMES = frozenset(frame.name for frame in ATTRIBUTE_FRAMES if frame.own_subject_only)

# What no passage of a report can be: a translation, a joke or a poem, a recommendation, the
# bot's own opinion.
_TASK = re.compile(
    r"\b(?:tradui[st]\w*|translate|blagues?|jokes?|poemes?|poems?|recommande[sz]?[- ](?:moi|nous|tu|vous)|"
    r"(?:peux|pouvez)[- ](?:tu|vous) (?:me |nous )?recommander|(?:can|could) you recommend|recommend (?:me|us|a|an|some)|"
    r"(?:tu|vous) pense[sz]? quoi|que pense[sz]?[- ](?:tu|vous)|(?:ton|votre) avis|what do you think|your (?:opinion|view)|"
    r"(?:a|an) good (?:book|restaurant|film|movie|laptop|tool))\b")

# How something works, or to explain it: what the passage must be about ("Comment fonctionne
# DIGISET" is DIGISET's own section; "comment marche un réseau de neurones" no section's subject).
_EXPLAIN = re.compile(r"\b(?:comment (?:ca |il |elle |on )?(?:marche|fonctionne)(?:nt)?|how (?:does|do|did) (?=.{1,60}\bwork\b)|"
                      r"(?:peux|pouvez)[- ](?:tu|vous) (?:m'|nous )?expliquer|expliqu(?:e|ez|er)(?:[- ](?:moi|nous))?|"
                      r"(?:can|could) you explain|explain(?: to me)?)\b")
_EXPLAIN_WORDS = frozenset("marche marchent fonctionne fonctionnent work works worked how does do did explique expliquez "
                           "expliquer explain peux pouvez".split())


def _explained(folded: str) -> frozenset[str] | None:
    match = _EXPLAIN.search(folded)
    if match is None:
        return None
    return frozenset(w for w in words(folded[match.start():]) if w not in STOP_WORDS and w not in _EXPLAIN_WORDS)


# A word this short is not corrected: too many words are one edit away.
MIN_FUZZY_CHARS = 4
# A follow-up names no subject of its own: at most this many content words, none a name.
FOLLOW_UP_MAX_WORDS = 3


@dataclass
class Term:
    word: str  # as typed, folded
    alternatives: tuple[str, ...]  # index tokens that count as this word
    corrected: str | None = None  # the vocabulary token a typo was matched to
    related: bool = False  # its tokens are of words used like it, not of the word itself
    from_thread: bool = False  # carried over from the thread's subject
    role: str | None = None  # "focus" (the noun asked about) or "frame" (a word of the asked kind)

    @property
    def known(self) -> bool:
        return bool(self.alternatives)

    @property
    def numeric(self) -> bool:
        return self.word.replace("d", "").isdigit() and any(ch.isdigit() for ch in self.word)


@dataclass
class Query:
    text: str
    language: Lang
    terms: list[Term]
    kind: str | None
    follow_up: bool = False
    subject: str | None = None  # the earlier question a follow-up is about
    entities: list[str] = field(default_factory=list)  # capitalised names in the question
    task: bool = False  # asks the bot to translate, invent, recommend or give its opinion
    # "Comment fonctionne X", "explain X": the words of the thing to explain, which the passage
    # must be about (the request's own words left out).
    explained: frozenset[str] | None = None

    @property
    def searched(self) -> list[Term]:
        return [t for t in self.terms if t.known]

    @property
    def unknown(self) -> list[str]:
        return [t.word for t in self.terms if not t.known and not t.from_thread and t.role != "frame"]

    @property
    def numbers(self) -> list[Term]:
        return [t for t in self.terms if t.numeric and not t.from_thread]

    def standalone(self) -> str:
        return f"{self.text} ({self.subject})" if self.follow_up and self.subject else self.text

    def as_debug(self) -> dict[str, Any]:
        return {
            "language": self.language, "kind": self.kind, "follow_up": self.follow_up, "subject": self.subject,
            "task": self.task, "explained": sorted(self.explained) if self.explained is not None else None,
            "terms": [{"word": t.word, "tokens": list(t.alternatives), "corrected": t.corrected, "related": t.related, "from_thread": t.from_thread,
                       "role": t.role} for t in self.terms],
            "unknown": self.unknown, "standalone": self.standalone(),
        }


class Vocabulary:
    """The index's tokens with their document frequencies, bucketed for typo look-ups."""

    def __init__(self, frequencies: dict[str, int], written: dict[str, str] | None = None) -> None:
        self.frequencies = frequencies
        self._common: dict[tuple[int, float], frozenset[str]] = {}
        self._by_initial: dict[str, list[str]] = {}
        for term in frequencies:
            if len(term) >= MIN_FUZZY_CHARS - 1 and not term.isdigit():
                self._by_initial.setdefault(term[0], []).append(term)
        # The words of the knowledge as written (`written`: its text per language), each to its token.
        self._spellings: dict[str, dict[str, list[str]]] = {}  # language -> initial -> words
        self._stems: dict[str, set[str]] = {}  # language -> the tokens of its words
        self._names: set[str] = set()  # the words it capitalises
        self.acronyms: set[str] = set()  # the names it writes in capitals ("SOGA", "DIGISET"), folded
        self._written = written or {}
        self._by_lemma: dict[str, dict[str, set[str]]] = {}  # language -> lemma -> tokens, built when first asked
        for lang, text in self._written.items():
            for word in set(words(text)):
                self._stems.setdefault(lang, set()).add(stem(word))
                if len(word) > MIN_FUZZY_CHARS and not word.isdigit() and stem(word) in frequencies:
                    self._spellings.setdefault(lang, {}).setdefault(word[0], []).append(word)
            self._names |= {fold(name) for name in _CAPITALISED.findall(text)}
            self.acronyms |= {fold(name) for name in _ACRONYM.findall(text)}

    @cached_property
    def own_acronym(self) -> str | None:
        """The name the knowledge writes in capitals most often: its own subject's ("soga")."""
        found = [(self.frequencies.get(stem(name), 0), name) for name in self.acronyms if len(name) > 2]
        return max(found)[1] if found else None

    def sharing_lemma(self, lemma: str, lang: str) -> set[str]:
        """The tokens of the knowledge's words (in `lang`) whose lemma is `lemma`: "nouvelle"
        and "nouvel" for "nouveau", "directrice" for "directeur", where the stems differ."""
        if lang not in self._by_lemma:
            by_lemma: dict[str, set[str]] = {}
            for spelt in set(_surface_forms(self._written.get(lang, "")).values()):
                folded = fold(spelt)
                if len(folded) > 2 and stem(folded) in self.frequencies:
                    by_lemma.setdefault(_lemma(spelt, lang), set()).add(stem(folded))
            self._by_lemma[lang] = by_lemma
        return self._by_lemma[lang].get(lemma, set())

    def written_in(self, term: str, lang: str) -> bool:
        """Whether the knowledge in `lang` has the token (always, without the written text)."""
        return not self._stems or term in self._stems.get(lang, set())

    def common(self, total: int, share: float = 0.3) -> frozenset[str]:
        """Tokens in more than `share` of the passages: the knowledge's own subject ("soga")."""
        key = (total, share)
        if key not in self._common:
            self._common[key] = frozenset(t for t, df in self.frequencies.items() if total and df > share * total)
        return self._common[key]

    def __contains__(self, term: str) -> bool:
        return term in self.frequencies

    def closest(self, *forms: str, lang: str = "fr", name: bool = False, only_in: str | None = None) -> str | None:
        """The vocabulary token closest to any of `forms` (a word, then its stem), or to a
        word of the knowledge as written (in `lang` first; for a `name`, one it capitalises;
        `only_in` a language, only its words), by edit distance, a swap of two letters counting
        as one edit: one edit for words of up to 7 letters, two for longer ones (the word's
        length sets it for its stem too: "marainne" is "marainn" stemmed)."""
        found: list[tuple[int, int, int, str]] = []
        typed = forms[0]
        limit = 1 if len(typed) <= 7 else 2
        languages = [(lang, spellings) for lang, spellings in self._spellings.items() if only_in in (None, lang)]
        for spelt_in, spellings in languages if len(typed) > MIN_FUZZY_CHARS and not typed.isdigit() else ():
            # The question's language first: "partenères" is "partenaires" before "partners".
            other = int(spelt_in != lang)
            for spelling, distance, _i in process.extract(typed, spellings.get(typed[0], []), scorer=OSA.distance,
                                                          score_cutoff=limit, limit=5):
                if name and spelling not in self._names:
                    continue  # a name mistyped is another name, not a word ("Canada" is not "canal")
                term = stem(spelling)
                found.append((int(distance) + other, -round(fuzz.ratio(typed, spelling)), -self.frequencies.get(term, 0), term))
        for form in forms if not (name or only_in) else ():
            if len(form) <= MIN_FUZZY_CHARS or form.isdigit():
                continue
            for term, distance, _i in process.extract(form, self._by_initial.get(form[0], []), scorer=OSA.distance,
                                                      score_cutoff=limit, limit=5):
                # At equal distance, the token most like the word as typed, then the most frequent.
                # A token is a stem, shorter than the words it stands for: an edit to it weighs
                # more than one to a word as written ("partenères" is "partenaires", not "partn").
                found.append((int(distance) + 1, -round(fuzz.ratio(typed, term)), -self.frequencies.get(term, 0), term))
        return min(found)[-1] if found else None


@lru_cache(maxsize=20_000)
def _lemma_as_typed(word: str, lang: str) -> str:
    try:
        return str(simplemma.lemmatize(word, lang=lang, low_memory=True))
    except Exception:  # simplemma has no data for an odd token: the stem alone serves
        return word


def _lemma(word: str, lang: str) -> str:
    return fold(_lemma_as_typed(word, lang))


# "Et côté LinkedIn, ça donne quoi ?": opening a question, a discourse marker, not anything's side.
_SIDE = re.compile(r"^\s*(?:et\s+)?c[oô]t[eé]\s+", re.IGNORECASE)


# "Pour quelle raison…", "for what reason…", "how come…": why.
_REASON = ((re.compile(r"\bpour quelles? raisons?\b", re.IGNORECASE), "pourquoi"),
           (re.compile(r"\b(?:for what reasons?|how come)\b", re.IGNORECASE), "why"))


def _expand_chat(text: str) -> str:
    for pattern, word in _REASON:
        text = pattern.sub(word, text)
    return " ".join(CHAT_SPEAK.get(raw.lower(), raw) for raw in _SIDE.sub("", text).split())


# An acronym or a coined name ("DIGISET", "Social_TechESS"), or capitalised words, one of them
# coined ("La MedNum", "Jeanne Bretécher").
_ENTITY = re.compile(r"(?<![\w'’])(?:[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9_+-]*|"
                     r"[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)*\b(?:[ -][A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)*\b)*)")


def _entities(text: str, *, opening_counts: bool = False) -> list[str]:
    """Names in the question: acronyms and capitalised words that don't open the question
    (unless `opening_counts`: an answer opens with what it is about, "DIGISET est financé…")."""
    found = []
    for match in _ENTITY.finditer(text):
        name = match.group(0)
        opens = match.start() == len(text) - len(text.lstrip()) or bool(re.search(r"[.!?]\s+$", text[:match.start()]))
        if opens and not opening_counts:
            # A sentence's first word is capitalised anyway ("… de l'INJEP. Laquelle ?"); the name
            # may follow it ("Is LinkedIn…").
            name = name.partition(" ")[2]
        if name:
            found.append(name)
    return found


# "What is SOGA's mission?": an attribute of a subject, not what the subject is.
_POSSESSIVE = re.compile(r"\b\w+'s\b(?!\s*(?:$|\?))|\b(?:its|his|her|their|sa|son|ses|leurs?)\s+\w")


def question_kind(folded: str) -> str | None:
    kind = next((kind for kind, pattern in KINDS if pattern.search(folded)), None)
    if kind == "definition" and (_ACTION.search(folded) or _POSSESSIVE.search(folded.replace("what's", "what is"))):
        return None
    return kind


# "le prochain NEC", "the next election": something to come, which a report of the past year
# tells only where it speaks of what is planned.
UPCOMING = re.compile(r"\b(?:prochaine?s?|next|upcoming|a venir|futur(?:e|es|s)?|future)\b")
# The action a question asks about comes after these: how to do it ("how do I mute a channel",
# "comment on fait pour s'inscrire"), or who did it ("who replaced X", "qui parraine X"; not
# "who is", whose verb only links). An action no passage names is what none can tell.
HOW_TO = re.compile(
    r"\b(?:how (?:do|can|could|should|would) (?:i|we|you|one)|how to|"
    r"comment (?:je|j'|on|puis-je|peut-on|fait-on|faire pour|on fait pour|je fais pour|est-ce qu'on|est-ce que je|"
    r"(?=[a-z]+(?:er|ir|re)\b)))\s*")
ASKED_ACTION = re.compile(
    r"^\s*(?:who|qui)\s+(?!(?:est|sont|etait|etaient|is|are|was|were|a|ont|did|does|do|has|have|had)\b)|" + HOW_TO.pattern)
SUPERLATIVE = re.compile(r"\b(?:(?:le|la|les) plus (?!de\b|d')([a-z]+)|the most ([a-z]+)|the ([a-z]{3,}est))\b")
_MODALS = frozenset("peux peut pouvons pourrais pourrait dois doit devrais faut faire fais fait".split())


def asked_action(folded: str, asking: re.Pattern[str] = ASKED_ACTION) -> str | None:
    """The verb of the action asked about: how to do it, or who did it (`asking`)."""
    match = asking.search(folded)
    if match is None:
        return None
    return next((w for w in words(folded[match.end():]) if w not in STOP_WORDS and w not in _MODALS), None)


def _coordinated(folded: str, focus: str | None) -> str | None:
    if focus is None:
        return None
    match = re.search(rf"\b{re.escape(focus)} (?:et|ou|and|or) (?:de |d'|des |les |the )?([^\W\d_]+)", folded)
    return match.group(1) if match else None


_COMPOUND_ADJECTIVE = re.compile(r"^\s*(?:well|long|short|so|best|little|much|high|low|full|part|large|small|world)-[a-z]+ (?=[a-z])")


def _focus_word(folded: str) -> str | None:
    match = _FOCUS_AFTER.search(folded)
    if match is None:
        return None
    # "Which well-known politician": an English compound adjective before the noun asked about.
    rest = _COMPOUND_ADJECTIVE.sub("", folded[match.end():], count=1)
    following = [w for w in words(rest) if w not in STOP_WORDS and w not in _QUALIFIERS]
    if len(following) > 1 and following[0] in _CONTAINERS:
        return following[1]  # "combien d'exemples de bonnes pratiques": the practices are counted
    if following and following[0] in _TOPICS:
        return None  # "quels sujets a abordé le groupe": the answer lists them, rarely under that word
    return following[0] if following else None


# Slack's references to people and channels ("<@U0STAFF>", "<#C0GENERAL>", a bare user id):
# whom the member addresses, not what the question is about.
_SLACK_REFERENCE = re.compile(r"<[@#!][^>]*>|\b[UW](?=[A-Z0-9]*\d)[A-Z0-9]{6,}\b")


# "Je me demandais pourquoi…", "any idea how many…": the question asked follows.
_INDIRECT = re.compile(
    r"^\s*(?:(?:petite|quick) question\s*[,:]?\s*)?(?:"
    r"je me demand(?:e|ais)|je (?:voulais|voudrais|aimerais) savoir|(?:est-ce que )?(?:tu|vous) (?:sais|savez|saurais|sauriez)|"
    r"sais-tu|savez-vous|une idée|i was wondering|i wonder|i'?d like to know|(?:do|does) (?:you|anyone) know|any idea|"
    r"(?:can|could) you tell me|(?:can|could|would) you (?:please )?(?:list|indicate|specify|let me know)|"
    r"(?:(?:pourriez|pouvez|pourrais|peux)[- ](?:vous|tu)|(?:tu|vous) (?:peux|pouvez|pourrais|pourriez)) "
    r"(?:m'|me |nous )?(?:indiquer|dire|pr[ée]ciser|lister|[ée]num[ée]rer|citer|rappeler)|il para[iî]t(?: que| qu')?|j'ai (?:entendu|lu) (?:dire )?(?:que|qu')|apparently|"
    r"i (?:heard|read)(?: that)?)\b\s*[,:]?\s*(?:si |s'(?=il)|whether |if )?", re.IGNORECASE)
# "l'asso", "notre association", "this organisation": the association whose knowledge it is,
# unless another's name or description follows ("l'association Emmaüs", "l'asso de mon quartier").
_OWN_SUBJECT = re.compile(r"(?i:\b(?:l'|l’|notre |cette |the |this |our ))(?i:asso|association|organisation|organization|orga)\b"
                          r"(?!\s*(?:[A-Z]|(?i:de |d'|d’|des |du |of |called |named |que |qui |that |which |where )))")
# "Je suis nouvelle ici, …", "I'm new here.": who asks, not what.
_INTRODUCTION = re.compile(r"^\s*(?:je suis (?:nouveau|nouvelle|nouveaux|nouvelles)|(?:i'?m|i am) new)"
                           r"(?: (?:ici|here|sur (?:le )?slack|on (?:the )?slack|to (?:soga|slack|the community|this \w+)|"
                           r"dans (?:la communaut[ée]|l'asso\w*|le slack)))?\s*[!,.:;]*\s*", re.IGNORECASE)


# "Bonjour ! c'est quoi SOGA ?": a greeting opens the message; the question follows.
_GREETING = re.compile(rf"^\s*(?:{'|'.join(_HELLO)})\b(?: (?:à tous|a tous|tout le monde|"
                       r"l'équipe|everyone|all|there|team))?\s*[!,.:;]*\s*", re.IGNORECASE)


def analyse_question(
    text: str, fallback_lang: Lang, vocabulary: Vocabulary, history: list[tuple[str, str]] | None = None
) -> Query:
    text = " ".join(_SLACK_REFERENCE.sub(" ", text).split()) or text
    text = _INDIRECT.sub("", _INTRODUCTION.sub("", _GREETING.sub("", text))) or text
    expanded = _expand_chat(text)
    own_acronym = vocabulary.own_acronym
    if own_acronym is not None:
        expanded = _OWN_SUBJECT.sub(own_acronym.upper(), expanded)
    lang = detect_language(expanded, fallback_lang)
    terms = _terms(expanded, lang, vocabulary)
    folded = _respell_question_words(fold(expanded).replace("’", "'"), vocabulary)
    query = Query(text=text, language=lang, terms=terms, kind=question_kind(folded), entities=_entities(text),
                  task=bool(_TASK.search(folded)), explained=_explained(folded))
    focus = _focus_word(folded)
    # A word that only says the kind of value asked ("what score", "combien coûte"), unknown to
    # the knowledge, is no subject the knowledge lacks (a known gap may still read it).
    kind_words = {w for kind, pattern in KINDS if kind == query.kind for m in pattern.finditer(folded) for w in words(m.group(0))}
    for term in query.terms:
        if not term.known and term.word in kind_words:
            term.role = "frame"
        # "Comment marche X": the request's words only frame it; X's own passage answers.
        if query.explained is not None and term.word in _EXPLAIN_WORDS and term.word not in query.explained:
            term.role = "frame"
    # "cette année", "last year", "back in 2023": when the question is set, not what it is about.
    timing = {w for m in _RELATIVE_TIME.finditer(folded) for w in words(m.group(0)) if not w.isdigit()}
    for term in query.terms:
        if term.word in timing:
            term.role = "frame"
    # "a eu lieu", "aura lieu": the verb says it happened; no place, no word of the passage.
    if _TOOK_PLACE.search(folded):
        query.terms = [t for t in query.terms if t.word != "lieu"]
    # "tous collèges confondus", "all projects combined": the whole is asked, not those words.
    together = {w for m in _ALL_TOGETHER.finditer(folded) for w in words(m.group(0))}
    query.terms = [t for t in query.terms if t.word not in together]
    if query.kind == "quantity":
        _count_of_attendees(query, folded, vocabulary)
        _rating(query, vocabulary)
    # The action asked, unknown to the knowledge, is what the answer must tell.
    action = asked_action(folded)
    for term in query.terms:
        if term.word == action and not term.known:
            term.role = "focus"
    if _asked_attribute(query, folded, vocabulary):
        focus = None  # the attribute is the noun asked about
    for term in query.terms:
        if term.role in ("focus", "frame"):
            continue
        if (term.word in FRAME_WORDS and query.kind in ("date", "place", "quantity", "duration")) or (
                term.word in PEOPLE_WORDS and query.kind == "quantity") or (term.word in ROLE_WORDS and query.kind == "role"):
            term.role = "frame"
        elif term.word == focus:
            term.role = "focus"
    # "Le pays le plus peuplé", "the fastest train": the quality compared is what is asked; one
    # the knowledge never names can't be compared.
    superlative = SUPERLATIVE.search(folded)
    compared = next((t for t in query.terms if superlative and t.word in superlative.groups() and not t.known), None)
    if compared is not None:
        for term in query.terms:
            term.role = None if term.role == "focus" else term.role
        compared.role = "focus"
    # "combien d'outils et de solutions": either noun is the one counted.
    other = _coordinated(folded, focus)
    focused = next((t for t in query.terms if t.role == "focus"), None)
    partner = next((t for t in query.terms if t.word == other and t.role is None and t.known), None)
    if focused is not None and partner is not None:
        focused.alternatives = tuple(dict.fromkeys(focused.alternatives + partner.alternatives))
        query.terms.remove(partner)
    subject = _thread_subject(history)
    if subject and _lacks_subject(query, folded, vocabulary):
        query.follow_up = True
        query.subject = subject
        own = {alt for t in terms for alt in t.alternatives}
        # The thread's subject, without its request ("parle-moi du code de conduite").
        named = {w for name in _entities(subject) if len(name) > 2 for w in words(name)}
        for term in _terms(_REQUEST.sub(" ", fold(_expand_chat(subject))), detect_language(subject, lang), vocabulary):
            if term.known and not own.intersection(term.alternatives):
                if named and term.word not in named:
                    term.role = "frame"  # the subject is what the thread names, more than what it asked about it
                term.from_thread = True
                query.terms.append(term)
                own.update(term.alternatives)
        # The names the bot's last reply opened with are what "she" or "it" may stand for
        # ("Who is SOGA's godmother?" → Axelle Lemaire → "What role did she have?").
        for name in _reply_names(_last_reply(history), vocabulary.own_acronym) if _ANAPHORA.search(folded) else []:
            for term in _terms(fold(name), lang, vocabulary):
                if term.known and not own.intersection(term.alternatives):
                    term.from_thread = True
                    query.terms.append(term)
                    own.update(term.alternatives)
    return query


_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")


def _reply_names(reply: str, own: str | None) -> list[str]:
    """The names a reply opens with that a pronoun may stand for: not a title it quotes, a
    nationality, nor the knowledge's own name ("Social Good Accelerator (SOGA)")."""
    sentence = _QUOTED.sub(" ", _first_sentence(reply))
    # The words just before "(SOGA)" spell it out.
    spelt_out = " ".join(fold(m.group(1)) for m in re.finditer(rf"([\w' -]+?)\s*\({re.escape(own)}\)", sentence, re.IGNORECASE)) if own else ""
    return [name for name in _entities(sentence)
            if fold(name) != own and fold(name) not in NATIONALITIES and not (spelt_out and fold(name) in spelt_out)]


def _last_reply(history: list[tuple[str, str]] | None) -> str:
    return next((text for who, text in reversed(history or []) if who == "assistant"), "")


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0]


# A score, a rating, a mark: the words a question and a passage say one with ("What score did
# it get?" is answered by "the average rating was 4.5/5", "Social_TechESS scored 80/100").
RATING_WORDS = ("score", "scored", "rating", "rated", "note", "notee", "grade", "mark")


def _rating(query: Query, vocabulary: Vocabulary) -> None:
    alternatives = tuple(dict.fromkeys(stem(w) for w in RATING_WORDS if stem(w) in vocabulary))
    for term in query.terms:
        if term.word in RATING_WORDS and alternatives:
            term.alternatives = tuple(dict.fromkeys(term.alternatives + alternatives))
            term.role = "focus"  # the value asked is a rating, not any count


def _count_of_attendees(query: Query, folded: str, vocabulary: Vocabulary) -> None:
    """"How many people came": the verb of attendance becomes the passage's word for those who
    came (participants, attendees), the noun asked about; general words for people are dropped
    when unknown (they only frame the count)."""
    said = {w for match in _ATTENDANCE.finditer(folded) for w in words(match.group(0))}
    if PEOPLE_WORDS.intersection(words(folded)):  # "on a eu combien de monde", "how many people were there"
        said |= {w for match in _PRESENCE.finditer(folded) for w in words(match.group(0))}
    query.terms = [t for t in query.terms if t.word not in said and not (t.word in PEOPLE_WORDS and not t.known)]
    if not said:
        return
    alternatives = tuple(dict.fromkeys(stem(w) for w in ATTENDEE_WORDS if stem(w) in vocabulary))
    if alternatives and not any(set(alternatives) & set(t.alternatives) for t in query.terms):
        query.terms.append(Term(ATTENDEE_WORDS[0], alternatives, role="focus"))


def _asked_attribute(query: Query, folded: str, vocabulary: Vocabulary) -> bool:
    """The first attribute frame the question uses: its words become one term, the noun asked
    about, that the knowledge's own words for the attribute match."""
    for frame in ATTRIBUTE_FRAMES:
        match = frame.pattern.search(folded)
        if match is None:
            continue
        # The frame's own words go ("s'adresse", "arrêté"); the subject inside it stays ("who is the study for").
        said = {w for w in words(match.group(0)) if frame.own_words.fullmatch(w)}
        alternatives = tuple(dict.fromkeys(stem(w) for w in frame.words[query.language] if stem(w) in vocabulary))
        query.terms = [t for t in query.terms if t.word not in said]
        if alternatives:
            query.terms.append(Term(frame.name, alternatives, role="focus"))
        if frame.clears_kind or query.kind == "reason":  # "pourquoi X s'est arrêté": the frame's words are the reason
            query.kind = frame.kind
        return bool(alternatives)
    return False


# "Parle-moi de X", "tell me about X": in a thread's first message, the request, not its subject.
_REQUEST = re.compile(r"\b(?:parle[sz]?|presente[sz]?|raconte[sz]?|explique[sz]?)[- ](?:moi|nous)\b|\b(?:tell|show) (?:me|us) about\b",
                      re.IGNORECASE)


_LETTERS = re.compile(r"[^\W\d_]+")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{2,}\b")
_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][\w-]*")
# "sooo", "merciii": a letter typed three times or more is typed once.
_ELONGATED = re.compile(r"([a-z])\1{2,}")


def _surface_forms(text: str) -> dict[str, str]:
    """Each folded word's spelling as typed, lowercased: the lemmatiser's dictionary is accented
    ("repéré" is a French word, "repere" isn't)."""
    return {fold(w): w for w in _LETTERS.findall(ELISION.sub(" ", text.lower()))}


def _terms(text: str, lang: Lang, vocabulary: Vocabulary) -> list[Term]:
    terms: list[Term] = []
    seen: set[str] = set()
    spellings = _surface_forms(text)
    names = {w for name in _entities(text) for w in words(name)}
    for word in words(text):
        word = _ELONGATED.sub(r"\1", word)
        spelling = spellings.get(word, word)
        if word in STOP_WORDS or word in FILLERS or _lemma(spelling, lang) in FILLERS | STOP_WORDS or word in seen:
            continue  # "savez", "faisaient": an inflected filler or function verb is one too
        seen.add(word)
        own = stem(word)
        alternatives = [own] if own in vocabulary else []
        if not alternatives:  # an inflection the stemmer misses ("élue", "formées"): its lemma
            lemma = _lemma(spelling, lang)
            if lemma != word and stem(lemma) in vocabulary:
                alternatives.append(stem(lemma))
        for country in DEMONYMS.get(word, ()):
            if stem(country) in vocabulary:
                alternatives.append(stem(country))  # "the Italian partner" is the one from Italy
        if word in ORDINALS and ORDINALS[word] in vocabulary:
            alternatives.append(ORDINALS[word])  # "le premier chapitre" is "chapitre 1"
        # Its other inflections the stemmer sets apart ("nouveau trésorier": "nouvelle trésorière").
        # English inflects little beyond what the stemmer joins, and its irregular verbs would
        # bring others' words ("ran" to "running").
        if lang == "fr":
            lemma = _lemma(spelling, lang)
            alternatives += sorted(vocabulary.sharing_lemma(lemma, lang) - set(alternatives))
            # And the noun and the verb of one action, which stem and lemmatise apart: "combien de
            # personnes ont suivi une formation" is answered by "400 personnes formées".
            for kin in _derived(lemma):
                alternatives += sorted(vocabulary.sharing_lemma(kin, lang) - set(alternatives))
        if alternatives and not vocabulary.written_in(alternatives[0], lang):
            # The other language's word, mistyped in this one ("webinairs" in English): the
            # knowledge in the question's language spells it otherwise ("webinars").
            spelt = vocabulary.closest(word, lang=lang, only_in=lang)
            if spelt is not None:
                alternatives.append(spelt)
        corrected = None
        if not alternatives and not word.isdigit():
            if _misspelt_function_word(word):
                continue
            # A word of the language spelt right is not a typo of a word the knowledge has
            # ("capitale" is not "capitalisées"): it stays unknown and lowers confidence.
            corrected = None if simplemma.is_known(spelling, lang=lang, low_memory=True) else vocabulary.closest(word, own, lang=lang, name=word in names)
            if corrected is not None:
                alternatives.append(corrected)
        related = False
        if not alternatives and not word.isdigit() and word not in names:
            # A word the knowledge words otherwise ("aidées" for "accompagnées"): the knowledge's
            # words used like it.
            alternatives = _related_tokens(word, _lemma(spelling, lang), lang, vocabulary)
            related = bool(alternatives)
        terms.append(Term(word, tuple(dict.fromkeys(alternatives)), corrected, related=related))
    return terms


_ACTION_NOUN = re.compile(r"^(\w{4,})(?:ation|ement)$")
_VERB = re.compile(r"^(\w{4,})er$")


def _derived(lemma: str) -> list[str]:
    """The verb of a French action noun ("formation" -> "former"), the action nouns of a verb."""
    noun = _ACTION_NOUN.match(lemma)
    if noun:
        return [noun.group(1) + "er"]
    verb = _VERB.match(lemma)
    return [verb.group(1) + "ation", verb.group(1) + "ement"] if verb else []


# A member's word stands for this many of the knowledge's at most.
MAX_RELATED = 3


def _related_tokens(word: str, lemma: str, lang: Lang, vocabulary: Vocabulary) -> list[str]:
    found: list[str] = []
    for other in related_words((word, fold(lemma)), lang):
        token = stem(other)
        if other in STOP_WORDS or other in FILLERS or token in found or token not in vocabulary \
                or not vocabulary.written_in(token, lang):
            continue
        found.append(token)
        if len(found) == MAX_RELATED:
            break
    return found


# The people of a European country, and its name in both languages: "le partenaire italien" is
# the one "d'Italie". (Not French: the association's own country, said of half its knowledge.)
_COUNTRIES = [
    ("italien italienne italiens italiennes italian italians", "italie italy"),
    ("espagnol espagnole espagnols espagnoles spanish", "espagne spain"),
    ("belge belges belgian belgians", "belgique belgium"),
    ("allemand allemande allemands allemandes german germans", "allemagne germany"),
    ("roumain roumaine roumains roumaines romanian romanians", "roumanie romania"),
    ("danois danoise danoises danish", "danemark denmark"),
    ("lituanien lituanienne lituaniens lituaniennes lithuanian lithuanians", "lituanie lithuania"),
    ("autrichien autrichienne autrichiens autrichiennes austrian austrians", "autriche austria"),
    ("portugais portugaise portugaises portuguese", "portugal"),
    ("grec grecque grecs grecques greek greeks", "grece greece"),
    ("neerlandais neerlandaise neerlandaises dutch", "pays-bas netherlands"),
    ("suedois suedoise suedoises swedish", "suede sweden"),
    ("polonais polonaise polonaises polish", "pologne poland"),
    ("irlandais irlandaise irlandaises irish", "irlande ireland"),
    ("finlandais finlandaise finlandaises finnish", "finlande finland"),
]
DEMONYMS = {form: tuple(countries.split()) for forms, countries in _COUNTRIES for form in forms.split()}
# English capitalises its adjectives of nationality: "European" names no one and no place.
NATIONALITIES = frozenset(DEMONYMS) | {"european", "french", "english", "british", "american"}
ORDINALS = {"premier": "1", "premiere": "1", "first": "1", "deuxieme": "2", "second": "2", "seconde": "2",
            "troisieme": "3", "third": "3", "quatrieme": "4", "fourth": "4", "cinquieme": "5", "fifth": "5"}


_FUNCTION_WORDS = sorted(w for w in STOP_WORDS | FILLERS if len(w) >= MIN_FUZZY_CHARS)


_QUESTION_WORDS = ("combien", "quand", "pourquoi", "comment", "quelle", "quelles", "quels", "where", "when", "which", "what")


def _respell_question_words(folded: str, vocabulary: Vocabulary) -> str:
    """"kombien de membres": a question word mistyped still says the kind of value asked."""
    # A word of the language, where the question has its question word, is that word ("I'm
    # new here. Who is…" is not "new where"); without one, it may be the question word ("wen").
    asks = re.search(rf"\b{_QUESTION_WORD}\b", folded) is not None
    def respell(match: re.Match[str]) -> str:
        word = match.group(0)
        # A function word is spelt right ("were" is not a mistyped "where").
        if len(word) < MIN_FUZZY_CHARS or word in _QUESTION_WORDS or word in STOP_WORDS or stem(word) in vocabulary:
            return word
        if asks and any(simplemma.is_known(word, lang=lang, low_memory=True) for lang in ("fr", "en")):
            return word
        found = process.extractOne(word, _QUESTION_WORDS, scorer=fuzz.ratio, score_cutoff=85)
        return found[0] if found else word
    return re.sub(r"[a-z]+", respell, folded)


def _misspelt_function_word(word: str) -> bool:
    """"qand", "combein": a question word mistyped is still a question word, not a subject."""
    return len(word) >= MIN_FUZZY_CHARS and process.extractOne(word, _FUNCTION_WORDS, scorer=fuzz.ratio, score_cutoff=85) is not None


_QUESTION_WORD = (r"(?:qui|quand|o[uù]|combien|quel(?:le)?s?|comment|pourquoi|c'est quoi|qu'est-ce|who|whom|when|where|"
                  r"how|what|which|why)")
_COMPOUND = re.compile(rf"^(?P<first>.+?)\s*,?\s+(?:et|and)\s+(?P<second>{_QUESTION_WORD}\b.+)$", re.IGNORECASE | re.DOTALL)
# "Who's running the show at SOGA? Who is the president?": two questions in one message.
_TWO_QUESTIONS = re.compile(rf"^(?P<first>.+?\?)\s+(?P<second>(?:et |and )?{_QUESTION_WORD}\b.+)$", re.IGNORECASE | re.DOTALL)


# "Je prépare une présentation pour mon CA. Combien de personnes ont été formées ?": what the
# member says first, then the question, its last sentence.
# ("Slack community: how many members?" names its subject before a colon: one question.)
_CONTEXT_THEN_QUESTION = re.compile(r"^(?P<context>.*[^?\s][.!…])\s+(?P<question>[^.!?…]+\?)\s*$", re.DOTALL)


_ABBREVIATION = re.compile(r"\b(?:vs|etc|cf|ex|env|approx|resp|no|nb|st|mr|mrs|ms|dr|m|mme)\.$", re.IGNORECASE)


def split_context(text: str) -> tuple[str, str] | None:
    """The context a message gives before its question, and the question; None for a message
    that is only a question, or whose first sentences say nothing (a greeting)."""
    match = _CONTEXT_THEN_QUESTION.match(text.strip())
    if match is None:
        return None
    context = match["context"].strip()
    if _ABBREVIATION.search(context):  # "… in 2023 vs. at the end of 2024?": one sentence
        return None
    if len([w for w in words(fold(_expand_chat(context))) if w not in STOP_WORDS and w not in FILLERS]) < 2:
        return None
    return context, match["question"].strip()


def split_compound(text: str) -> tuple[str, str] | None:
    """"Qui finance DIGISET et combien de pays y participent ?", or two questions one after the
    other: two questions, the second a follow-up about the first's subject. None for one question ("Quand et où …", "combien de
    participants et d'intervenants")."""
    match = _COMPOUND.match(text.strip()) or _TWO_QUESTIONS.match(text.strip())
    if match is None:
        return None
    first, second = match["first"].strip(" ,"), match["second"].strip()
    if not [w for w in words(_expand_chat(first)) if w not in STOP_WORDS and w not in FILLERS]:
        return None
    return first.rstrip(" ?") + " ?", second


def _thread_subject(history: list[tuple[str, str]] | None) -> str | None:
    """The latest member message of the thread that names a subject (a name, or several long
    words); else, in a thread under the bot's own answer (a reply to its answer in a DM, where
    the question itself is no part of the thread), the first name that answer gives; else the
    thread's first member message."""
    said = [text.strip() for who, text in history or [] if who != "assistant" and text.strip()]
    for text in reversed(said):
        if _entities(text) or len([w for w in words(text) if len(w) > 3 and w not in STOP_WORDS]) > FOLLOW_UP_MAX_WORDS:
            return text
    if history and history[0][0] == "assistant":
        named = [name for name in _entities(_first_sentence(history[0][1]), opening_counts=True) if fold(name) not in STOP_WORDS]
        if named:
            return named[0]
    return said[0] if said else None


# A personal pronoun as the subject or owner points back to the thread ("did it get the Afnic
# money?", "what role did she have", "et il a repéré quoi ?"), whatever else the question names.
# Impersonal French "il" ("il y a", "il faut", "y a-t-il") refers to nothing.
_ANAPHORA = re.compile(r"\b(?:it|its|she|he|her|his|they|their|them)\b|(?<!-t-)\b(?:il|elle|ils|elles)\b(?!\s+(?:y|faut|reste|existe)\b)")


# "combien ont touché une aide ?", "how many were funded?": the count's subject is left unsaid.
_ELIDED_SUBJECT = re.compile(r"^\s*(?:et |and )?(?:combien|how many)\s+(?:ont|sont|avaient|etaient|were|are|have|had|did)\b")


def _lacks_subject(query: Query, folded: str, vocabulary: Vocabulary) -> bool:
    if _ANAPHORA.search(folded) or (_ELIDED_SUBJECT.search(folded) and not query.entities):
        return True
    content = [t for t in query.terms if t.known]
    # A two-letter acronym qualifies ("Which EU programme funds it?", "l'IA"); it names no subject.
    names = [name for name in query.entities if len(name) > 2]
    # So does a name the knowledge writes in capitals, typed at the question's start or in lower
    # case ("SOGA existe depuis quand ?", "who runs soga"): the question is about it.
    names += [t.word for t in content if t.word in vocabulary.acronyms and len(t.word) > 2]
    return not names and len(content) <= FOLLOW_UP_MAX_WORDS
