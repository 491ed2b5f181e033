"""Tables of the knowledge capability, and the full-text index on each backend.

Revision ID: 0002_knowledge
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

from bot.store.base import UTCDateTime

revision = "0002_knowledge"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("ref", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("created_by_user_id", sa.String(32), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("key", name="uq_kb_documents_key"),
    )
    op.create_table(
        "kb_chunks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="CASCADE",
                  name="fk_kb_chunks_document_id_kb_documents"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("heading", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("tokens", sa.Text, nullable=False),
        sa.Column("token_count", sa.Integer, nullable=False),
        sa.Column("embedding", sa.Text, nullable=True),
    )
    op.create_index("ix_kb_chunks_document_id", "kb_chunks", ["document_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE kb_chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED")
        op.execute("CREATE INDEX ix_kb_chunks_tsv ON kb_chunks USING GIN (tsv)")
    else:
        op.execute("CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(tokens, content='kb_chunks', content_rowid='id')")
        op.execute("CREATE VIRTUAL TABLE kb_chunks_vocab USING fts5vocab('kb_chunks_fts', 'row')")
        op.execute("""CREATE TRIGGER kb_chunks_ai AFTER INSERT ON kb_chunks BEGIN
            INSERT INTO kb_chunks_fts(rowid, tokens) VALUES (new.id, new.tokens); END""")
        op.execute("""CREATE TRIGGER kb_chunks_ad AFTER DELETE ON kb_chunks BEGIN
            INSERT INTO kb_chunks_fts(kb_chunks_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens); END""")
        op.execute("""CREATE TRIGGER kb_chunks_au AFTER UPDATE OF tokens ON kb_chunks BEGIN
            INSERT INTO kb_chunks_fts(kb_chunks_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens);
            INSERT INTO kb_chunks_fts(rowid, tokens) VALUES (new.id, new.tokens); END""")
    op.create_table(
        "kb_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), nullable=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("surface", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("reply_ts", sa.String(32), nullable=True),
        sa.Column("feedback", sa.String(8), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_kb_questions_user_id", "kb_questions", ["user_id"])
    op.create_index("ix_kb_questions_created_at", "kb_questions", ["created_at"])
    op.create_index("ix_kb_questions_thread", "kb_questions", ["channel_id", "thread_ts"])
    op.create_table(
        "kb_handoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("question_id", sa.Integer, sa.ForeignKey("kb_questions.id", ondelete="CASCADE",
                  name="fk_kb_handoffs_question_id_kb_questions"), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("member_channel_id", sa.String(32), nullable=False),
        sa.Column("member_thread_ts", sa.String(32), nullable=True),
        sa.Column("staff_channel_id", sa.String(32), nullable=False),
        sa.Column("staff_ts", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("question_id", name="uq_kb_handoffs_question_id"),
    )
    op.create_index("ix_kb_handoffs_staff", "kb_handoffs", ["staff_channel_id", "staff_ts"])
    op.create_table(
        "kb_channel_modes",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("set_by_user_id", sa.String(32), nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "kb_slack_cursors",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("latest_ts", sa.String(32), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kb_slack_cursors")
    op.drop_table("kb_channel_modes")
    op.drop_index("ix_kb_handoffs_staff", table_name="kb_handoffs")
    op.drop_table("kb_handoffs")
    op.drop_index("ix_kb_questions_thread", table_name="kb_questions")
    op.drop_index("ix_kb_questions_created_at", table_name="kb_questions")
    op.drop_index("ix_kb_questions_user_id", table_name="kb_questions")
    op.drop_table("kb_questions")
    if op.get_bind().dialect.name != "postgresql":
        for trigger in ("kb_chunks_ai", "kb_chunks_ad", "kb_chunks_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS kb_chunks_vocab")
        op.execute("DROP TABLE IF EXISTS kb_chunks_fts")
    op.drop_index("ix_kb_chunks_document_id", table_name="kb_chunks")
    op.drop_table("kb_chunks")
    op.drop_table("kb_documents")
