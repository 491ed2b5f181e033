"""User-facing texts of the knowledge capability."""

from bot.i18n import Catalog

KB = Catalog(
    {
        "extractive_intro": {
            "fr": "Voici ce que dit la base de connaissances du SOGA :",
            "en": "Here is what SOGA's knowledge base says (the sources are in French):",
        },
        "decline": {
            "fr": "Je n'ai pas trouvé de réponse fiable à cette question dans la base de connaissances du SOGA.",
            "en": "I couldn't find a reliable answer to this question in SOGA's knowledge base.",
        },
        "decline_known": {
            "fr": "Ce que j'ai trouvé : {sentence} [{n}]",
            "en": "What I found (in French): {sentence} [{n}]",
        },
    }
)
