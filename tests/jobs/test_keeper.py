"""Exactly one process runs the scheduled jobs, and always one (#14, 4; #17 "always a
scheduler"). Each keeper has its own services, so its own connections, as another process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from bench.harness import descendants
from bot.core.health import health_report
from bot.core.services import Services, build_services
from bot.store.db import Database
from jobs.keeper import SchedulerKeeper, scheduler_report
from jobs.scheduler import make_scheduler, sync_job_table
from tests.bot.cli.test_run import _env, _free_port
from tests.support import make_settings
from tests.tcp_proxy import database_url_through, proxy_for

ROOT = Path(__file__).resolve().parents[2]
POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def make_services(slack, tmp_path) -> Iterator:
    made: list[Services] = []

    def make(url: str) -> Services:
        services = build_services(make_settings(slack, url, outbox_dir=tmp_path / "outbox"), db=Database(url))
        made.append(services)
        return services

    yield make
    for services in made:
        services.executor.shutdown()
        services.db.dispose()


@pytest.fixture
def keepers() -> Iterator[list[SchedulerKeeper]]:
    started: list[SchedulerKeeper] = []
    yield started
    for keeper in started:
        keeper.stop(wait=False)


def _keeper(keepers: list, services: Services, role: str) -> SchedulerKeeper:
    keeper = SchedulerKeeper(services, role)
    keepers.append(keeper)
    return keeper


def test_a_web_process_runs_the_jobs_until_a_worker_starts_then_hands_them_over(database_url, make_services, keepers) -> None:
    web = _keeper(keepers, make_services(database_url), "web")
    web.check_once()
    assert web.running_here and web.scheduler.get_job("digest_weekly") is not None
    assert scheduler_report(web._services)["holder"] == web.name

    worker = _keeper(keepers, make_services(database_url), "worker")
    worker.check_once()
    assert not worker.running_here  # the web process still holds the lock
    web.check_once()
    assert not web.running_here  # a worker is up: handed over
    worker.check_once()
    assert worker.running_here and scheduler_report(worker._services)["holder"] == worker.name
    web.check_once()
    assert not web.running_here  # and doesn't take it back while the worker lives

    worker.stop()
    web.check_once()
    assert web.running_here  # the worker is gone: the jobs come back to the web process


def test_two_workers_one_scheduler(database_url, make_services, keepers) -> None:
    first, second = (_keeper(keepers, make_services(database_url), "worker") for _ in range(2))
    for _ in range(2):
        first.check_once()
        second.check_once()
    assert [first.running_here, second.running_here] == [True, False]


@pytest.mark.skipif(not POSTGRESQL, reason="the advisory lock dies with its PostgreSQL session")
def test_after_a_connection_reset_the_old_holder_stops_its_scheduler(database_url, make_services, keepers) -> None:
    proxy = proxy_for(database_url)
    try:
        old = _keeper(keepers, make_services(database_url_through(proxy, database_url)), "worker")
        new = _keeper(keepers, make_services(database_url), "worker")
        old.check_once()
        assert old.running_here
        proxy.reset()  # the lock's session dies with its connection
        deadline = time.monotonic() + 10
        while not new.running_here:
            new.check_once()
            assert time.monotonic() < deadline, "the lock was never freed"
            time.sleep(0.1)
        old.check_once()  # the timer's check
        assert not old.running_here, "two schedulers run"
        assert new.running_here
    finally:
        proxy.stop()


def test_healthz_is_503_when_nobody_runs_the_jobs_or_the_digest_is_overdue(database_url, make_services, keepers) -> None:
    services = make_services(database_url)
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)
    with time_machine.travel(monday - timedelta(days=1), tick=False):
        scheduler = make_scheduler(services)  # a scheduler ran once and stored the job table
        scheduler.start(paused=True)
        sync_job_table(scheduler, services.settings)
        scheduler.shutdown(wait=False)
    health = health_report(services, "http", queue_work=False, scheduler=lambda: scheduler_report(services, now=lambda: monday + timedelta(hours=2)))
    report = health()
    assert report["status"] == "degraded"
    assert "scheduler: no process runs the scheduled jobs" in report["problems"]
    assert any(re.match(r"scheduler: digest_weekly is overdue since 2026-11-23T08:00", p) for p in report["problems"])
    assert report["scheduler"]["jobs"]["digest_weekly"]["next_run"].startswith("2026-11-23T08:00")


def test_healthz_is_200_with_a_live_holder_and_names_it(database_url, make_services, keepers) -> None:
    services = make_services(database_url)
    keeper = _keeper(keepers, services, "worker")
    keeper.check_once()  # a live holder, and the stored next runs come from its scheduler
    report = health_report(services, "http", queue_work=False, scheduler=lambda: scheduler_report(services))()
    assert report["status"] == "ok", report
    assert report["scheduler"]["holder"] == keeper.name


def _healthz(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def test_under_the_procfiles_default_scaling_the_web_process_runs_the_weekly_digest(slack, database_url, tmp_path) -> None:
    """The hosts start a Procfile's non-web processes at 0 instances: only `web` runs."""
    web_line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assignments = dict(re.findall(r"(\w+)=(\S+)", web_line))
    command = web_line.split(":", 1)[1].split()[len(assignments):]
    assert command[:2] == ["python", "-m"]  # the Procfile's own command (gunicorn), run as the host runs it
    port = _free_port()
    env = _env(SLACK_BOT_TOKEN="xoxb-proc", SLACK_SIGNING_SECRET="proc-secret", SLACK_API_URL=slack.url + "/api/",
               PORT=str(port), DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"), **assignments)
    env.pop("RUN_SCHEDULER", None)
    process = subprocess.Popen([sys.executable, *command[1:]], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                report = _healthz(port)
                if report.get("scheduler", {}).get("holder"):
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no scheduler in the web process"
            time.sleep(0.2)
        # The web dyno's own processes: gunicorn's worker, or the worker child it starts.
        holder_pid = int(report["scheduler"]["holder"].rsplit(":", 1)[1])
        assert holder_pid in descendants(process.pid), report["scheduler"]["holder"]
        assert report["scheduler"]["jobs"]["digest_weekly"]["next_run"]
        assert report["status"] == "ok", report
    finally:
        process.terminate()
        process.wait(timeout=20)
