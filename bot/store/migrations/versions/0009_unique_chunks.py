"""A document's chunks are unique by position: two processes indexing the same changed file
at once could each delete its chunks and insert them again, leaving them doubled (#14, 3).
Doubles already there are removed first, keeping the oldest row of each place.

Revision ID: 0009_unique_chunks
Revises: 0008_work_queue
"""
from alembic import op

revision = "0009_unique_chunks"
down_revision = "0008_work_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM kb_chunks WHERE id NOT IN "
        "(SELECT min(id) FROM kb_chunks GROUP BY document_id, position)"
    )
    # A unique index rather than a constraint: SQLite adds one in place, where a constraint
    # means rebuilding the table (and losing the full-text triggers on it).
    op.create_index("uq_kb_chunks_document_position", "kb_chunks", ["document_id", "position"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_kb_chunks_document_position", table_name="kb_chunks")
