"""Scheduled jobs of the privacy capability: the daily retention purge."""

from __future__ import annotations

import logging

from jobs.spec import JobSpec

log = logging.getLogger(__name__)


def purge_expired_data(services) -> dict[str, int]:
    from bot.privacy.retention import purge_expired

    purged = purge_expired(services.db, services.settings, now=services.clock())
    log.info("retention purge: %s", ", ".join(f"{table} {count}" for table, count in purged.items()) or "nothing to do")
    return purged


def _daily_at(settings) -> dict:
    hour, minute = settings.retention_purge_time.split(":")
    return {"trigger": "cron", "hour": int(hour), "minute": int(minute)}


JOBS: list[JobSpec] = [
    JobSpec(
        id="privacy_purge_expired",
        func="jobs.privacy:purge_expired_data",
        trigger=_daily_at,
        description="purge personal data past its retention (RETENTION_* settings)",
    ),
]
