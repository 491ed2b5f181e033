"""★ `sogabot digest preview --out DIR [--week YYYY-Www]`."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bot.cli.main import main
from bot.digest.observe import DigestRecorder
from bot.growth.channels import channel_names, remember_channel_name
from tests.bot.cli.test_run import _env
from tests.bot.digest.helpers import WEEK, seed_week
from tests.support import make_settings


def test_preview_writes_the_three_files(slack, database_url, db, tmp_path, capsys) -> None:
    settings = make_settings(slack, database_url)
    seed_week(db, DigestRecorder(db, settings.tz))
    out = tmp_path / "preview"
    assert main(["digest", "preview", "--out", str(out), "--week", WEEK], settings=settings) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["week"] == WEEK and summary["threads"] == 2 and summary["new_members"] == 1
    html = (out / "digest.html").read_text()
    assert "*|UNSUB|*" in html and "Léa" in html and "/archives/C0ENTRAIDE/p" in html
    assert "Du 16 au 22 novembre 2026" in (out / "digest.txt").read_text()
    assert json.loads((out / "digest.json").read_text())["blocks"][0]["type"] == "header"
    # Names Slack gave are kept: a later preview without a token shows them too.
    assert channel_names(db, ["C0ENTRAIDE", "C0GENERAL"]) == {"C0ENTRAIDE": "entraide", "C0GENERAL": "general"}


def test_a_bad_week_is_a_clear_error(slack, database_url, tmp_path, capsys) -> None:
    settings = make_settings(slack, database_url)
    assert main(["digest", "preview", "--out", str(tmp_path / "x"), "--week", "2026-13"], settings=settings) == 2
    err = capsys.readouterr().err
    assert "not an ISO week" in err and "Traceback" not in err and not (tmp_path / "x").exists()


def test_without_a_token_the_preview_asks_slack_nothing_and_names_channels_from_the_database(
        slack, database_url, db, tmp_path) -> None:
    """The command line on a laptop: no SLACK_BOT_TOKEN. Names come from what the database
    knows (an export's channels.json, names learned before); Slack is never asked, so there is
    no wait for retries and no ERROR line. SLACK_API_URL points at the stand-in, which records
    every request it gets."""
    seed_week(db, DigestRecorder(db, make_settings(slack, database_url).tz))
    remember_channel_name(db, "C0ENTRAIDE", "entraide")  # as the import of channels.json keeps it
    out = tmp_path / "preview"
    env = _env(SLACK_API_URL=slack.url + "/api/", DATABASE_URL=database_url, OUTBOX_DIR=str(tmp_path / "outbox"))
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bot", "digest", "preview", "--out", str(out), "--week", WEEK],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert slack.calls == []  # not one request, not even refused ones
    assert " ERROR " not in result.stderr and "Traceback" not in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["threads"] == 2
    text = (out / "digest.txt").read_text()
    assert "#entraide" in text and "#C0ENTRAIDE" not in text
    assert "#C0GENERAL" in text  # a channel no export named and Slack can't be asked about: its id
    # The process starts Python, migrates and builds: seconds, not the retries' dozen more.
    assert elapsed < 10, f"{elapsed:.1f} s"
