"""Texts of the digest capability's Slack surfaces (the digest itself is in French)."""

from bot.core.i18n import Catalog

DIGEST = Catalog(
    {
        "preview_title": {"fr": "Digest de la semaine {week} : aperçu pour l'équipe", "en": "Digest of week {week}: staff preview"},
        "approve": {"fr": "Approuver et envoyer", "en": "Approve and send"},
        "edit_intro": {"fr": "Modifier l'intro", "en": "Edit the intro"},
        "skip": {"fr": "Ignorer cette semaine", "en": "Skip this week"},
        "retry": {"fr": "Réessayer l'envoi", "en": "Retry sending"},
        "modal_title": {"fr": "Intro du digest", "en": "Digest intro"},
        "modal_label": {"fr": "Texte d'introduction", "en": "Intro text"},
        "modal_submit": {"fr": "Enregistrer", "en": "Save"},
        "modal_cancel": {"fr": "Annuler", "en": "Cancel"},
        "state_draft": {"fr": "📝 Brouillon : en attente d'approbation.", "en": "📝 Draft: waiting for approval."},
        "state_approved": {"fr": "⏳ Approuvé par <@{user}>, envoi en cours.", "en": "⏳ Approved by <@{user}>, sending."},
        "state_scheduled": {"fr": "✅ Approuvé par <@{user}>. Campagne Mailchimp programmée pour le {when} (UTC).", "en": "✅ Approved by <@{user}>. Mailchimp campaign scheduled for {when} (UTC)."},
        "state_sent": {"fr": "✅ Approuvé par <@{user}> et envoyé.", "en": "✅ Approved by <@{user}> and sent."},
        "state_sent_outbox": {"fr": "✅ Approuvé par <@{user}>. Mailchimp n'est pas configuré : le digest a été écrit dans `{path}` (digest.html, digest.txt, digest.json).", "en": "✅ Approved by <@{user}>. Mailchimp is not configured: the digest was written to `{path}` (digest.html, digest.txt, digest.json)."},
        "state_skipped": {"fr": "⏭️ Ignoré cette semaine par <@{user}>.", "en": "⏭️ Skipped this week by <@{user}>."},
        "state_failed": {"fr": "⚠️ L'envoi a échoué après {attempts} tentatives. Rien n'est perdu : le digest reste approuvé, vous pouvez réessayer.", "en": "⚠️ Sending failed after {attempts} attempts. Nothing is lost: the digest stays approved and you can retry."},
        "campaign_link": {"fr": "Campagne : <{url}|voir dans Mailchimp>", "en": "Campaign: <{url}|see it in Mailchimp>"},
        "slack_link": {"fr": "Publié dans <#{channel}>", "en": "Posted in <#{channel}>"},
        "no_mailchimp_note": {"fr": "Mailchimp n'est pas configuré : à l'approbation, le digest sera écrit dans le dossier d'envoi (OUTBOX_DIR).", "en": "Mailchimp is not configured: on approval the digest will be written to the outbox folder (OUTBOX_DIR)."},
        "intro_by": {"fr": "Intro modifiée par <@{user}>.", "en": "Intro edited by <@{user}>."},
        "error_in_thread": {"fr": "⚠️ L'envoi du digest {week} n'a pas abouti : {error}. Le digest reste approuvé et n'a pas été envoyé ; je réessaie automatiquement vers {next} (UTC). Vous pouvez aussi réessayer maintenant.", "en": "⚠️ Sending the {week} digest did not go through: {error}. The digest stays approved and was not sent; I will retry automatically around {next} (UTC). You can also retry now."},
        "error_gave_up": {"fr": "⚠️ L'envoi du digest {week} a encore échoué : {error}. J'arrête les tentatives automatiques ; le bouton ci-dessous relance l'envoi.", "en": "⚠️ Sending the {week} digest failed again: {error}. I've stopped retrying automatically; the button below tries again."},
        "already_done": {"fr": "Ce digest est déjà {state} : rien n'a été renvoyé.", "en": "This digest is already {state}: nothing was sent again."},
        "cannot_edit": {"fr": "L'intro ne peut plus être modifiée : le digest est {state}.", "en": "The intro can no longer be edited: the digest is {state}."},
        "intro_empty": {"fr": "L'intro ne peut pas être vide.", "en": "The intro can't be empty."},
        "usage": {"fr": "Utilisation : `/digest preview`, `/digest send-now` ou `/digest status`.", "en": "Usage: `/digest preview`, `/digest send-now` or `/digest status`."},
        "posted_preview": {"fr": "L'aperçu du digest {week} est dans <#{channel}>.", "en": "The preview of the {week} digest is in <#{channel}>."},
        "no_staff_channel": {"fr": "STAFF_CHANNEL n'est pas configuré : voici l'aperçu ici.", "en": "STAFF_CHANNEL is not set: here is the preview."},
        "status_line": {"fr": "• {week} : {state}{extra}", "en": "• {week}: {state}{extra}"},
        "status_none": {"fr": "Aucun digest pour l'instant.", "en": "No digest yet."},
        "send_now_done": {"fr": "Digest {week} : {outcome}", "en": "Digest {week}: {outcome}"},
        "working": {"fr": "Je prépare le digest…", "en": "Preparing the digest…"},
    }
)

STATE_NAMES = {
    "fr": {"draft": "en brouillon", "approved": "approuvé (pas encore envoyé)", "scheduled": "programmé",
           "sent": "envoyé", "skipped": "ignoré", "failed": "en échec"},
    "en": {"draft": "a draft", "approved": "approved (not sent yet)", "scheduled": "scheduled",
           "sent": "sent", "skipped": "skipped", "failed": "failed"},
}
