"""The WSGI app's edge, through the real HTTP server with signed requests: what it refuses
before Bolt (deep JSON), what it cleans (NUL, lone surrogates), what it tolerates (an
`app_mention` without a channel), and what Socket Mode does not serve at all."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from pathlib import Path

from pydantic import SecretStr

from bot.cli.serve import RunningBot
from bot.console.loopback import LoopbackServer, Response
from bot.console.signed_client import SignedSlackClient
from bot.core.services import build_services
from bot.slack.http_server import HttpServer
from bot.slack.inbound import MAX_JSON_DEPTH
from tests.support import MEMBER, SIGNING_SECRET, BotHarness

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "vendor" / "slack"


def _errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_json_nested_past_the_recursion_limit_gets_a_400_without_a_traceback(bot: BotHarness, caplog) -> None:
    with caplog.at_level(logging.INFO):
        unsigned = bot.client.post(b"[" * 100_000, "application/json", secret="not-the-secret")
        form = bot.client.post(b"payload=" + b"%5B" * 100_000, "application/x-www-form-urlencoded")
    assert unsigned.status == 400 and form.status == 400
    assert not _errors(caplog) and not any(r.exc_info for r in caplog.records)


def test_signed_json_nested_deeper_than_slack_sends_is_refused(bot: BotHarness) -> None:
    event = bot.client.envelope({"type": "message", "channel": "D0X", "user": MEMBER, "text": "x", "ts": "1.1"})
    deep: dict = {}
    cursor = deep
    for _ in range(MAX_JSON_DEPTH + 5):
        cursor["next"] = {}
        cursor = cursor["next"]
    event["event"]["metadata"] = deep
    assert bot.client.post_json(event).status == 400
    event["event"]["metadata"] = {"a": [{"b": [1]}]}  # what Slack does nest stays accepted
    assert bot.client.post_json(event).status == 200


def test_a_question_with_nul_and_a_lone_surrogate_is_answered(bot: BotHarness) -> None:
    """On PostgreSQL (TEST_DATABASE_URL) the stored text refused both: the member got "Oups"."""
    result = bot.dm(MEMBER, "Qui finance\u0000 DIGISET\ud800 ?")
    assert result.status == 200
    replies = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))
    text = json.dumps(replies, ensure_ascii=False)
    assert len(replies) == 1 and "Oups" not in text
    assert "COSME" in text  # the answer itself, from the knowledge


def test_bolts_app_mention_without_a_channel_raises_nothing(bot: BotHarness, caplog) -> None:
    envelope = json.loads((FIXTURES / "event_callback.app_mention__test_builtins__event_payload.json").read_text())
    bot.slack.add_user(envelope["event"]["user"], "w222")
    with caplog.at_level(logging.WARNING):
        result = bot.client.post_json(envelope)
        bot.wait_idle()
    assert result.status == 200
    assert not _errors(caplog), _errors(caplog)
    assert bot.services.ledger.status(envelope["event_id"]) == "done"




def test_an_event_with_only_its_type_raises_nothing_in_any_handler(bot: BotHarness, caplog) -> None:
    """Every field but `type` is optional to the router's handlers: missing, they skip the event."""
    with caplog.at_level(logging.WARNING):
        for n, event_type in enumerate(bot.services.router.event_types()):
            assert bot.client.send_event({"type": event_type}, event_id=f"Ev0BARE{n}").status == 200
            bot.wait_idle()
    assert not _errors(caplog), _errors(caplog)
    assert bot.slack.bot_messages() == []


class _Attacker(LoopbackServer):
    """A response_url a forger would choose: it must never be called."""

    def route(self, call):
        return Response(200, {"ok": True})


def test_socket_mode_serves_no_slack_endpoint(slack, settings, db, tmp_path) -> None:
    """In Socket Mode Slack's requests come over the WebSocket; on PORT a forged event or
    command reaches nothing: 404, no Slack call, no request to the response_url it names."""
    socket_settings = settings.model_copy(update={
        "slack_signing_secret": None, "slack_app_token": SecretStr("xapp-1-test"), "background_work": "worker"})
    running = RunningBot(build_services(socket_settings, db=db), "socket")
    server = HttpServer(None, running.health, host="127.0.0.1", port=0, web=running.web).start()
    attacker = _Attacker().start()
    try:
        slack.reset_calls()
        url = f"http://127.0.0.1:{server.port}"
        forger = SignedSlackClient(url, "no-secret-is-set", response_url_base=attacker.url + "/response")
        message = slack.add_message("C0GENERAL", MEMBER, "bonjour")
        assert forger.send_event(dict(message, channel="C0GENERAL", channel_type="channel")).status == 404
        result, _ = forger.command("/ask", "Qui finance DIGISET ?", MEMBER, "C0GENERAL")
        assert result.status == 404
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                report = json.loads(response.read())
        except urllib.error.HTTPError as exc:  # 503: no scheduler runs in this test
            report = json.loads(exc.read())
        assert report["mode"] == "socket"
        running.services.executor.wait_idle(5)
        assert slack.calls == [] and attacker.calls == []
    finally:
        attacker.stop()
        server.stop()
        running.stop(timeout=5)


def test_requests_to_other_paths_get_404_or_the_web_pages(bot: BotHarness) -> None:
    for path in ("/", "/slack/events/../healthz", "/nope"):
        try:
            urllib.request.urlopen(bot.url + path, timeout=5)
            raise AssertionError(f"{path} answered 2xx")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
    seen = []

    def web(environ, start_response):
        seen.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"board"]

    server = HttpServer(bot.app, lambda: {"status": "ok"}, host="127.0.0.1", port=0, web=web).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/cafe/1/board", timeout=5) as response:
            assert response.read() == b"board"
        client = SignedSlackClient(f"http://127.0.0.1:{server.port}", SIGNING_SECRET)
        assert client.post_json({"type": "url_verification", "challenge": "c"}).status == 200
    finally:
        server.stop()
    assert seen == ["/cafe/1/board"]  # Slack's path and /healthz never reach the pages
