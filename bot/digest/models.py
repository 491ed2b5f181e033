"""Tables of the digest capability (added by migration 0004_digest).

Retention: `digest_threads.excerpt` and `digest_links` hold words members wrote in public
channels. They are purged as soon as the digest of their ISO week is sent or skipped, and in any
case after DIGEST_EXCERPT_RETENTION_DAYS (see bot.digest.observe.purge_expired). What remains
is metadata: channel, ts, author id, reply and reaction counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.base import Base, UTCDateTime, utcnow

# The states of a week's digest. `approved` also means "approved, not sent yet" (a Mailchimp
# failure leaves it there, to be retried); `failed` means automatic retries gave up.
DRAFT, APPROVED, SCHEDULED, SENT, SKIPPED, FAILED = "draft", "approved", "scheduled", "sent", "skipped", "failed"
STATES = (DRAFT, APPROVED, SCHEDULED, SENT, SKIPPED, FAILED)


class DigestIssue(Base):
    """One digest per ISO week ("2026-W47"): the primary key is what makes it send once."""

    __tablename__ = "digest_issues"

    iso_week: Mapped[str] = mapped_column(String(8), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    # The digest content as staff previewed it (JSON of bot.digest.content.DigestContent),
    # so that what is approved is what is sent.
    content_json: Mapped[str] = mapped_column(Text)
    intro_edited_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    approved_by_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    preview_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    preview_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    campaign_url: Mapped[str | None] = mapped_column(String(512), nullable=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outbox_path: Mapped[str | None] = mapped_column(String(512), nullable=True)
    slack_channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    slack_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # A publication in progress: set by a conditional update, so only one worker publishes.
    publishing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DigestThread(Base):
    """A top-level message of a public channel: a candidate for the week's top threads."""

    __tablename__ = "digest_threads"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    iso_week: Mapped[str] = mapped_column(String(8), index=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    excerpt: Mapped[str | None] = mapped_column(String(400), nullable=True)


class DigestLink(Base):
    """A link shared in a public channel (purged with the excerpts)."""

    __tablename__ = "digest_links"
    __table_args__ = (UniqueConstraint("iso_week", "url", name="uq_digest_links_week_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iso_week: Mapped[str] = mapped_column(String(8), index=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    shares: Mapped[int] = mapped_column(Integer, default=1)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NewsletterReport(Base):
    """The figures of one sent Mailchimp campaign, synced daily from `reports`."""

    __tablename__ = "newsletter_reports"

    campaign_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(300), nullable=True)
    send_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    emails_sent: Mapped[int] = mapped_column(Integer, default=0)
    open_rate: Mapped[float] = mapped_column(Float, default=0.0)
    proxy_excluded_open_rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    click_rate: Mapped[float] = mapped_column(Float, default=0.0)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
