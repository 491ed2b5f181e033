"""The Q&A rate limit counts questions when they arrive, not when their answer is logged
(#14, 10): 30 questions sent at once got 20 LLM calls against a limit of 5 a minute.

Revision ID: 0011_question_arrivals
Revises: 0010_scheduler_state
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0011_question_arrivals"
down_revision = "0010_scheduler_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_question_arrivals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("arrived_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_question_arrivals"),
    )
    op.create_index("ix_kb_question_arrivals_user_arrived", "kb_question_arrivals", ["user_id", "arrived_at"])


def downgrade() -> None:
    op.drop_index("ix_kb_question_arrivals_user_arrived", table_name="kb_question_arrivals")
    op.drop_table("kb_question_arrivals")
