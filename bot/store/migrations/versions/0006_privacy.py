"""Tables of the privacy capability: the erasure log (no personal data).

Revision ID: 0006_privacy
Revises: 0005_cafe
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0006_privacy"
down_revision = "0005_cafe"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_erasure_log",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("erased_at", UTCDateTime, nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("rows_deleted", sa.Integer, nullable=False),
        sa.Column("rows_anonymised", sa.Integer, nullable=False),
        sa.Column("tables", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_erasure_log"),
    )
    op.create_index("ix_privacy_erasure_log_erased_at", "privacy_erasure_log", ["erased_at"])


def downgrade() -> None:
    op.drop_index("ix_privacy_erasure_log_erased_at", table_name="privacy_erasure_log")
    op.drop_table("privacy_erasure_log")
