"""The one-command default (BACKGROUND_WORK=auto): the serving process starts its own worker.

In one process, an ack waits for the GIL and the core behind answers, counts and digests:
closed-loop ack p50 8x the bare Bolt app's, p99 8.7x; with the work in a worker process,
1.35x and 1.42x (`python -m bench --only ack`, bench/README.md). So `sogabot run` only
verifies, stores and acks, and hands the work to a `sogabot jobs` child it starts, restarts
when it dies, and stops with itself. The child leaves on its own when its parent is gone (a
SIGKILL gives no chance to stop it). Nothing is lost in between: the ledger holds what was
acked, the next child takes it, and the web process runs what waited too long
(bot.core.worker.WORKER_GRACE).

A pipe wakes the child when work arrives: on SQLite there is no NOTIFY, and an idle worker
that only polled would make the first question after a quiet spell wait up to a second.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

log = logging.getLogger("sogabot")

PARENT_PID_VARIABLE = "SOGABOT_PARENT_PID"
WAKE_FD_VARIABLE = "SOGABOT_WAKE_FD"
RESTART_BACKOFF_SECONDS = (1.0, 60.0)  # first wait after a crash, and the longest
# A child that ran this long before it died is restarted after the first wait again.
HEALTHY_RUN_SECONDS = 60.0


class CompanionWorker:
    """`sogabot jobs` as a child process of the one serving Slack's requests."""

    def __init__(self, argv: list[str] | None = None) -> None:
        self._argv = argv or [sys.executable, "-m", "bot", "jobs"]
        self._stopping = threading.Event()
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        self._thread = threading.Thread(target=self._supervise, name="sogabot-companion", daemon=True)
        self.restarts = 0

    def start(self) -> "CompanionWorker":
        self._thread.start()
        return self

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def wake(self) -> None:
        """Work was stored: wake the child if it is idle. Never blocks (a full pipe already
        holds a wake-up)."""
        try:
            os.write(self._wake_write, b"\0")
        except (BlockingIOError, OSError):
            pass

    def _spawn(self) -> subprocess.Popen:
        env = dict(os.environ, BACKGROUND_WORK="worker", **{
            PARENT_PID_VARIABLE: str(os.getpid()), WAKE_FD_VARIABLE: str(self._wake_read)})
        return subprocess.Popen(self._argv, env=env, pass_fds=(self._wake_read,), stdin=subprocess.DEVNULL)

    def _supervise(self) -> None:
        backoff = RESTART_BACKOFF_SECONDS[0]
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                self._process = self._spawn()
            started = time.monotonic()
            code = self._process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= HEALTHY_RUN_SECONDS:
                backoff = RESTART_BACKOFF_SECONDS[0]
            self.restarts += 1
            log.error("the worker process exited (code %s); starting it again in %.0f s", code, backoff)
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, RESTART_BACKOFF_SECONDS[1])

    def stop(self, timeout: float = 20.0) -> bool:
        """SIGTERM the child (it finishes what it runs), SIGKILL it after `timeout`."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None or process.poll() is not None:
            return True
        process.terminate()
        try:
            process.wait(timeout=max(timeout, 0.0))
            return True
        except subprocess.TimeoutExpired:
            log.warning("the worker process did not stop within %.0f s; killing it", timeout)
            process.kill()
            process.wait()
            return False


def watch_parent(stop: threading.Event) -> None:
    """In the child: set `stop` once the process that started it is gone."""
    expected = os.environ.get(PARENT_PID_VARIABLE)
    if not expected:
        return

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != int(expected):
                log.warning("the process that started this worker is gone; stopping")
                stop.set()

    threading.Thread(target=watch, name="sogabot-parent-watch", daemon=True).start()


def inherited_wake_fd() -> int | None:
    """In the child: the pipe its parent writes to when work is stored, if any."""
    value = os.environ.get(WAKE_FD_VARIABLE)
    if not value:
        return None
    try:
        fd = int(value)
        os.fstat(fd)
    except (ValueError, OSError):
        return None
    return fd
