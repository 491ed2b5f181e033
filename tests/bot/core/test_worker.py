"""BACKGROUND_WORK=worker: the web process stores and acks, a worker does the work.

The web app and the worker are two Bolt apps with their own services on one database, as two
processes would be; `BotHarness(queue_work=True).run_worker()` is one pass of the worker."""

from __future__ import annotations

import json

import pytest

from bot.core.worker import LAZY_PREFIX
from tests.support import MEMBER, BotHarness


@pytest.fixture
def web(settings, db, slack, clock):
    harness = BotHarness(settings, db, slack, clock, queue_work=True)
    yield harness
    harness.close()


def _dm(web: BotHarness, text: str) -> dict:
    message = web.slack.add_message(web.slack.dm_channel(MEMBER), MEMBER, text)
    return dict(message, channel=web.slack.dm_channel(MEMBER), channel_type="im", event_ts=message["ts"])


def _replies(web: BotHarness) -> list[dict]:
    return web.slack.bot_messages(web.slack.dm_channel(MEMBER))


def test_the_web_process_stores_and_acks_and_the_worker_answers_once(web: BotHarness) -> None:
    event = _dm(web, "Qui finance DIGISET ?")
    assert web.client.send_event(event, event_id="Ev0QUEUED").status == 200
    assert web.services.executor.wait_idle(5)
    assert _replies(web) == [] and not web.slack.calls_to("reactions.add")  # no sign of handling yet
    assert web.services.ledger.status("Ev0QUEUED") == "queued"
    # Slack redelivers while it waits in the queue: dropped.
    assert web.client.send_event(event, event_id="Ev0QUEUED", retry_num=1).status == 200

    assert web.run_worker() == 1
    replies = _replies(web)
    assert len(replies) == 1 and "COSME" in replies[0]["text"]
    assert web.services.ledger.status("Ev0QUEUED") == "done"
    # ...and after it was handled: dropped too, nothing left to run.
    assert web.client.send_event(event, event_id="Ev0QUEUED", retry_num=2).status == 200
    assert web.run_worker() == 0
    assert len(_replies(web)) == 1


def test_a_slash_commands_work_is_queued_and_answered_by_the_worker(web: BotHarness) -> None:
    result, key = web.client.command("/ask", "Qui finance DIGISET ?", MEMBER, web.slack.dm_channel(MEMBER))
    assert result.status == 200
    assert web.services.executor.wait_idle(5)
    assert web.responses(key) == []
    assert web.services.ledger.queue_depth()[0] == 1

    assert web.run_worker() == 1
    answers = web.responses(key)
    assert answers and "COSME" in json.dumps(answers, ensure_ascii=False)
    assert web.services.ledger.queue_depth()[0] == 0


def test_a_request_claiming_to_be_stored_work_is_handled_as_any_other(web: BotHarness) -> None:
    """Bolt runs a request marked "lazy only" at once and without its ack; only the worker may
    mark one (its requests come from the database), never a request from outside."""
    fields = {
        "token": "t", "team_id": "T0SOGA", "channel_id": web.slack.dm_channel(MEMBER), "user_id": MEMBER,
        "command": "/ask", "text": "Qui finance DIGISET ?", "response_url": web.slack.url + "/response/forged",
        "trigger_id": "trig.forged",
    }
    headers = {"X-Slack-Bolt-Lazy-Only": "1", "X-Slack-Bolt-Lazy-Function-Name": "run_ask"}
    assert web.client.post_form(fields, headers=headers).status == 200
    assert web.services.executor.wait_idle(5)
    assert web.responses("forged") == []  # not run in the web process...
    assert web.services.ledger.queue_depth()[0] == 1  # ...but stored, like any command
    web.run_worker()
    assert web.responses("forged")


def test_without_a_worker_the_web_process_runs_what_waited_too_long(web: BotHarness, clock) -> None:
    assert web.client.send_event(_dm(web, "Qui finance DIGISET ?"), event_id="Ev0NOWORKER").status == 200
    assert web.app.stored_work.take_over_stale() == 0  # a worker may still take it
    clock.advance(minutes=2)
    assert web.app.stored_work.take_over_stale() == 1
    assert web.services.executor.wait_idle(10)
    assert len(_replies(web)) == 1
    assert web.run_worker() == 0


def test_an_item_whose_worker_died_is_run_once_by_recovery(web: BotHarness, clock) -> None:
    result, key = web.client.command("/ask", "Qui finance DIGISET ?", MEMBER, web.slack.dm_channel(MEMBER))
    assert result.status == 200
    [(item_id, _payload)] = web.services.ledger.take(10)  # a worker took it, then was killed
    assert item_id.startswith(LAZY_PREFIX)
    assert web.worker.recover_abandoned() == 0  # within its lease: maybe still running
    clock.advance(minutes=3)
    assert web.worker.recover_abandoned() == 1
    assert web.worker_services.executor.wait_idle(10)  # type: ignore[union-attr]
    assert len(web.responses(key)) == 1
    assert web.services.ledger.status(item_id) == "done"
    assert web.worker.recover_abandoned() == 0


def test_a_queue_that_could_not_be_read_keeps_the_workers_threads(web: BotHarness) -> None:
    """The database away while the worker looks (its take and its recovery fail): once it is
    back, the worker still has every thread for the next items."""
    from sqlalchemy.exc import DBAPIError

    from tests.bot.slack.test_unstored import ledger_unwritable

    assert web.worker is not None
    with ledger_unwritable(web.services.db):
        for look in (web.worker.drain_once, web.worker.recover_abandoned):
            with pytest.raises(DBAPIError):  # SQLite: OperationalError; PostgreSQL: ProgrammingError
                look()
    for n in range(3):
        assert web.client.send_event(_dm(web, "Qui finance DIGISET ?"), event_id=f"Ev0AFTER{n}").status == 200
    assert web.services.executor.wait_idle(5)
    assert web.run_worker() == 3
    assert len(_replies(web)) == 3
