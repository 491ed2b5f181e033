"""Running stored work: the events and lazy listeners the ledger holds, in this process or in a
worker process.

Why a worker: the web process must ack every request within Slack's 3 s, and an ack costs a
fraction of a millisecond, but answering a question, counting a message or building a
digest is CPU-bound Python. In one process the two share the GIL, so acks wait behind answers
(bench/README.md measured it). With BACKGROUND_WORK=worker the web process only verifies,
stores (bot.core.event_ledger: `enqueue`, before the ack) and acks; `sogabot jobs` takes the rows
and runs them here.

A stored item runs through the same Bolt app as a live request, marked "lazy only" with the
name of the function to run (the mechanism Bolt's AWS Lambda adapter uses): the middlewares
(authorization, the acting user's checks) run again, the ack function does not, and the one
lazy function runs, synchronously, in the caller's thread.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import select
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.request import BoltRequest

from bot.core.event_ledger import WORK_CHANNEL, EventLedger
from bot.core.runtime import TrackingExecutor

log = logging.getLogger(__name__)

LAZY_PREFIX = "lazy:"
EVENT_HANDLER = "handle"  # the name of the lazy function bot.slack.app registers for every event type
POLL_SECONDS = 0.02
# Idle, the worker looks less and less often, up to this: an idle worker must let a free-tier
# database sleep (#17: it made 834 transactions in 10 s). On PostgreSQL the web process's
# NOTIFY wakes it at once whatever the wait; on SQLite (one machine) the first item after a
# quiet spell waits at most the SQLite figure. Under load it never backs off.
IDLE_POLL_MAX_SECONDS = {"postgresql": 2.0, "sqlite": 1.0}
# A queued item no worker took within this long is run by the web process itself (with a
# warning): a missing worker must not turn into silence.
WORKER_GRACE = timedelta(seconds=60)


def stored_request(event_id: str, payload: str) -> BoltRequest:
    """The request that runs one stored item's work alone."""
    if event_id.startswith(LAZY_PREFIX):
        item = json.loads(payload)
        body: str | dict[str, Any] = item["body"]
        function_name = item["lazy"]
    else:
        body, function_name = payload, EVENT_HANDLER
    return BoltRequest(
        body=body,
        headers={"x-slack-bolt-lazy-only": "1", "x-slack-bolt-lazy-function-name": function_name},
        mode="socket_mode",  # read from our own database: there is no Slack signature to check
    )


class QueuedLazyListenerRunner(LazyListenerRunner):
    """Bolt's lazy listeners (the slow part of commands, buttons and modals) stored for a worker
    instead of run in this process. Slack never redelivers those, so each gets a fresh id."""

    def __init__(self, logger: logging.Logger, ledger: EventLedger) -> None:
        self.logger = logger
        self._ledger = ledger
        # Unique across processes and restarts, without a random draw per request (which cost
        # more than the insert on the bench machine).
        self._prefix = f"{LAZY_PREFIX}{uuid.uuid4().hex}:"
        self._sequence = itertools.count(1)

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        name = request.lazy_function_name or getattr(function, "__name__", "lazy")
        item = json.dumps({"lazy": name, "body": request.body}, ensure_ascii=False)
        self._ledger.enqueue(f"{self._prefix}{next(self._sequence)}", name, item)


