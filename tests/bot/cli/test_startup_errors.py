"""Start-up refusals: one line on stderr naming what is missing, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def _bare_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "OPENAI_", "MAILCHIMP_", "DIGEST_")) and k not in ("PORT", "DYNO")}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", **values)
    return env


def test_the_worker_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "jobs"], cwd=tmp_path, env=_bare_env(tmp_path),
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sogabot: configuration error: SLACK_BOT_TOKEN is required for the worker (`sogabot jobs` posts to Slack)"]


@pytest.mark.parametrize("variable", ["PORT", "DYNO"])
def test_run_on_a_host_without_credentials_refuses_the_console(variable: str, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(variable, "5000" if variable == "PORT" else "web.1")
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    assert not sys.stdin.isatty()  # pytest's stdin, as on a host
    assert main(["run"], settings=settings) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and f"({variable} set)" in error[0]
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in error[0]


def test_the_console_still_reads_a_piped_stdin_off_a_host(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=_bare_env(tmp_path),
                            input="help\nquit\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "/ask" in result.stdout


def test_a_cron_day_out_of_range_stops_start_up_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "jobs", "list"], cwd=tmp_path,
                            env=_bare_env(tmp_path, DIGEST_CRON="0 9 * * 8"),
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "sogabot: configuration error: DIGEST_CRON: day of week '8': use 0-7 (0 and 7 are Sunday) or mon…sun"]
