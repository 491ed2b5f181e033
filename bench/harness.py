"""Processes and load for the benchmarks.

Three kinds of process, each in its own interpreter so no two share a GIL:
- the Slack stand-in (bench/standin.py);
- the bot, started exactly as in production: `python -m bot run` in HTTP mode, SQLite file;
- the bare Bolt app (bench/bare_app.py), the baseline.

On a machine with two cores or more, the servers are pinned to one core and the load generator
and stand-in to another, so the load generator can't steal the servers' CPU and both apps see
the same conditions. The load generator is asyncio (one thread, raw HTTP/1.0 over sockets):
50 concurrent clients cost it far less than 50 threads would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench import payloads
from bench.payloads import Body
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.registry import metadata

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
SIGN_METHODS = ("reactions.add", "assistant.threads.setStatus", "chat.postMessage", "chat.startStream", "chat.postEphemeral")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def companion_pid(pid: int) -> int | None:
    """The `sogabot jobs` child of the web process (BACKGROUND_WORK=auto), if it runs."""
    for child in descendants(pid):
        try:
            if "jobs" in Path(f"/proc/{child}/cmdline").read_text().split("\0"):
                return child
        except OSError:
            continue
    return None


def rss_mb(pid: int, *, without: int | None = None) -> float:
    """The process's resident memory, with its children's: the web process is gunicorn's
    master and its worker (bot/gunicorn_config.py); `without` one child and its own."""
    if pid == without:
        return 0.0
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1]) / 1024
            break
    else:
        raise RuntimeError("no VmRSS")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                total += rss_mb(int(child), without=without)
            except (OSError, RuntimeError):
                pass  # it exited meanwhile
    return total


@dataclass
class Result:
    status: int
    latency: float
    kind: str
    sent_at: float
    error: str | None = None


@dataclass
class Environment:
    """The stand-in, the bot and the bare app, started once for all the benchmarks."""

    workdir: Path
    pin: bool = True
    # BACKGROUND_WORK: "auto", the default, `sogabot run` stores and acks and its own
    # `sogabot jobs` child does the work (bot.cli.companion); "worker", the Procfile with a
    # separate `sogabot jobs`; "inline", one process does both.
    background_work: str = "auto"
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    standin_url: str = ""

    # A PostgreSQL URL to run the bot on (its tables are emptied first); a SQLite file otherwise.
    database_url: str | None = None

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.workdir / 'bench.db'}"

    @property
    def bot_log(self) -> Path:
        return self.workdir / "bot.log"

    def _cores(self) -> tuple[set[int], set[int]] | None:
        cores = sorted(os.sched_getaffinity(0))
        if not self.pin or len(cores) < 2:
            return None
        return {cores[0]}, {cores[1]}  # (load generator + stand-in, servers)

    def _pinned(self, servers: bool):
        """A preexec_fn that pins the new process before it starts: what it forks later (gunicorn's
        worker, the worker child it starts) inherits the core, which pinning it afterwards would
        not give them."""
        cores = self._cores()
        if not cores:
            return None
        chosen = cores[1] if servers else cores[0]
        return lambda: os.sched_setaffinity(0, chosen)

    def _pin(self, pid: int, servers: bool) -> None:
        cores = self._cores()
        if cores:
            os.sched_setaffinity(pid, cores[1] if servers else cores[0])

    def start(self) -> "Environment":
        if self.database_url:
            self._empty_database()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "MAILCHIMP_", "DATABASE_"))}
        env["PYTHONPATH"] = str(ROOT)
        self._pin(os.getpid(), servers=False)
        standin = subprocess.Popen([sys.executable, "-m", "bench.standin"], cwd=ROOT, env=env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs["standin"] = standin
        self.standin_url = standin.stdout.readline().strip()  # type: ignore[union-attr]
        payloads.RESPONSE_URL_BASE = self.standin_url  # commands and buttons answer somewhere real
        self._pin(standin.pid, servers=False)

        self.ports["bot"], self.ports["bare"] = free_port(), free_port()
        bot_env = dict(env, SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET,
                       SLACK_API_URL=self.standin_url + "/api/", PORT=str(self.ports["bot"]),
                       DATABASE_URL=self.db_url, RUN_SCHEDULER="false", LOG_LEVEL="WARNING",
                       OUTBOX_DIR=str(self.workdir / "outbox"))
        bot_env["BACKGROUND_WORK"] = self.background_work
        log = self.bot_log.open("w")
        self.procs["bot"] = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=self.workdir, env=bot_env,
                                             preexec_fn=self._pinned(servers=True),
                                             stdout=log, stderr=subprocess.STDOUT)
        if self.background_work == "worker":
            # The Procfile's worker. Pinned with the servers, not given a core of its own: the
            # bot's whole cost lands on the core the bare app has alone.
            self.procs["worker"] = subprocess.Popen([sys.executable, "-m", "bot", "jobs"], cwd=self.workdir,
                                                    env=bot_env, stdout=log, stderr=subprocess.STDOUT,
                                                    preexec_fn=self._pinned(servers=True))
        self.procs["bare"] = subprocess.Popen(
            [sys.executable, "-m", "bench.bare_app", str(self.ports["bare"]), SECRET, self.standin_url + "/api/"],
            cwd=ROOT, env=env, preexec_fn=self._pinned(servers=True))
        for name in ("bot", "bare"):
            self._wait_listening(name)
        self._wait_first_member_sync()
        return self

    def _wait_first_member_sync(self, timeout: float = 90.0) -> None:
        """A fresh database gets its member list read once, 20 s after the scheduler starts
        (jobs.growth.first_member_sync): a one-off write that would land in whichever benchmark
        runs then (sustained's first signs went from 21 ms to 576 ms at p50). Measure after it."""
        deadline = time.monotonic() + timeout
        db = Database(self.db_url)
        try:
            while time.monotonic() < deadline:
                try:
                    with db.reading() as connection:
                        if connection.execute(text("SELECT 1 FROM growth_state WHERE key = 'members_synced_at'")).first():
                            return
                except Exception:
                    pass  # not migrated yet
                time.sleep(0.5)
        finally:
            db.dispose()
        raise RuntimeError("the first member sync never ran; see " + str(self.bot_log))

    def _wait_listening(self, name: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited with {self.procs[name].returncode}; see {self.bot_log}")
            try:
                with socket.create_connection(("127.0.0.1", self.ports[name]), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not listen")

    def stop(self) -> None:
        standin = self.procs.pop("standin", None)
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if standin is not None:
            standin.stdin.close()  # type: ignore[union-attr]
            standin.wait(timeout=10)

    # -- the stand-in's record ------------------------------------------------------------
    def calls(self, since: int = 0) -> tuple[list[dict[str, Any]], int]:
        request = urllib.request.Request(self.standin_url + f"/api/bench.calls?since={since}",
                                         headers={"Authorization": "Bearer bench"})
        with urllib.request.urlopen(request, timeout=10) as response:
            data = json.loads(response.read())
        return data["calls"], data["next"]

    def quiet(self, settle: float = 0.4, timeout: float = 120.0) -> None:
        """Wait until the bot has stopped calling Slack (its background work is done)."""
        _, last = self.calls(10**12)
        stable_since = time.monotonic()
        deadline = stable_since + timeout
        while time.monotonic() < deadline:
            time.sleep(0.1)
            _, now = self.calls(10**12)
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since >= settle:
                return
        raise RuntimeError("the bot never went quiet")

    def ledger_counts(self) -> dict[str, int]:
        db = Database(self.db_url)
        try:
            with db.reading() as connection:
                return dict(connection.execute(text("SELECT status, count(*) FROM processed_events GROUP BY status")).all())
        finally:
            db.dispose()

    def _empty_database(self) -> None:
        """A PostgreSQL database of earlier runs: start from empty tables, as with a new file."""
        db = Database(self.db_url)
        try:
            upgrade(db)
            with db.engine.begin() as connection:
                names = ", ".join(f'"{table.name}"' for table in metadata().sorted_tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        finally:
            db.dispose()

    def error_lines(self) -> list[str]:
        return [line for line in self.bot_log.read_text(errors="replace").splitlines() if " ERROR " in line or "Traceback" in line]


def make_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="sogabot-bench-"))


# -- load ----------------------------------------------------------------------------------
def _request(port: int, body: bytes, content_type: str) -> bytes:
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    head = (
        f"POST /slack/events HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {ts}\r\nX-Slack-Signature: {signature}\r\n\r\n"
    )
    return head.encode() + body


async def _send(port: int, kind: str, body: Body) -> Result:
    sent_at = time.time()
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_request(port, *body))
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), timeout=30)
        writer.close()
        status = int(response.split(b" ", 2)[1]) if response else 0
        return Result(status, time.perf_counter() - started, kind, sent_at)
    except Exception as exc:  # a refused or dropped connection is an error of the run, not of the bench
        return Result(0, time.perf_counter() - started, kind, sent_at, repr(exc))


