"""Tables of the privacy capability.

Revision ID: 0006_privacy
Revises: 0005_cafe
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_privacy"
down_revision = "0005_cafe"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
