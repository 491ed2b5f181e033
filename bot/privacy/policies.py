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

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select, update

from bot.privacy.erasure import ERASED_PREFIX, erase_in
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

    days = settings.digest_excerpt_retention_days
    if lang == "en":
        digest_after = f"once the week's digest is sent, and after {days} days at most"
    else:
        digest_after = f"dès l'envoi du digest de la semaine, et au plus tard après {days} jours"
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
    # A deleted member whose leaving date is unknown (e.g. from a Slack export) ages from their
    # last profile update.
    left_at = func.coalesce(table.c["left_at"], table.c.updated_at) if "left_at" in table.c else table.c.updated_at
    cutoff = now - timedelta(days=settings.retention_departed_member_days)
    departed = connection.execute(
        select(table.c.user_id).where(
            table.c.is_deleted.is_(True), left_at < cutoff, ~table.c.user_id.startswith(ERASED_PREFIX)
        )
    ).scalars().all()
    for user_id in departed:
        erase_in(connection, user_id, now=now, via="retention", registry=REGISTRY)
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


def _author_of(payload: str) -> str | None:
    """Who sent a stored request: an event's `user`, a button's or modal's `user.id`, a
    command's `user_id` (a lazy item wraps the request's body, JSON or form-encoded)."""
    from urllib.parse import parse_qs

    try:
        item = json.loads(payload)
    except ValueError:
        return None
    body = item.get("body", item) if isinstance(item, dict) and "lazy" in item else item
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            fields = parse_qs(body)
            if "payload" in fields:
                return _author_of(fields["payload"][0])
            return (fields.get("user_id") or [None])[0]
    if not isinstance(body, dict):
        return None
    event = body.get("event")
    if not isinstance(event, dict):
        event = {}
    user = body.get("user")
    return event.get("user") or (user.get("id") if isinstance(user, dict) else user) or body.get("user_id")


def forget_event_payloads(connection: Connection, table: Table, user_id: str, pseudonym: str, now: datetime) -> int:
    """Events being handled keep their raw body (it may name the member) until they are done.
    The member's own requests are dropped (never replayed, marked failed); other members'
    requests that merely mention them still run, with the pseudonym in place of the id (the
    erase's text scrub rewrites them)."""
    rows = connection.execute(
        select(table.c.event_id, table.c.payload).where(table.c.payload.contains(user_id, autoescape=True))
    ).all()
    theirs = [event_id for event_id, payload in rows if _author_of(payload) == user_id]
    if theirs:
        connection.execute(update(table).where(table.c.event_id.in_(theirs)).values(payload=None, status="failed", completed_at=now))
    return len(theirs)


REGISTRY.cover(TablePolicy(
    "processed_events",
    member_columns=(),
    on_erase="custom",
    erase=forget_event_payloads,
    export=False,
    age_column="claimed_at",
    note="Slack event ids; the raw body (or a command's or button's, queued for the worker) lives only while it is handled; rows go after 7 days (jobs.core)",
))

REGISTRY.declare_not_personal(
    "scheduler_state", "which process runs the scheduled jobs, and each job's last run and error (jobs.keeper); no member id"
)
REGISTRY.declare_not_personal(
    "privacy_erasure_log", "when erasures happened and how many rows they touched; no id, hash or pseudonym"
)


# -- growth (bot/growth) ------------------------------------------------------------------------
def _activity_age(settings: Any) -> timedelta:
    return timedelta(days=settings.retention_activity_days)


