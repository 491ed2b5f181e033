"""Right from the first minute: on start, the process that runs the scheduler reads the member
list once when no reconciliation ever did, and `sogabot growth sync` reads it on demand."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bot.cli.main import main
from bot.core.services import Services, build_services
from bot.growth.stats import compute_stats
from bot.knowledge.service import KnowledgeBase
from bot.store.db import Database
from bot.store.models import SchedulerState
import jobs.growth
from jobs.growth import first_member_sync
from jobs.keeper import SchedulerKeeper
from tests.support import FakeClock, make_settings

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2026, 11, 23)
POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def _users_list_calls(slack) -> int:
    return sum(1 for c in slack.calls if c.path.endswith("users.list"))


def _people(slack) -> int:
    return sum(1 for u in slack.ws.users.values() if not u.get("is_bot") and not u.get("deleted"))


class IndexWatch(KnowledgeBase):
    """The real knowledge base, noting how many users.list calls Slack had seen when its index was built."""

    def __init__(self, db: Database, slack, clock) -> None:
        super().__init__(db, clock=clock)
        self.slack = slack
        self.users_list_calls_when_indexed: int | None = None

    def reindex(self):
        report = super().reindex()
        self.users_list_calls_when_indexed = _users_list_calls(self.slack)
        return report


@pytest.fixture
def processes(slack, database_url, tmp_path, monkeypatch) -> Iterator:
    """Services as separate processes have them (each its own connections), and their keepers.
    The first sync runs half a second after a scheduler starts rather than 20 s."""
    monkeypatch.setattr(jobs.growth, "FIRST_SYNC_DELAY_SECONDS", 0.5)
    made: list[tuple[Services, SchedulerKeeper]] = []

    def start(role: str = "worker") -> tuple[Services, SchedulerKeeper]:
        clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
        services = build_services(make_settings(slack, database_url, outbox_dir=tmp_path / "outbox"),
                                  db=Database(database_url), clock=clock)
        services.extras["knowledge"] = IndexWatch(services.db, slack, clock)
        keeper = SchedulerKeeper(services, role)
        made.append((services, keeper))
        return services, keeper

    yield start
    for services, keeper in made:
        keeper.stop(wait=True)
        services.executor.shutdown()
        services.db.dispose()


def _wait_for_run(services: Services, job_id: str, after: datetime | None = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.db.read_session() as session:
            state = session.get(SchedulerState, job_id)
            if state is not None and state.last_run_at is not None and (after is None or state.last_run_at > after):
                assert state.last_error is None, state.last_error
                return
        time.sleep(0.1)
    raise AssertionError(f"{job_id} did not run")


def _last_run(services: Services, job_id: str) -> datetime:
    with services.db.read_session() as session:
        state = session.get(SchedulerState, job_id)
        assert state is not None and state.last_run_at is not None
        return state.last_run_at


def test_on_start_one_process_reads_the_member_list_once_after_its_index(processes, slack, db) -> None:
    for n in range(3):
        slack.add_user(f"U0NEW{n}", f"nouveau{n}")
    assert compute_stats(db, PARIS, DAY)["members_total"] == 0
    (web, web_keeper), (worker, worker_keeper) = processes("web"), processes("worker")
    for keeper in (worker_keeper, web_keeper):
        keeper.check_once()
    assert [k.running_here for k in (worker_keeper, web_keeper)] == [True, False]  # one scheduler: one sync
    _wait_for_run(worker, "growth_first_sync")
    # Everyone present in the workspace counts at once (people, not the bot): 4 + 3.
    assert compute_stats(db, PARIS, DAY)["members_total"] == _people(slack) == 7
    assert _users_list_calls(slack) == 1
    # The index was built first, in the process that read the list; the other built nothing.
    assert worker.extras["knowledge"].users_list_calls_when_indexed == 0
    assert web.extras["knowledge"].users_list_calls_when_indexed is None

    # A restart (the worker goes, the web process takes the jobs): the list was read already.
    ran = _last_run(worker, "growth_first_sync")
    worker_keeper.stop(wait=True)
    web_keeper.check_once()
    assert web_keeper.running_here
    _wait_for_run(web, "growth_first_sync", after=ran)
    assert _users_list_calls(slack) == 1 and web.extras["knowledge"].users_list_calls_when_indexed is None


def test_a_database_the_nightly_job_reconciled_is_not_read_again(processes, slack) -> None:
    services, keeper = processes()
    assert main(["growth", "sync"], settings=services.settings) == 0  # as the nightly job does
    calls = _users_list_calls(slack)
    keeper.check_once()
    _wait_for_run(services, "growth_first_sync")
    assert _users_list_calls(slack) == calls


def test_without_a_token_nothing_is_asked(slack, database_url, db) -> None:
    services = build_services(make_settings(slack, database_url, slack_bot_token=None), db=db)
    try:
        assert first_member_sync(services) == {}
        assert slack.calls == []
    finally:
        services.executor.shutdown()


@pytest.mark.skipif(POSTGRESQL, reason="SQLite's one write lock")
def test_the_write_waits_out_a_locked_database_and_is_tried_again(slack, database_url, caplog) -> None:
    """Another writer holds SQLite's lock past the busy timeout (a long first indexing, an
    import): the list, already read, is written once the lock is free. The busy timeout is
    shortened here so that the test needn't wait 30 s for the first refusal."""
    db = Database(database_url)

    @event.listens_for(db.engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    services = build_services(make_settings(slack, database_url), db=db, clock=FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)))
    path = make_url(database_url).database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other writer
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        with caplog.at_level(logging.WARNING, logger="jobs.growth"):
            outcomes = first_member_sync(services, retry_seconds=0.4)
        assert sum(outcomes.values()) == len(slack.ws.users)  # everyone, the bot included, taken in
        assert "did not take the write" in caplog.text and "database is locked" in caplog.text
        assert compute_stats(db, PARIS, DAY)["members_total"] == _people(slack)
        assert _users_list_calls(slack) == 1  # read once, written when it could be
    finally:
        release.join()
        other.close()
        services.executor.shutdown()
        db.dispose()


def test_growth_sync_reads_the_member_list_now(slack, database_url, capsys) -> None:
    assert main(["growth", "sync"], settings=make_settings(slack, database_url)) == 0
    outcomes = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert outcomes.get("updated", 0) + outcomes.get("unchanged", 0) + outcomes.get("joined", 0) >= 4
    assert _users_list_calls(slack) >= 1


def test_growth_sync_without_a_token_says_why_in_one_line(slack, database_url, capsys) -> None:
    assert main(["growth", "sync"], settings=make_settings(slack, database_url, slack_bot_token=None)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "SLACK_BOT_TOKEN" in err
    assert _users_list_calls(slack) == 0
