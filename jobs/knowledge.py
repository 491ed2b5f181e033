"""Scheduled jobs of the knowledge capability: the daily sync of opt-in Slack channels."""

from __future__ import annotations

import logging
from typing import Any

from jobs.spec import JobSpec

log = logging.getLogger(__name__)


def slack_channel_ids(settings) -> list[str]:
    return [part.strip() for part in (settings.knowledge_slack_channels or "").split(",") if part.strip()]


def sync_slack_channels(services) -> dict[str, Any]:
    """Ingest new messages of KNOWLEDGE_SLACK_CHANNELS (paginated conversations.history from
    each channel's cursor) and the threads with new replies (paginated conversations.replies).
    Idempotent: a second run finds nothing newer."""
    from bot.knowledge.channels import default_link, sync_channels
    from integrations.slack_api import iter_pages
    from integrations.slack_api import permalink as slack_permalink

    client = services.slack

    def history(channel_id: str, oldest: str | None):
        params = {"channel": channel_id}
        if oldest is not None:
            params["oldest"] = oldest
        return iter_pages(client.conversations_history, "messages", **params)

    def replies(channel_id: str, thread_ts: str):
        return iter_pages(client.conversations_replies, "messages", channel=channel_id, ts=thread_ts)

    def permalink(channel_id: str, ts: str) -> str:
        return slack_permalink(client, channel_id, ts) or default_link(channel_id, ts)

    llm = services.llm
    embed = llm.embed if llm is not None and llm.embeddings_enabled else None
    report = sync_channels(services.db, slack_channel_ids(services.settings), history, services.clock(),
                           replies=replies, permalink=permalink, embed=embed)
    log.info("knowledge: Slack channels synced %s", report.as_dict())
    return report.as_dict()


JOBS: list[JobSpec] = [
    JobSpec(
        id="knowledge_sync_slack",
        func="jobs.knowledge:sync_slack_channels",
        trigger=lambda settings: {"trigger": "cron", "hour": 4, "minute": 20},
        description="index new messages of the opt-in Slack channels (KNOWLEDGE_SLACK_CHANNELS)",
    ),
]
