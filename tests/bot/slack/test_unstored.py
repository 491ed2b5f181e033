"""Never ack what isn't stored (#14, 1), and a database that hangs doesn't hang the acks or
/healthz (#14, 9).

The ledger is made unwritable two ways: its table renamed away (both databases), and on
PostgreSQL a real TCP proxy in front of the server that cuts or black-holes it."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from bot.console.slack_standin import SlackStandin
from bot.core.event_ledger import EventLedger
from bot.core.health import health_report
from bot.slack.http_server import HttpServer
from bot.store.db import Database
from tests.support import MEMBER, BotHarness, FakeClock
from tests.tcp_proxy import TcpProxy, database_url_through, proxy_for

POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
needs_postgresql = pytest.mark.skipif(not POSTGRESQL, reason="a TCP proxy in front of PostgreSQL")


@contextmanager
def ledger_unwritable(db: Database) -> Iterator[None]:
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE processed_events RENAME TO processed_events_away"))
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE processed_events_away RENAME TO processed_events"))


def _dm_event(slack: SlackStandin, user: str = MEMBER, text: str = "bonjour") -> dict:
    message = slack.add_message(slack.dm_channel(user), user, text)
    return dict(message, channel=slack.dm_channel(user), channel_type="im", event_ts=message["ts"])


def _answered_once_after_redeliveries(bot: BotHarness, event: dict, event_id: str) -> None:
    """Slack's redeliveries of an event that got a 5xx: the first is answered, the next dropped."""
    assert bot.client.send_event(event, event_id=event_id, retry_num=1).status == 200
    bot.wait_idle()
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))) == 1
    assert bot.client.send_event(event, event_id=event_id, retry_num=2).status == 200
    bot.wait_idle()
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))) == 1
    assert bot.services.ledger.status(event_id) == "done"


def test_an_event_that_cannot_be_stored_gets_a_5xx_and_its_redelivery_is_answered_once(bot: BotHarness) -> None:
    event = _dm_event(bot.slack)
    with ledger_unwritable(bot.services.db):
        result = bot.client.send_event(event, event_id="Ev0UNSTORED")
        bot.wait_idle()
    assert result.status >= 500  # Slack redelivers
    assert bot.slack.bot_messages() == []
    _answered_once_after_redeliveries(bot, event, "Ev0UNSTORED")


def test_a_command_that_cannot_be_queued_is_answered_in_the_http_response(settings, db, slack, clock) -> None:
    bot = BotHarness(settings, db, slack, clock, queue_work=True)
    try:
        with ledger_unwritable(db):
            result, key = bot.client.command("/cafe", "", MEMBER, slack.dm_channel(MEMBER))
        assert result.status == 200
        assert result.json["response_type"] == "ephemeral" and "Oups" in result.json["text"]
        assert bot.responses(key) == []  # told once, in the response, not again through response_url
    finally:
        bot.close()


def test_a_button_that_cannot_be_queued_tells_the_member_without_the_database(settings, db, slack, clock) -> None:
    """A button's work can't be stored: Slack doesn't redeliver interactions, so the member is
    told through the response_url (no database involved), once."""
    bot = BotHarness(settings, db, slack, clock, queue_work=True)
    try:
        bot.dm(MEMBER, "Qui finance DIGISET ?")
        [answer] = slack.bot_messages(slack.dm_channel(MEMBER))
        button = next(e for b in answer["blocks"] if b.get("type") == "actions" for e in b["elements"]
                      if e["action_id"] == "kb_feedback_up")
        with ledger_unwritable(db):
            result = bot.client.block_action(MEMBER, button, channel_id=slack.dm_channel(MEMBER), message=answer)
            assert bot.services.executor.wait_idle(10)
        bot.wait_idle()
        assert result.status == 200
        told = [item.data for item in slack.feed if item.kind == "response"]
        assert len(told) == 1 and "Oups" in told[0].get("text", "")
        assert told[0].get("response_type") == "ephemeral" and told[0].get("replace_original") is False
    finally:
        bot.close()


# -- PostgreSQL behind a proxy --------------------------------------------------------------
@pytest.fixture
def proxied(database_url: str, settings, slack: SlackStandin, clock: FakeClock) -> Iterator[tuple[TcpProxy, BotHarness]]:
    proxy = proxy_for(database_url)
    url = database_url_through(proxy, database_url)
    db = Database(url)
    bot = BotHarness(settings.model_copy(update={"database_url": url}), db, slack, clock)
    try:
        yield proxy, bot
    finally:
        proxy.restore()
        bot.close()
        db.dispose()
        proxy.stop()


@needs_postgresql
def test_with_postgresql_cut_an_event_gets_a_5xx_then_one_answer_once_it_is_back(proxied) -> None:
    proxy, bot = proxied
    event = _dm_event(bot.slack)
    proxy.cut()
    result = bot.client.send_event(event, event_id="Ev0CUT")
    bot.wait_idle()
    assert result.status >= 500 and result.elapsed < 3
    assert bot.slack.bot_messages() == []
    proxy.restore()
    _answered_once_after_redeliveries(bot, event, "Ev0CUT")


@needs_postgresql
def test_with_postgresql_cut_a_command_tells_the_member_without_the_database(proxied) -> None:
    proxy, bot = proxied
    bot.dm(MEMBER, "bonjour")  # the member is known: the apology is in their language
    proxy.cut()
    result, key = bot.client.command("/cafe", "", MEMBER, bot.slack.dm_channel(MEMBER))
    bot.wait_idle()
    assert result.status == 200
    told = [r.get("text", "") for r in bot.responses(key)] + ([result.json["text"]] if result.json else [])
    assert len(told) == 1 and "Oups" in told[0]


