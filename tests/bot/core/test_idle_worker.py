"""A quiet idle worker (#17): it backs off to at most one look at the queue a second, yet
work stored while it idles starts at once on PostgreSQL (the web process's NOTIFY), and under
load it never backs off."""

from __future__ import annotations

import os
import threading
import time

from sqlalchemy import event

from tests.support import MEMBER, BotHarness

POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
IDLE_SECONDS = 4.0


def _serve(web: BotHarness) -> tuple[threading.Event, threading.Thread, list[float]]:
    transactions: list[float] = []
    event.listen(web.worker_services.db.engine, "begin", lambda _connection: transactions.append(time.monotonic()))  # type: ignore[union-attr]
    stop = threading.Event()
    thread = threading.Thread(target=web.worker.serve, args=(stop,), kwargs={"recovery_every": 3600})
    thread.start()
    return stop, thread, transactions


def _dm(web: BotHarness, text: str) -> None:
    message = web.slack.add_message(web.slack.dm_channel(MEMBER), MEMBER, text)
    assert web.client.send_event(dict(message, channel=web.slack.dm_channel(MEMBER), channel_type="im",
                                      event_ts=message["ts"])).status == 200


def test_an_idle_worker_looks_at_most_once_a_second_and_still_starts_work_quickly(settings, db, slack, clock) -> None:
    web = BotHarness(settings, db, slack, clock, queue_work=True)
    stop, thread, transactions = _serve(web)
    try:
        time.sleep(1.0)  # the back-off reaches its ceiling
        started = time.monotonic()
        time.sleep(IDLE_SECONDS)
        idle = [t for t in transactions if t >= started]
        assert len(idle) <= IDLE_SECONDS + 1, f"{len(idle)} transactions in {IDLE_SECONDS} s idle"

        arrived = time.monotonic()
        _dm(web, "bonjour")
        slack.wait_for("chat.postMessage", timeout=10)
        taken_after = next(t for t in transactions if t >= arrived) - arrived
        # PostgreSQL: woken by the NOTIFY; SQLite: within the back-off's ceiling.
        assert taken_after < (0.5 if POSTGRESQL else 1.5), taken_after
    finally:
        stop.set()
        thread.join(10)
        web.close()
