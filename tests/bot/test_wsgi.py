"""HTTP mode as production runs it: gunicorn (bot/gunicorn_config.py) serving bot/wsgi.py, in a
real process against the Slack stand-in."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.console.signed_client import SignedSlackClient
from bot.console.slack_standin import SlackStandin
from tests.support import MEMBER

ROOT = Path(__file__).resolve().parents[2]
SECRET = "wsgi-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(slack: SlackStandin, database_url: str, tmp_path: Path, **env: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """The Procfile's web command, started as the host would start it."""
    port = _free_port()
    values = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "MAILCHIMP_"))}
    values.update(PYTHONPATH=str(ROOT), SLACK_BOT_TOKEN="xoxb-wsgi", SLACK_SIGNING_SECRET=SECRET,
                  SLACK_API_URL=slack.url + "/api/", PORT=str(port), DATABASE_URL=database_url, RUN_SCHEDULER="false",
                  OUTBOX_DIR=str(tmp_path / "outbox"), **env)
    command = (ROOT / "Procfile").read_text().split("web:", 1)[1].splitlines()[0].split()
    command = [word for word in command if "=" not in word or word.startswith("--")]  # the env assignments are in `values`
    assert command[:3] == ["python", "-m", "gunicorn"]
    process = subprocess.Popen([sys.executable, *command[1:]], cwd=tmp_path, env=values,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1):
                    break
            except urllib.error.HTTPError:  # 503: serving, with no scheduler here (RUN_SCHEDULER=false)
                break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "gunicorn did not listen on PORT"
                time.sleep(0.2)
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _dm(slack: SlackStandin, text: str) -> dict:
    message = slack.add_message(slack.dm_channel(MEMBER), MEMBER, text)
    return dict(message, channel=slack.dm_channel(MEMBER), channel_type="im")


def test_idle_sockets_cannot_stop_healthz_or_acks(slack: SlackStandin, database_url: str, tmp_path: Path) -> None:
    """Stock gthread gives each new connection a thread for up to 5 s while it waits for its first
    bytes: 300 idle sockets queued everything else for over a minute (16 threads)."""
    with gunicorn(slack, database_url, tmp_path) as (_process, url):
        port = int(url.rsplit(":", 1)[1])
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
        try:
            time.sleep(0.3)  # all accepted by now
            started = time.monotonic()
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
                    assert response.status == 200
            except urllib.error.HTTPError as exc:
                assert exc.code == 503  # answered: the report names no scheduler in this test
            assert time.monotonic() - started < 1.5
            result = SignedSlackClient(url, SECRET).send_event(_dm(slack, "bonjour"))
            assert result.status == 200 and result.elapsed < 1.5
            slack.wait_for("chat.postMessage", timeout=15)
        finally:
            for sock in idle:
                sock.close()


def test_sigterm_finishes_the_work_already_acked(slack: SlackStandin, database_url: str, tmp_path: Path) -> None:
    """Graceful shutdown: the answer to a question acked just before SIGTERM is still sent."""
    with gunicorn(slack, database_url, tmp_path) as (process, url):
        slack.fail("chat.postMessage", kind="timeout", delay=3.0)  # the answer is slow to post
        result = SignedSlackClient(url, SECRET).send_event(_dm(slack, "Qui finance DIGISET ?"))
        assert result.status == 200
        slack.wait_for("chat.postMessage", timeout=15)  # the answer is on its way...
        process.send_signal(signal.SIGTERM)  # ...when the host stops the process
        assert process.wait(timeout=30) == 0
        log = process.stdout.read().decode()  # type: ignore[union-attr]
    assert "COSME" in json.dumps(slack.bot_messages(slack.dm_channel(MEMBER)), ensure_ascii=False), log
    assert "Traceback" not in log, log
