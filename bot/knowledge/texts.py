"""User-facing texts of the knowledge capability."""

from bot.core.i18n import Catalog

KB = Catalog(
    {
        "decline": {
            "fr": "Je n'ai pas trouvé de réponse fiable à cette question dans la base de connaissances du SOGA.",
            "en": "I couldn't find a reliable answer to this question in SOGA's knowledge base.",
        },
        "decline_gap": {
            # Each gap's text says what the report lacks, in full ("Le rapport ne donne pas …").
            "fr": "{says}",
            "en": "{says}",
        },
        "maybe_useful": {
            "fr": "Peut-être utile : {sentence} [1]",
            "en": "Maybe useful: {sentence} [1]",
        },
        "source_in_french": {"fr": "", "en": " (source in French)"},
    }
)

KB_SLACK = Catalog(
    {
        "sources": {"fr": "Sources", "en": "Sources"},
        "feedback_up": {"fr": "👍 Utile", "en": "👍 Helpful"},
        "feedback_down": {"fr": "👎 Pas utile", "en": "👎 Not helpful"},
        "feedback_thanks": {"fr": "Merci pour votre retour !", "en": "Thanks for your feedback!"},
        "feedback_not_yours": {
            "fr": "Seule la personne qui a posé la question peut noter cette réponse.",
            "en": "Only the person who asked can rate this answer.",
        },
        "handoff_button": {"fr": "Demander à l'équipe", "en": "Ask the team"},
        "handoff_offer": {
            "fr": "Voulez-vous que je transmette votre question à l'équipe du SOGA ?",
            "en": "Would you like me to pass your question on to the SOGA team?",
        },
        "handoff_staff": {
            "fr": "❓ Question de <@{user}> à laquelle je n'ai pas su répondre :\n>{question}\n<{link}|Voir la conversation>\nPour répondre au membre, commencez votre message dans ce fil par `membre :` — je le lui transmets. Les autres messages du fil restent entre vous.",
            "en": "❓ Question from <@{user}> I couldn't answer:\n>{question}\n<{link}|See the conversation>\nTo answer the member, start your reply in this thread with `member:` and I'll pass it on. Other messages in the thread stay between you.",
        },
        "handoff_done": {
            "fr": "C'est transmis à l'équipe du SOGA : je vous ferai suivre sa réponse ici.",
            "en": "Passed on to the SOGA team: I'll forward their answer here.",
        },
        "handoff_already": {"fr": "Cette question a déjà été transmise à l'équipe.", "en": "This question was already passed on to the team."},
        "handoff_unavailable": {
            "fr": "Je ne peux pas joindre l'équipe d'ici pour le moment : écrivez-lui directement, merci !",
            "en": "I can't reach the team from here right now: please write to them directly, thanks!",
        },
        "relay": {"fr": "💬 Réponse de l'équipe du SOGA (<@{staff}>) :\n{text}", "en": "💬 Answer from the SOGA team (<@{staff}>):\n{text}"},
        "rate_limited": {
            "fr": "Vous posez beaucoup de questions d'un coup 🙂 Laissez-moi une minute, puis reposez la vôtre.",
            "en": "That's a lot of questions at once 🙂 Give me a minute, then ask yours again.",
        },
        "searching": {"fr": "🔎 Je cherche dans la base de connaissances…", "en": "🔎 Searching the knowledge base…"},
        "thinking": {"fr": "cherche dans la base de connaissances…", "en": "is searching the knowledge base…"},
        "small_talk_greeting": {
            "fr": "Bonjour ! Je réponds à vos questions sur les projets, les ressources et les événements du SOGA, "
                  "par exemple : « Qui finance DIGISET ? »",
            "en": "Hello! I answer your questions about SOGA's projects, resources and events, "
                  "for example: \"Who funds DIGISET?\"",
        },
        "small_talk_thanks": {
            "fr": "Avec plaisir ! Une autre question sur le SOGA ? Je suis là.",
            "en": "You're welcome! Any other question about SOGA, just ask.",
        },
        "empty_question": {
            "fr": "Posez-moi une question sur le SOGA, par exemple : `/ask Qui finance DIGISET ?`",
            "en": "Ask me a question about SOGA, for example: `/ask Who funds DIGISET?`",
        },
        "mode_set": {
            "fr": "Dans ce canal, je réponds désormais {mode}.",
            "en": "In this channel I now answer {mode}.",
        },
        "mode_mention": {"fr": "seulement quand on me mentionne", "en": "only when mentioned"},
        "mode_questions": {
            "fr": "aux messages qui ressemblent à des questions (quand j'ai une réponse)",
            "en": "messages that look like questions (when I have an answer)",
        },
        "prompt_title": {"fr": "Que voulez-vous savoir sur le SOGA ?", "en": "What would you like to know about SOGA?"},
        "prompt_1": {"fr": "Qui finance DIGISET ?", "en": "Who funds the SETS project?"},
        "prompt_2": {"fr": "C'est quoi le code de conduite des données ?", "en": "What is the social economy data code of conduct?"},
        "prompt_3": {"fr": "Comment adhérer au SOGA ?", "en": "How can my organisation join SOGA?"},
        "gaps_title": {"fr": "❔ Questions sans bonne réponse (30 jours)", "en": "❔ Questions without a good answer (30 days)"},
        "gaps_none": {"fr": "Aucune : la base de connaissances a tenu bon.", "en": "None: the knowledge base held up."},
        "gap_declined": {"fr": "sans réponse", "en": "declined"},
        "gap_downvoted": {"fr": "👎", "en": "👎"},
        "save_title": {"fr": "Ajouter à la base", "en": "Add to the knowledge"},
        "save_submit": {"fr": "Enregistrer", "en": "Save"},
        "save_label": {"fr": "Titre", "en": "Title"},
        "save_preview": {"fr": "Texte enregistré :", "en": "Text to save:"},
        "saved": {"fr": "✅ Ajouté à la base de connaissances : « {title} ».", "en": "✅ Added to the knowledge base: “{title}”."},
    }
)
