"""The event ledger doubles as the work queue of a worker process (BACKGROUND_WORK=worker):
workers look for `queued` rows oldest first, and recovery for `processing` rows past their
lease. Both filter on status then order by time, which this index serves without walking the
week of finished rows kept for deduplication.

Revision ID: 0008_work_queue
Revises: 0007_growth_days
"""
from alembic import op

revision = "0008_work_queue"
down_revision = "0007_growth_days"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_events_status_claimed_at", "processed_events", ["status", "claimed_at"])


def downgrade() -> None:
    op.drop_index("ix_processed_events_status_claimed_at", table_name="processed_events")
