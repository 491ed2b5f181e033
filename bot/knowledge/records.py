"""What the Q&A remembers: questions and answers (for feedback, follow-ups and gaps), hand-offs
to staff, channel modes and the per-member rate limit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, text

from bot.knowledge.answer import Answer
from bot.knowledge.query import small_talk
from bot.knowledge.models import KbChannelMode, KbHandoff, KbQuestion, KbQuestionArrival
from bot.store.db import Database

RATE_LIMIT_QUESTIONS = 5
RATE_LIMIT_WINDOW = timedelta(minutes=1)
MODE_MENTION = "mention"
MODE_QUESTIONS = "questions"


# A staff reply in a hand-off thread goes to the member only when it says so ("membre : …");
# anything else in the thread is a note between staff.
_FOR_MEMBER = re.compile(r"^\s*(?:membre|member)\s*:\s*", re.IGNORECASE)


def reply_for_member(text: str) -> str | None:
    """The text to relay to the member, without its "membre :" prefix; None for an internal note."""
    match = _FOR_MEMBER.match(text or "")
    return text[match.end():].strip() or None if match else None


def log_question(
    db: Database, answer: Answer, *, user_id: str | None, surface: str, channel_id: str | None,
    thread_ts: str | None, now: datetime,
) -> int:
    with db.session() as session:
        row = KbQuestion(
            user_id=user_id, question=answer.question, answer=answer.text, answered=answer.answered,
            language=answer.language, surface=surface, channel_id=channel_id, thread_ts=thread_ts, created_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def set_reply_ts(db: Database, question_id: int, reply_ts: str | None) -> None:
    with db.session() as session:
        row = session.get(KbQuestion, question_id)
        if row is not None:
            row.reply_ts = reply_ts


def is_answered_thread(db: Database, channel_id: str, thread_ts: str) -> bool:
    """True when the bot answered a question in this thread (so follow-ups need no mention)."""
    with db.session() as session:
        return session.scalar(
            select(func.count(KbQuestion.id)).where(KbQuestion.channel_id == channel_id, KbQuestion.thread_ts == thread_ts)
        ) > 0


def latest_questions(db: Database, *, user_id: str, channel_id: str, surface: str, since: datetime,
                     limit: int = 3) -> list[KbQuestion]:
    """The member's latest questions on this surface of this channel since `since`, oldest
    first (a DM's conversation has no threads: the questions before are its context)."""
    with db.session() as session:
        rows = session.scalars(
            select(KbQuestion).where(KbQuestion.user_id == user_id, KbQuestion.channel_id == channel_id,
                                     KbQuestion.surface == surface, KbQuestion.created_at >= since)
            .order_by(KbQuestion.created_at.desc(), KbQuestion.id.desc()).limit(limit)
        ).all()
    return list(reversed(rows))


def question(db: Database, question_id: int) -> KbQuestion | None:
    with db.session() as session:
        return session.get(KbQuestion, question_id)


def record_feedback(db: Database, question_id: int, user_id: str, value: str) -> bool:
    """Only the member who asked rates the answer; False otherwise."""
    with db.session() as session:
        row = session.get(KbQuestion, question_id)
        if row is None or (row.user_id and row.user_id != user_id):
            return False
        row.feedback = value
        return True


# Transaction advisory locks in their own namespace (two-int form): one member's admissions
# queue one behind the other, other members' don't wait. SQLite: BEGIN IMMEDIATE already is.
RATE_LOCK_NAMESPACE = 0x50_6A_0E


def admit_question(db: Database, user_id: str, now: datetime) -> bool:
    """Count a question on arrival; False when the member is over the limit. Atomic: of 30
    questions at once, exactly RATE_LIMIT_QUESTIONS are admitted (a count of answers logged
    afterwards let the whole burst through to the LLM)."""
    table = KbQuestionArrival.__table__
    with db.session() as session:
        if not db.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:user_id))"),
                            {"namespace": RATE_LOCK_NAMESPACE, "user_id": user_id})
        session.execute(delete(table).where(table.c.user_id == user_id, table.c.arrived_at <= now - RATE_LIMIT_WINDOW))
        recent = session.scalar(select(func.count()).select_from(table).where(table.c.user_id == user_id))
        if recent >= RATE_LIMIT_QUESTIONS:
            return False
        session.execute(insert(table).values(user_id=user_id, arrived_at=now))
        return True


@dataclass
class Gap:
    question_id: int
    question: str
    reason: str  # declined | downvoted
    asked_at: datetime


def recent_gaps(db: Database, since: datetime, limit: int = 50) -> list[Gap]:
    """Questions declined or rated 👎 since `since`, newest first: what the knowledge lacks."""
    with db.session() as session:
        rows = session.scalars(
            select(KbQuestion)
            .where(KbQuestion.created_at >= since, or_(KbQuestion.answered.is_(False), KbQuestion.feedback == "down"))
            .order_by(KbQuestion.created_at.desc(), KbQuestion.id.desc())
            .limit(limit)
        ).all()
    return [Gap(r.id, r.question, "declined" if not r.answered else "downvoted", r.created_at) for r in rows]


def record_handoff(
    db: Database, question_id: int, *, user_id: str, member_channel_id: str, member_thread_ts: str | None,
    staff_channel_id: str, staff_ts: str, now: datetime,
) -> None:
    with db.session() as session:
        session.add(KbHandoff(
            question_id=question_id, user_id=user_id, member_channel_id=member_channel_id, member_thread_ts=member_thread_ts,
            staff_channel_id=staff_channel_id, staff_ts=staff_ts, created_at=now,
        ))


def handoff_exists(db: Database, question_id: int) -> bool:
    with db.session() as session:
        return session.scalar(select(func.count(KbHandoff.id)).where(KbHandoff.question_id == question_id)) > 0


def handoff_for_staff_thread(db: Database, staff_channel_id: str, staff_ts: str) -> KbHandoff | None:
    with db.session() as session:
        return session.scalar(
            select(KbHandoff).where(KbHandoff.staff_channel_id == staff_channel_id, KbHandoff.staff_ts == staff_ts)
        )


def channel_mode(db: Database, channel_id: str) -> str:
    with db.session() as session:
        row = session.get(KbChannelMode, channel_id)
        return row.mode if row else MODE_MENTION


def set_channel_mode(db: Database, channel_id: str, mode: str, user_id: str, now: datetime) -> None:
    if mode not in (MODE_MENTION, MODE_QUESTIONS):
        raise ValueError(mode)
    with db.session() as session:
        row = session.get(KbChannelMode, channel_id)
        if row is None:
            row = KbChannelMode(channel_id=channel_id)
            session.add(row)
        row.mode, row.set_by_user_id, row.updated_at = mode, user_id, now


def looks_like_question(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) < 8:
        return False
    first = stripped.split()[0].lower().strip("¿,")
    starters = {"qui", "quoi", "quel", "quelle", "quels", "quelles", "comment", "pourquoi", "combien", "quand", "où",
                "est-ce", "who", "what", "when", "where", "why", "how", "which", "is", "are", "does", "do", "can"}
    return stripped.endswith("?") or first in starters


def is_small_talk(text: str) -> bool:
    """Greetings and "help" (or nothing but emoji): the core's help message answers them better
    than the knowledge. Thanks are answered in kind by the Q&A."""
    return not re.findall(r"\w+", text) or small_talk(text) == "greeting"