# Counts and dates only, never message text. Erased members are pseudonymised (the same ERASED-…
# id as their members row), so the figures of past periods stay the same.
REGISTRY.cover(TablePolicy(
    "growth_activity", member_columns=("user_id",), counts_as="activity_days", on_erase="pseudonymise",
    retention=Retention(column="day", max_age=_activity_age),
    note="messages, replies and reactions counted per member, day and channel",
))
# The weekly and monthly counts are the aggregates the figures need once the daily rows are
# purged (weekly actives, cohorts), so they have no age limit: they go with the member, who is
# pseudonymised on erase or RETENTION_DEPARTED_MEMBER_DAYS after leaving.
REGISTRY.cover(TablePolicy(
    "growth_member_weeks", member_columns=("user_id",), on_erase="pseudonymise", age_column="week_start",
    note="weekly message counts per member, derived from growth_activity (weekly actives); kept for the figures",
))
REGISTRY.cover(TablePolicy(
    "growth_member_months", member_columns=("user_id",), on_erase="pseudonymise", age_column="month",
    note="monthly message counts per member, derived from growth_activity (join cohorts); kept for the figures",
))
REGISTRY.cover(TablePolicy(
    "growth_questions", member_columns=("asker_user_id",), on_erase="pseudonymise",
    retention=Retention(column="asked_at", max_age=_activity_age),
    note="when a question was asked in a channel and first answered (median first response); no text",
))
REGISTRY.declare_not_personal(
    "growth_weeks", "how many members posted in each ISO week (a count kept for the weekly actives; no member id)"
)
REGISTRY.declare_not_personal("growth_state", "small facts of the growth capability, e.g. when the member list was first read")
REGISTRY.declare_not_personal("growth_channels", "channel ids, names and kinds (public or private), from an export or from Slack")


# -- knowledge and Q&A (bot/knowledge) ----------------------------------------------------------
def _qa_age(settings: Any) -> timedelta:
    return timedelta(days=settings.retention_qa_days)


def count_feedback(connection: Connection, table: Table, user_id: str) -> int:
    return connection.execute(
        select(func.count()).select_from(table).where(table.c.user_id == user_id, table.c.feedback.is_not(None))
    ).scalar_one()


REGISTRY.cover(TablePolicy(
    "kb_questions",
    member_columns=("user_id",),
    counts_as="questions",
    extra_counts={"feedback": count_feedback},
    on_erase="delete",
    retention=Retention(column="created_at", max_age=_qa_age),
    note="the question, the answer given and its 👍/👎, to answer and to find the gaps",
))
REGISTRY.cover(TablePolicy(
    "kb_handoffs",
    member_columns=("user_id",),
    on_erase="delete",
    retention=Retention(column="created_at", max_age=_qa_age),
    note="where a declined question was handed to the team, to relay the team's reply",
))
REGISTRY.cover(TablePolicy(
    "kb_documents",
    member_columns=("created_by_user_id",),
    # Knowledge a member contributed stays (the one exception); the link to them goes.
    on_erase="anonymise",
    note="knowledge documents; staff-saved Slack answers remember who saved them",
))
REGISTRY.cover(TablePolicy(
    "kb_channel_modes", member_columns=("set_by_user_id",), on_erase="anonymise",
    note="which staff member set a channel's answering mode",
))
REGISTRY.cover(TablePolicy(
    "kb_question_arrivals",
    member_columns=("user_id",),
    on_erase="delete",
    export=False,
    retention=Retention(column="arrived_at", max_age=lambda _settings: timedelta(days=1)),
    note="when a member's questions arrived, for the rate limit of 5 a minute; no text",
))
REGISTRY.declare_not_personal("kb_chunks", "passages of the knowledge documents, indexed for search")
REGISTRY.declare_not_personal("kb_slack_cursors", "how far each opt-in channel was read: channel ids and timestamps")


# -- weekly digest (bot/digest) -----------------------------------------------------------------
def _excerpt_age(settings: Any) -> timedelta:
    return timedelta(days=settings.digest_excerpt_retention_days)


def _digest_mentions(content: dict[str, Any], user_id: str) -> int:
    return sum(1 for key in ("new_members", "threads") for item in content.get(key) or [] if item.get("user_id") == user_id)


