from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.store.registry import metadata

config = context.config
engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        # SQLite can't ALTER most things in place: batch mode rebuilds the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
