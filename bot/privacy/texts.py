"""What members read about their data, in French first and in English."""

from bot.core.i18n import Catalog

TEXTS = Catalog(
    {
        "title": {"fr": "Vos données", "en": "Your data"},
        "intro": {
            "fr": "Voici ce que le bot garde sur vous, pourquoi, et combien de temps. Vous pouvez l'exporter, arrêter le suivi ou tout effacer.",
            "en": "Here is what the bot keeps about you, why, and for how long. You can export it, stop the tracking or erase it all.",
        },
        "kind": {
            "fr": "*{label}* : {count}\n_Pourquoi_ : {purpose}\n_Combien de temps_ : {retention}",
            "en": "*{label}*: {count}\n_Why_: {purpose}\n_How long_: {retention}",
        },
        "kind_short": {"fr": "• {label} : {count}", "en": "• {label}: {count}"},
        "home_intro": {
            "fr": "Ce que le bot garde sur vous (`/privacy` pour le détail) :",
            "en": "What the bot keeps about you (`/privacy` for the details):",
        },
        "tracked": {
            "fr": "Le suivi de votre activité est actif : vous comptez dans les chiffres de la communauté.",
            "en": "Activity tracking is on: you count in the community figures.",
        },
        "not_tracked": {
            "fr": (
                "Vous n'êtes plus suivi·e : plus rien n'est collecté sur vous, ni jours d'activité, ni extraits de vos "
                "messages, ni fils pour le digest, et votre nom n'y apparaît pas quand quelqu'un vous mentionne. "
                "Vous comptez seulement dans le nombre total de membres. Ce qui était déjà gardé suit sa durée de "
                "conservation ; « Effacer mes données » le supprime."
            ),
            "en": (
                "You have opted out: nothing more is collected about you, no activity days, no excerpts of your "
                "messages, no threads for the digest, and your name stays out of it when someone mentions you. "
                "You only count in the member total. What was kept before follows its retention period; "
                "\"Erase my data\" removes it."
            ),
        },
        "policy_link": {
            "fr": "Tout ce que le bot stocke, et qui peut le voir : <{url}|politique de confidentialité>.",
            "en": "Everything the bot stores, and who can see it: <{url}|privacy policy>.",
        },
        "policy_file": {
            "fr": "Tout ce que le bot stocke, et qui peut le voir : le fichier PRIVACY.md du dépôt du bot (demandez-le à l'équipe).",
            "en": "Everything the bot stores, and who can see it: the PRIVACY.md file in the bot's repository (ask the team for it).",
        },
        "export": {"fr": "Exporter mes données", "en": "Export my data"},
        "opt_out": {"fr": "Ne plus être suivi·e", "en": "Stop tracking me"},
        "opt_in": {"fr": "Réactiver", "en": "Track me again"},
        "erase": {"fr": "Effacer mes données", "en": "Erase my data"},
        "export_comment": {
            "fr": "Voici tout ce que le bot garde sur vous, au format JSON.",
            "en": "Here is everything the bot keeps about you, as JSON.",
        },
        "export_sent": {
            "fr": "C'est fait : je vous ai envoyé vos données en message privé.",
            "en": "Done: I sent you your data in a direct message.",
        },
        "opted_out": {
            "fr": (
                "C'est noté, dès maintenant : vous n'êtes plus suivi·e. Vous comptez seulement dans le nombre "
                "total de membres : pas de jours d'activité, pas de nom dans le digest, pas de place dans les "
                "classements. Ce qui est déjà gardé suit sa durée de conservation ; « Effacer mes données » le supprime."
            ),
            "en": (
                "Noted, from now on: you are no longer tracked. You only count in the member total: no activity "
                "days, no name in the digest, no place in any list. What is already kept follows its retention "
                "period; \"Erase my data\" removes it."
            ),
        },
        "opted_in": {
            "fr": "C'est noté : le suivi est réactivé. Merci !",
            "en": "Noted: tracking is back on. Thank you!",
        },
        "modal_title": {"fr": "Effacer mes données", "en": "Erase my data"},
        "modal_submit": {"fr": "Tout effacer", "en": "Erase it all"},
        "modal_close": {"fr": "Annuler", "en": "Cancel"},
        "modal_body": {
            "fr": (
                "Le bot va effacer ou anonymiser tout ce qu'il garde sur vous ({count} éléments). C'est définitif.\n\n"
                "• Vos questions au bot et vos avis sont supprimés.\n"
                "• Vos questions pour les cafés IA restent, sans votre nom ; vos votes sont retirés.\n"
                "• Les chiffres passés de la communauté ne changent pas : vous y devenez anonyme.\n"
                "• Les contenus ajoutés à la base de connaissances restent."
            ),
            "en": (
                "The bot will erase or anonymise everything it keeps about you ({count} items). This cannot be undone.\n\n"
                "• Your questions to the bot and your feedback are deleted.\n"
                "• Your AI café questions stay, without your name; your votes are removed.\n"
                "• The community's past figures don't change: you become anonymous in them.\n"
                "• Content added to the knowledge base stays."
            ),
        },
        "modal_note": {
            "fr": "Si vous continuez à utiliser Slack, votre nouvelle activité sera comptée, sauf si vous choisissez ensuite « Ne plus être suivi·e ».",
            "en": "If you keep using Slack, your new activity will be counted unless you then choose \"Stop tracking me\".",
        },
        "erased": {
            "fr": "Vos données ont été effacées : {deleted} supprimées, {anonymised} anonymisées. Plus rien dans le bot ne porte votre identifiant.",
            "en": "Your data has been erased: {deleted} deleted, {anonymised} anonymised. Nothing in the bot carries your id any more.",
        },
        "not_yours": {
            "fr": "Vous ne pouvez gérer que vos propres données.",
            "en": "You can only manage your own data.",
        },
    }
)
