"""The Q&A rate limit holds against a burst (#14, 10): questions are counted when they
arrive, so 30 sent at once make at most RATE_LIMIT_QUESTIONS LLM calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot.knowledge import records
from tests.fakes.openai_standin import OpenAIStandin, default_responder
from tests.support import MEMBER, BotHarness, make_settings

BURST = 30


@pytest.fixture
def model() -> Iterator[OpenAIStandin]:
    with OpenAIStandin(api_key="test") as server:
        def slowish(messages):
            threading.Event().wait(0.3)  # the whole burst is in flight before any answer is logged
            return default_responder(messages)

        server.responder = slowish
        yield server


def test_thirty_questions_at_once_make_at_most_the_limit_of_llm_calls(slack, database_url, db, clock, tmp_path, model) -> None:
    settings = make_settings(slack, database_url, outbox_dir=tmp_path / "outbox", openai_api_key="test",
                             openai_base_url=model.url + "/v1", openai_timeout_seconds=20)
    bot = BotHarness(settings, db, slack, clock)
    try:
        channel = slack.dm_channel(MEMBER)

        def ask(n: int) -> None:
            message = slack.add_message(channel, MEMBER, "Qui finance DIGISET ?")  # the same question: each one is in scope
            assert bot.client.send_event(dict(message, channel=channel, channel_type="im", event_ts=message["ts"])).status == 200

        senders = [threading.Thread(target=ask, args=(n,)) for n in range(BURST)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        bot.wait_idle(60)
    finally:
        bot.close()
    assert 1 <= len(model.prompts()) <= records.RATE_LIMIT_QUESTIONS
    replies = slack.bot_messages(slack.dm_channel(MEMBER))
    limited = [r for r in replies if "minute" in r.get("text", "")]
    assert len(replies) == BURST and len(limited) == BURST - records.RATE_LIMIT_QUESTIONS
