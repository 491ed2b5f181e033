"""`sogabot run` as a real process: HTTP mode against the stand-in, and clear start-up failures."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from bench.harness import descendants
from bot.console.signed_client import SignedSlackClient
from bot.console.slack_standin import SlackStandin
from bot.store.db import Database
from bot.store.models import Member
from tests.support import MEMBER

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "MAILCHIMP_"))}
    env.update(PYTHONPATH=str(ROOT), **values)
    return env


def test_run_in_http_mode_answers_on_port(slack: SlackStandin, database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = _env(
        SLACK_BOT_TOKEN="xoxb-proc", SLACK_SIGNING_SECRET="proc-secret", SLACK_API_URL=slack.url + "/api/",
        PORT=str(port), DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # gunicorn listens at once, then its worker imports and builds the bot: on a loaded
        # machine that took over 30 s.
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    report = json.loads(response.read())
                    assert (report["status"], report["mode"], report["database"]) == ("ok", "http", "ok")
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the bot did not listen on PORT"
                time.sleep(0.2)
        client = SignedSlackClient(f"http://127.0.0.1:{port}", "proc-secret")
        message = slack.add_message(slack.dm_channel(MEMBER), MEMBER, "bonjour")
        result = client.send_event(dict(message, channel=slack.dm_channel(MEMBER), channel_type="im"))
        assert result.status == 200
        slack.wait_for("chat.postMessage", timeout=15)
        # A database no reconciliation ever read: the process running the jobs reads the member
        # list once, within the first minute, off the start-up path (jobs.growth.first_member_sync).
        slack.wait_for("users.list", timeout=60)
        _wait_for_members(database_url, sum(1 for u in slack.ws.users.values() if not u.get("is_bot")))
        assert len(slack.calls_to("users.list")) == 1
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_for_members(database_url: str, expected: int, timeout: float = 20.0) -> None:
    db = Database(database_url)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with db.read_session() as session:
                found = session.scalar(select(func.count()).select_from(Member).where(Member.is_bot.is_(False)))
            if found == expected or time.monotonic() > deadline:
                assert found == expected
                return
            time.sleep(0.2)
    finally:
        db.dispose()


def test_web_and_worker_processes_split_acks_from_the_work(slack: SlackStandin, database_url: str, tmp_path: Path) -> None:
    """The Procfile's deployment with BACKGROUND_WORK=worker: `sogabot run` stores and acks,
    `sogabot jobs` answers; both stop cleanly on SIGTERM."""
    port = _free_port()
    env = _env(
        SLACK_BOT_TOKEN="xoxb-proc", SLACK_SIGNING_SECRET="proc-secret", SLACK_API_URL=slack.url + "/api/",
        PORT=str(port), DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"),
        BACKGROUND_WORK="worker",
    )
    web = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    worker = None
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert json.loads(response.read())["queue"] == {"waiting": 0, "oldest_seconds": 0.0}
                    break
            except OSError:
                assert web.poll() is None, web.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "the bot did not listen on PORT"
                time.sleep(0.2)
        client = SignedSlackClient(f"http://127.0.0.1:{port}", "proc-secret")
        message = slack.add_message(slack.dm_channel(MEMBER), MEMBER, "Qui finance DIGISET ?")
        assert client.send_event(dict(message, channel=slack.dm_channel(MEMBER), channel_type="im")).status == 200
        time.sleep(1.0)
        assert not slack.calls_to("chat.postMessage")  # the web process only stored it
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert json.loads(response.read())["queue"]["waiting"] == 1

        worker = subprocess.Popen([sys.executable, "-m", "bot", "jobs"], cwd=tmp_path, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        slack.wait_for("chat.postMessage", timeout=30)
        assert "COSME" in json.dumps(slack.bot_messages(slack.dm_channel(MEMBER)), ensure_ascii=False)
    finally:
        for process in (web, worker):
            if process is not None:
                process.terminate()
    assert web.wait(timeout=20) == 0
    assert worker is not None and worker.wait(timeout=30) == 0, worker.stdout.read().decode()  # type: ignore[union-attr]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    except OSError:
        return []


def _worker_children(master: int) -> list[int]:
    """The `bot jobs` processes under gunicorn's master (its worker's children)."""
    return [child for child in descendants(master) if "jobs" in _command_line(child)]


def test_one_command_default_hands_the_work_to_a_worker_it_keeps_alive(slack: SlackStandin, database_url: str,
                                                                        tmp_path: Path) -> None:
    """BACKGROUND_WORK unset: `sogabot run` acks and its own `sogabot jobs` child answers; a
    child killed with -9 is started again and nothing acked is lost; SIGTERM stops both."""
    port = _free_port()
    env = _env(
        SLACK_BOT_TOKEN="xoxb-proc", SLACK_SIGNING_SECRET="proc-secret", SLACK_API_URL=slack.url + "/api/",
        PORT=str(port), DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    env.pop("BACKGROUND_WORK", None)
    web = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while not _worker_children(web.pid) or not _healthy(port):
            assert web.poll() is None, web.stdout.read().decode()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "no worker child, or not listening on PORT"
            time.sleep(0.2)
        first = _worker_children(web.pid)
        assert len(first) == 1
        client = SignedSlackClient(f"http://127.0.0.1:{port}", "proc-secret")
        message = slack.add_message(slack.dm_channel(MEMBER), MEMBER, "Qui finance DIGISET ?")
        assert client.send_event(dict(message, channel=slack.dm_channel(MEMBER), channel_type="im")).status == 200
        slack.wait_for("chat.postMessage", timeout=30)

        os.kill(first[0], 9)
        slack.add_user("U0LATE", "late")
        late = slack.add_message(slack.dm_channel("U0LATE"), "U0LATE", "Qui finance DIGISET ?")
        assert client.send_event(dict(late, channel=slack.dm_channel("U0LATE"), channel_type="im")).status == 200
        deadline = time.monotonic() + 60
        while not (_worker_children(web.pid) and _worker_children(web.pid) != first):
            assert time.monotonic() < deadline, "the killed worker was not started again"
            time.sleep(0.2)
        deadline = time.monotonic() + 60
        while not slack.bot_messages(slack.dm_channel("U0LATE")):
            assert time.monotonic() < deadline, "what was acked while the worker was down was not answered"
            time.sleep(0.2)
        assert "COSME" in json.dumps(slack.bot_messages(slack.dm_channel("U0LATE")), ensure_ascii=False)
        second = _worker_children(web.pid)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            child = json.loads(response.read())["worker_child"]
        assert child == {"pid": second[0], "running": True, "restarts": 1}
    finally:
        web.terminate()
    assert web.wait(timeout=30) == 0
    assert not Path(f"/proc/{second[0]}").exists() or "jobs" not in _command_line(second[0])


def test_socket_mode_starts_its_worker_child_and_stops_it(slack: SlackStandin, database_url: str, tmp_path: Path) -> None:
    """Socket Mode builds the same RunningBot: its `sogabot jobs` child runs beside it, shows in
    /healthz, and goes with it on SIGTERM. (The stand-in speaks no WebSocket: its URL leads
    nowhere, and the client keeps trying.)"""
    slack.m_apps_connections_open = lambda params, token: {"ok": True, "url": f"ws://127.0.0.1:{_free_port()}/link"}  # type: ignore[attr-defined]
    port = _free_port()
    env = _env(SLACK_BOT_TOKEN="xoxb-proc", SLACK_APP_TOKEN="xapp-1-proc", SLACK_API_URL=slack.url + "/api/",
               PORT=str(port), DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    env.pop("BACKGROUND_WORK", None)
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child: dict = {}
    try:
        deadline = time.monotonic() + 90
        while not child.get("running"):
            assert process.poll() is None and time.monotonic() < deadline, "no worker child in Socket Mode"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    report = json.loads(response.read())
                assert report["mode"] == "socket"
                child = report.get("worker_child") or {}
            except OSError:
                pass
            time.sleep(0.2)
        assert child["pid"] in _children(process.pid) and "jobs" in _command_line(child["pid"])
    finally:
        process.terminate()
    assert process.wait(timeout=30) == 0
    assert not Path(f"/proc/{child['pid']}").exists() or "jobs" not in _command_line(child["pid"])


def test_socket_mode_refused_by_slack_says_what_to_check_in_one_line(slack: SlackStandin, database_url: str,
                                                                      tmp_path: Path) -> None:
    env = _env(SLACK_BOT_TOKEN="xoxb-proc", SLACK_APP_TOKEN="xapp-1-revoked", SLACK_API_URL=slack.url + "/api/",
               PORT=str(_free_port()), DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("sogabot:")]
    assert "SLACK_APP_TOKEN" in line and "unknown_method" in line


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return json.loads(response.read())["status"] == "ok"
    except OSError:
        return False


def test_unreachable_database_stops_start_up_clearly(tmp_path: Path) -> None:
    env = _env(DATABASE_URL="postgresql+psycopg://postgres:pw@127.0.0.1:1/nowhere")
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert "pw" not in result.stderr and "Traceback" not in result.stderr


def test_missing_credential_names_the_variable(tmp_path: Path) -> None:
    env = _env(SLACK_SIGNING_SECRET="only-the-secret")
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "sogabot: configuration error: SLACK_BOT_TOKEN is required for HTTP mode (SLACK_SIGNING_SECRET is set)"


def test_socket_mode_opens_its_connection_through_slack_api_url(slack: SlackStandin, settings) -> None:
    from pydantic import SecretStr

    from bot.slack.app import build_app
    from bot.cli.main import make_socket_mode_handler
    from bot.core.services import build_services

    socket_settings = settings.model_copy(update={"slack_app_token": SecretStr("xapp-1-test")})
    handler = make_socket_mode_handler(build_app(build_services(socket_settings), token_verification=False), socket_settings)
    try:
        # The stand-in doesn't speak WebSocket: the call must at least reach it, with the app token.
        try:
            handler.client.issue_new_wss_url()
        except Exception:
            pass
        calls = slack.calls_to("apps.connections.open")
        assert calls and calls[0].headers["authorization"] == "Bearer xapp-1-test"
    finally:
        handler.client.close()
