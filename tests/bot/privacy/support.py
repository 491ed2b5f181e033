"""Stand-ins for the other capabilities' tables, covered the way their policies will be.

They live in a copy of the schema's metadata and are created on the test database for one
test, so the rights and the retention are exercised on every erase mode before those tables
are merged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Boolean, Column, ForeignKey, Integer, MetaData, String, Table, Text, func, select

from bot.privacy.policies import REGISTRY
from bot.privacy.policy import PolicyRegistry, Retention, TablePolicy
from bot.store.base import UTCDateTime
from bot.store.db import Database
from bot.store.registry import metadata


def build_schema() -> tuple[MetaData, PolicyRegistry, list[Table]]:
    schema = MetaData()
    for table in metadata().sorted_tables:
        table.to_metadata(schema)
    activity = Table(
        "privacy_test_activity", schema,
        Column("user_id", String(32), ForeignKey("members.user_id"), primary_key=True),
        Column("day", String(10), primary_key=True),
        Column("channel_id", String(32), primary_key=True),
        Column("messages", Integer, nullable=False),
        Column("day_start", UTCDateTime, nullable=False),
    )
    qa = Table(
        "privacy_test_qa_log", schema,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("user_id", String(32), nullable=False),
        Column("question", Text, nullable=False),
        Column("feedback", String(8), nullable=True),
        Column("asked_at", UTCDateTime, nullable=False),
    )
    questions = Table(
        "privacy_test_cafe_questions", schema,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("author_user_id", String(32), nullable=True),
        Column("text", Text, nullable=False),
        Column("anonymous", Boolean, nullable=False),
    )
    votes = Table(
        "privacy_test_cafe_votes", schema,
        Column("question_id", Integer, ForeignKey("privacy_test_cafe_questions.id"), primary_key=True),
        Column("user_id", String(32), primary_key=True),
    )
    registry = REGISTRY.copy()
    registry.cover(TablePolicy(
        "privacy_test_activity", member_columns=("user_id",), counts_as="activity_days", on_erase="pseudonymise",
        retention=Retention(column="day_start", max_age=lambda s: timedelta(days=s.retention_activity_days)),
    ))
    registry.cover(TablePolicy(
        "privacy_test_qa_log", member_columns=("user_id",), counts_as="questions", on_erase="delete",
        retention=Retention(column="asked_at", max_age=lambda s: timedelta(days=s.retention_qa_days)),
    ))
    registry.cover(TablePolicy(
        "privacy_test_cafe_questions", member_columns=("author_user_id",), counts_as="cafe_questions",
        on_erase="anonymise",
    ))
    registry.cover(TablePolicy("privacy_test_cafe_votes", member_columns=("user_id",), counts_as="cafe_votes", on_erase="delete"))
    return schema, registry, [activity, qa, questions, votes]


@contextmanager
def extra_tables(db: Database) -> Iterator[tuple[MetaData, PolicyRegistry, dict[str, Table]]]:
    schema, registry, tables = build_schema()
    with db.engine.begin() as connection:
        for table in tables:
            table.drop(connection, checkfirst=True)
        schema.create_all(connection, tables=tables)
    try:
        yield schema, registry, {t.name.removeprefix("privacy_test_"): t for t in tables}
    finally:
        with db.engine.begin() as connection:
            for table in reversed(tables):
                table.drop(connection, checkfirst=True)


def scan_for(db: Database, schema: MetaData | None, needle: str) -> list[str]:
    """Every string column of every table, read back from the database: where `needle` is."""
    found = []
    with db.engine.connect() as connection:
        for table in (schema or metadata()).sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String):
                    if connection.execute(select(func.count()).where(column.contains(needle))).scalar_one():
                        found.append(f"{table.name}.{column.name}")
    return found
