"""Fixtures shared by the whole suite.

Every test gets a migrated, empty database: SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set (then the same tests run against it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.console.slack_standin import SlackStandin
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.registry import metadata
from tests.support import BotHarness, FakeClock, make_settings, populate_workspace

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session; tests then start from a copy (SQLite) or a truncation (PostgreSQL)."""
    if TEST_DATABASE_URL:
        db = Database(TEST_DATABASE_URL)
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade(db)
        db.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return str(path)


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        db = Database(TEST_DATABASE_URL)
        tables = [t.name for t in metadata().sorted_tables]
        with db.engine.begin() as connection:
            existing = set(connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public'")).scalars())
            names = [f'"{t}"' for t in tables if t in existing] + (['"apscheduler_jobs"'] if "apscheduler_jobs" in existing else [])
            if names:
                connection.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        db.dispose()
        return TEST_DATABASE_URL
    path = tmp_path / "sogabot.db"
    shutil.copy(_migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    server = SlackStandin().start()
    populate_workspace(server)
    yield server
    server.stop()


@pytest.fixture
def settings(slack: SlackStandin, database_url: str, tmp_path: Path):
    return make_settings(slack, database_url, outbox_dir=tmp_path / "outbox")


@pytest.fixture
def bot(settings, db: Database, slack: SlackStandin, clock: FakeClock) -> Iterator[BotHarness]:
    harness = BotHarness(settings, db, slack, clock)
    yield harness
    harness.close()
