"""Who runs the scheduler, so that exactly one process does, and always one (#14, 4; #17).

Every `sogabot jobs` worker and every `sogabot run` web process keeps a SchedulerKeeper. The
scheduler lock (jobs.scheduler.SchedulerLock) says which process runs the jobs:
- a worker takes the lock when it is free;
- a web process takes it only while no worker is up, because the hosts start a Procfile's
  non-web processes at 0 instances: a web process alone still runs the digest. Workers say
  they are up with a shared "worker present" lock, which they hold for their life; a web
  process holding the scheduler hands it over (stops it, releases the lock) when one appears;
- every CHECK_SECONDS the holder checks that its lock is still its own (on PostgreSQL the lock
  dies with its session: a connection reset lets another process take it) and stops its
  scheduler at once when it is not.

The holder writes a heartbeat, and every job's last run and last error, to `scheduler_state`,
which /healthz reads (bot.core.health) from whichever process serves it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from sqlalchemy import select, text

from bot.store.models import SchedulerState
from jobs.scheduler import SchedulerLock, WorkerPresence, start_scheduler

log = logging.getLogger(__name__)

CHECK_SECONDS = 10.0
HOLDER_ROW = "scheduler"
# /healthz: a holder whose heartbeat is older than this is gone; a job this late never ran.
HEARTBEAT_STALE = timedelta(seconds=CHECK_SECONDS * 6)
OVERDUE = timedelta(minutes=15)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class SchedulerKeeper:
    def __init__(self, services: Any, role: str, *, check_seconds: float = CHECK_SECONDS,
                 clock: Callable[[], datetime] = _now) -> None:
        self._services = services
        self.role = role  # "worker" or "web"
        self._check_seconds = check_seconds
        self._clock = clock
        self.name = f"{role} {socket.gethostname()}:{os.getpid()}"
        self._lock: SchedulerLock | None = None
        self._presence = WorkerPresence(services) if role == "worker" else None
        self.scheduler: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()

    # -- the loop ----------------------------------------------------------------------------
    def start(self) -> "SchedulerKeeper":
        self._thread = threading.Thread(target=self._loop, name="sogabot-scheduler-keeper", daemon=True)
        self._thread.start()
        return self

    def stop(self, wait: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._stop_scheduler(wait=wait, reason="stopping")
        if self._presence is not None:
            self._presence.release()

    @property
    def running_here(self) -> bool:
        return self.scheduler is not None

    def check_once(self) -> None:
        """One turn of the loop (the tests drive it directly)."""
        with self._mutex:
            if self._presence is not None and not self._presence.held():
                self._presence.acquire()
            if self.scheduler is None:
                if self.role == "web" and WorkerPresence.anyone(self._services):
                    return  # a worker runs the jobs, or will as soon as it has the lock
                lock = SchedulerLock(self._services)
                if lock.acquire(wait=False):
                    self._lock = lock
                    self.scheduler = start_scheduler(self._services, lock=lock)
                    self.scheduler.add_listener(self._record_run, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
                    log.info("this process (%s) runs the scheduler", self.name)
            elif not self._lock or not self._lock.held():
                log.error("the scheduler lock is no longer ours (its database session is gone); "
                          "stopping the jobs here so that only one process runs them")
                self._stop_scheduler(wait=False, reason="lock lost")
                return
            elif not _thread_alive(self.scheduler):
                # APScheduler's loop dies on a job store error (the database went away under it).
                log.error("the scheduler's thread died; starting it again")
                self._stop_scheduler(wait=False, reason="its thread died")
                return
            elif self.role == "web" and WorkerPresence.anyone(self._services):
                self._stop_scheduler(wait=True, reason="a worker is up; handing the scheduler over")
                return
            if self.scheduler is not None:
                self._beat()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.check_once()
            except Exception:  # the database gone for a moment: try again next turn
                log.exception("the scheduler keeper could not check the lock")
            self._stop.wait(self._check_seconds)

    def _stop_scheduler(self, *, wait: bool, reason: str) -> None:
        scheduler, lock = self.scheduler, self._lock
        self.scheduler, self._lock = None, None
        if scheduler is not None:
            log.info("scheduler stopped in %s: %s", self.name, reason)
            try:
                scheduler.shutdown(wait=wait)  # releases the lock (jobs.scheduler.start_scheduler)
            except Exception:
                log.exception("the scheduler did not stop cleanly")
        elif lock is not None:
            lock.release()

    # -- what /healthz reads ----------------------------------------------------------------
    def _beat(self) -> None:
        self._write(HOLDER_ROW, holder=self.name, heartbeat_at=self._clock())

    def _record_run(self, event: JobExecutionEvent) -> None:
        now = self._clock()
        try:
            if event.code == EVENT_JOB_EXECUTED:
                self._write(event.job_id, holder=self.name, last_run_at=now, last_ok_at=now)
            elif event.code == EVENT_JOB_ERROR:
                error = "".join(traceback.format_exception_only(type(event.exception), event.exception)).strip()
                self._write(event.job_id, holder=self.name, last_run_at=now, last_error=error[:500], last_error_at=now)
            else:
                self._write(event.job_id, holder=self.name, last_error="missed (past its grace time)", last_error_at=now)
        except Exception:
            log.exception("could not record the run of job %s", event.job_id)

    def _write(self, name: str, **values: Any) -> None:
        with self._services.db.session() as session:
            row = session.get(SchedulerState, name)
            if row is None:
                row = SchedulerState(name=name)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)


def scheduler_report(services: Any, now: Callable[[], datetime] = _now) -> dict[str, Any]:
    """Who holds the scheduler, each job's last run, last error and next run, and the
    problems that make /healthz answer 503: no live holder, a job overdue (a missed digest)."""
    current = now()
    with services.db.reading() as connection:
        rows = {row.name: row for row in connection.execute(select(SchedulerState.__table__))}
        try:
            next_runs = dict(connection.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all())
        except Exception:  # no scheduler ever started on this database
            next_runs = {}
    holder = rows.pop(HOLDER_ROW, None)
    problems = []
    alive = holder is not None and holder.heartbeat_at is not None and current - _aware(holder.heartbeat_at) <= HEARTBEAT_STALE
    if not alive:
        problems.append("no process runs the scheduled jobs")
    jobs: dict[str, Any] = {}
    for job_id in sorted(set(rows) | set(next_runs)):
        row = rows.get(job_id)
        next_run = next_runs.get(job_id)
        next_at = datetime.fromtimestamp(next_run, timezone.utc) if next_run is not None else None
        jobs[job_id] = {
            "last_run": _iso(row.last_run_at if row else None),
            "last_error": row.last_error if row else None,
            "last_error_at": _iso(row.last_error_at if row else None),
            "next_run": _iso(next_at),
        }
        if next_at is not None and current - next_at > OVERDUE:
            problems.append(f"{job_id} is overdue since {_iso(next_at)}")
    return {
        "holder": holder.holder if alive and holder else None,
        "heartbeat": _iso(holder.heartbeat_at if holder else None),
        "jobs": jobs,
        "problems": problems,
    }


def _thread_alive(scheduler: Any) -> bool:
    thread = getattr(scheduler, "_thread", None)  # BackgroundScheduler's loop
    return thread is None or thread.is_alive()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: datetime | None) -> str | None:
    return _aware(value).isoformat(timespec="seconds") if value else None
