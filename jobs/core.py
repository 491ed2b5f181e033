"""Jobs of the core."""

from __future__ import annotations

import logging

from jobs.spec import JobSpec

log = logging.getLogger(__name__)


def prune_processed_events(services) -> int:
    removed = services.ledger.prune()
    log.info("pruned %s processed events", removed)
    return removed


JOBS: list[JobSpec] = [
    JobSpec(
        id="prune_processed_events",
        func="jobs.core:prune_processed_events",
        trigger=lambda settings: {"trigger": "cron", "hour": 3, "minute": 10},
        description="forget handled Slack events after a week",
    ),
]