def count_digest_mentions(connection: Connection, table: Table, user_id: str) -> int:
    rows = connection.execute(select(table.c.content_json).where(table.c.content_json.contains(user_id, autoescape=True)))
    return sum(_digest_mentions(json.loads(content), user_id) for (content,) in rows if content)


def erase_from_digests(connection: Connection, table: Table, user_id: str, pseudonym: str, now: datetime) -> int:
    """Past digests drop the member from their welcome list and top threads; the staff
    columns forget who approved or edited them."""
    changed = 0
    for column in ("approved_by_user_id", "intro_edited_by_user_id"):
        changed += connection.execute(update(table).where(table.c[column] == user_id).values({column: None})).rowcount or 0
    rows = connection.execute(
        select(table.c.iso_week, table.c.content_json).where(table.c.content_json.contains(user_id, autoescape=True))
    ).all()
    for iso_week, content_json in rows:
        content = json.loads(content_json)
        for key in ("new_members", "threads"):
            content[key] = [item for item in content.get(key) or [] if item.get("user_id") != user_id]
        scrubbed = json.dumps(content, ensure_ascii=False).replace(user_id, pseudonym)
        connection.execute(update(table).where(table.c.iso_week == iso_week).values(content_json=scrubbed))
        changed += 1
    return changed


def digests_about(connection: Connection, table: Table, user_id: str):
    """The digests the member approved or edited, and those that name them (welcomed, author of
    a thread, by their id) or quote them (`@name` in an excerpt)."""
    from sqlalchemy import or_

    members = table.metadata.tables.get("members")
    name = connection.execute(select(members.c.display_name).where(members.c.user_id == user_id)).scalar() if members is not None else None
    mentions = [table.c.content_json.contains(user_id, autoescape=True)]
    if name:
        mentions.append(table.c.content_json.contains("@" + name, autoescape=True))
    return or_(table.c.approved_by_user_id == user_id, table.c.intro_edited_by_user_id == user_id, *mentions)


REGISTRY.cover(TablePolicy(
    "digest_issues",
    member_columns=("approved_by_user_id", "intro_edited_by_user_id"),
    counts_as=None,
    extra_counts={"digest_mentions": count_digest_mentions},
    on_erase="custom",
    erase=erase_from_digests,
    export_where=digests_about,
    note="each week's digest as built: new members welcomed by name, top threads; who approved it",
))
REGISTRY.cover(TablePolicy(
    "digest_threads",
    member_columns=("user_id",),
    counts_as="digest_mentions",
    on_erase="delete",
    retention=Retention(column="posted_at", max_age=_excerpt_age),
    note="candidate threads from public channels with a short excerpt; purged once the digest is sent",
))
REGISTRY.cover(TablePolicy(
    "digest_links",
    member_columns=("user_id",),
    counts_as="digest_mentions",
    on_erase="delete",
    retention=Retention(column="posted_at", max_age=_excerpt_age),
    note="links shared in public channels; purged once the digest is sent",
))
REGISTRY.declare_not_personal("newsletter_reports", "Mailchimp campaign totals: emails sent, open and click rates")


# -- AI café intake (bot/cafe) --------------------------------------------------------------------
REGISTRY.cover(TablePolicy(
    "cafe_questions",
    member_columns=("author_user_id",),
    counts_as="cafe_questions",
    # The question stays for the debate; its author becomes a random id that names no one.
    on_erase="pseudonymise",
    note="questions submitted for a café, with their author (never shown when anonymous)",
))
REGISTRY.cover(TablePolicy(
    "cafe_votes", member_columns=("user_id",), counts_as="cafe_votes", on_erase="delete",
    note="one vote per member per question",
))
REGISTRY.cover(TablePolicy(
    "cafe_cafes", member_columns=("created_by_user_id",), on_erase="pseudonymise",
    note="cafés and the facilitator who opened them",
))
REGISTRY.declare_not_personal("cafe_reminders", "when each café's reminders are due and were sent")