async def _closed_loop(port: int, requests: list[tuple[str, Body]], concurrency: int) -> list[Result]:
    queue: asyncio.Queue[tuple[str, Body]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    results: list[Result] = []

    async def client() -> None:
        while not queue.empty():
            kind, body = queue.get_nowait()
            results.append(await _send(port, kind, body))

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return results


def closed_loop(port: int, requests: list[tuple[str, Body]], concurrency: int = 50) -> list[Result]:
    """`concurrency` clients, each sending its next request as soon as the last one is answered."""
    return asyncio.run(_closed_loop(port, requests, concurrency))


async def _open_loop(port: int, requests: list[tuple[str, Body]], rate: float) -> list[Result]:
    start = time.perf_counter()
    tasks = []
    for index, (kind, body) in enumerate(requests):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_send(port, kind, body)))
    return list(await asyncio.gather(*tasks))


def open_loop(port: int, requests: list[tuple[str, Body]], rate: float) -> list[Result]:
    """Requests sent at a fixed `rate` per second, whatever the answers: a steady arrival of events."""
    return asyncio.run(_open_loop(port, requests, rate))


def run_alone(benchmark) -> None:
    """`python -m bench.<name>`: one benchmark in a fresh environment, figures as JSON."""
    env = Environment(make_workdir()).start()
    try:
        print(json.dumps(benchmark(env), indent=2))
    finally:
        env.stop()
