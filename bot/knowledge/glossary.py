"""English words mapped to their French counterparts, for cross-language lexical search.

The knowledge is written in French. An English question ("Who funds SETS?") shares few words
with the French passage ("financé par Horizon Europe"), so each English word of a question also
looks for its usual French translations. The list covers the vocabulary of an association, its
projects, events and community, not particular questions.
"""

from __future__ import annotations

EN_TO_FR: dict[str, tuple[str, ...]] = {
    "fund": ("financer", "financement", "financeur"), "funds": ("financer", "financement"),
    "funded": ("financé", "financement"), "funding": ("financement", "financé"), "finance": ("financer", "financement"),
    "finances": ("financer", "financement"), "financed": ("financé",), "financial": ("financier",),
    "grant": ("subvention",), "grants": ("subventions",), "budget": ("budget",), "cost": ("coût", "montant"),
    "costs": ("coûts",), "price": ("prix", "tarif"), "fee": ("cotisation",), "fees": ("cotisation",),
    "salary": ("salaire", "rémunération"), "income": ("recettes",), "revenue": ("recettes",), "amount": ("montant",),
    "people": ("personnes", "participants"), "person": ("personne",), "participants": ("participants",),
    "attendees": ("participants",), "attended": ("participé", "participants"), "came": ("participé", "venues"),
    "speakers": ("intervenants", "intervenant·es"), "speaker": ("intervenant",), "members": ("membres", "adhérents"),
    "member": ("membre", "adhérent"), "membership": ("adhésion",), "join": ("adhérer", "rejoindre"),
    "president": ("présidente", "président"), "treasurer": ("trésorière", "trésorier"), "secretary": ("secrétaire",),
    "vice": ("vice",), "board": ("conseil", "bureau"), "director": ("directrice", "directeur"),
    "team": ("équipe",), "staff": ("équipe", "salariés"), "employees": ("salariés", "salarié·es"),
    "employee": ("salarié",), "manager": ("responsable", "chargé"), "volunteers": ("bénévoles",),
    "godmother": ("marraine",), "sponsor": ("marraine", "parrain"), "partner": ("partenaire",),
    "partners": ("partenaires",), "partnership": ("partenariat",), "company": ("entreprise", "société"),
    "companies": ("entreprises",), "firm": ("entreprise",), "pro": ("mécénat",), "bono": ("mécénat",),
    "skills": ("compétences",), "skill": ("compétence",), "support": ("accompagnement", "soutien"),
    "supported": ("soutenu", "accompagné", "accompagnées"), "supports": ("accompagne",),
    "help": ("aide", "accompagnement"), "helped": ("aidé", "accompagné"),
    "train": ("former", "formation"), "trained": ("formés", "formé·e·s", "formées"), "training": ("formation",),
    "trainings": ("formations",), "course": ("formation", "cours"), "courses": ("formations", "modules"),
    "modules": ("modules",), "learning": ("apprentissage",), "teach": ("enseigner",),
    "overall": ("total", "au total"), "total": ("total",), "share": ("part", "pourcentage"), "percent": ("pourcentage",),
    "visits": ("visites",), "visit": ("visite",), "visitors": ("visiteurs",), "website": ("site",), "site": ("site",),
    "newsletters": ("newsletters", "lettres"), "newsletter": ("newsletter", "lettre"), "open": ("ouverture",),
    "rate": ("taux",), "sent": ("envoyées", "envoyé"), "send": ("envoyer",), "subscribers": ("abonnés", "inscrits"),
    "followers": ("abonnés",), "community": ("communauté",), "channel": ("canal", "chaîne"), "channels": ("canaux",),
    "job": ("emploi",), "jobs": ("emplois",), "offers": ("offres",), "offer": ("offre",),
    "event": ("événement", "évènement"), "events": ("événements", "évènements"), "workshop": ("atelier",),
    "workshops": ("ateliers",), "conference": ("conférence",), "meeting": ("réunion", "rencontre"),
    "meetings": ("réunions", "rencontres"), "ai": ("ia", "intelligence artificielle"), "artificial": ("artificielle",),
    "intelligence": ("intelligence",), "data": ("données", "data"), "digital": ("numérique",),
    "social": ("social", "sociale"), "economy": ("économie",), "solidarity": ("solidaire",),
    "code": ("code",), "conduct": ("conduite",), "experts": ("experts",), "expert": ("expert",),
    "group": ("groupe",), "groups": ("groupes",), "working": ("travail",), "wrote": ("rédigé", "écrit"),
    "written": ("rédigé", "écrit"), "write": ("rédiger", "écrire"), "published": ("publié", "publiée"),
    "publication": ("publication",), "publications": ("publications",), "report": ("rapport",),
    "study": ("étude",), "survey": ("enquête",), "presented": ("présenté", "présentation"),
    "presentation": ("présentation",), "launched": ("lancé",), "launch": ("lancement",), "pilot": ("pilote",),
    "pilots": ("pilotes",), "project": ("projet",), "projects": ("projets",), "programme": ("programme",),
    "program": ("programme",), "eu": ("européen", "européenne", "europe"), "european": ("européen", "européenne"),
    "europe": ("europe",), "commission": ("commission",), "country": ("pays",), "countries": ("pays",),
    "city": ("ville",), "cities": ("villes",), "day": ("jour", "date"), "date": ("date",),
    "year": ("année", "an"), "years": ("années", "ans"), "month": ("mois",), "months": ("mois",),
    "january": ("janvier",), "february": ("février",), "march": ("mars",), "april": ("avril",), "may": ("mai",),
    "june": ("juin",), "july": ("juillet",), "august": ("août",), "september": ("septembre",), "october": ("octobre",),
    "november": ("novembre",), "december": ("décembre",), "week": ("semaine",), "hours": ("heures",), "hour": ("heure",), "long": ("durée",), "lasted": ("duré", "durée"),
    "duration": ("durée",), "new": ("nouveaux", "nouveau"), "next": ("prochain",), "last": ("dernier",),
    "rating": ("note", "satisfaction"), "satisfaction": ("satisfaction",), "score": ("note",),
    "evaluation": ("évaluation",), "award": ("prix", "label"), "label": ("label",), "labelled": ("labellisé",),
    "cancelled": ("annulé",), "canceled": ("annulé",), "status": ("statut",), "statutes": ("statuts",),
    "bylaws": ("statuts",), "voted": ("voté", "adopté"), "vote": ("vote",), "assembly": ("assemblée",),
    "general": ("générale",), "governance": ("gouvernance",), "mission": ("mission",), "goal": ("objectif",),
    "goals": ("objectifs",), "objectives": ("objectifs",), "impact": ("impact",), "figures": ("chiffres",),
    "numbers": ("chiffres",), "based": ("fondé", "fondée", "inspiré", "s'appuie"), "founded": ("fondé", "créé", "création"),
    "created": ("créé", "création"), "organisations": ("organisations", "structures"),
    "organizations": ("organisations", "structures"), "associations": ("associations",), "smes": ("pme",),
    "sme": ("pme",), "businesses": ("entreprises",), "mapping": ("cartographie",), "map": ("cartographier",),
    "sports": ("sport", "sportifs"), "sport": ("sport",), "hackathon": ("hackathon",), "tribune": ("tribune",),
    "op": ("tribune",), "ed": ("tribune",), "policy": ("plaidoyer", "politique"), "advocacy": ("plaidoyer",),
    "public": ("publiques", "public"), "affairs": ("affaires",), "senator": ("sénateur",), "mp": ("député",),
    "parliament": ("parlement",), "opinion": ("avis",), "inclusion": ("inclusion",), "mediation": ("médiation",),
    "campus": ("campus",), "university": ("université",), "school": ("école",), "academy": ("academy",),
    "weather": ("météo",), "tomorrow": ("demain",), "phone": ("téléphone",), "number": ("numéro", "nombre"),
    "email": ("courriel", "e-mail", "mail"), "address": ("adresse",), "contact": ("contacter", "contact"),
    "ask": ("demander",), "question": ("question",), "questions": ("questions",), "answer": ("réponse",),
    "supposed": ("prévu", "objectif"), "planned": ("prévu",), "aims": ("vise", "objectif"), "aim": ("viser",),
    "target": ("cible", "objectif"), "reach": ("atteindre",),
    "professionals": ("professionnels", "professionnel·les"), "professional": ("professionnel",),
    "beneficiaries": ("bénéficiaires",), "representatives": ("représentants", "représentant·e·s"),
    "seats": ("sièges",), "seat": ("siège",), "webinars": ("webinaires",), "resources": ("ressources",),
    "registered": ("inscrits",), "downloads": ("téléchargements",), "impressions": ("impressions",),
}