class StoredWork:
    """Runs the ledger's items through the app: queued ones (a worker) and abandoned ones
    (recovery, in whichever process runs it)."""

    def __init__(self, app: App, ledger: EventLedger, executor: TrackingExecutor, clock: Callable[[], datetime]) -> None:
        self._app = app
        self._ledger = ledger
        self._executor = executor
        self._clock = clock
        # One slot per thread: items are taken from the queue only when a thread can run them,
        # so another worker process can take the rest.
        self._slots = threading.BoundedSemaphore(executor.max_workers)

    def run(self, event_id: str, payload: str) -> None:
        """Run one item now, in this thread; mark it finished."""
        failed = True
        try:
            self._app.dispatch(stored_request(event_id, payload))
            failed = False
        except Exception:  # a broken row must not stop the others
            log.exception("stored work %s failed", event_id)
        finally:
            # An event's handler marks its own row (bot.slack.app), unless no handler ran (a middleware
            # dropped the event): then, as for a lazy item, it is marked here.
            self._ledger.complete(event_id, failed=failed, if_processing=True)

    def _submit(self, event_id: str, payload: str) -> None:
        def run_then_free() -> None:
            try:
                self.run(event_id, payload)
            finally:
                self._slots.release()

        self._executor.submit(run_then_free)

    def _free_slots(self) -> int:
        free = 0
        while self._slots.acquire(blocking=False):
            free += 1
        return free

    def _taking(self, take: Callable[[], list[tuple[str, str]]], free: int) -> list[tuple[str, str]]:
        """What `take` claimed, with the slots it didn't fill given back, even when it fails (the
        database gone for a moment): slots lost there left a worker with none, idle for good."""
        taken: list[tuple[str, str]] = []
        try:
            taken = take()
            return taken
        finally:
            for _ in range(free - len(taken)):
                self._slots.release()

    def drain_once(self, *, queued_before: datetime | None = None) -> int:
        """Take as many queued items as there are free threads and start them; how many."""
        free = self._free_slots()
        if not free:
            return 0
        taken = self._taking(lambda: self._ledger.take(free, queued_before=queued_before), free)
        for event_id, payload in taken:
            self._submit(event_id, payload)
        return len(taken)

    def recover_abandoned(self) -> int:
        """Start again the items whose handler died (see bot.core.event_ledger), as many as
        there are free threads (the rest wait for the next round: recovery never blocks the
        loop that calls it); how many."""
        free = self._free_slots()
        taken = self._taking(lambda: self._ledger.abandoned(limit=free), free)
        for event_id, payload in taken:
            log.warning("recovering abandoned event %s", event_id)
            self._submit(event_id, payload)
        return len(taken)

    def take_over_stale(self) -> int:
        """In the web process: run what no worker took within WORKER_GRACE."""
        count = 0
        while taken := self.drain_once(queued_before=self._clock() - WORKER_GRACE):
            count += taken
        if count:
            log.warning("no worker took %d queued item(s) within %ss; handled here. Is `sogabot jobs` running?",
                        count, int(WORKER_GRACE.total_seconds()))
        return count

    def serve(self, stop: threading.Event, poll: float = POLL_SECONDS, recovery_every: float = 60.0,
              *, wake_fd: int | None = None) -> None:
        """The worker's loop: take queued items as threads free up; recover abandoned ones.
        `wake_fd`: a pipe the web process writes to when it stores work (bot.cli.companion)."""
        next_recovery = time.monotonic()
        signal = WorkSignal(self._ledger.db, wake_fd=wake_fd)
        idle_max = IDLE_POLL_MAX_SECONDS["sqlite" if self._ledger.db.is_sqlite else "postgresql"]
        wait = poll
        try:
            while not stop.is_set():
                # Every thread busy: wait for one to free up (not for the poll), then look at once.
                if not self._slots.acquire(timeout=poll):
                    continue
                self._slots.release()
                try:
                    if time.monotonic() >= next_recovery:
                        self.recover_abandoned()
                        next_recovery = time.monotonic() + recovery_every
                    if self.drain_once():
                        wait = poll
                        continue  # more may be waiting: look again at once
                except Exception:  # the database gone for a moment: keep the worker alive
                    log.exception("the work queue could not be read; retrying")
                signal.wait(wait, stop)
                wait = min(wait * 2, idle_max)
        finally:
            signal.close()


class WorkSignal:
    """What an idle worker waits on between looks at the queue: the pipe of the web process that
    started it (bot.cli.companion), else on PostgreSQL a LISTEN connection, which the web
    process's enqueue NOTIFYs (in its insert's round trip, bot.core.event_ledger); elsewhere, or
    if that connection fails, just the timeout."""

    def __init__(self, db: Any, *, wake_fd: int | None = None) -> None:
        self._db = db
        self._wake_fd = wake_fd
        if wake_fd is not None:
            os.set_blocking(wake_fd, False)
        self._connection: Any = None

    def wait(self, timeout: float, stop: threading.Event) -> None:
        if self._wake_fd is not None:
            if timeout > POLL_SECONDS:
                # Idle: the first item wakes it at once. (Bounded, so `stop` is seen.)
                select.select([self._wake_fd], [], [], min(timeout, 1.0))
            else:
                # Busy: a poll's wait lets items gather, taken in one transaction, instead of
                # one write per item competing with the web process's inserts for SQLite's lock.
                stop.wait(timeout)
            try:
                if not os.read(self._wake_fd, 65536):
                    self._wake_fd = None  # the web process is gone (end of file): poll until told to stop
            except BlockingIOError:
                pass
            return
        if self._db.is_sqlite:
            stop.wait(timeout)
            return
        try:
            if self._connection is None:
                import psycopg
                from sqlalchemy.engine import make_url

                conninfo = make_url(self._db.url).set(drivername="postgresql").render_as_string(hide_password=False)
                self._connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=2)
                self._connection.execute(f"LISTEN {WORK_CHANNEL}")
            for _notify in self._connection.notifies(timeout=timeout, stop_after=1):
                pass
        except Exception:
            log.warning("the work queue's notifications are unavailable; polling", exc_info=True)
            self.close()
            stop.wait(timeout)

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
            self._connection = None
