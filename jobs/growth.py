"""Scheduled jobs of the growth capability."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.growth.ingest import SLACKBOT
from bot.growth.sync import members_synced, reconcile_members
from bot.growth.welcome import send_welcome
from bot.store.models import SchedulerState
from integrations.slack_api import iter_pages
from jobs.spec import JobSpec

log = logging.getLogger(__name__)

# users.list is Tier 2 (about 20 calls a minute): a pause between pages keeps us well below it,
# and the client's retry handler honours Retry-After if Slack still says 429.
PAGE_PAUSE_SECONDS = 3.0
PAGE_SIZE = 200
# The one write of a reconciliation, tried this many times, this far apart.
WRITE_ATTEMPTS = 5
WRITE_RETRY_SECONDS = 10.0
# How long after the scheduler starts the first member sync runs (growth_first_sync).
FIRST_SYNC_DELAY_SECONDS = 20.0


def _paced(pages: Iterator[dict[str, Any]], pause: float, page_size: int) -> Iterator[dict[str, Any]]:
    for index, user in enumerate(pages, 1):
        yield user
        if pause and index % page_size == 0:
            time.sleep(pause)


def reconcile_members_job(services, pause: float = PAGE_PAUSE_SECONDS, *,
                          retry_seconds: float = WRITE_RETRY_SECONDS) -> dict[str, int]:
    # Read every page first: the database write lock is then held for one short transaction.
    users = list(_paced(iter_pages(services.slack.users_list, "members", limit=PAGE_SIZE), pause, PAGE_SIZE))
    # The first list ever read is compared with an import at best, whose export may be months
    # old: its "arrivals" may have joined long ago, so they are counted but not welcomed.
    welcomes = _reconciled(services)
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        arrivals: list[dict] = []
        try:
            outcomes = reconcile_members(services.db, users, services.clock(), arrivals)
            break
        except OperationalError as exc:
            # SQLite's one write lock held past its busy timeout (a long first indexing, an
            # import), or the database away for a moment: the list is read, so try the write again.
            if attempt == WRITE_ATTEMPTS:
                raise
            log.warning("member reconciliation: the database did not take the write (%s); again in %g s",
                        str(exc.orig or exc).splitlines()[0], retry_seconds)
            time.sleep(retry_seconds)
    log.info("member reconciliation: %s", dict(outcomes))
    if welcomes:
        welcome_arrivals(services, arrivals)
    return dict(outcomes)


def first_member_sync(services, *, retry_seconds: float = WRITE_RETRY_SECONDS) -> dict[str, int]:
    """When the scheduler starts (so in the one process that holds its lock: jobs.keeper), a
    database whose member list was never read reads it now, with the same function as the
    nightly job and `sogabot growth sync`: the first figures then count everyone present
    instead of waiting for the nightly run.

    It runs in the scheduler's pool, FIRST_SYNC_DELAY_SECONDS after the scheduler starts (off
    the start-up path), and after this process's knowledge index is built: both write, and on
    SQLite they would queue on its one write lock."""
    if services.settings.slack_bot_token is None or _reconciled(services):
        return {}
    knowledge = services.extras.get("knowledge")
    if knowledge is not None:
        knowledge.ensure_indexed()  # at once when it already is; a first question waits on the same build
    return reconcile_members_job(services, retry_seconds=retry_seconds)


def _reconciled(services) -> bool:
    """The member list was read here before: by any reconciliation (the mark), or by the
    nightly job on a database from before the mark (its last successful run)."""
    if members_synced(services.db):
        return True
    with services.db.read_session() as session:
        state = session.get(SchedulerState, "growth_reconcile_members")
        return state is not None and state.last_ok_at is not None


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
    JobSpec(
        id="growth_first_sync",
        func="jobs.growth:first_member_sync",
        # Once, shortly after the scheduler starts: start-up (the first requests, recovered
        # work) goes first, and the figures are right within the first minute.
        trigger=lambda settings: {"trigger": "date", "run_date": datetime.now(timezone.utc) + timedelta(seconds=FIRST_SYNC_DELAY_SECONDS)},
        description="on start, read the member list if no reconciliation ever did (users.list)",
    ),
]
