"""The daily retention purge, with a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, insert, select

from bot.privacy.retention import purge_expired, report
from bot.core.services import build_services
from bot.store.models import Member
from jobs.privacy import JOBS, purge_expired_data
from tests.bot.privacy.support import extra_tables
from tests.support import FakeClock


def _count(db, table) -> int:
    with db.engine.connect() as c:
        return c.execute(select(func.count()).select_from(table)).scalar_one()


def test_rows_go_exactly_when_they_pass_their_retention(db, settings, clock: FakeClock) -> None:
    now = clock()
    with extra_tables(db) as (schema, registry, t):
        with db.engine.begin() as c:
            c.execute(insert(schema.tables["members"]).values(
                user_id="U0A", role="member", is_bot=False, is_deleted=False, analytics_opt_out=False,
                created_at=now, updated_at=now))
            for age in (10, 182, 184, 400):
                c.execute(insert(t["qa_log"]).values(user_id="U0A", question=f"q{age}", asked_at=now - timedelta(days=age)))
            for age in (394, 396):
                c.execute(insert(t["activity"]).values(user_id="U0A", day=str(age), channel_id="C", messages=1,
                                                        day_start=now - timedelta(days=age)))

        purged = purge_expired(db, settings, now=now, registry=registry, metadata=schema)
        assert {table: n for table, n in purged.items() if n} == {"privacy_test_activity": 1, "privacy_test_qa_log": 2}
        assert "members" in purged
        with db.engine.connect() as c:
            assert sorted(c.execute(select(t["qa_log"].c.question)).scalars()) == ["q10", "q182"]
        # Idempotent: a second run on the same day purges nothing.
        assert sum(purge_expired(db, settings, now=now, registry=registry, metadata=schema).values()) == 0
        clock.advance(days=2)
        assert purge_expired(db, settings, now=clock(), registry=registry, metadata=schema)["privacy_test_activity"] == 1
        assert _count(db, t["activity"]) == 0


def test_retention_follows_the_settings(db, settings, clock: FakeClock) -> None:
    short = settings.model_copy(update={"retention_qa_days": 7})
    with extra_tables(db) as (schema, registry, t):
        with db.engine.begin() as c:
            c.execute(insert(t["qa_log"]).values(user_id="U0A", question="q", asked_at=clock() - timedelta(days=8)))
        assert purge_expired(db, settings, now=clock(), registry=registry, metadata=schema)["privacy_test_qa_log"] == 0
        assert purge_expired(db, short, now=clock(), registry=registry, metadata=schema)["privacy_test_qa_log"] == 1


def test_the_daily_job_erases_the_profile_of_members_who_left_long_ago(db, settings, clock: FakeClock) -> None:
    services = build_services(settings, db=db, clock=clock)
    try:
        with db.session() as session:
            for user_id, deleted, days in (("U0GONE", True, 400), ("U0RECENT", True, 30), ("U0HERE", False, 400)):
                session.add(Member(user_id=user_id, display_name=user_id.lower(), role="member", is_deleted=deleted,
                                   created_at=clock() - timedelta(days=800), updated_at=clock() - timedelta(days=days)))
        assert purge_expired_data(services)["members"] == 1
        with db.session() as session:
            ids = set(session.scalars(select(Member.user_id)))
        assert {"U0RECENT", "U0HERE"} < ids and "U0GONE" not in ids and len(ids) == 3
        assert purge_expired_data(services)["members"] == 0
    finally:
        services.executor.shutdown()
    assert [job.id for job in JOBS] == ["privacy_purge_expired"]
    assert JOBS[0].trigger(settings) == {"trigger": "cron", "hour": 3, "minute": 40}


def test_report_gives_rows_and_oldest_row_per_table(db, settings, clock: FakeClock) -> None:
    with db.session() as session:
        session.add(Member(user_id="U0A", role="member", created_at=clock() - timedelta(days=10), updated_at=clock()))
        session.add(Member(user_id="U0B", role="member", created_at=clock() - timedelta(days=3), updated_at=clock()))
    lines = {line.table: line for line in report(db, settings)}
    assert lines["members"].rows == 2
    assert lines["members"].age_days(clock()) == 10.0
    assert lines["processed_events"].rows == 0 and lines["processed_events"].oldest is None
    assert lines["privacy_erasure_log"].personal is False
