"""GET /charts/<token>.png over the real HTTP server: the App Home's chart, only for a link the
bot signed, and only until it expires."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from bot.growth.stats import compute_stats
from bot.web.charts import LINK_SECONDS, SECRET_PURPOSE, ChartLinks, chart_links
from bot.web.guard import derive_secret
from tests.support import BotHarness, FakeClock, make_settings

PUBLIC_URL = "https://sogabot.example.org"
DAY = date(2026, 11, 23)


@pytest.fixture
def web(slack, database_url, db, clock, tmp_path) -> Iterator[BotHarness]:
    harness = BotHarness(make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", public_url=PUBLIC_URL),
                         db, slack, clock)
    yield harness
    harness.close()


def _get(bot: BotHarness, url: str, method: str = "GET") -> tuple[int, str, bytes]:
    request = urllib.request.Request(bot.url + url.removeprefix(PUBLIC_URL), method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def _links(bot: BotHarness) -> ChartLinks:
    links = chart_links(bot.services)
    assert links is not None
    return links


def test_a_signed_link_serves_the_chart_as_png(web: BotHarness) -> None:
    url = _links(web).url(DAY, "fr")
    assert url.startswith(PUBLIC_URL + "/charts/") and url.endswith(".png")
    status, kind, body = _get(web, url)
    assert (status, kind) == (200, "image/png") and body.startswith(b"\x89PNG\r\n\x1a\n")
    status, kind, body = _get(web, url, "HEAD")
    assert (status, kind, body) == (200, "image/png", b"")
    assert _get(web, url, "POST")[0] == 405


def test_the_chart_is_the_figures_of_its_day_in_its_language(web: BotHarness) -> None:
    from bot.growth.chart import weekly_chart_png

    weekly = compute_stats(web.services.db, web.settings.tz, DAY)["weekly"]
    assert _get(web, _links(web).url(DAY, "en"))[2] == weekly_chart_png(weekly, "en")
    assert _get(web, _links(web).url(DAY, "fr"))[2] == weekly_chart_png(weekly, "fr")


def test_a_forged_altered_or_unknown_link_is_a_404(web: BotHarness) -> None:
    url = _links(web).url(DAY, "fr")
    token = url.removeprefix(PUBLIC_URL + "/charts/").removesuffix(".png")
    payload, signature = token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    # The same day and language, signed with another key: what someone without the secret can make.
    other = ChartLinks(derive_secret("not-the-secret", purpose=SECRET_PURPOSE), PUBLIC_URL, web.services.clock)
    for path in (f"/charts/{payload}.{flipped}.png", other.url(DAY, "fr"), f"/charts/{payload}.png",
                 "/charts/" + "A" * 40 + "." + "B" * 32 + ".png", "/charts/", "/charts/../healthz",
                 url.removesuffix(".png"), url + "x"):
        status, kind, body = _get(web, path)
        assert (status, body) == (404, b"not found"), path
        assert kind == "text/plain"


def test_a_link_stops_working_once_it_expires(web: BotHarness) -> None:
    url = _links(web).url(DAY, "fr")
    clock = web.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds=LINK_SECONDS - 60)
    assert _get(web, url)[0] == 200
    clock.advance(seconds=120)
    assert _get(web, url)[0] == 404
    assert _get(web, _links(web).url(DAY + timedelta(days=2), "fr"))[0] == 200  # a fresh link works


def test_without_public_url_there_is_no_chart_route(bot: BotHarness) -> None:
    assert chart_links(bot.services) is None
    links = ChartLinks(derive_secret("test-signing-secret", purpose=SECRET_PURPOSE), PUBLIC_URL, bot.services.clock)
    assert _get(bot, links.url(DAY, "fr"))[0] == 404