@needs_postgresql
def test_with_postgresql_cut_a_button_tells_the_member_without_the_database(proxied) -> None:
    proxy, bot = proxied
    bot.dm(MEMBER, "Qui finance DIGISET ?")
    [answer] = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))
    button = next(e for b in answer["blocks"] if b.get("type") == "actions" for e in b["elements"]
                  if e["action_id"] == "kb_feedback_up")
    proxy.cut()
    result = bot.client.block_action(MEMBER, button, channel_id=bot.slack.dm_channel(MEMBER), message=answer)
    bot.wait_idle()
    assert result.status == 200 and result.elapsed < 3
    told = [item.data for item in bot.slack.feed if item.kind == "response"]
    assert len(told) == 1 and "Oups" in told[0].get("text", "")


@needs_postgresql
def test_with_postgresql_black_holed_healthz_answers_503_within_a_second(proxied) -> None:
    proxy, bot = proxied
    health = health_report(bot.services, "http", queue_work=False)
    server = HttpServer(bot.app, health, host="127.0.0.1", port=0).start()
    try:
        def get() -> tuple[int, dict, float]:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10) as response:
                    return response.status, json.loads(response.read()), time.monotonic() - started
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read()), time.monotonic() - started

        assert get()[0] == 200
        proxy.blackhole()
        reports = []
        for _ in range(4):  # the first probe hangs; the next ones don't wait behind it either
            status, report, elapsed = get()
            assert status == 503 and elapsed < 1.0
            reports.append(report["database"])
        # Then the probe's own connect timeout ends it: the next probe is a new one.
        assert reports[0] == "not answering" and set(reports) <= {"not answering", "unreachable"}
        proxy.restore()
        deadline = time.monotonic() + 10
        while get()[0] != 200:
            assert time.monotonic() < deadline, "healthz did not recover"
            time.sleep(0.2)
    finally:
        server.stop()


@needs_postgresql
def test_an_ack_waits_at_most_the_statement_timeout_behind_a_hung_ledger(bot: BotHarness, database_url: str) -> None:
    """The server is up but the ledger is locked (a stuck migration, a runaway transaction)."""
    locker = Database(database_url)
    release = threading.Event()

    def hold_the_lock() -> None:
        with locker.engine.begin() as connection:
            connection.execute(text("LOCK TABLE processed_events IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(20)

    locked = threading.Event()
    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(5)
        event = _dm_event(bot.slack)
        result = bot.client.send_event(event, event_id="Ev0HUNG", )
        assert result.status >= 500 and result.elapsed < 3.0  # within Slack's 3 s: an error, not a hang
    finally:
        release.set()
        holder.join()
        locker.dispose()
    _answered_once_after_redeliveries(bot, event, "Ev0HUNG")


@needs_postgresql
def test_the_real_process_answers_a_dm_sent_during_a_postgresql_outage_once_it_is_back(
        slack: SlackStandin, database_url: str, tmp_path) -> None:
    """`sogabot run` as deployed, PostgreSQL behind the proxy: cut, a DM, the database back,
    Slack's redeliveries: exactly one answer."""
    import subprocess
    import sys

    from bot.console.signed_client import SignedSlackClient
    from tests.bot.cli.test_run import _env, _free_port

    proxy = proxy_for(database_url)
    port = _free_port()
    env = _env(SLACK_BOT_TOKEN="xoxb-proc", SLACK_SIGNING_SECRET="proc-secret", SLACK_API_URL=slack.url + "/api/",
               PORT=str(port), DATABASE_URL=database_url_through(proxy, database_url), RUN_SCHEDULER="false",
               OUTBOX_DIR=str(tmp_path / "outbox"))
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = SignedSlackClient(f"http://127.0.0.1:{port}", "proc-secret")
    event = _dm_event(slack)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # A first event proves the bot is up (and warms it): answered once.
                if client.send_event(_dm_event(slack, text="bonjour"), event_id="Ev0WARM").status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the bot did not start"
            time.sleep(0.3)
        slack.wait_for("chat.postMessage", timeout=30)
        ledger = Database(database_url)
        try:
            while EventLedger(ledger, lambda: None).status("Ev0WARM") != "done":  # type: ignore[arg-type, return-value]
                assert time.monotonic() < deadline + 30, "the first event was never finished"
                time.sleep(0.2)
        finally:
            ledger.dispose()
        before = len(slack.bot_messages(slack.dm_channel(MEMBER)))

        proxy.cut()
        during = client.send_event(event, event_id="Ev0OUTAGE")
        assert during.status >= 500 and during.elapsed < 3  # not acked: Slack will redeliver
        time.sleep(1.0)
        assert len(slack.bot_messages(slack.dm_channel(MEMBER))) == before

        proxy.restore()
        deadline = time.monotonic() + 30
        retry = 1
        while (status := client.send_event(event, event_id="Ev0OUTAGE", retry_num=retry).status) != 200:
            assert status >= 500 and retry < 3 and time.monotonic() < deadline  # Slack retries three times
            retry += 1
            time.sleep(1.0)
        deadline = time.monotonic() + 30
        while len(slack.bot_messages(slack.dm_channel(MEMBER))) == before:
            assert time.monotonic() < deadline, "no answer after the database came back"
            time.sleep(0.2)
        if retry < 3:
            assert client.send_event(event, event_id="Ev0OUTAGE", retry_num=retry + 1).status == 200
        time.sleep(2.0)
        assert len(slack.bot_messages(slack.dm_channel(MEMBER))) == before + 1
    finally:
        process.terminate()
        process.wait(timeout=20)
        proxy.stop()
