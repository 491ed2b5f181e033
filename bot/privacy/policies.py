"""What the bot stores about members, table by table: the one place to read and to extend.

To cover a new table, add a `REGISTRY.cover(TablePolicy(...))` (or `declare_not_personal`)
below; `tests/bot/privacy/test_coverage.py` fails until every table has a decision. Examples
for the tables the other capabilities are adding:

    REGISTRY.cover(TablePolicy(
        "growth_activity", member_columns=("user_id",), counts_as="activity_days",
        on_erase="pseudonymise",  # the figures for past periods stay the same
        retention=Retention(column="day_start", max_age=lambda s: timedelta(days=s.retention_activity_days)),
    ))
    REGISTRY.cover(TablePolicy(
        "kb_qa_log", member_columns=("user_id",), counts_as="questions", on_erase="delete",
        retention=Retention(column="asked_at", max_age=lambda s: timedelta(days=s.retention_qa_days)),
    ))
    REGISTRY.cover(TablePolicy(
        "cafe_questions", member_columns=("author_user_id",), counts_as="cafe_questions",
        on_erase="anonymise",  # the question stays for the debate, without its author
    ))
    REGISTRY.cover(TablePolicy("cafe_votes", member_columns=("user_id",), counts_as="cafe_votes", on_erase="delete"))
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select, update

from bot.privacy.policy import Kind, PolicyRegistry, Retention, TablePolicy

REGISTRY = PolicyRegistry()

# -- kinds, in the order members read them ------------------------------------------------------
REGISTRY.kind(Kind(
    "profile",
    label={"fr": "Champs de profil", "en": "Profile fields"},
    purpose={
        "fr": "Vous répondre dans votre langue et savoir qui fait partie de la communauté (nom affiché, langue, fuseau horaire, copiés de Slack).",
        "en": "To answer in your language and know who is in the community (display name, language, time zone, copied from Slack).",
    },
    retention={
        "fr": "Tant que vous êtes dans le Slack ; effacés {departed_months} mois après votre départ.",
        "en": "While you are in the Slack; erased {departed_months} months after you leave.",
    },
))
REGISTRY.kind(Kind(
    "activity_days",
    label={"fr": "Jours d'activité", "en": "Activity days"},
    purpose={
        "fr": "Les chiffres de la communauté (membres actifs, rétention) : des comptes par jour et par canal, jamais le texte de vos messages.",
        "en": "The community figures (active members, retention): counts per day and channel, never the text of your messages.",
    },
    retention={
        "fr": "{activity_months} mois pour le détail par jour ; ensuite seuls des totaux anonymes restent.",
        "en": "{activity_months} months for the daily detail; after that only anonymous totals remain.",
    },
))
REGISTRY.kind(Kind(
    "questions",
    label={"fr": "Questions posées au bot", "en": "Questions asked to the bot"},
    purpose={
        "fr": "Vous répondre, et repérer les questions restées sans bonne réponse pour compléter la base de connaissances.",
        "en": "To answer you, and to spot the questions without a good answer so the knowledge base can be completed.",
    },
    retention={"fr": "{qa_months} mois.", "en": "{qa_months} months."},
))
REGISTRY.kind(Kind(
    "feedback",
    label={"fr": "Avis 👍 / 👎 sur les réponses", "en": "👍 / 👎 feedback on answers"},
    purpose={"fr": "Améliorer les réponses du bot.", "en": "To improve the bot's answers."},
    retention={"fr": "{qa_months} mois, avec la question.", "en": "{qa_months} months, with the question."},
))
REGISTRY.kind(Kind(
    "cafe_questions",
    label={"fr": "Questions pour les cafés IA", "en": "AI café questions"},
    purpose={
        "fr": "Préparer le débat du café. Une question anonyme ne montre jamais son auteur·rice.",
        "en": "To prepare the café's debate. An anonymous question never shows its author.",
    },
    retention={
        "fr": "Avec les archives du café ; si vous effacez vos données, la question reste, sans auteur·rice.",
        "en": "With the café's archive; if you erase your data, the question stays, without its author.",
    },
))
REGISTRY.kind(Kind(
    "cafe_votes",
    label={"fr": "Votes pour les cafés IA", "en": "AI café votes"},
    purpose={"fr": "Classer les questions : un vote par personne.", "en": "To rank the questions: one vote per person."},
    retention={
        "fr": "Avec les archives du café ; supprimés si vous effacez vos données.",
        "en": "With the café's archive; removed if you erase your data.",
    },
))
REGISTRY.kind(Kind(
    "digest_mentions",
    label={"fr": "Mentions dans le digest", "en": "Digest mentions"},
    purpose={
        "fr": "Souhaiter la bienvenue aux nouveaux membres et mettre en avant les discussions de la semaine (canaux publics seulement ; jamais si vous ne voulez plus être suivi·e).",
        "en": "To welcome new members and highlight the week's discussions (public channels only; never once you opt out).",
    },
    retention={
        "fr": "Les extraits de messages sont supprimés {digest_after}.",
        "en": "Message excerpts are deleted {digest_after}.",
    },
))


def retention_values(settings: Any, lang: str) -> dict[str, Any]:
    """The values the kinds' retention texts refer to, from the settings actually in force."""

    def months(days: int) -> int:
        return max(1, round(days / 30.4))

    days = settings.retention_digest_excerpt_days
    if lang == "en":
        digest_after = "once the digest is sent" if days == 0 else f"{days} days after the digest is sent"
    else:
        digest_after = "dès l'envoi du digest" if days == 0 else f"{days} jours après l'envoi du digest"
    return {
        "activity_months": months(settings.retention_activity_days),
        "qa_months": months(settings.retention_qa_days),
        "departed_months": months(settings.retention_departed_member_days),
        "digest_after": digest_after,
    }


