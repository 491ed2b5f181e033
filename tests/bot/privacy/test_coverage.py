"""Every table of the schema has a privacy decision, and every member column is covered."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

from bot.privacy.policies import REGISTRY
from bot.privacy.policy import TablePolicy, coverage_problems
from bot.store.registry import metadata


def _schema_plus(*extra: tuple[str, list[Column]]) -> MetaData:
    """The real schema, copied, with test tables added (the real metadata is left alone)."""
    copy = MetaData()
    for table in metadata().sorted_tables:
        table.to_metadata(copy)
    for name, columns in extra:
        Table(name, copy, Column("id", Integer, primary_key=True), *columns)
    return copy


def test_every_table_and_member_column_of_the_schema_is_covered() -> None:
    assert coverage_problems(metadata(), REGISTRY) == []


def test_a_new_table_with_a_user_id_and_no_policy_fails_the_check() -> None:
    schema = _schema_plus(("growth_fake_activity", [Column("user_id", String(32)), Column("day", String(10))]))
    problems = coverage_problems(schema, REGISTRY)
    assert "growth_fake_activity: no privacy decision (add a TablePolicy or declare it not personal)" in problems


def test_a_covered_table_with_an_extra_member_column_fails_the_check() -> None:
    schema = _schema_plus((
        "cafe_fake_questions",
        [Column("author_user_id", String(32)), Column("moderator_user_id", String(32)),
         Column("member_ref", String(32), ForeignKey("members.user_id"))],
    ))
    registry = REGISTRY.copy()
    registry.cover(TablePolicy("cafe_fake_questions", member_columns=("author_user_id",), on_erase="anonymise"))
    problems = coverage_problems(schema, registry)
    assert problems == [
        "cafe_fake_questions.moderator_user_id: holds a member id but no privacy policy covers it",
        "cafe_fake_questions.member_ref: holds a member id but no privacy policy covers it",
    ]


def test_a_table_declared_not_personal_passes_but_a_typo_in_a_policy_does_not() -> None:
    schema = _schema_plus(("kb_fake_chunks", [Column("body", String(200))]), ("kb_fake_log", [Column("user_id", String(32))]))
    registry = REGISTRY.copy()
    registry.declare_not_personal("kb_fake_chunks", "knowledge text written by staff, no member ids")
    registry.cover(TablePolicy("kb_fake_log", member_columns=("usr_id",), on_erase="delete"))
    assert coverage_problems(schema, registry) == [
        "kb_fake_log.usr_id: declared in the privacy registry but not in the table",
        "kb_fake_log.user_id: holds a member id but no privacy policy covers it",
    ]
