"""Tables of the digest capability.

Revision ID: 0004_digest
Revises: 0003_growth
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_digest"
down_revision = "0003_growth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
