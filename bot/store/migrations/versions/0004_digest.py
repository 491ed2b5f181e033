"""Tables of the digest capability.

Revision ID: 0004_digest
Revises: 0003_growth
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0004_digest"
down_revision = "0003_growth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_issues",
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("content_json", sa.Text, nullable=False),
        sa.Column("intro_edited_by_user_id", sa.String(32), nullable=True),
        sa.Column("approved_by_user_id", sa.String(32), nullable=True),
        sa.Column("preview_channel", sa.String(32), nullable=True),
        sa.Column("preview_ts", sa.String(32), nullable=True),
        sa.Column("campaign_id", sa.String(64), nullable=True),
        sa.Column("campaign_url", sa.String(512), nullable=True),
        sa.Column("scheduled_for", UTCDateTime, nullable=True),
        sa.Column("outbox_path", sa.String(512), nullable=True),
        sa.Column("slack_channel", sa.String(32), nullable=True),
        sa.Column("slack_ts", sa.String(32), nullable=True),
        sa.Column("publishing_since", UTCDateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("iso_week", name="pk_digest_issues"),
    )
    op.create_table(
        "digest_threads",
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sa.Column("reply_count", sa.Integer, nullable=False),
        sa.Column("reaction_count", sa.Integer, nullable=False),
        sa.Column("excerpt", sa.String(400), nullable=True),
        sa.PrimaryKeyConstraint("channel_id", "ts", name="pk_digest_threads"),
    )
    op.create_index("ix_digest_threads_iso_week", "digest_threads", ["iso_week"])
    op.create_table(
        "digest_links",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("shares", sa.Integer, nullable=False),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digest_links"),
        sa.UniqueConstraint("iso_week", "url", name="uq_digest_links_week_url"),
    )
    op.create_index("ix_digest_links_iso_week", "digest_links", ["iso_week"])
    op.create_table(
        "digest_posters",
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("iso_week", "user_id", name="pk_digest_posters"),
    )
    op.create_table(
        "newsletter_reports",
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=True),
        sa.Column("send_time", UTCDateTime, nullable=True),
        sa.Column("emails_sent", sa.Integer, nullable=False),
        sa.Column("open_rate", sa.Float, nullable=False),
        sa.Column("proxy_excluded_open_rate", sa.Float, nullable=True),
        sa.Column("click_rate", sa.Float, nullable=False),
        sa.Column("synced_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name="pk_newsletter_reports"),
    )
    op.create_index("ix_newsletter_reports_send_time", "newsletter_reports", ["send_time"])


def downgrade() -> None:
    op.drop_index("ix_newsletter_reports_send_time", table_name="newsletter_reports")
    op.drop_table("newsletter_reports")
    op.drop_table("digest_posters")
    op.drop_index("ix_digest_links_iso_week", table_name="digest_links")
    op.drop_table("digest_links")
    op.drop_index("ix_digest_threads_iso_week", table_name="digest_threads")
    op.drop_table("digest_threads")
    op.drop_table("digest_issues")
