"""The café's web pages: an unguessable token per café for the board and join page addresses,
whether web questions need approval, and the name a web participant may give.

Revision ID: 0012_cafe_web
Revises: 0011_question_arrivals
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012_cafe_web"
down_revision = "0011_question_arrivals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cafe_cafes") as batch:
        batch.add_column(sa.Column("web_token", sa.String(43), nullable=True))
        batch.add_column(sa.Column("web_approval_required", sa.Boolean, nullable=False, server_default=sa.true()))
    cafes = sa.table("cafe_cafes", sa.column("id", sa.Integer), sa.column("web_token", sa.String))
    connection = op.get_bind()
    for (cafe_id,) in connection.execute(sa.select(cafes.c.id)).all():
        connection.execute(cafes.update().where(cafes.c.id == cafe_id).values(web_token=secrets.token_urlsafe(24)))
    with op.batch_alter_table("cafe_cafes") as batch:
        batch.alter_column("web_token", existing_type=sa.String(43), nullable=False)
        batch.create_unique_constraint("uq_cafe_cafes_web_token", ["web_token"])
    with op.batch_alter_table("cafe_questions") as batch:
        batch.add_column(sa.Column("author_name", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cafe_questions") as batch:
        batch.drop_column("author_name")
    with op.batch_alter_table("cafe_cafes") as batch:
        batch.drop_constraint("uq_cafe_cafes_web_token", type_="unique")
        batch.drop_column("web_approval_required")
        batch.drop_column("web_token")
