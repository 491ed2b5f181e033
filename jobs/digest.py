"""Scheduled jobs of the digest capability: the weekly digest, retries, report sync, retention."""

from __future__ import annotations

import logging
import re
from typing import Any

from jobs.spec import JobSpec

log = logging.getLogger(__name__)

# A weekly digest missed while the bot was down still runs once if it restarts the same day.
DIGEST_MISFIRE_GRACE_SECONDS = 12 * 3600
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def digest_trigger(settings) -> dict[str, Any]:
    """DIGEST_CRON ("0 9 * * mon") wins; otherwise DIGEST_DAY and DIGEST_TIME (default Monday 09:00)."""
    cron = (settings.digest_cron or "").strip()
    if cron:
        fields = cron.split()
        if len(fields) != 5:
            raise ValueError(f"DIGEST_CRON must have 5 fields (minute hour day month day-of-week), got {cron!r}")
        minute, hour, day, month, day_of_week = fields
        trigger = {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": day_of_week}
    else:
        day = settings.digest_day.strip().lower()[:3]
        match = _TIME.match(settings.digest_time.strip())
        if day not in _DAYS or not match:
            raise ValueError(f"DIGEST_DAY/DIGEST_TIME must be like mon and 09:00, got {settings.digest_day!r} {settings.digest_time!r}")
        trigger = {"day_of_week": day, "hour": int(match.group(1)), "minute": int(match.group(2))}
    return {"trigger": "cron", **trigger, "misfire_grace_time": DIGEST_MISFIRE_GRACE_SECONDS}


def weekly_digest(services) -> str:
    from bot.digest.service import last_week, workflow_for

    week = last_week(services)
    issue = workflow_for(services).run_weekly(week)
    log.info("digest %s is %s", week, issue.state)
    return week


def retry_digests(services) -> int:
    from bot.digest.service import workflow_for

    return len(workflow_for(services).retry_due())


def sync_newsletter_reports(services) -> int:
    from bot.digest.service import sync_newsletter_reports as sync

    return sync(services)


def purge_digest_text(services) -> int:
    from bot.digest.observe import purge_expired

    settings = services.settings
    return purge_expired(services.db, services.clock(), settings.digest_excerpt_retention_days, settings.tz)


JOBS: list[JobSpec] = [
    JobSpec(id="digest_weekly", func="jobs.digest:weekly_digest", trigger=digest_trigger,
            description="build the week's digest and post the staff preview"),
    JobSpec(id="digest_retry", func="jobs.digest:retry_digests",
            trigger=lambda settings: {"trigger": "cron", "minute": "*/5"},
            description="retry approved digests that Mailchimp refused"),
    JobSpec(id="newsletter_report_sync", func="jobs.digest:sync_newsletter_reports",
            trigger=lambda settings: {"trigger": "cron", "hour": 6, "minute": 20},
            description="sync Mailchimp reports of recent campaigns"),
    JobSpec(id="digest_purge_text", func="jobs.digest:purge_digest_text",
            trigger=lambda settings: {"trigger": "cron", "hour": 3, "minute": 40},
            description="purge digest excerpts and links past their retention"),
]
