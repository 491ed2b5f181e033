from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from bot.store.registry import metadata

# Any fixed 64-bit number, the same in every process: the key of the migrations' advisory lock.
MIGRATION_LOCK_KEY = 0x736F6761626F7431  # "sogabot1"

# What the migrations create outside the models, so that autogenerate and `alembic check` leave
# it alone (a casual `revision --autogenerate` would otherwise drop the search index):
# SQLite's FTS5 tables and the shadow tables FTS5 makes for them, PostgreSQL's generated
# tsvector column and its GIN index, and the job store APScheduler creates for itself.
NOT_IN_MODELS = {
    ("table", "apscheduler_jobs"),
    ("column", "tsv"),
    ("index", "ix_kb_chunks_tsv"),
}
FTS_TABLE_PREFIXES = ("kb_chunks_fts", "kb_chunks_vocab")


def include_object(obj, name, type_, reflected, compare_to):
    if not reflected:
        return True
    if (type_, name) in NOT_IN_MODELS:
        return False
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE_PREFIXES))


config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Processes that start together (a release phase and a web dyno, several containers)
        # each run the migrations: one at a time, the next finding the first's work done.
        # Taken before Alembic reads the current revision, held until this transaction ends.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        include_object=include_object,
        compare_server_default=True,
        # SQLite can't ALTER most things in place: batch mode rebuilds the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
