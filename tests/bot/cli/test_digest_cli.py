"""★ `sogabot digest preview --out DIR [--week YYYY-Www]`."""

from __future__ import annotations

import json

from bot.cli.main import main
from bot.digest.observe import DigestRecorder
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


def test_a_bad_week_is_a_clear_error(slack, database_url, tmp_path, capsys) -> None:
    settings = make_settings(slack, database_url)
    assert main(["digest", "preview", "--out", str(tmp_path / "x"), "--week", "2026-13"], settings=settings) == 2
    err = capsys.readouterr().err
    assert "not an ISO week" in err and "Traceback" not in err and not (tmp_path / "x").exists()
