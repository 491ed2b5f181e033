"""The digest's members, arrivals and actives are `/stats`'s, for the same week (issue #15)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from bot.cli.main import main
from tests.bot.growth.export_shapes import standard_export
from tests.support import make_settings

# The Houston export's July 2016 weeks (tests/fixtures/slack_exports/houstondatavis).
WEEKS = ["2016-W27", "2016-W28", "2016-W29", "2016-W30"]


@pytest.fixture
def imported(slack, database_url, tmp_path, capsys):
    settings = make_settings(slack, database_url)
    assert main(["import-slack-export", str(standard_export(tmp_path / "houston"))], settings=settings) == 0
    capsys.readouterr()
    return settings


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.parametrize("week", WEEKS)
def test_the_digest_and_stats_agree_on_the_houston_export(imported, tmp_path, capsys, week) -> None:
    assert main(["digest", "preview", "--out", str(tmp_path / week), "--week", week, "--no-llm"], settings=imported) == 0
    digest = _json(capsys)["figures"]
    year, number = week.split("-W")
    sunday = date.fromisocalendar(int(year), int(number), 7)
    assert main(["stats", "--json", "--as-of", sunday.isoformat()], settings=imported) == 0
    stats = _json(capsys)
    assert (digest["members"], digest["joins"], digest["actives"]) == (
        stats["members_total"], stats["joined_7d"], stats["active_7d"])
    # The week W29 of the issue: all the members, not only those with a known join date.
    if week == "2016-W29":
        assert digest["members"] > 60 and digest["actives"] > 0
    assert f"compte désormais {digest['members']} membres" in (tmp_path / week / "digest.txt").read_text()
    # The welcome list is the week's arrivals: as many as /stats counts, less those gone since.
    welcomed = _json_file(tmp_path / week)
    assert len(welcomed) <= digest["joins"] and (digest["joins"] == 0 or welcomed)


def _json_file(folder) -> list:
    text = (folder / "digest.txt").read_text()
    if "BIENVENUE" not in text:
        return []
    line = text.split("BIENVENUE\n", 1)[1].splitlines()[0]
    return line.removeprefix("Nous souhaitons la bienvenue à ").rstrip(".").replace(" et ", ", ").split(", ")


def test_a_week_before_the_first_data_says_so(imported, tmp_path, capsys) -> None:
    assert main(["digest", "preview", "--out", str(tmp_path / "old"), "--week", "2016-W20", "--no-llm"], settings=imported) == 0
    assert _json(capsys)["figures"]["before_history"] is True
    assert "avant les premières données" in (tmp_path / "old" / "digest.txt").read_text()
    assert main(["stats", "--json", "--as-of", (date(2016, 7, 5) - timedelta(days=1)).isoformat()], settings=imported) == 0
    stats = _json(capsys)
    assert stats["before_history"] is True and stats["history_starts"] == "2016-07-05"
