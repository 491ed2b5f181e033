"""/healthz: what a platform's health check (and the operator) reads.

It answers within a second whatever the database does: the database is probed in a thread
of its own, and a probe still running after HEALTH_DEADLINE is reported as "not answering"
(503), not waited for. One probe at a time: a hung database doesn't pile up threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

HEALTH_DEADLINE_SECONDS = 0.8
# Work queued for a worker longer than this means no worker is taking it.
MAX_QUEUE_AGE_SECONDS = 120.0


class DeadlineProbe:
    """Runs `probe` in its own thread; 'ok', 'unreachable' (it raised) or 'not answering'."""

    def __init__(self, probe: Callable[[], None], deadline: float = HEALTH_DEADLINE_SECONDS) -> None:
        self._probe = probe
        self._deadline = deadline
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sogabot-health")
        self._lock = threading.Lock()
        self._running: Future | None = None

    def __call__(self) -> str:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = self._executor.submit(self._probe)
            running = self._running
        try:
            running.result(timeout=self._deadline)
        except FutureTimeout:
            return "not answering"
        except Exception:
            return "unreachable"
        return "ok"


def health_report(services: Any, mode: str, *, queue_work: bool,
                  scheduler: Callable[[], dict[str, Any]] | None = None) -> Callable[[], dict[str, Any]]:
    """The /healthz function of `sogabot run`: status 'ok' (200) or 'degraded' (503)."""
    probe = DeadlineProbe(services.db.probe)

    def report() -> dict[str, Any]:
        database = probe()
        result: dict[str, Any] = {"status": "ok", "mode": mode, "database": database}
        problems = [] if database == "ok" else ["database"]
        if database == "ok" and queue_work:  # what waits for the worker: a growing age means it is missing
            waiting, oldest = services.ledger.queue_depth()
            age = (services.clock() - oldest).total_seconds() if oldest else 0.0
            result["queue"] = {"waiting": waiting, "oldest_seconds": round(age, 1)}
            if age > MAX_QUEUE_AGE_SECONDS:
                problems.append("queue")
        if scheduler is not None and database == "ok":
            result["scheduler"] = scheduler()
            problems += [f"scheduler: {problem}" for problem in result["scheduler"].get("problems", [])]
        if problems:
            result["status"] = "degraded"
            result["problems"] = problems
        return result

    return report
