"""Who runs the scheduled jobs, and each job's last run and last error, for /healthz (#17).

Revision ID: 0010_scheduler_state
Revises: 0009_unique_chunks
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0010_scheduler_state"
down_revision = "0009_unique_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_state",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_ok_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_scheduler_state"),
    )


def downgrade() -> None:
    op.drop_table("scheduler_state")
