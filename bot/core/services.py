"""The composition root: everything the listeners, jobs and CLI need, made once from Settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from slack_sdk import WebClient

from bot.core.event_ledger import EventLedger
from bot.core.members import MemberDirectory
from bot.core.roles import Roles
from bot.core.runtime import EventRouter, HomeSection, TrackingExecutor
from bot.core.settings import Settings
from bot.slack.publishing import Publishers, slack_publishers
from bot.store.db import Database
from integrations.llm import LLM, make_llm
from integrations.slack_api import SlackDirectory, make_web_client


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    db: Database
    slack: WebClient
    directory: SlackDirectory
    roles: Roles
    members: MemberDirectory
    ledger: EventLedger
    llm: LLM | None
    executor: TrackingExecutor
    # What domain workflows post through (the digest, café reminders, the welcome DM).
    publishers: Publishers
    clock: Callable[[], datetime] = system_clock
    router: EventRouter = field(default_factory=EventRouter)
    # (order, section): the App Home is these sections, in order, for the viewing member.
    home_sections: list[tuple[int, HomeSection]] = field(default_factory=list)
    # Capabilities may keep their own long-lived objects here (e.g. a search index).
    extras: dict[str, Any] = field(default_factory=dict)

    def add_home_section(self, order: int, section: HomeSection) -> None:
        self.home_sections.append((order, section))
        self.home_sections.sort(key=lambda pair: pair[0])

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=False)
        self.db.dispose()


def build_services(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] = system_clock,
    llm: LLM | None = None,
) -> Services:
    db = db or Database(settings.database_url)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    slack = make_web_client(token, settings.slack_api_url)
    directory = SlackDirectory(slack, online=token is not None)  # no token: nothing asks Slack
    return Services(
        settings=settings,
        db=db,
        slack=slack,
        directory=directory,
        roles=Roles(settings, directory.usergroup_members),
        members=MemberDirectory(db, directory.user_profile, clock),
        ledger=EventLedger(db, clock),
        llm=llm if llm is not None else make_llm(settings),
        executor=TrackingExecutor(),
        publishers=slack_publishers(slack, settings.tz),
        clock=clock,
    )
