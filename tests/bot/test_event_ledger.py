from __future__ import annotations

from bot.event_ledger import EventLedger
from tests.support import FakeClock


def test_claim_once_then_take_over_after_the_lease(db, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ledger = EventLedger(db, clock)
    assert ledger.claim("Ev1", "message", payload="{}")
    assert not ledger.claim("Ev1", "message")
    clock.advance(minutes=3)
    assert ledger.claim("Ev1", "message")  # the first handler died
    ledger.complete("Ev1")
    clock.advance(minutes=10)
    assert not ledger.claim("Ev1", "message")


def test_abandoned_events_are_given_up_after_three_attempts(db, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ledger = EventLedger(db, clock)
    ledger.claim("Ev2", "message", payload="{}")
    taken = []
    for _ in range(4):
        clock.advance(minutes=3)
        taken.append(len(ledger.abandoned()))
    assert taken == [1, 1, 0, 0]
    assert ledger.status("Ev2") == "failed"


def test_prune_keeps_a_week(db, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ledger = EventLedger(db, clock)
    ledger.claim("Ev3", "message")
    ledger.complete("Ev3")
    clock.advance(days=6)
    assert ledger.prune() == 0
    clock.advance(days=2)
    assert ledger.prune() == 1
    assert ledger.status("Ev3") is None


def test_effects_are_claimed_once(db, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ledger = EventLedger(db, clock)
    assert ledger.claim_effect("Ev4", "reply")
    assert not ledger.claim_effect("Ev4", "reply")
