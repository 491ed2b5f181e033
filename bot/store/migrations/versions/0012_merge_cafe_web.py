"""Joins the two migrations numbered 0009, written on two branches at once (the café's web
pages, and the knowledge chunks' uniqueness followed by 0010 and 0011): one head again.

Revision ID: 0012_merge_cafe_web
Revises: 0009_cafe_web, 0011_question_arrivals
"""

revision = "0012_merge_cafe_web"
down_revision = ("0009_cafe_web", "0011_question_arrivals")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
