"""Tables of the growth capability: membership dates on members, activity counts, question threads.

Revision ID: 0003_growth
Revises: 0002_knowledge
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0003_growth"
down_revision = "0002_knowledge"
branch_labels = None
depends_on = None

MEMBER_COLUMNS = ("joined_at", "left_at", "first_active_at", "last_active_at", "welcome_sent_at")


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        for name in MEMBER_COLUMNS:
            batch.add_column(sa.Column(name, UTCDateTime, nullable=True))
    op.create_table(
        "growth_activity",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.Column("replies", sa.Integer, nullable=False),
        sa.Column("reactions", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("day", "user_id", "channel_id", name="pk_growth_activity"),
        # On SQLite the rows are then stored in day order: the windows are contiguous ranges.
        sqlite_with_rowid=False,
    )
    op.create_table(
        "growth_member_weeks",
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("week_start", "user_id", name="pk_growth_member_weeks"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "growth_member_months",
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("messages", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("month", "user_id", name="pk_growth_member_months"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "growth_questions",
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("asker_user_id", sa.String(32), nullable=False),
        sa.Column("asked_at", UTCDateTime, nullable=False),
        sa.Column("first_reply_at", UTCDateTime, nullable=True),
        sa.Column("in_help_channel", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "thread_ts", name="pk_growth_questions"),
    )
    op.create_index("ix_growth_questions_asked_at", "growth_questions", ["asked_at"])
    op.create_table(
        "growth_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_growth_state"),
    )


def downgrade() -> None:
    op.drop_table("growth_state")
    op.drop_index("ix_growth_questions_asked_at", table_name="growth_questions")
    op.drop_table("growth_questions")
    op.drop_table("growth_member_months")
    op.drop_table("growth_member_weeks")
    op.drop_table("growth_activity")
    with op.batch_alter_table("members") as batch:
        for name in reversed(MEMBER_COLUMNS):
            batch.drop_column(name)
