"""The café's web pages: the presenter board and the participant join page (issue #16).

`build_web_app(services)` is the WSGI app the HTTP server mounts for every path that is not
Slack's; it answers /cafe/<token>/board, /join and what they post and poll, 404 otherwise.
"""

from __future__ import annotations

from typing import Any

from bot.cafe.service import CafeService
from bot.core.services import Services


def cafe_service(services: Services) -> CafeService:
    """The process's one café service: the listeners' when they are registered."""

    existing = services.extras.get("cafe")
    if existing is None:
        existing = services.extras["cafe"] = CafeService(services.db, services.clock, services.settings.tz, services.llm)
    return existing


def build_web_app(services: Services) -> Any:
    from bot.cafe.notify import refresh_announcement
    from bot.web.app import CafeWeb
    from bot.web.board import BoardFeed
    from bot.web.guard import BrowserIds, RateLimiter, derive_secret

    settings = services.settings
    cafes = cafe_service(services)

    def secret_value(value: Any) -> str | None:
        return value.get_secret_value() if value is not None else None

    secret = derive_secret(secret_value(settings.cafe_web_secret), secret_value(settings.slack_signing_secret),
                           secret_value(settings.slack_bot_token))

    def display_name(user_id: str) -> str | None:
        member = services.members.get(user_id, refresh=False)  # never a Slack call from a web page
        return member.display_name if member is not None else None

    def on_question(cafe_id: int) -> None:
        # The announcement's live count in Slack follows web questions too.
        services.executor.submit(refresh_announcement, cafes, services.publishers.cafe, cafe_id)

    feed = BoardFeed(cafes, display_name, services.executor.submit)
    return CafeWeb(cafes, feed, BrowserIds(secret), RateLimiter(settings.cafe_web_rate_limit),
                   public_url=settings.public_url, trust_proxy=settings.cafe_web_trust_proxy, on_question=on_question)
