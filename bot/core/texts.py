"""Texts of the core: help, errors, refusals."""

from bot.core.i18n import Catalog

CORE = Catalog(
    {
        "error": {
            "fr": "Oups, quelque chose s'est mal passé de mon côté. L'équipe est prévenue ; vous pouvez réessayer dans un instant.",
            "en": "Sorry, something went wrong on my side. The team has been told; please try again in a moment.",
        },
        "refused": {
            "fr": "Désolé, cette action est réservée {who}. Si vous pensez que c'est une erreur, écrivez à l'équipe du SOGA.",
            "en": "Sorry, this action is reserved for {who}. If you think this is a mistake, please write to the SOGA team.",
        },
        "who_staff": {"fr": "à l'équipe du SOGA", "en": "the SOGA team"},
        "who_facilitators": {"fr": "aux animateur·rice·s et à l'équipe", "en": "facilitators and the team"},
        "unknown_command": {
            "fr": "Je ne connais pas la commande `{command}`. Voici ce que je sais faire :\n{commands}",
            "en": "I don't know the command `{command}`. Here is what I can do:\n{commands}",
        },
        "help_title": {"fr": "Bonjour, je suis le bot du SOGA 👋", "en": "Hello, I'm the SOGA bot 👋"},
        "help_body": {
            "fr": (
                "Je réponds à vos questions sur le Social Good Accelerator, ses projets, ses ressources "
                "et ses événements, avec mes sources. Écrivez-moi ici, mentionnez-moi dans un canal, "
                "ou utilisez une commande :"
            ),
            "en": (
                "I answer your questions about the Social Good Accelerator, its projects, resources "
                "and events, with my sources. Write to me here, mention me in a channel, or use a command:"
            ),
        },
        "home_intro": {
            "fr": "Le bot de la communauté du Social Good Accelerator : posez vos questions, suivez les cafés IA, gérez vos données.",
            "en": "The Social Good Accelerator community bot: ask questions, follow the AI cafés, manage your data.",
        },
    }
)

# (command, French description, English description), in the order members see them.
COMMANDS = [
    ("/ask", "poser une question sur le SOGA", "ask a question about SOGA"),
    ("/cafe", "les cafés IA : poser et voter pour des questions", "AI cafés: submit and upvote questions"),
    ("/privacy", "vos données : voir, exporter, effacer", "your data: see, export, erase"),
    ("/stats", "les chiffres de la communauté (équipe)", "community figures (staff)"),
    ("/digest", "le digest hebdomadaire (équipe)", "the weekly digest (staff)"),
]


def commands_list(lang: str) -> str:
    return "\n".join(f"• `{cmd}` : {fr if lang == 'fr' else en}" for cmd, fr, en in COMMANDS)
