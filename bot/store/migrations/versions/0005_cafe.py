"""Tables of the cafe capability.

Revision ID: 0005_cafe
Revises: 0004_digest
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0005_cafe"
down_revision = "0004_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cafe_cafes",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("place", sa.String(500), nullable=False),
        sa.Column("announce_channel", sa.String(32), nullable=False),
        sa.Column("closes_at", UTCDateTime, nullable=False),
        sa.Column("approval_required", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("announcement_channel", sa.String(32), nullable=True),
        sa.Column("announcement_ts", sa.String(32), nullable=True),
        sa.Column("created_by_user_id", sa.String(32), nullable=False),
        sa.Column("themes_fingerprint", sa.String(64), nullable=True),
        sa.Column("themes_json", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cafe_cafes"),
    )
    op.create_table(
        "cafe_questions",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("cafe_id", sa.Integer, nullable=False),
        sa.Column("author_user_id", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("anonymous", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("merged_into_id", sa.Integer, nullable=True),
        sa.Column("theme", sa.String(80), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("edited_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cafe_questions"),
        sa.ForeignKeyConstraint(["cafe_id"], ["cafe_cafes.id"], name="fk_cafe_questions_cafe_id_cafe_cafes", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["cafe_questions.id"], name="fk_cafe_questions_merged_into_id_cafe_questions"),
    )
    op.create_index("ix_cafe_questions_cafe_id", "cafe_questions", ["cafe_id"])
    op.create_index("ix_cafe_questions_author_user_id", "cafe_questions", ["author_user_id"])
    op.create_table(
        "cafe_votes",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("question_id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cafe_votes"),
        sa.ForeignKeyConstraint(["question_id"], ["cafe_questions.id"], name="fk_cafe_votes_question_id_cafe_questions", ondelete="CASCADE"),
        sa.UniqueConstraint("question_id", "user_id", name="uq_cafe_votes_question_user"),
    )
    op.create_index("ix_cafe_votes_question_id", "cafe_votes", ["question_id"])
    op.create_index("ix_cafe_votes_user_id", "cafe_votes", ["user_id"])
    op.create_table(
        "cafe_reminders",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("cafe_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cafe_reminders"),
        sa.ForeignKeyConstraint(["cafe_id"], ["cafe_cafes.id"], name="fk_cafe_reminders_cafe_id_cafe_cafes", ondelete="CASCADE"),
        sa.UniqueConstraint("cafe_id", "kind", name="uq_cafe_reminders_cafe_kind"),
    )
    op.create_index("ix_cafe_reminders_cafe_id", "cafe_reminders", ["cafe_id"])
    op.create_index("ix_cafe_reminders_due_at", "cafe_reminders", ["due_at"])


def downgrade() -> None:
    op.drop_table("cafe_reminders")
    op.drop_table("cafe_votes")
    op.drop_table("cafe_questions")
    op.drop_table("cafe_cafes")