# French words whose usual synonyms the stemmer can't reach ("créé" / "création" / "fondé").
FR_RELATED: dict[str, tuple[str, ...]] = {
    "cree": ("création", "fondé"), "creee": ("création", "fondée"), "creation": ("créé", "fondé"),
    "fonde": ("création", "créé"), "fondee": ("création", "créée"),
    "vote": ("adopté",), "votes": ("adoptés",), "votee": ("adoptée",), "votees": ("adoptées",), "voter": ("adopter",),
    "adopte": ("voté",), "adoptes": ("votés",),
    "but": ("objectif",), "buts": ("objectifs",), "objectif": ("but",), "objectifs": ("buts",),
    "abonnes": ("inscrits",), "inscrits": ("abonnés",),
    "membres": ("adhérents",), "adherents": ("membres",), "membre": ("adhérent",), "adherent": ("membre",),
}


def query_groups(text: str, lang: str = "fr") -> list[tuple[str, ...]]:
    """The question's analysed terms; in an English question, a word of the glossary is also
    looked for through its French translations. A passage matches a group when it has any of
    its alternatives."""
    from bot.knowledge.analysis import STOP_WORDS, stem, tokens, words

    groups: dict[str, tuple[str, ...]] = {}
    for word in words(text):
        if word in STOP_WORDS:
            continue
        own = stem(word)
        translations = EN_TO_FR.get(word) if lang == "en" else FR_RELATED.get(word)
        # The word itself stays: the knowledge names things in English too ("Data University").
        alternatives = [own]
        for translation in translations or ():
            alternatives.extend(tokens(translation))
        if not alternatives:
            continue
        merged = tuple(dict.fromkeys(alternatives))
        groups[own] = tuple(dict.fromkeys(groups.get(own, ()) + merged))
    return list(groups.values())
