"""Texts of the café's web pages (board and join page), French first."""

from bot.core.i18n import Catalog

WEB = Catalog(
    {
        "board_title": {"fr": "Questions du café", "en": "Café questions"},
        "join_title": {"fr": "Posez votre question", "en": "Ask your question"},
        "join_cta": {"fr": "Posez vos questions et votez :", "en": "Ask and vote:"},
        "scan": {"fr": "Scannez pour poser une question et voter", "en": "Scan to ask a question and vote"},
        "count": {"fr": "{questions} question(s) · {votes} vote(s)", "en": "{questions} question(s) · {votes} vote(s)"},
        "votes": {"fr": "votes", "en": "votes"},
        "answered": {"fr": "traitée", "en": "answered"},
        "vote_one": {"fr": "vote", "en": "vote"},
        "more": {"fr": "… et {count} autre(s) question(s)", "en": "… and {count} more question(s)"},
        "empty": {"fr": "Pas encore de question : scannez le code et lancez-vous !", "en": "No question yet: scan the code and go first!"},
        "empty_join": {"fr": "Pas encore de question publiée.", "en": "No published question yet."},
        "closed_banner": {"fr": "La collecte des questions est close. Merci !", "en": "Questions are closed. Thank you!"},
        "closed_join": {
            "fr": "La collecte des questions pour ce café est close : on ne peut plus poser de question ni voter.",
            "en": "Questions for this café are closed: you can no longer ask or vote.",
        },
        "live": {"fr": "en direct", "en": "live"},
        "question_label": {"fr": "Votre question", "en": "Your question"},
        "name_label": {"fr": "Votre prénom (facultatif : sinon, votre question est anonyme)", "en": "Your name (optional: otherwise your question is anonymous)"},
        "send": {"fr": "Envoyer", "en": "Send"},
        "vote": {"fr": "Voter", "en": "Vote"},
        "voted": {"fr": "✓ Voté", "en": "✓ Voted"},
        "approved_title": {"fr": "Questions publiées", "en": "Published questions"},
        "sent_visible": {"fr": "Merci ! Votre question est publiée.", "en": "Thank you! Your question is published."},
        "sent_pending": {
            "fr": "Merci ! Votre question sera publiée après relecture par l'équipe d'animation.",
            "en": "Thank you! Your question will be published once the facilitators have read it.",
        },
        "already_voted": {
            "fr": "Vous avez déjà voté pour cette question : votre vote compte une fois. Vous pouvez le retirer si vous le souhaitez.",
            "en": "You already voted for this question: your vote counts once. You can withdraw it if you wish.",
        },
        "vote_counted": {"fr": "Votre vote est enregistré.", "en": "Your vote is counted."},
        "vote_withdrawn": {"fr": "Votre vote est retiré.", "en": "Your vote is withdrawn."},
        "similar": {
            "fr": "Une question proche existe déjà. Votez pour elle, ou envoyez la vôtre quand même :",
            "en": "A similar question already exists. Vote for it, or send yours anyway:",
        },
        "send_anyway": {"fr": "Envoyer la mienne quand même", "en": "Send mine anyway"},
        "your_question": {"fr": "Votre question :", "en": "Your question:"},
        "too_many": {
            "fr": "Beaucoup de demandes depuis votre réseau : patientez une minute puis réessayez (rien n'a été enregistré).",
            "en": "Many requests from your network: wait a minute and try again (nothing was saved).",
        },
        "expired": {
            "fr": "Ce formulaire a expiré : rechargez la page puis réessayez (rien n'a été enregistré).",
            "en": "This form has expired: reload the page and try again (nothing was saved).",
        },
        "not_found": {"fr": "Cette page n'existe pas.", "en": "This page does not exist."},
        "too_large": {"fr": "Ce formulaire est trop long.", "en": "This form is too long."},
        "back": {"fr": "Retour aux questions", "en": "Back to the questions"},
        "privacy": {
            "fr": "Nous gardons votre question, le prénom que vous donnez et vos votes (liés à un identifiant aléatoire de ce navigateur), jamais votre adresse IP.",
            "en": "We keep your question, the name you give and your votes (tied to a random id of this browser), never your IP address.",
        },
        "by": {"fr": "— {name}", "en": "— {name}"},
        "switch_lang": {"fr": "English", "en": "Français"},
    }
)
