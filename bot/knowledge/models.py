"""Tables of the knowledge capability (added by migration 0002_knowledge).

The full-text index lives beside `kb_chunks`: an FTS5 table kept in sync by triggers on
SQLite, a generated tsvector column with a GIN index on PostgreSQL (both made by the migration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime, utcnow


class KbDocument(Base):
    __tablename__ = "kb_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)  # file:<path> | slack:<channel>/<ts>
    source: Mapped[str] = mapped_column(String(16))  # file | slack
    title: Mapped[str] = mapped_column(String(500))
    ref: Mapped[str] = mapped_column(String(1000))  # URL when known, else the file path
    kind: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(8), default="fr")
    content_hash: Mapped[str] = mapped_column(String(64))
    # Only documents without a file behind them (saved from Slack) keep their text here.
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbChunk(Base):
    __tablename__ = "kb_chunks"
    # One row per place in a document: a second indexer can't add a document's chunks twice.
    __table_args__ = (Index("uq_kb_chunks_document_position", "document_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("kb_documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    heading: Mapped[str] = mapped_column(Text)  # "Title › Section › Subsection"
    text: Mapped[str] = mapped_column(Text)
    tokens: Mapped[str] = mapped_column(Text)  # analysed heading + text (bot.knowledge.analysis)
    token_count: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of floats


class KbQuestion(Base):
    """A question the bot answered or declined: kept for feedback, follow-ups and the gaps list."""

    __tablename__ = "kb_questions"
    __table_args__ = (Index("ix_kb_questions_thread", "channel_id", "thread_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(8))
    surface: Mapped[str] = mapped_column(String(16))  # dm | mention | command | assistant | channel | thread
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reply_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    feedback: Mapped[str | None] = mapped_column(String(8), nullable=True)  # up | down
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class KbHandoff(Base):
    """A declined question passed to the staff channel; staff replies there go back to the member."""

    __tablename__ = "kb_handoffs"
    __table_args__ = (Index("ix_kb_handoffs_staff", "staff_channel_id", "staff_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("kb_questions.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(String(32))  # the member who asked
    member_channel_id: Mapped[str] = mapped_column(String(32))
    member_thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    staff_channel_id: Mapped[str] = mapped_column(String(32))
    staff_ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbChannelMode(Base):
    __tablename__ = "kb_channel_modes"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))  # mention | questions
    set_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbSlackCursor(Base):
    """How far each opt-in channel has been ingested (the newest message ts seen)."""

    __tablename__ = "kb_slack_cursors"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    latest_ts: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbQuestionArrival(Base):
    """When a member's question arrived, for the rate limit: counted on arrival, before any
    LLM call, so a burst can't get past it (#14, 10). Kept a day at most (privacy)."""

    __tablename__ = "kb_question_arrivals"
    __table_args__ = (Index("ix_kb_question_arrivals_user_arrived", "user_id", "arrived_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(32))
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime)
