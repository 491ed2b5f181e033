"""The bot's web pages: the café's presenter board and participant join page (issue #16), and
the App Home's growth chart (bot/web/charts.py).

`build_web_app(services)` is the WSGI app the HTTP server mounts for every path that is not
Slack's; it answers /cafe/<token>/board, /join and what they post and poll, and /charts/<token>.png
(only when PUBLIC_URL is set); 404 otherwise.
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
    from bot.web.charts import chart_web
    from bot.web.guard import BrowserIds, RateLimiter, settings_secret

    settings = services.settings
    cafes = cafe_service(services)

    secret = settings_secret(settings)

    def display_name(user_id: str) -> str | None:
        member = services.members.get(user_id, refresh=False)  # never a Slack call from a web page
        return member.display_name if member is not None else None

    def on_question(cafe_id: int) -> None:
        # The announcement's live count in Slack follows web questions too.
        services.executor.submit(refresh_announcement, cafes, services.publishers.cafe, cafe_id)

    feed = BoardFeed(cafes, display_name, services.executor.submit)
    cafe_pages = CafeWeb(cafes, feed, BrowserIds(secret), RateLimiter(settings.cafe_web_rate_limit),
                         public_url=settings.public_url, trust_proxy=settings.cafe_web_trust_proxy, on_question=on_question)
    charts = chart_web(services)

    def pages(environ: dict[str, Any], start_response: Any) -> Any:
        if charts.handles(environ.get("PATH_INFO", "")):
            return charts(environ, start_response)
        return cafe_pages(environ, start_response)

    return pages
