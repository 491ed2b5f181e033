"""gunicorn's settings for HTTP mode (`--config python:bot.gunicorn_config`), read by its master.

One worker process with threads (gthread): the bot keeps state per process (its executors, the
knowledge index in memory, the recovery loop), and an ack is a few milliseconds of Python, so
more processes would mostly cost memory; scale with more dynos/containers instead. Any setting
can still be overridden with GUNICORN_CMD_ARGS (e.g. "--threads 32").
"""

from __future__ import annotations

import errno
import os
import selectors
import socket
import sys
import time
from functools import partial

from gunicorn.workers.gthread import TConn, ThreadWorker

bind = [f"0.0.0.0:{os.environ.get('PORT') or 3000}"]
workers = 1
threads = 16
worker_class = "bot.gunicorn_config.IdleSafeThreadWorker"
# At most this many connections at once; past it gunicorn stops accepting until some close.
worker_connections = 1000
# A connection that sends nothing (new or kept alive) is closed after this many seconds.
keepalive = 5
# The master restarts a worker whose main loop stops beating for this long.
timeout = 30
# After SIGTERM: finish the requests in flight, then the work they acked (worker_exit below),
# within this; Heroku's SIGKILL comes 30 s after its SIGTERM.
graceful_timeout = 25
# gunicorn's runtime control socket (resize, reload) is one path per user: two instances on one
# host would share it, and the bot needs none of it.
control_socket_disable = True
# Reading one request (its headers and body) must end within this: a client that sends a few
# bytes then stalls frees its thread then, and is disconnected.
REQUEST_READ_SECONDS = 10.0


class _DeadlineSocket(socket.socket):
    """A client connection whose reads, for one request, end by a deadline. gunicorn puts the
    socket in blocking mode (no timeout) for each request it reads; here that starts the clock."""

    deadline: float | None = None

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.deadline = time.monotonic() + REQUEST_READ_SECONDS
            self.settimeout(REQUEST_READ_SECONDS)
        else:
            self.deadline = None
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self.deadline is None:
            return super().recv(bufsize, flags)
        remaining = self.deadline - time.monotonic()
        current = self.gettimeout()
        if remaining <= 0:
            return b""
        self.settimeout(min(remaining, current) if current is not None else remaining)
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            return b""  # read as the client leaving: gunicorn closes the connection quietly


class IdleSafeThreadWorker(ThreadWorker):
    """gthread, except that a new connection gets a thread only once it has sent something.

    Stock gthread hands every accepted connection to a thread, which waits up to 5 s for its
    first bytes before parking it: 300 idle sockets kept /healthz and Slack's requests queued
    behind 300 x 5 s / threads (over a minute at 16 threads). Here a new connection waits in the
    worker's poller, as a kept-alive one does, and is closed after `keepalive` seconds of
    silence; once its request starts, its reads end by REQUEST_READ_SECONDS."""

    stopping_since: float | None = None

    def accept(self, listener):
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        sock = _DeadlineSocket(client.family, client.type, client.proto, fileno=client.detach())
        conn = TConn(self.cfg, sock, address, listener.getsockname())  # non-blocking from here
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def handle_exit(self, sig, frame):
        if self.stopping_since is None:
            self.stopping_since = time.monotonic()
        super().handle_exit(sig, frame)


def worker_exit(server, worker) -> None:
    """Graceful shutdown, second half: gunicorn has answered the requests in flight; now the work
    they acked (answers, counts, in this process's threads) finishes before the process ends."""
    running = sys.modules.get("bot.wsgi")
    if running is None:  # the worker failed to boot: nothing was acked
        return
    since = getattr(worker, "stopping_since", None) or time.monotonic()
    running.bot.stop(timeout=graceful_timeout - (time.monotonic() - since) - 1.0)
