"""Exactly-once handling of Events API deliveries, across redeliveries, restarts and crashes.

Slack redelivers an event (with `X-Slack-Retry-Num`) when it got no 200 within 3 s, and we ack
before the slow work. Two ways to get this wrong: handle a redelivery a second time (a double
reply, a double vote), or ack, crash, and lose the event. So the claim is written to the
database before the ack, with the raw body:

- a first delivery inserts the row (`processing`) and is handled;
- a later delivery of a `done`/`failed` event, or of one still `processing` within its lease,
  is acked and dropped: the first handler owns it;
- a `processing` row whose lease has expired means its handler died. The redelivery takes it
  over, and so does `abandoned()`, which the app runs on start and every minute, so an event
  acked just before a crash is still handled once Slack has stopped retrying.

Crash windows, and why each one is safe:
- killed before the claim is committed, or the claim can't be written (the database is down
  or hangs past the ack path's timeouts, bot.store.db): no 200 is sent (bot.slack.app's
  on_error answers 503), Slack redelivers, the redelivery claims it. Nothing lost, nothing
  doubled.
- killed after the claim, before the ack: Slack's redeliveries arrive within the lease and are
  dropped (we can't tell a dead owner from a slow one), then recovery handles the event once
  its lease expires: late (at most LEASE + the recovery interval), never lost.
- killed while handling: same as above; the handler runs again from the start. Effects that
  happened before the crash could repeat, so they are recorded with `claim_effect` right after
  they happen and checked with `effect_done` on a retried attempt (`attempts > 1`) before
  they happen again: bot.core.effects does it for every post of an event's handlers (a
  deterministic key per post) and for its observers (one record once they all ran). What is left is the instant between
  the effect and its record; a lease-free design can't close it either, because Slack's
  Web API takes no idempotency key.
- killed after the handler, before `complete()`: the event is handled again on recovery,
  which the effect records above make harmless.
A lease (rather than "a row from another process is dead") keeps two live processes, e.g. the
old and new one during a deploy, from both handling an event. The lease lasts while its owner
lives: the ledger renews every row its process holds (claimed, taken or recovered, until
`complete`) every lease/4, whether it is running or still waiting for a thread, so a slow
handler (an LLM, a Retry-After) or a long queue is never mistaken for a dead one; only a dead
process stops renewing.

The body is cleared when the event is finished, so message text lives only while it is
handled. A handler that raised is recorded as `failed` (the member was told): it is not
retried, because its effects may have half happened.

The claim sits on the ack path of every event, so it is one INSERT ... ON CONFLICT DO
NOTHING in one short transaction, straight on the driver (DriverStatement): see
bench/README.md for what it costs.

With a worker process (BACKGROUND_WORK=worker, see bot/core/worker.py), the web process only
*enqueues*: the row goes in as `queued`, the ack goes out, and a worker `take`s it (queued →
processing, with the lease) and handles it. A redelivery of a queued event is dropped like one
being handled. The work of commands and buttons (Bolt's lazy listeners) is queued the same way,
under a `lazy:` id, since Slack never redelivers those. Crash windows are the same as above:
the row is written before the ack, and a taken row whose worker died is recovered.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.store.db import Database, DriverStatement
from bot.store.models import ProcessedEvent

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
WORK_CHANNEL = "sogabot_work"  # the NOTIFY channel idle workers LISTEN on (bot.core.worker)
KEEP_DONE = timedelta(days=7)
# An event whose handler died this many times is given up (logged), not retried forever.
MAX_ATTEMPTS = 3


class EventLedger:
    def __init__(self, db: Database, clock: Callable[[], datetime], *, lease: timedelta = LEASE) -> None:
        self.db = db
        self._db = db
        self._clock = clock
        self.lease = lease
        # The rows this process holds under the lease, renewed until they are completed.
        self._owned: set[str] = set()
        self._owned_lock = threading.Lock()
        self._renewer: threading.Thread | None = None
        # Called once a queued row is in: a worker child of this process waits on it
        # (bot.cli.companion), as other workers wait on PostgreSQL's NOTIFY.
        self.on_enqueued: Callable[[], None] | None = None
        table = ProcessedEvent.__table__
        self._table = table
        # Built once and executed with parameters, so SQLAlchemy compiles them once (building a
        # statement per call cost more than SQLite's own work on the ack path).
        insert = sqlite_insert if db.is_sqlite else postgresql_insert
        # RETURNING says whether the row went in (psycopg reports rowcount -1 for this statement).
        self._insert_new = insert(table).on_conflict_do_nothing(index_elements=["event_id"]).returning(table.c.event_id)
        self._insert_fast = DriverStatement(db.statement_engine, self._insert_new)
        # Enqueueing wakes idle workers (bot.core.worker.WorkSignal): on PostgreSQL a NOTIFY in
        # the insert's own statement, sent only if the row went in, so still one round trip.
        self._enqueue_fast = self._insert_fast
        if not db.is_sqlite:
            inserted = self._insert_new.cte("inserted")
            self._enqueue_fast = DriverStatement(db.statement_engine, select(
                inserted.c.event_id, func.pg_notify(literal(WORK_CHANNEL), literal(""))).select_from(inserted))
        self._take_over = (
            update(table)
            .where(table.c.event_id == bindparam("id"), table.c.status == "processing", table.c.claimed_at < bindparam("expired"))
            .values(claimed_at=bindparam("now"), attempts=table.c.attempts + 1)
            .returning(table.c.event_id)
        )
        # On the ack path too (a redelivery), so on the driver with the ack path's timeouts.
        self._take_over_fast = DriverStatement(db.statement_engine, self._take_over)
        self._take_queued = (
            update(table)
            .where(table.c.event_id.in_(bindparam("ids", expanding=True)), table.c.status == "queued")
            .values(status="processing", claimed_at=bindparam("now"), attempts=table.c.attempts + 1)
            .returning(table.c.event_id)
        )
        self._finish = update(table).where(table.c.event_id == bindparam("id")).values(
            status=bindparam("status"), completed_at=bindparam("now"), payload=None
        )
        self._finish_if_processing = self._finish.where(table.c.status == "processing")
        self._renew = (
            update(table)
            .where(table.c.event_id.in_(bindparam("ids", expanding=True)), table.c.status == "processing")
            .values(claimed_at=bindparam("now"))
        )

    # -- the lease of what this process holds ------------------------------------------------
    def _own(self, event_ids: list[str]) -> None:
        if not event_ids:
            return
        with self._owned_lock:
            self._owned.update(event_ids)
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew_forever, name="sogabot-lease", daemon=True)
                self._renewer.start()

    def renew(self) -> int:
        """Push back the lease of every row this process holds; how many were still ours."""
        with self._owned_lock:
            ids = list(self._owned)
        if not ids:
            return 0
        with self._db.engine.begin() as connection:
            return connection.execute(self._renew, dict(ids=ids, now=self._clock())).rowcount or 0

    def _renew_forever(self) -> None:
        while True:
            time.sleep(self.lease.total_seconds() / 4)
            try:
                self.renew()
            except Exception:  # the database gone for a moment: the next turn tries again
                log.warning("could not renew the lease of the events being handled", exc_info=True)

    def enqueue(self, event_id: str, event_type: str, payload: str) -> bool:
        """Store an event (or a lazy listener's work) for a worker; False if it already was."""
        stored = bool(self._enqueue_fast.rows(dict(
            event_id=event_id, event_type=event_type[:64], status="queued",
            attempts=0, claimed_at=self._clock(), completed_at=None, payload=payload,
        )))
        if stored and self.on_enqueued is not None:
            self.on_enqueued()
        return stored

    def take(self, limit: int, *, queued_before: datetime | None = None) -> list[tuple[str, str]]:
        """(event_id, payload) of up to `limit` queued items, oldest first, each now claimed by
        the caller under the lease. Several workers can call this at once: the one conditional
        UPDATE lets exactly one of them take a row, and says which rows it took."""
        now = self._clock()
        table = self._table
        query = select(table.c.event_id, table.c.payload).where(table.c.status == "queued")
        if queued_before is not None:
            query = query.where(table.c.claimed_at < queued_before)
        # Read first, without the write lock: an idle worker polls often, and on SQLite a write
        # transaction per poll would make the web process's enqueue wait for it.
        with self._db.reading() as connection:
            rows = connection.execute(query.order_by(table.c.claimed_at).limit(limit)).all()
        if not rows:
            return []
        with self._db.engine.begin() as connection:
            ours = set(connection.execute(self._take_queued, dict(ids=[event_id for event_id, _ in rows], now=now)).scalars())
        self._own(list(ours))
        return [(event_id, payload) for event_id, payload in rows if event_id in ours]

    def queue_depth(self) -> tuple[int, datetime | None]:
        """How many items wait for a worker, and since when the oldest has waited."""
        table = self._table
        with self._db.reading() as connection:
            count, oldest = connection.execute(
                select(func.count(), func.min(table.c.claimed_at)).where(table.c.status == "queued")
            ).one()
            return count, oldest

    def claim(self, event_id: str, event_type: str, payload: str | None = None) -> int:
        """Which attempt this caller must run (1 for a first delivery, more when it takes over
        from a dead handler), or 0 (falsy) when the event was or is being handled."""
        now = self._clock()
        if self._insert_fast.rows(dict(
            event_id=event_id, event_type=event_type[:64], status="processing",
            attempts=1, claimed_at=now, completed_at=None, payload=payload,
        )):
            self._own([event_id])
            return 1
        # Already there (a redelivery, usually): ours only if its handler's lease has expired.
        # The conditional UPDATE is atomic on its own, so it needs no transaction with the insert.
        if self._take_over_fast.rows(dict(id=event_id, expired=now - self.lease, now=now)):
            self._own([event_id])
            return 2  # at least: an earlier handler died
        return 0

    def attempts(self, event_id: str) -> int:
        """How many times the event was claimed (more than 1: an earlier handler died)."""
        with self._db.reading() as connection:
            return connection.scalar(select(self._table.c.attempts).where(self._table.c.event_id == event_id)) or 0

    @staticmethod
    def _effect_key(event_id: str, effect: str) -> str:
        return f"{event_id}:{effect}"[:64]

    def claim_effect(self, event_id: str, effect: str, result: str | None = None) -> bool:
        """Record that a named side effect of an event (e.g. 'reply') happened; False if it
        already had. The record is final (`done`), never a lease: an effect can't expire.
        `result`: what a retried attempt needs of it (a posted message's channel and ts; no text)."""
        now = self._clock()
        with self._db.engine.begin() as connection:
            inserted = connection.execute(self._insert_new, dict(
                event_id=self._effect_key(event_id, effect), event_type="effect", status="done",
                attempts=1, claimed_at=now, completed_at=now, payload=result,
            ))
            return inserted.first() is not None

    def effect_done(self, event_id: str, effect: str) -> bool:
        return self.status(self._effect_key(event_id, effect)) == "done"

    def effect_result(self, event_id: str, effect: str) -> tuple[bool, str | None]:
        """(done, result) of a recorded effect."""
        table = self._table
        with self._db.reading() as connection:
            row = connection.execute(select(table.c.status, table.c.payload).where(
                table.c.event_id == self._effect_key(event_id, effect))).first()
        return (row is not None and row[0] == "done"), (row[1] if row else None)

    def complete(self, event_id: str, *, failed: bool = False, if_processing: bool = False) -> None:
        """Mark it finished and drop its body. `if_processing`: only if nobody has yet (a handler
        marks its own event; whoever ran it makes sure, without overwriting 'failed')."""
        statement = self._finish_if_processing if if_processing else self._finish
        with self._db.engine.begin() as connection:
            connection.execute(statement, dict(id=event_id, status="failed" if failed else "done", now=self._clock()))
        with self._owned_lock:
            self._owned.discard(event_id)

    def abandoned(self, limit: int | None = None) -> list[tuple[str, str]]:
        """(event_id, payload) of events whose handler died, at most `limit` of them (the
        rest stay for a later call); each is re-claimed for the caller."""
        now = self._clock()
        expired = now - self.lease
        with self._db.session() as session:
            query = select(ProcessedEvent.event_id, ProcessedEvent.payload).where(
                ProcessedEvent.status == "processing",
                ProcessedEvent.claimed_at < expired,
                ProcessedEvent.attempts < MAX_ATTEMPTS,
                ProcessedEvent.payload.is_not(None),
            ).order_by(ProcessedEvent.claimed_at)
            rows = session.execute(query.limit(limit) if limit is not None else query).all()
            taken = []
            session.execute(
                update(ProcessedEvent)
                .where(
                    ProcessedEvent.status == "processing",
                    ProcessedEvent.claimed_at < expired,
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
                        ProcessedEvent.claimed_at < expired,
                    )
                    .values(claimed_at=now, attempts=ProcessedEvent.attempts + 1)
                )
                if result.rowcount == 1:
                    taken.append((event_id, payload))
        self._own([event_id for event_id, _ in taken])
        return taken

    def status(self, event_id: str) -> str | None:
        with self._db.reading() as connection:
            return connection.scalar(select(self._table.c.status).where(self._table.c.event_id == event_id))

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
