"""One run per event while its owner lives (#14, 2): the lease is renewed while the handler
waits and runs, and a re-run after a crash neither posts again nor counts again."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from bot.console.slack_standin import BOT_USER_ID
from bot.core import event_ledger
from bot.growth.models import Activity
from bot.slack.app import start_recovery_loop
from bot.store.models import ProcessedEvent
from tests.fakes.openai_standin import OpenAIStandin, default_responder
from tests.support import MEMBER, BotHarness, FakeClock, make_settings

CHANNEL = "C0CHAT"


def _crashed_after_handling(bot: BotHarness, event_id: str, envelope: dict) -> None:
    """The row as a kill -9 after the handler's effects, before `complete`, leaves it."""
    with bot.services.db.engine.begin() as connection:
        connection.execute(update(ProcessedEvent).where(ProcessedEvent.event_id == event_id).values(
            status="processing", completed_at=None, payload=json.dumps(envelope), claimed_at=bot.services.clock()))


def _dm(bot: BotHarness, user: str, text: str, event_id: str) -> dict:
    message = bot.slack.add_message(bot.slack.dm_channel(user), user, text)
    event = dict(message, channel=bot.slack.dm_channel(user), channel_type="im", event_ts=message["ts"])
    assert bot.client.send_event(event, event_id=event_id).status == 200
    return bot.client.envelope(event, event_id)


def test_a_rerun_after_a_crash_after_the_reply_does_not_reply_again(bot: BotHarness, clock: FakeClock) -> None:
    envelope = _dm(bot, MEMBER, "Qui finance DIGISET ?", "Ev0POSTED")
    bot.wait_idle()
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))) == 1
    _crashed_after_handling(bot, "Ev0POSTED", envelope)
    clock.advance(minutes=3)  # the fixture's clock is the bot's
    assert bot.app.recover_abandoned() == 1  # type: ignore[attr-defined]  # build_app attaches it to Bolt's App
    bot.wait_idle()
    assert len(bot.slack.bot_messages(bot.slack.dm_channel(MEMBER))) == 1
    assert bot.services.ledger.status("Ev0POSTED") == "done"


def test_a_rerun_after_a_crash_does_not_count_a_message_twice(bot: BotHarness, clock: FakeClock) -> None:
    message = bot.slack.add_message(CHANNEL, MEMBER, "Bonjour à toutes et à tous")
    event = dict(message, channel=CHANNEL, channel_type="channel", event_ts=message["ts"])
    assert bot.client.send_event(event, event_id="Ev0COUNTED").status == 200
    bot.wait_idle()

    def counted() -> int:
        with bot.services.db.session() as session:
            return int(session.execute(select(func.coalesce(func.sum(Activity.messages), 0)).where(Activity.user_id == MEMBER)).scalar_one())

    assert counted() == 1
    _crashed_after_handling(bot, "Ev0COUNTED", bot.client.envelope(event, "Ev0COUNTED"))
    clock.advance(minutes=3)  # the fixture's clock is the bot's
    assert bot.app.recover_abandoned() == 1  # type: ignore[attr-defined]  # build_app attaches it to Bolt's App
    bot.wait_idle()
    assert counted() == 1
    assert bot.services.ledger.status("Ev0COUNTED") == "done"


def test_a_rerun_after_a_crash_after_a_streamed_answer_replaces_it_instead_of_streaming_again(
        slack, database_url, db, clock, tmp_path) -> None:
    with OpenAIStandin(api_key="test") as model:
        model.responder = lambda messages: "STATUS: ANSWER\nSOURCES: 1\nDIGISET est financé par le programme COSME [1]."
        settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", openai_api_key="test",
                                 openai_base_url=model.url + "/v1", openai_timeout_seconds=5)
        bot = BotHarness(settings, db, slack, clock)
        try:
            message = slack.add_message("C0GENERAL", MEMBER, f"<@{BOT_USER_ID}> Qui finance DIGISET ?")
            event = dict(message, type="app_mention", channel="C0GENERAL", event_ts=message["ts"])
            assert bot.client.send_event(event, event_id="Ev0STREAM").status == 200
            bot.wait_idle()
            [streamed] = slack.bot_messages("C0GENERAL")
            assert len(slack.calls_to("chat.startStream")) == 1
            _crashed_after_handling(bot, "Ev0STREAM", bot.client.envelope(event, "Ev0STREAM"))
            clock.advance(minutes=3)
            assert bot.app.recover_abandoned() == 1  # type: ignore[attr-defined]  # build_app attaches it to Bolt's App
            bot.wait_idle()
            assert len(slack.calls_to("chat.startStream")) == 1  # not a second stream
            assert not slack.calls_to("chat.postMessage")
            [update] = slack.calls_to("chat.update")
            assert update.params["ts"] == streamed["ts"]
            [reply] = slack.bot_messages("C0GENERAL")
            assert "COSME" in reply["text"]
            assert bot.services.ledger.status("Ev0STREAM") == "done"
        finally:
            bot.close()


# -- real time: a lease of 1 s, a model that takes longer, more questions than threads --------
LEASE = timedelta(seconds=1)
QUESTIONS = 12
THREADS = 4  # three rounds of answers: the last ones wait twice the lease for a thread


@pytest.fixture
def slow_model() -> Iterator[OpenAIStandin]:
    with OpenAIStandin(api_key="test") as server:
        def slow(messages):
            threading.Event().wait(0.8)
            return default_responder(messages)

        server.responder = slow
        yield server


def test_slow_answers_and_a_backlog_longer_than_the_lease_are_answered_once_each(
        slack, database_url, db, tmp_path, slow_model, monkeypatch) -> None:
    monkeypatch.setattr(event_ledger, "LEASE", LEASE)
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", openai_api_key="test",
                             openai_base_url=slow_model.url + "/v1", openai_timeout_seconds=20)
    bot = BotHarness(settings, db, slack, threads=THREADS)  # the real clock
    stop = threading.Event()
    start_recovery_loop(bot.app, stop, interval=0.1)  # recovery, eager to take over anything expired
    users = [f"U0SLOW{n:02d}" for n in range(QUESTIONS)]
    try:
        for user in users:
            slack.add_user(user, user.lower())
        senders = [threading.Thread(target=_dm, args=(bot, user, "Qui finance DIGISET ?", f"Ev0SLOW{n:02d}"))
                   for n, user in enumerate(users)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        assert bot.services.executor.wait_idle(60)
        stop.wait(0.5)  # a last recovery round or two would find any expired leftover
        assert bot.services.executor.wait_idle(60)
    finally:
        stop.set()
        bot.close()
    assert len(slow_model.prompts()) >= QUESTIONS  # the answers did wait for the model
    answers = {user: len(slack.bot_messages(slack.dm_channel(user))) for user in users}
    assert answers == {user: 1 for user in users}
    with db.engine.connect() as connection:
        statuses = connection.execute(text(
            "SELECT status, count(*) FROM processed_events WHERE event_id LIKE 'Ev0SLOW%' AND event_type <> 'effect' GROUP BY status")).all()
    assert dict(statuses) == {"done": QUESTIONS}
