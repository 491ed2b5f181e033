"""Every way a request can be mis-signed gets a 401, and nothing happens."""

from __future__ import annotations

import json
import time

import pytest

from bot.console.signed_client import sign
from tests.support import MEMBER, SIGNING_SECRET, BotHarness


def _body(bot: BotHarness) -> bytes:
    message = bot.slack.add_message(bot.slack.dm_channel(MEMBER), MEMBER, "bonjour")
    return json.dumps(bot.client.envelope(dict(message, channel=bot.slack.dm_channel(MEMBER), channel_type="im"), "Ev0SIGNED")).encode()


def _headers(timestamp: int, signature: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


FORGERIES = {
    "wrong secret": lambda body, now: _headers(now, sign("not-the-secret", str(now), body)),
    "older than 5 minutes": lambda body, now: _headers(now - 301, sign(SIGNING_SECRET, str(now - 301), body)),
    "more than 5 minutes ahead": lambda body, now: _headers(now + 301, sign(SIGNING_SECRET, str(now + 301), body)),
    "replayed with a new timestamp": lambda body, now: _headers(now, sign(SIGNING_SECRET, str(now - 60), body)),
    "no signature": lambda body, now: {"X-Slack-Request-Timestamp": str(now)},
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_mis_signed_requests_get_401_and_do_nothing(bot: BotHarness, forgery: str) -> None:
    import urllib.error
    import urllib.request

    body = _body(bot)
    request = urllib.request.Request(bot.client.url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **FORGERIES[forgery](body, int(time.time()))})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    bot.wait_idle()
    assert bot.slack.bot_messages() == []
    assert bot.services.ledger.status("Ev0SIGNED") is None
