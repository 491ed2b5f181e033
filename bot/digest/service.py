"""Wires the digest from the Services: sources, Slack look-ups, Mailchimp, the workflow."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.digest.content import DigestContent, SlackLookups, build_digest
from bot.digest.newsletter import newsletter_figures, sync_reports
from bot.digest.sources import sources_for
from bot.digest.weeks import previous_week
from bot.digest.workflow import DigestWorkflow
from bot.knowledge.loader import BUNDLED_DIR
from integrations.mailchimp import make_mailchimp

log = logging.getLogger(__name__)

EXTRA_KEY = "digest_workflow"


def slack_lookups(client: Any) -> SlackLookups:
    @lru_cache(maxsize=256)
    def channel_name(channel: str) -> str | None:
        try:
            return client.conversations_info(channel=channel)["channel"].get("name")
        except Exception:  # no token, channel gone, …: the digest shows the id instead
            log.info("no name for channel %s", channel)
            return None

    def permalink(channel: str, ts: str) -> str | None:
        try:
            return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except Exception:
            log.info("no permalink for %s/%s", channel, ts)
            return None

    return SlackLookups(channel_name=channel_name, permalink=permalink)


def knowledge_folders(settings: Any) -> list[Path]:
    folders = [BUNDLED_DIR]
    if settings.knowledge_dir:
        folders.append(Path(settings.knowledge_dir))
    return folders


def newsletter_provider(services: Any):
    def figures() -> dict[str, Any] | None:
        return newsletter_figures(services.db, services.clock(), services.settings.tz)

    return figures


def build_for(services: Any, week: str, *, use_llm: bool = True) -> DigestContent:
    settings = services.settings
    complete = None
    if use_llm and services.llm is not None:
        llm = services.llm

        def complete(messages: list[dict[str, str]]) -> str:
            return llm.complete(messages, max_tokens=300, temperature=0.4)

    return build_digest(
        week,
        db=services.db,
        tz=settings.tz,
        sources=sources_for(services.db, settings.tz, services.extras, knowledge_folders(settings)),
        lookups=slack_lookups(services.slack),
        newsletter=services.extras.get("newsletter_figures") or newsletter_provider(services),
        top_n=settings.digest_top_threads,
        events_horizon_days=settings.digest_events_horizon_days,
        complete=complete,
    )


def workflow_for(services: Any) -> DigestWorkflow:
    workflow = services.extras.get(EXTRA_KEY)
    if workflow is None:
        workflow = DigestWorkflow(
            services.db, services.settings, services.clock, services.publishers.digest,
            make_mailchimp(services.settings), lambda week: build_for(services, week),
        )
        services.extras[EXTRA_KEY] = workflow
    return workflow


def last_week(services: Any) -> str:
    return previous_week(services.clock(), services.settings.tz)


def sync_newsletter_reports(services: Any) -> int:
    mailchimp = make_mailchimp(services.settings)
    if mailchimp is None:
        return 0
    count = sync_reports(services.db, mailchimp.reports_since, services.clock())
    workflow_for(services).settle_scheduled()
    return count
