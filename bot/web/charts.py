"""The growth chart as an image the App Home can show.

A Home image block must point at something Slack can fetch: a file uploaded without a channel is
private to the bot, and Slack refuses the view ("invalid slack file", python-slack-sdk #1658).
So the web process serves the chart itself at GET /charts/<token>.png, under PUBLIC_URL, and the
Home's image block names that address (`image_url`).

The token is the chart's day and language and an expiry, signed (HMAC-SHA256) with a key derived
from the configured secrets: the address can't be guessed or altered, and it stops working
after LINK_SECONDS. Without PUBLIC_URL there is no address Slack could reach, so there is no link
(the Home says `/stats` sends the chart in a direct message). The figures are aggregates (members
and actives per week), never a name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from bot.web.guard import settings_secret

LINK_SECONDS = 2 * 24 * 3600  # the Home is published again at each opening, with a new link
ROUTE = re.compile(r"^/charts/(?P<token>[A-Za-z0-9_-]{8,120}\.[A-Za-z0-9_-]{20,64})\.png$")
EXTRA_KEY = "chart_links"
SECRET_PURPOSE = b"sogabot growth chart links"  # its own key, derived from the configured secrets
_CACHED_PNGS = 4


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ChartLinks:
    """Signed, expiring addresses of the chart of one day in one language."""

    def __init__(self, secret: bytes, public_url: str, clock: Callable[[], datetime],
                 lifetime: timedelta = timedelta(seconds=LINK_SECONDS)) -> None:
        self._key = secret
        self._base = public_url.rstrip("/")
        self._clock = clock
        self._lifetime = lifetime

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest()[:24])

    def url(self, day: date, lang: str) -> str:
        expires = int((self._clock() + self._lifetime).timestamp())
        payload = f"{day.isoformat()}|{lang}|{expires}".encode()
        return f"{self._base}/charts/{_b64(payload)}.{self._sign(payload)}.png"

    def read(self, token: str) -> tuple[date, str] | None:
        """(day, language) of a valid, unexpired token; None for anything else."""
        encoded, _, signature = token.partition(".")
        try:
            payload = _unb64(encoded)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            day_text, lang, expires = payload.decode().split("|")
            day = date.fromisoformat(day_text)
            expiry = int(expires)
        except ValueError:
            return None
        if lang not in ("fr", "en") or self._clock().timestamp() > expiry:
            return None
        return day, lang


class ChartWeb:
    """The WSGI app of GET/HEAD /charts/<token>.png; `render(day, lang)` draws the PNG. `links`
    is asked at each request: None (no PUBLIC_URL) means no chart is served."""

    def __init__(self, links: Callable[[], ChartLinks | None], render: Callable[[date, str], bytes]) -> None:
        self._links = links
        self._render = render
        self._pngs: dict[tuple[date, str], bytes] = {}
        self._lock = threading.Lock()

    @staticmethod
    def handles(path: str) -> bool:
        return path.startswith("/charts/")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        match = ROUTE.match(environ.get("PATH_INFO", ""))
        links = self._links()
        found = links.read(match["token"]) if match and links is not None else None
        if found is None:
            return _plain(start_response, "404 Not Found", b"not found")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", b"method not allowed", [("Allow", "GET, HEAD")])
        png = self._png(*found)
        start_response("200 OK", [
            ("Content-Type", "image/png"), ("Content-Length", str(len(png))),
            ("Cache-Control", "private, max-age=3600"), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ])
        return [b""] if method == "HEAD" else [png]

    def _png(self, day: date, lang: str) -> bytes:
        """Drawn once per day and language (Slack may fetch a link more than once)."""
        key = (day, lang)
        with self._lock:
            png = self._pngs.get(key)
        if png is None:
            png = self._render(day, lang)
            with self._lock:
                if len(self._pngs) >= _CACHED_PNGS:
                    self._pngs.clear()
                self._pngs[key] = png
        return png


def _plain(start_response: Callable[..., Any], status: str, body: bytes,
           headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store"), *(headers or [])])
    return [body]


def chart_links(services: Any) -> ChartLinks | None:
    """The process's chart links: None without PUBLIC_URL (no address Slack could fetch)."""
    settings = services.settings
    if not settings.public_url:
        return None
    links = services.extras.get(EXTRA_KEY)
    if links is None:
        secret = settings_secret(settings, purpose=SECRET_PURPOSE)
        links = services.extras[EXTRA_KEY] = ChartLinks(secret, settings.public_url, services.clock)
    return links


def chart_web(services: Any) -> ChartWeb:
    """The chart route, drawn from the same figures as /stats. It serves nothing while PUBLIC_URL
    is unset (the console sets it once its server listens)."""
    from bot.growth.chart import weekly_chart_png
    from bot.growth.stats import compute_stats

    def render(day: date, lang: str) -> bytes:
        return weekly_chart_png(compute_stats(services.db, services.settings.tz, day)["weekly"], lang)  # type: ignore[arg-type]

    return ChartWeb(lambda: chart_links(services), render)
