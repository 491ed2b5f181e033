"""Exactly-once handling of Events API deliveries, across redeliveries, restarts and crashes.

Slack redelivers an event (with `X-Slack-Retry-Num`) when it got no 200 within 3 s, and we ack
before the slow work. Two ways to get this wrong: handle a redelivery a second time (a double
reply, a double vote), or ack, crash, and lose the event. So the claim is written to the
database before the ack, with the raw body:

- a first delivery inserts the row (`processing`) and is handled;
- a later delivery of a `done` event, or of one still `processing` within its lease, is acked
  and dropped: the first handler owns it;
- a `processing` row whose lease has expired means its handler died. The redelivery takes it
  over, and so does `recover()`, which the app runs on start and every minute, so an event
  acked just before a crash is still handled once Slack has stopped retrying.

The body is cleared when the event is done, so message text lives only while it is handled.
A handler that crashes between its side effect and `complete()` could repeat that effect on
takeover; handlers that post make the effect itself idempotent with `claim_effect`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import Database
from bot.store.models import ProcessedEvent

LEASE = timedelta(seconds=120)
KEEP_DONE = timedelta(days=7)
# An event whose handler died this many times is given up (logged), not retried forever.
MAX_ATTEMPTS = 3


class EventLedger:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def claim(self, event_id: str, event_type: str, payload: str | None = None) -> bool:
        """True when this caller must handle the event, False when it was or is being handled."""
        now = self._clock()
        try:
            with self._db.session() as session:
                session.add(
                    ProcessedEvent(
                        event_id=event_id, event_type=event_type[:64], status="processing",
                        attempts=1, claimed_at=now, payload=payload,
                    )
                )
            return True
        except IntegrityError:
            pass
        with self._db.session() as session:
            taken = session.execute(
                update(ProcessedEvent)
                .where(
                    ProcessedEvent.event_id == event_id,
                    ProcessedEvent.status == "processing",
                    ProcessedEvent.claimed_at < now - LEASE,
                )
                .values(claimed_at=now, attempts=ProcessedEvent.attempts + 1)
            )
            return taken.rowcount == 1

    def claim_effect(self, event_id: str, effect: str) -> bool:
        """Claim a named side effect of an event once (e.g. 'reply'); False if already done."""
        return self.claim(f"{event_id}:{effect}"[:64], "effect")

    def complete(self, event_id: str) -> None:
        with self._db.session() as session:
            session.execute(
                update(ProcessedEvent)
                .where(ProcessedEvent.event_id == event_id)
                .values(status="done", completed_at=self._clock(), payload=None)
            )

    def abandoned(self) -> list[tuple[str, str]]:
        """(event_id, payload) of events whose handler died; each is re-claimed for the caller."""
        now = self._clock()
        with self._db.session() as session:
            rows = session.execute(
                select(ProcessedEvent.event_id, ProcessedEvent.payload).where(
                    ProcessedEvent.status == "processing",
                    ProcessedEvent.claimed_at < now - LEASE,
                    ProcessedEvent.payload.is_not(None),
                )
            ).all()
            taken = []
            session.execute(
                update(ProcessedEvent)
                .where(
                    ProcessedEvent.status == "processing",
                    ProcessedEvent.claimed_at < now - LEASE,
                    ProcessedEvent.attempts >= MAX_ATTEMPTS,
                )
                .values(status="failed", completed_at=now, payload=None)
            )
            for event_id, payload in rows:
                result = session.execute(
                    update(ProcessedEvent)
                    .where(
                        ProcessedEvent.event_id == event_id,
                        ProcessedEvent.status == "processing",
                        ProcessedEvent.claimed_at < now - LEASE,
                    )
                    .values(claimed_at=now, attempts=ProcessedEvent.attempts + 1)
                )
                if result.rowcount == 1:
                    taken.append((event_id, payload))
            return taken

    def status(self, event_id: str) -> str | None:
        with self._db.session() as session:
            return session.scalar(select(ProcessedEvent.status).where(ProcessedEvent.event_id == event_id))

    def prune(self) -> int:
        """Forget finished events after a week: Slack stops redelivering after about an hour."""
        with self._db.session() as session:
            result = session.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.status.in_(("done", "failed")),
                    ProcessedEvent.completed_at < self._clock() - KEEP_DONE,
                )
            )
            return result.rowcount or 0
