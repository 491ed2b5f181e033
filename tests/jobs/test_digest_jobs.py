"""The digest's jobs in the real scheduler: triggers from settings, and what happens to runs
missed while the process was down (the wall clock is frozen with time-machine)."""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED

from bot.digest.service import workflow_for
from bot.core.services import build_services
from jobs.digest import digest_trigger
from jobs.scheduler import list_jobs, make_scheduler, start_scheduler, sync_job_table
from tests.support import STAFF_CHANNEL, FakeClock, make_settings

PARIS = ZoneInfo("Europe/Paris")


def test_digest_trigger_from_settings(slack, database_url) -> None:
    assert digest_trigger(make_settings(slack, database_url)) == {
        "trigger": "cron", "day_of_week": "mon", "hour": 9, "minute": 0, "misfire_grace_time": 12 * 3600}
    moved = digest_trigger(make_settings(slack, database_url, digest_day="Friday", digest_time="16:30"))
    assert (moved["day_of_week"], moved["hour"], moved["minute"]) == ("fri", 16, 30)
    cron = digest_trigger(make_settings(slack, database_url, digest_cron="15 8 * * tue"))
    assert (cron["minute"], cron["hour"], cron["day_of_week"]) == ("15", "8", "tue")
    # Refused when the settings are read (tests/bot/core/test_settings.py has the messages).
    with pytest.raises(ValueError, match="(?i)digest_cron"):
        digest_trigger(make_settings(slack, database_url, digest_cron="every monday"))
    with pytest.raises(ValueError, match="(?i)digest_time"):
        digest_trigger(make_settings(slack, database_url, digest_time="25:00"))


def run_after_downtime(services, down_at: datetime, back_at: datetime, wait_for: str) -> list:
    """Store the job table at `down_at`, then start the scheduler at `back_at` and collect the
    job events until `wait_for` has one."""
    with time_machine.travel(down_at, tick=False):
        scheduler = make_scheduler(services)
        scheduler.start(paused=True)
        sync_job_table(scheduler, services.settings)
        scheduler.shutdown(wait=False)
    events: list = []
    seen = threading.Event()

    def listen(event) -> None:
        events.append(event)
        if event.job_id == wait_for:
            seen.set()

    with time_machine.travel(back_at, tick=False):
        scheduler = start_scheduler(services, background=True)
        assert scheduler is not None
        scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        scheduler.wakeup()
        assert seen.wait(20), "the job never ran nor was reported missed"
        scheduler.shutdown(wait=True)
    return events


@pytest.fixture
def services(slack, database_url, db, tmp_path):
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    services = build_services(make_settings(slack, database_url, outbox_dir=tmp_path / "outbox"), db=db, clock=clock)
    yield services
    services.executor.shutdown()


def test_a_digest_missed_within_the_grace_runs_once_when_the_bot_is_back(services, slack) -> None:
    events = run_after_downtime(services, datetime(2026, 11, 22, 20, 0, tzinfo=PARIS),
                                datetime(2026, 11, 23, 11, 0, tzinfo=PARIS), "digest_weekly")
    ran = [e for e in events if e.job_id == "digest_weekly"]
    assert [e.code for e in ran] == [EVENT_JOB_EXECUTED] and ran[0].retval == "2026-W47"
    assert workflow_for(services).get("2026-W47").state == "draft"
    assert len(slack.bot_messages(STAFF_CHANNEL)) == 1


def test_a_digest_missed_beyond_the_grace_is_skipped_not_run_late(services, slack) -> None:
    events = run_after_downtime(services, datetime(2026, 11, 22, 20, 0, tzinfo=PARIS),
                                datetime(2026, 11, 23, 23, 30, tzinfo=PARIS), "digest_weekly")
    assert [e.code for e in events if e.job_id == "digest_weekly"] == [EVENT_JOB_MISSED]
    assert workflow_for(services).get("2026-W47") is None and slack.bot_messages(STAFF_CHANNEL) == []
    lines = list_jobs(services)
    assert any(line.startswith("digest_weekly") and "2026-11-30T09:00:00+01:00" in line for line in lines)


def test_several_missed_runs_are_coalesced_into_one(services) -> None:
    # Down from 20:00 to 20:40: eight runs of the five-minute retry job were missed.
    events = run_after_downtime(services, datetime(2026, 11, 22, 20, 0, tzinfo=PARIS),
                                datetime(2026, 11, 22, 20, 40, tzinfo=PARIS), "digest_retry")
    assert [e.code for e in events if e.job_id == "digest_retry"] == [EVENT_JOB_EXECUTED]
    assert not [e for e in events if e.job_id == "digest_weekly"]


def test_jobs_list_shows_the_digest_jobs(services) -> None:
    with time_machine.travel(datetime(2026, 11, 24, 12, 1, tzinfo=PARIS), tick=False):
        lines = list_jobs(services)
    starts = {line.split()[0]: line for line in lines}
    assert "2026-11-30T09:00:00+01:00" in starts["digest_weekly"]
    assert "2026-11-24T12:05:00+01:00" in starts["digest_retry"]
    assert "2026-11-25T06:20:00+01:00" in starts["newsletter_report_sync"]
