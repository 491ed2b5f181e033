"""Tables of the growth capability (added by migrations 0003_growth and 0007_growth_days).

Counts and timestamps only: no message text is ever stored. Days are calendar days in
BOT_TIMEZONE. `week_start` (the ISO week's Monday) and `month` (its first day) are kept next to
the day so that the rollups can be rebuilt with plain, portable SQL.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime


class Activity(Base):
    """What one member did in one channel on one day."""

    __tablename__ = "growth_activity"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    messages: Mapped[int] = mapped_column(Integer, default=0)  # top-level posts and thread replies
    replies: Mapped[int] = mapped_column(Integer, default=0)  # of which thread replies
    reactions: Mapped[int] = mapped_column(Integer, default=0)

    # No index on user_id: SQLite would prefer it to the day range for per-member windows.
    __table_args__ = {"sqlite_with_rowid": False}


class MemberWeek(Base):
    """Rollup: messages of a member in an ISO week (only weeks with at least one message)."""

    __tablename__ = "growth_member_weeks"
    __table_args__ = (Index("ix_growth_member_weeks_user", "user_id", "week_start"), {"sqlite_with_rowid": False})

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)


class MemberMonth(Base):
    """Rollup: messages of a member in a calendar month, and on which days of it (the join
    cohorts, and the per-member 90-day figures: levels, at risk, actives)."""

    __tablename__ = "growth_member_months"
    __table_args__ = (Index("ix_growth_member_months_user", "user_id", "month"), {"sqlite_with_rowid": False})

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    # Bit n-1 is set when the member posted on day n of the month (31 bits: fits a signed INTEGER).
    # The server default is migration 0007's, which filled the rows that existed then.
    days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Week(Base):
    """How many members have a growth_member_weeks row for an ISO week (posted in it), kept in
    step with that table at ingestion and rebuilt with it on import. The weekly actives subtract
    the rows of members who no longer count (bots, opted out) at read time."""

    __tablename__ = "growth_weeks"

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)


class Question(Base):
    """A top-level message that asks something, and when another human first answered in its thread."""

    __tablename__ = "growth_questions"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    thread_ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    asker_user_id: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    in_help_channel: Mapped[bool] = mapped_column(Boolean, default=False)


class GrowthState(Base):
    """Small facts the capability remembers, e.g. when the member list was first taken in."""

    __tablename__ = "growth_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class Channel(Base):
    """A channel's name as the bot last learned it (an export's listing, or Slack itself), so
    figures and the digest can name a channel without asking Slack (migration 0009)."""

    __tablename__ = "growth_channels"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="public", server_default="public")  # public | private
