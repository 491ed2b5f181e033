"""Tables of the cafe capability.

Revision ID: 0005_cafe
Revises: 0004_digest
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_cafe"
down_revision = "0004_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
