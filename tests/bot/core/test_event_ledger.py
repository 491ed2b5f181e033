from __future__ import annotations

from datetime import timedelta

from bot.core.event_ledger import EventLedger
from tests.support import FakeClock


def test_claim_once_then_take_over_after_the_lease(db, clock: FakeClock) -> None:
    ledger = EventLedger(db, clock)
    assert ledger.claim("Ev1", "message", payload="{}")
    assert not ledger.claim("Ev1", "message")
    clock.advance(minutes=3)
    assert ledger.claim("Ev1", "message")  # the first handler died
    ledger.complete("Ev1")
    clock.advance(minutes=10)
    assert not ledger.claim("Ev1", "message")


def test_abandoned_events_are_given_up_after_three_attempts(db, clock: FakeClock) -> None:
    ledger = EventLedger(db, clock)
    ledger.claim("Ev2", "message", payload="{}")
    taken = []
    for _ in range(4):
        clock.advance(minutes=3)
        taken.append(len(ledger.abandoned()))
    assert taken == [1, 1, 0, 0]
    assert ledger.status("Ev2") == "failed"


def test_prune_keeps_a_week(db, clock: FakeClock) -> None:
    ledger = EventLedger(db, clock)
    ledger.claim("Ev3", "message")
    ledger.complete("Ev3")
    clock.advance(days=6)
    assert ledger.prune() == 0
    clock.advance(days=2)
    assert ledger.prune() == 1
    assert ledger.status("Ev3") is None


def test_effects_are_claimed_once(db, clock: FakeClock) -> None:
    ledger = EventLedger(db, clock)
    assert ledger.claim_effect("Ev4", "reply")
    assert not ledger.claim_effect("Ev4", "reply")


def test_queued_items_are_taken_once_by_concurrent_workers(db, clock: FakeClock) -> None:
    import threading

    ledger = EventLedger(db, clock)
    for n in range(60):
        assert ledger.enqueue(f"Ev{n:03d}", "message", "{}")
    assert not ledger.enqueue("Ev000", "message", "{}")  # a redelivery
    assert not ledger.claim("Ev000", "message")  # queued counts as being handled
    taken: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while batch := ledger.take(7):
            with lock:
                taken.extend(event_id for event_id, _ in batch)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(taken) == [f"Ev{n:03d}" for n in range(60)]
    assert ledger.queue_depth() == (0, None)
    assert {ledger.status(event_id) for event_id in taken} == {"processing"}


def test_take_serves_the_oldest_first_and_can_wait_for_a_grace_period(db, clock: FakeClock) -> None:
    ledger = EventLedger(db, clock)
    ledger.enqueue("EvOLD", "message", "{}")
    clock.advance(seconds=30)
    ledger.enqueue("EvNEW", "message", "{}")
    assert ledger.queue_depth()[0] == 2
    assert ledger.take(5, queued_before=clock() - timedelta(seconds=10)) == [("EvOLD", "{}")]
    assert ledger.take(5) == [("EvNEW", "{}")]


def test_a_pooled_connection_the_server_closed_is_replaced(db, clock: FakeClock) -> None:
    """The ack path's statements skip the checkout ping (one round trip, not three)."""
    import pytest
    from sqlalchemy import text

    if db.is_sqlite:
        pytest.skip("a SQLite connection can't be closed by a server")
    ledger = EventLedger(db, clock)
    assert ledger.enqueue("EvBEFORE", "message", "{}")
    pooled = db.statement_engine.raw_connection()
    backend = pooled.driver_connection.info.backend_pid
    pooled.close()  # back to the pool, where the next enqueue will find it
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    assert ledger.enqueue("EvAFTER", "message", "{}")
    assert ledger.status("EvAFTER") == "queued"
