"""The scheduler: APScheduler 3 with its jobs stored in the app's database, in BOT_TIMEZONE.

Only one process may run jobs. On PostgreSQL a session advisory lock decides which; on SQLite
(one machine) a file lock next to the database does the same. jobs.keeper decides which
process tries, and checks that the holder still holds it.
"""

from __future__ import annotations

import fcntl
import importlib
import logging
import time
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text
from sqlalchemy.engine import make_url

from jobs.table import job_table

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x50_6A_0B  # arbitrary, fixed: "the SOGA bot's scheduler"
WORKER_PRESENCE_KEY = 0x50_6A_0D  # held (shared) by every live `sogabot jobs` worker
MISFIRE_GRACE_SECONDS = 3600

# The services of the process that runs the jobs; set once by start_scheduler.
_services: Any = None


def run_job(func_ref: str) -> Any:
    """Entry point stored in the job store: resolves the job function and runs it."""
    module_name, func_name = func_ref.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    if _services is None:
        raise RuntimeError("the scheduler's services are not set")
    return func(_services)


def make_scheduler(services: Any) -> BackgroundScheduler:
    settings = services.settings
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=services.db.engine, tablename="apscheduler_jobs")},
        timezone=settings.tz,
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
    )
    return scheduler


# Keys of a JobSpec's trigger dict that are options of the job, not of its trigger.
JOB_OPTIONS = ("misfire_grace_time", "coalesce", "max_instances")


def sync_job_table(scheduler: BackgroundScheduler, settings: Any) -> None:
    """Make the stored jobs match the table (settings may have moved a schedule).

    A stored job keeps its stored next run time unless its trigger changed: replacing it
    blindly would compute the next run from now and silently drop a run missed while the
    process was down, which the misfire grace time exists to catch up on."""
    wanted = {spec.id for spec in job_table()}
    for spec in job_table():
        trigger_args = dict(spec.trigger(settings))
        trigger = trigger_args.pop("trigger")
        options = {key: trigger_args.pop(key) for key in JOB_OPTIONS if key in trigger_args}
        existing = scheduler.get_job(spec.id)
        if existing is not None:
            options["next_run_time"] = existing.next_run_time
        job = scheduler.add_job(
            run_job, trigger, args=[spec.func], id=spec.id, name=spec.description or spec.id,
            replace_existing=True, **options, **trigger_args,
        )
        if existing is not None and str(existing.trigger) != str(job.trigger):
            scheduler.reschedule_job(spec.id, trigger=trigger, **trigger_args)
    for job in scheduler.get_jobs():
        if job.id not in wanted and not job.id.startswith("dyn:"):
            job.remove()


class _DatabaseLock:
    """A lock for the life of a process: a session advisory lock on PostgreSQL (it dies with
    its session), a file lock next to the database on SQLite. `shared`: many holders at once."""

    def __init__(self, services: Any, key: int, suffix: str, *, shared: bool = False) -> None:
        self._services = services
        self._key = key
        self._suffix = suffix
        self._shared = shared
        self._connection = None
        self._file = None

    def _path(self) -> Path:
        db = self._services.db
        return Path(make_url(db.url).database or "sogabot.db").with_suffix(self._suffix)

    def acquire(self, wait: bool = True, poll_seconds: float = 5.0) -> bool:
        db = self._services.db
        while True:
            if db.is_sqlite:
                path = self._path()
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(path, "w")  # noqa: SIM115 - held open for the process's life
                try:
                    fcntl.flock(handle, (fcntl.LOCK_SH if self._shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    self._file = handle
                    return True
                except OSError:
                    handle.close()
            else:
                function = "pg_try_advisory_lock_shared" if self._shared else "pg_try_advisory_lock"
                connection = db.engine.connect()
                got = connection.execute(text(f"SELECT {function}(:key)"), {"key": self._key}).scalar()
                connection.commit()
                if got:
                    self._connection = connection
                    return True
                connection.close()
            if not wait:
                return False
            log.info("another process runs the scheduler; waiting for its lock")
            time.sleep(poll_seconds)

    def held(self) -> bool:
        """Still ours? On PostgreSQL the lock goes with its session (a connection reset, the
        server restarted): asked on the lock's own connection, which must still be alive."""
        if self._file is not None:
            return True
        if self._connection is None:
            return False
        try:
            found = self._connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND granted AND classid = 0 AND objid = :key AND objsubid = 1"), {"key": self._key}).scalar()
            self._connection.commit()
            return bool(found)
        except Exception:
            log.warning("the connection holding the %s lock is gone", self._suffix.strip("."))
            return False

    def taken_by_anyone(self) -> bool:
        """Does any process hold it? (Tried exclusively, and given back at once.)"""
        db = self._services.db
        if db.is_sqlite:
            path = self._path()
            if not path.exists():
                return False
            with open(path, "a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    return True
                fcntl.flock(handle, fcntl.LOCK_UN)
                return False
        with db.engine.connect() as connection:
            free = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar()
            if free:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            connection.commit()
            return not free

    def release(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                unlock = "pg_advisory_unlock_shared" if self._shared else "pg_advisory_unlock"
                connection.execute(text(f"SELECT {unlock}(:key)"), {"key": self._key})
                connection.commit()
            except Exception:
                connection.invalidate()  # its session is gone (and the lock with it): not back to the pool
            finally:
                connection.close()
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class SchedulerLock(_DatabaseLock):
    """Held by the one process that runs the jobs."""

    def __init__(self, services: Any) -> None:
        super().__init__(services, ADVISORY_LOCK_KEY, ".scheduler.lock")


class WorkerPresence(_DatabaseLock):
    """Held (shared) by every live worker, so a web process knows to leave the jobs to it."""

    def __init__(self, services: Any) -> None:
        super().__init__(services, WORKER_PRESENCE_KEY, ".workers.lock", shared=True)

    @staticmethod
    def anyone(services: Any) -> bool:
        return WorkerPresence(services).taken_by_anyone()


def start_scheduler(services: Any, *, background: bool = True, lock: SchedulerLock | None = None) -> BackgroundScheduler | None:
    """Start the scheduler once the lock is ours (`lock`: already acquired by the caller,
    jobs.keeper). Otherwise, in the web process (background=True) a taken lock means another
    process runs the jobs, so we don't wait for it."""
    global _services
    if lock is None:
        lock = SchedulerLock(services)
        if background:
            if not lock.acquire(wait=False):
                log.info("the scheduler runs in another process")
                return None
        else:
            lock.acquire(wait=True)
    _services = services
    scheduler = make_scheduler(services)
    scheduler.start(paused=True)
    sync_job_table(scheduler, services.settings)
    scheduler.resume()
    original_shutdown = scheduler.shutdown

    def shutdown(wait: bool = True) -> None:
        try:
            original_shutdown(wait=wait)
        finally:
            lock.release()

    scheduler.shutdown = shutdown
    return scheduler


def list_jobs(services: Any) -> list[str]:
    """The next run of each job, as stored (no lock needed: it only reads)."""
    scheduler = make_scheduler(services)
    scheduler.start(paused=True)
    try:
        sync_job_table(scheduler, services.settings)
        lines = []
        for job in sorted(scheduler.get_jobs(), key=lambda j: j.id):
            when = job.next_run_time.isoformat() if job.next_run_time else "paused"
            lines.append(f"{job.id:32} next run {when}  ({job.name})")
        return lines
    finally:
        scheduler.shutdown(wait=False)
