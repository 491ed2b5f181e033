"""User-facing texts of the growth capability: French first, English for English locales."""

from bot.core.i18n import Catalog

GROWTH = Catalog(
    {
        "working": {"fr": "Je prépare les chiffres…", "en": "Preparing the figures…"},
        "sent_to_dm": {
            "fr": "Les chiffres sont dans notre conversation privée.",
            "en": "The figures are in our direct messages.",
        },
        "usage": {
            "fr": "Utilisation : `/stats`, `/stats AAAA-MM-JJ` (chiffres à cette date) ou `/stats export` (CSV).",
            "en": "Usage: `/stats`, `/stats YYYY-MM-DD` (figures as of that day) or `/stats export` (CSV).",
        },
        "bad_date": {
            "fr": "« {text} » n'est pas une date au format AAAA-MM-JJ. " ,
            "en": "“{text}” is not a date in the form YYYY-MM-DD. ",
        },
        "title": {"fr": "Chiffres de la communauté au {day}", "en": "Community figures as of {day}"},
        "members_total": {"fr": "Membres", "en": "Members"},
        "joined_28d": {"fr": "Arrivées (28 j)", "en": "Joined (28 d)"},
        "left_28d": {"fr": "Départs (28 j)", "en": "Left (28 d)"},
        "active_7d": {"fr": "Actifs (7 j)", "en": "Active (7 d)"},
        "active_28d": {"fr": "Actifs (28 j)", "en": "Active (28 d)"},
        "messages_28d": {"fr": "Messages (28 j)", "en": "Messages (28 d)"},
        "reactions_28d": {"fr": "Réactions (28 j)", "en": "Reactions (28 d)"},
        "activated_28d": {"fr": "Nouveaux qui ont posté (28 j)", "en": "New members who posted (28 d)"},
        "median_first_response_minutes_28d": {
            "fr": "Délai médian de première réponse (28 j)", "en": "Median time to first reply (28 d)",
        },
        "minutes": {"fr": "{value} min", "en": "{value} min"},
        "none": {"fr": "—", "en": "—"},
        "versus": {
            "fr": "Évolution par rapport à la période précédente (28 jours plus tôt ; 7 jours pour les actifs 7 j).",
            "en": "Change against the previous period (28 days earlier; 7 days for 7-day actives).",
        },
        "top_channels": {"fr": "*Canaux les plus actifs (28 j)*", "en": "*Most active channels (28 d)*"},
        # How joins are counted; docs/growth.md ("How joins are counted") quotes both verbatim.
        "joins_rule": {
            "fr": ("Arrivées : l'arrivée dans Slack pour les membres vus en direct ; pour l'historique importé, le "
                   "premier message ou la première entrée dans un canal public de l'export (sans l'un ni l'autre, "
                   "présent·e depuis le début)."),
            "en": ("Joins: the Slack join for members seen live; for imported history, the first message or "
                   "first public-channel join in the export (with neither, counted as there from the start)."),
        },
        "before_history": {
            "fr": ("⚠️ Le {day} est avant les premières données du bot (le {starts}) : les chiffres de cette date "
                   "seraient partiels, je ne les donne pas. Essayez `/stats {starts}` ou une date plus récente."),
            "en": ("⚠️ {day} is before the bot's first data ({starts}): figures for that day would be partial, so "
                   "I don't give them. Try `/stats {starts}` or a later day."),
        },
        "levels": {"fr": "*Niveaux d'engagement* (jours actifs sur 90 j)", "en": "*Engagement levels* (active days in 90 d)"},
        "level_advocates": {"fr": "Piliers (12 j et plus)", "en": "Advocates (12+ days)"},
        "level_contributors": {"fr": "Contributeur·rice·s (4 à 11 j)", "en": "Contributors (4–11 days)"},
        "level_participants": {"fr": "Participant·e·s (1 à 3 j)", "en": "Participants (1–3 days)"},
        "level_observers": {"fr": "Observateur·rice·s (0 j)", "en": "Observers (0 days)"},
        "at_risk": {
            "fr": "*Membres à risque* ({count}) : actifs ces 90 derniers jours, silencieux depuis 30 jours",
            "en": "*At-risk members* ({count}): active in the last 90 days, silent for the last 30",
        },
        "at_risk_none": {"fr": "Aucun membre à risque.", "en": "No member at risk."},
        "last_seen": {"fr": "dernier message le {day}", "en": "last message on {day}"},
        "and_more": {"fr": "… et {count} autres", "en": "… and {count} more"},
        "newsletter": {"fr": "*Dernière infolettre*", "en": "*Last newsletter*"},
        "newsletter_line": {
            "fr": "{campaign} ({sent}) : {emails} envois, ouverture {open}, clics {click}",
            "en": "{campaign} ({sent}): {emails} sent, {open} opened, {click} clicked",
        },
        "qa_gaps": {"fr": "*Questions restées sans bonne réponse*", "en": "*Questions the bot could not answer well*"},
        "chart_title": {"fr": "Membres et actifs par semaine (26 semaines)", "en": "Members and weekly actives (26 weeks)"},
        "chart_members": {"fr": "Membres", "en": "Members"},
        "chart_active": {"fr": "Actifs de la semaine", "en": "Active in the week"},
        "chart_y_axis": {"fr": "Personnes", "en": "People"},
        "chart_x_axis": {"fr": "Semaine du", "en": "Week of"},
        "chart_comment": {"fr": "Évolution sur 26 semaines", "en": "The last 26 weeks"},
        "export_comment": {
            "fr": "Séries hebdomadaires et cohortes au {day} (CSV).",
            "en": "Weekly series and cohorts as of {day} (CSV).",
        },
        "ask_title": {"fr": "*Poser une question* 💬", "en": "*Ask a question* 💬"},
        "ask_how": {
            "fr": (
                "Sur le SOGA, ses projets, ses ressources ou ses événements :\n"
                "• écrivez-moi dans l'onglet *Messages* ci-dessus ;\n"
                "• mentionnez-moi dans un canal (@ + mon nom) : je réponds dans le fil ;\n"
                "• ou tapez `/ask votre question` n'importe où (réponse visible de vous seul·e)."
            ),
            "en": (
                "About SOGA, its projects, resources or events:\n"
                "• write to me in the *Messages* tab above;\n"
                "• mention me in a channel (@ and my name): I answer in the thread;\n"
                "• or type `/ask your question` anywhere (only you see the answer)."
            ),
        },
        "home_title": {"fr": "Tableau de bord de la croissance", "en": "Growth dashboard"},
        "home_chart_in_dm": {
            "fr": "📈 Le graphique des 26 dernières semaines : tapez `/stats`, je vous l'envoie en message privé.",
            "en": "📈 The chart of the last 26 weeks: type `/stats` and I'll send it to you in a direct message.",
        },
        "home_hint": {
            "fr": "`/stats` pour le détail et le graphique, `/stats export` pour les CSV.",
            "en": "`/stats` for details and the chart, `/stats export` for the CSV files.",
        },
        "welcome": {
            "fr": (
                "Bienvenue dans la communauté du Social Good Accelerator, {name} ! 👋\n\n"
                "Pour bien démarrer, rejoignez {channels}.\n\n"
                "Une question sur le SOGA, ses projets, ses ressources ou ses événements ? "
                "Écrivez-moi ici en message privé, mentionnez {bot} dans un canal, ou tapez `/ask`."
            ),
            "en": (
                "Welcome to the Social Good Accelerator community, {name}! 👋\n\n"
                "To get started, join {channels}.\n\n"
                "Any question about SOGA, its projects, resources or events? Write to me here, "
                "mention {bot} in a channel, or type `/ask`."
            ),
        },
        "welcome_no_channels": {"fr": "les canaux qui vous intéressent", "en": "the channels that interest you"},
    }
)
