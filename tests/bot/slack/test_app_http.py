"""The app in HTTP mode, driven by real signed requests, with Slack replaced by the stand-in."""

from __future__ import annotations

import json
import time
import urllib.request

from bot.slack.app import build_app
from bot.slack.http_server import HttpServer
from bot.core.services import build_services
from tests.support import MEMBER, BotHarness


def _dm_event(bot: BotHarness, text: str = "bonjour") -> dict:
    message = bot.slack.add_message(bot.slack.dm_channel(MEMBER), MEMBER, text)
    return dict(message, channel=bot.slack.dm_channel(MEMBER), channel_type="im", event_ts=message["ts"])


def test_valid_event_is_acked_fast_and_answered(bot: BotHarness) -> None:
    result = bot.client.send_event(_dm_event(bot))
    assert result.status == 200
    assert result.elapsed < 1.0
    bot.wait_idle()
    replies = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))
    assert len(replies) == 1
    assert "bot du SOGA" in replies[0]["text"]


def test_bad_or_stale_signature_is_refused(bot: BotHarness) -> None:
    event = bot.client.envelope(_dm_event(bot))
    assert bot.client.post_json(event, secret="not-the-secret").status == 401
    six_minutes_ago = int(time.time()) - 6 * 60
    assert bot.client.post_json(event, timestamp=six_minutes_ago).status == 401
    bot.wait_idle()
    assert bot.slack.bot_messages() == []


def test_url_verification_echoes_the_challenge(bot: BotHarness) -> None:
    result = bot.client.post_json({"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
    assert result.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in result.body.decode()


def test_redelivered_event_is_handled_once_even_across_a_restart(bot: BotHarness, settings, db, slack, clock) -> None:
    event = _dm_event(bot)
    assert bot.client.send_event(event, event_id="Ev0DUPLICATE").status == 200
    bot.wait_idle()
    assert bot.client.send_event(event, event_id="Ev0DUPLICATE", retry_num=1).status == 200
    bot.wait_idle()
    bot.close()

    restarted = BotHarness(settings, db, slack, clock)
    try:
        assert restarted.client.send_event(event, event_id="Ev0DUPLICATE", retry_num=2).status == 200
        restarted.wait_idle()
    finally:
        restarted.close()
    assert len(slack.bot_messages(slack.dm_channel(MEMBER))) == 1


def test_event_abandoned_by_a_crash_is_recovered_once(bot: BotHarness, clock) -> None:
    event = _dm_event(bot)
    envelope = bot.client.envelope(event, "Ev0CRASHED")
    # The claim was written before the ack, then the process died before handling it.
    assert bot.services.ledger.claim("Ev0CRASHED", "message", payload=json.dumps(envelope))
    assert bot.app.recover_abandoned() == 0  # still within its lease: maybe still running
    clock.advance(minutes=3)
    assert bot.app.recover_abandoned() == 1
    bot.wait_idle()
    assert bot.app.recover_abandoned() == 0
    assert bot.services.ledger.status("Ev0CRASHED") == "done"
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))) == 1


def test_healthz_answers_json(bot: BotHarness) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["status"] == "ok"


def test_unknown_slash_command_gets_a_helpful_message(bot: BotHarness) -> None:
    result, _ = bot.command(MEMBER, "/nimportequoi", "x")
    assert result.status == 200
    body = result.json
    assert body["response_type"] == "ephemeral"
    assert "/nimportequoi" in body["text"] and "/ask" in body["text"]


def test_a_failing_listener_tells_the_member(bot: BotHarness) -> None:
    def explode(_event):
        raise RuntimeError("boom")

    services = build_services(bot.settings, db=bot.services.db, clock=bot.clock)
    services.router.respond("message", explode, priority=0)
    app = build_app(services, token_verification=False)
    server = HttpServer(app, lambda: {"status": "ok"}, host="127.0.0.1", port=0).start()
    try:
        from bot.console.signed_client import SignedSlackClient
        from tests.support import SIGNING_SECRET

        client = SignedSlackClient(f"http://127.0.0.1:{server.port}", SIGNING_SECRET)
        assert client.send_event(_dm_event(bot)).status == 200
        services.executor.wait_idle(10)
    finally:
        server.stop()
    replies = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))
    assert len(replies) == 1 and "Oups" in replies[0]["text"]


def test_an_oversized_body_gets_a_413_not_a_reset(bot: BotHarness) -> None:
    from bot.slack.http_server import MAX_BODY_BYTES

    body = b"payload=" + b"x" * (8 * MAX_BODY_BYTES)  # large enough to outrun the socket buffers
    for _ in range(3):  # the reset was a race: try it more than once
        result = bot.client.post(body, "application/x-www-form-urlencoded")
        assert result.status == 413
