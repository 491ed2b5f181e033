"""Scheduled jobs of the cafe capability."""

from __future__ import annotations

import logging

from jobs.spec import JobSpec

log = logging.getLogger(__name__)


def cafe_service(services):
    from bot.cafe.service import CafeService

    existing = services.extras.get("cafe")
    return existing if existing is not None else CafeService(services.db, services.clock, services.settings.tz, services.llm)


def send_cafe_reminders(services) -> int:
    """Close intakes whose time has passed, then post the reminders that are due (idempotent)."""
    from bot.cafe.notify import refresh_announcement, send_due_reminders

    cafes = cafe_service(services)
    for cafe in cafes.close_expired():
        refresh_announcement(cafes, services.publishers.cafe, cafe.id)
    sent = send_due_reminders(cafes, services.publishers.cafe)
    if sent:
        log.info("sent %s café reminder(s)", sent)
    return sent


JOBS: list[JobSpec] = [
    JobSpec(
        id="cafe_reminders",
        func="jobs.cafe:send_cafe_reminders",
        trigger=lambda settings: {"trigger": "interval", "minutes": 5},
        description="café announcements and reminders, and closing finished intakes",
    ),
]
