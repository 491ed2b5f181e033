"""Scheduled jobs of the growth capability."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from bot.growth.ingest import SLACKBOT
from bot.growth.sync import reconcile_members
from bot.growth.welcome import send_welcome
from integrations.slack_api import iter_pages
from jobs.spec import JobSpec

log = logging.getLogger(__name__)

# users.list is Tier 2 (about 20 calls a minute): a pause between pages keeps us well below it,
# and the client's retry handler honours Retry-After if Slack still says 429.
PAGE_PAUSE_SECONDS = 3.0
PAGE_SIZE = 200


def _paced(pages: Iterator[dict[str, Any]], pause: float, page_size: int) -> Iterator[dict[str, Any]]:
    for index, user in enumerate(pages, 1):
        yield user
        if pause and index % page_size == 0:
            time.sleep(pause)


def reconcile_members_job(services, pause: float = PAGE_PAUSE_SECONDS) -> dict[str, int]:
    # Read every page first: the database write lock is then held for one short transaction.
    users = list(_paced(iter_pages(services.slack.users_list, "members", limit=PAGE_SIZE), pause, PAGE_SIZE))
    arrivals: list[dict] = []
    outcomes = reconcile_members(services.db, users, services.clock(), arrivals)
    log.info("member reconciliation: %s", dict(outcomes))
    welcome_arrivals(services, arrivals)
    return dict(outcomes)


def welcome_arrivals(services, arrivals: list[dict]) -> None:
    """Members whose team_join never reached the bot (it was down) get the welcome a live join
    gets, once (bot.growth.welcome). One that fails doesn't keep the others from theirs."""
    people = [user for user in arrivals if not user.get("is_bot") and user.get("id") != SLACKBOT]
    if not (people and services.settings.welcome_enabled):
        return
    bot_user_id = services.slack.auth_test().get("user_id")
    for user in people:
        try:
            send_welcome(services, services.publishers.direct_message, user, bot_user_id)
        except Exception:
            log.exception("could not welcome %s", user["id"])


JOBS: list[JobSpec] = [
    JobSpec(
        id="growth_reconcile_members",
        func="jobs.growth:reconcile_members_job",
        trigger=lambda settings: {"trigger": "cron", "hour": settings.growth_sync_hour, "minute": 20},
        description="catch joins, leaves and profile changes that events missed (users.list)",
    ),
]
