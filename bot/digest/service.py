"""Wires the digest from the Services: sources, look-ups (database first, then Slack), Mailchimp, the workflow."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.digest.content import DigestContent, SlackLookups, build_digest
from bot.digest.newsletter import newsletter_figures, sync_reports
from bot.digest.sources import sources_for
from bot.digest.weeks import previous_week
from bot.digest.workflow import DigestWorkflow
from bot.growth.channels import channel_names, remember_channel_name
from bot.knowledge.loader import BUNDLED_DIR
from integrations.mailchimp import make_mailchimp

EXTRA_KEY = "digest_workflow"


def slack_lookups(db: Any, directory: Any) -> SlackLookups:
    """Channel names from the database first (an export's listings, names learned before), then
    from Slack, which is remembered; permalinks from Slack. `directory` (integrations.slack_api
    .SlackDirectory) answers None at once when there is no token: the command line then builds
    the digest from the database alone."""
    @lru_cache(maxsize=256)
    def channel_name(channel: str) -> str | None:
        name = channel_names(db, [channel]).get(channel)
        if name is None:
            name = directory.channel_name(channel)
            if name:
                remember_channel_name(db, channel, name)
        return name

    return SlackLookups(channel_name=channel_name, permalink=directory.permalink)


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
        lookups=slack_lookups(services.db, services.directory),
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
