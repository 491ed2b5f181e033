"""Tables of the cafe capability (added by migration 0005_cafe)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime, utcnow

CAFE_STATUSES = ("open", "closed")
QUESTION_STATUSES = ("pending", "visible", "hidden", "answered", "merged", "withdrawn")


class Cafe(Base):
    """One "Café IAssos": when and where it happens, and whether its intake takes questions."""

    __tablename__ = "cafe_cafes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(500), default="")  # an address or an online link
    announce_channel: Mapped[str] = mapped_column(String(32))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    status: Mapped[str] = mapped_column(String(16), default="open")
    announcement_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    announcement_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by_user_id: Mapped[str] = mapped_column(String(32))
    # Themes are cached with the fingerprint of the questions they were made from, so the same
    # questions always give the same themes (even from an LLM).
    themes_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    themes_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The secret part of the board's and join page's addresses (/cafe/<web_token>/board):
    # whoever has the link may look and take part, nobody can guess it (migration 0009).
    web_token: Mapped[str] = mapped_column(String(43), unique=True)
    # Questions sent from the join page wait for a facilitator's approval (on by default).
    web_approval_required: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(Base):
    __tablename__ = "cafe_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe_cafes.id", ondelete="CASCADE"), index=True)
    # Kept even for anonymous questions (one-vote rules, privacy export/erase); never shown then.
    author_user_id: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Questions from the join page: the name the participant chose to give, if any. Their
    # author_user_id is "web:" and a random id of their browser, which names no one.
    author_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="visible")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cafe_questions.id"), nullable=True)
    theme: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Vote(Base):
    """One member's vote for one question; the unique constraint makes double votes impossible."""

    __tablename__ = "cafe_votes"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_cafe_votes_question_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("cafe_questions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(Base):
    """A message the bot owes a café's channel at `due_at`; `sent_at` makes sending idempotent."""

    __tablename__ = "cafe_reminders"
    __table_args__ = (UniqueConstraint("cafe_id", "kind", name="uq_cafe_reminders_cafe_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cafe_id: Mapped[int] = mapped_column(ForeignKey("cafe_cafes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # announce | closing | morning
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