# -- core tables ----------------------------------------------------------------------------
PROFILE_FIELDS = ("display_name", "locale", "tz", "team_id")


def count_profile_fields(connection: Connection, table: Table, user_id: str) -> int:
    row = connection.execute(select(*(table.c[name] for name in PROFILE_FIELDS)).where(table.c.user_id == user_id)).first()
    return sum(1 for value in row if value not in (None, "")) if row else 0


def purge_departed_members(connection: Connection, table: Table, now: datetime, settings: Any) -> int:
    """Members who left Slack long ago lose their profile the way an erase does (see erase)."""
    from bot.privacy.rights import erase_in

    left_at = table.c["left_at"] if "left_at" in table.c else table.c.updated_at
    cutoff = now - timedelta(days=settings.retention_departed_member_days)
    departed = connection.execute(
        select(table.c.user_id).where(
            table.c.is_deleted.is_(True), left_at < cutoff, ~table.c.user_id.startswith("ERASED-")
        )
    ).scalars().all()
    for user_id in departed:
        erase_in(connection, user_id, now=now, via="retention")
    return len(departed)


REGISTRY.cover(TablePolicy(
    "members",
    member_columns=("user_id",),
    counts_as="profile",
    # The row stays under a random ERASED-… id with its dates, so member totals for past
    # periods don't move; the profile fields that say who it was are blanked.
    on_erase="pseudonymise",
    blank={name: None for name in PROFILE_FIELDS},
    count=count_profile_fields,
    retention=Retention(purge=purge_departed_members),
    age_column="created_at",
    note="profile copied from Slack; pseudonymised on erase so that past figures stay the same",
))


def forget_event_payloads(connection: Connection, table: Table, user_id: str, pseudonym: str, now: datetime) -> int:
    """Events being handled keep their raw body (it may name the member) until they are done.
    An erase drops those bodies: the event is then never replayed, and is marked failed."""
    mentions = table.c.payload.contains(user_id, autoescape=True)
    result = connection.execute(
        update(table).where(mentions).values(payload=None, status="failed", completed_at=now)
    )
    return result.rowcount or 0


REGISTRY.cover(TablePolicy(
    "processed_events",
    member_columns=(),
    on_erase="custom",
    erase=forget_event_payloads,
    export=False,
    age_column="claimed_at",
    note="Slack event ids; the raw body lives only while the event is handled; rows go after 7 days (jobs.core)",
))

REGISTRY.declare_not_personal(
    "privacy_erasure_log", "when erasures happened and how many rows they touched; no id, hash or pseudonym"
)
