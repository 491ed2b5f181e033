"""Growth: channel names (from an export's channels.json and groups.json, or from Slack), so
imported channels are shown by name and the offline CLI needs no Slack call. The digest's own
list of who posted each week (digest_posters) goes: its actives now come from growth, as
`/stats` counts them.

Revision ID: 0013_growth_channels
Revises: 0012_cafe_web
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_growth_channels"
down_revision = "0012_cafe_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "growth_channels",
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="public"),
        sa.PrimaryKeyConstraint("channel_id", name="pk_growth_channels"),
    )
    op.drop_table("digest_posters")


def downgrade() -> None:
    op.create_table(
        "digest_posters",
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("iso_week", "user_id", name="pk_digest_posters"),
    )
    op.drop_table("growth_channels")
