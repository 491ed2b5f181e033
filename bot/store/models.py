"""Core tables. Each capability keeps its own models module and adds its tables by migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime, utcnow


class ProcessedEvent(Base):
    """Events API deliveries we have claimed, so a redelivery is handled once.

    The raw body is kept only while the event is being handled (so that a crash can't lose
    it) and is cleared once it is done.
    """

    __tablename__ = "processed_events"
    __table_args__ = (Index("ix_processed_events_status_claimed_at", "status", "claimed_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="processing")  # queued | processing | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)


class Member(Base):
    """A Slack user of the workspace, as the bot needs to know them."""

    __tablename__ = "members"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | facilitator | staff
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # "Ne plus être suivi·e": the member counts in the member total and nowhere else.
    analytics_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Growth (migration 0003_growth). joined_at is None when the member was there before the
    # bot's history begins; left_at is None for a member still here, or for a deleted member
    # whose leaving date is unknown (a deleted user in an export).
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    welcome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SchedulerState(Base):
    """What /healthz tells about the scheduled jobs, whichever process serves it: the row
    'scheduler' names the process running them, with its heartbeat; one row per job keeps its
    last run and its last error (jobs.keeper)."""

    __tablename__ = "scheduler_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
