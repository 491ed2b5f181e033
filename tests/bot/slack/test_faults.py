"""Faults through the whole app: Slack rate-limits or fails while the bot replies, the process is
killed mid-event, SQLite has concurrent writers. The member hears once, never twice, never nothing
(when Slack lets us speak at all), and the event ledger records how each event ended."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from bot.console.signed_client import SignedSlackClient
from bot.console.slack_standin import SlackStandin
from tests.bot.cli.test_run import _env, _free_port
from tests.support import ENGLISH_MEMBER, MEMBER, BotHarness, FakeClock

ROOT = Path(__file__).resolve().parents[3]


def _dm(bot: BotHarness, user: str, text: str, event_id: str):
    message = bot.slack.add_message(bot.slack.dm_channel(user), user, text)
    event = dict(message, channel=bot.slack.dm_channel(user), channel_type="im", event_ts=message["ts"])
    result = bot.client.send_event(event, event_id=event_id)
    bot.wait_idle()
    return result


def test_a_dm_reply_under_a_429_is_posted_exactly_once(bot: BotHarness) -> None:
    bot.slack.fail(r"chat\.postMessage$", status=429, retry_after=0)
    assert _dm(bot, MEMBER, "bonjour", "Ev0RATE").status == 200
    assert len(bot.slack.calls_to("chat.postMessage")) == 2  # refused once, then accepted
    replies = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))
    assert len(replies) == 1 and "bot du SOGA" in replies[0]["text"]
    assert bot.services.ledger.status("Ev0RATE") == "done"


def test_slack_500s_end_in_a_logged_error_and_the_member_told_once(bot: BotHarness, caplog) -> None:
    # The reply's three attempts (one plus two retries with backoff) all get a 500.
    bot.slack.fail(r"chat\.postMessage$", status=500, times=3)
    with caplog.at_level(logging.ERROR):
        assert _dm(bot, MEMBER, "bonjour", "Ev0DOWN").status == 200
    assert len(bot.slack.calls_to("chat.postMessage")) == 4
    replies = bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))
    assert len(replies) == 1 and "Oups" in replies[0]["text"]  # told, not helped, and only once
    assert any("failed" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert bot.services.ledger.status("Ev0DOWN") == "failed"


def test_when_slack_stays_down_nothing_crashes_and_the_next_event_is_answered(bot: BotHarness, caplog) -> None:
    bot.slack.fail(r"chat\.postMessage$", kind="drop", times=6)  # the reply and the apology
    with caplog.at_level(logging.ERROR):
        assert _dm(bot, MEMBER, "bonjour", "Ev0GONE").status == 200
    assert bot.slack.bot_messages() == []
    assert any("could not tell the member" in r.getMessage() for r in caplog.records)
    assert bot.services.ledger.status("Ev0GONE") == "failed"
    # A redelivery doesn't bring the failed event back; the next question is answered.
    assert bot.client.send_event({"type": "message"}, event_id="Ev0GONE", retry_num=1).status == 200
    assert _dm(bot, ENGLISH_MEMBER, "hello", "Ev0BACK").status == 200
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(ENGLISH_MEMBER))) == 1


def test_a_process_killed_mid_event_then_redelivery_replies_exactly_once(
    slack: SlackStandin, database_url: str, settings, db, tmp_path: Path
) -> None:
    port = _free_port()
    env = _env(
        SLACK_BOT_TOKEN="xoxb-proc", SLACK_SIGNING_SECRET="proc-secret", SLACK_API_URL=slack.url + "/api/",
        PORT=str(port), DATABASE_URL=database_url, RUN_SCHEDULER="false", OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The handler will hang on its first Slack call (the member's profile), mid-event.
    slack.fail(r"users\.info$", kind="timeout", delay=20)
    message = slack.add_message(slack.dm_channel(MEMBER), MEMBER, "bonjour")
    event = dict(message, channel=slack.dm_channel(MEMBER), channel_type="im", event_ts=message["ts"])
    try:
        client = SignedSlackClient(f"http://127.0.0.1:{port}", "proc-secret")
        deadline = time.monotonic() + 30
        while True:
            try:
                assert client.send_event(event, event_id="Ev0KILLED").status == 200
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "the bot did not start"
                time.sleep(0.2)
        slack.wait_for("users.info", timeout=15)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert slack.bot_messages() == []

    # Restarted (in-process here, so the test controls the clock), Slack redelivers the event.
    clock = FakeClock(datetime.now(timezone.utc))
    restarted = BotHarness(settings, db, slack, clock)
    try:
        assert restarted.services.ledger.status("Ev0KILLED") == "processing"
        assert restarted.client.send_event(event, event_id="Ev0KILLED", retry_num=1).status == 200
        restarted.wait_idle()
        assert slack.bot_messages() == []  # within the lease: the dead handler might be alive
        clock.advance(minutes=3)
        assert restarted.app.recover_abandoned() == 1
        restarted.wait_idle()
        assert restarted.client.send_event(event, event_id="Ev0KILLED", retry_num=2).status == 200
        restarted.wait_idle()
        assert restarted.app.recover_abandoned() == 0
    finally:
        restarted.close()
    assert len(slack.bot_messages(slack.dm_channel(MEMBER))) == 1
    assert restarted.services.ledger.status("Ev0KILLED") == "done"


def test_concurrent_writers_never_show_database_is_locked(bot: BotHarness, caplog) -> None:
    """HTTP threads claim and finish events while a scheduler-like thread holds write
    transactions; on SQLite writers queue on busy_timeout instead of failing."""
    stop = threading.Event()
    writes = []

    def scheduler() -> None:
        index = 0
        while not stop.is_set():
            with bot.services.db.session() as session:  # a job's unit of work, holding the lock a while
                bot.services.members.set_opt_out(f"U0JOB{index % 5}", index % 2 == 0)
                session.connection()
                time.sleep(0.02)
            writes.append(index)
            index += 1
            stop.wait(0.01)  # a job does other things between its units of work

    users = [f"U0CONC{index:02d}" for index in range(12)]
    for user in users:
        bot.slack.add_user(user, user.lower())
    job = threading.Thread(target=scheduler)
    job.start()
    try:
        with caplog.at_level(logging.WARNING):
            threads = [threading.Thread(target=lambda u=u, i=i: bot.client.send_event(dict(
                bot.slack.add_message(bot.slack.dm_channel(u), u, "bonjour"), channel=bot.slack.dm_channel(u),
                channel_type="im"), event_id=f"Ev0CONC{i:02d}")) for i, u in enumerate(users)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            bot.wait_idle()
    finally:
        stop.set()
        job.join()
    assert writes, "the scheduler-like writer never ran"
    for user in users:
        replies = bot.slack.bot_messages(bot.slack.dm_channel(user))
        assert len(replies) == 1 and "Oups" not in replies[0]["text"]
    assert not [r for r in caplog.records if "locked" in r.getMessage() or r.levelno >= logging.ERROR]
    assert all(bot.services.ledger.status(f"Ev0CONC{i:02d}") == "done" for i in range(len(users)))

