"""What keeps the café's web pages safe to open to a room: a signed browser id (one vote per
browser per question), CSRF tokens bound to it, and a per-address rate limit kept in memory."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from itsdangerous import BadSignature, Signer, SignatureExpired, URLSafeTimedSerializer

BROWSER_COOKIE = "cafe_browser"
BROWSER_COOKIE_DAYS = 30
CSRF_MAX_AGE_SECONDS = 12 * 3600


def derive_secret(*candidates: str | None, purpose: bytes = b"sogabot cafe web pages") -> bytes:
    """The signing key: the first configured secret, hashed with its purpose so the Slack
    secret it may come from is never used as is (and each use has its own key); a random one
    when none is configured (the local console, one process)."""
    for candidate in candidates:
        if candidate:
            return hmac.new(candidate.encode(), purpose, hashlib.sha256).digest()
    return secrets.token_bytes(32)


def settings_secret(settings: Any, purpose: bytes = b"sogabot cafe web pages") -> bytes:
    """`derive_secret` from CAFE_WEB_SECRET, else SLACK_SIGNING_SECRET, else the bot token."""
    values = (settings.cafe_web_secret, settings.slack_signing_secret, settings.slack_bot_token)
    return derive_secret(*(v.get_secret_value() if v is not None else None for v in values), purpose=purpose)


class BrowserIds:
    """A random id per browser, in a signed cookie: it names no one, and a forged or edited
    cookie is simply a new browser."""

    def __init__(self, secret: bytes) -> None:
        self._signer = Signer(secret, salt="cafe-browser")
        self._csrf = URLSafeTimedSerializer(secret, salt="cafe-csrf")

    def read(self, cookie_value: str | None) -> str | None:
        if not cookie_value:
            return None
        try:
            return self._signer.unsign(cookie_value).decode()
        except BadSignature:
            return None

    @staticmethod
    def new() -> str:
        return secrets.token_hex(8)

    def cookie(self, browser_id: str) -> str:
        return self._signer.sign(browser_id).decode()

    def csrf_token(self, browser_id: str) -> str:
        return self._csrf.dumps(browser_id)

    def csrf_ok(self, token: str | None, browser_id: str | None) -> bool:
        if not token or not browser_id:
            return False
        try:
            return hmac.compare_digest(str(self._csrf.loads(token, max_age=CSRF_MAX_AGE_SECONDS)), browser_id)
        except (BadSignature, SignatureExpired):
            return False


class RateLimiter:
    """At most `limit` actions per address in any `window` seconds. Addresses live only in
    memory and only while they have an action inside the window: nothing is stored."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def allow(self, address: str) -> bool:
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._sweep(now)
            hits = self._hits.setdefault(address, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _sweep(self, now: float) -> None:
        for address in [a for a, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[address]
        self._next_sweep = now + self.window

    def addresses(self) -> int:
        """How many addresses are held right now (for the privacy test)."""
        with self._lock:
            self._sweep(self._clock())
            return len(self._hits)
