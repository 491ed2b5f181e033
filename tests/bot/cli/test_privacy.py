"""`sogabot privacy export|erase|report|purge`, for requests made by email."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest

from bot.cli.main import main
from bot.store.models import Member
from tests.bot.privacy.support import scan_for

ME = "U0CAMILLE"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def member(db):
    now = datetime.now(timezone.utc)
    with db.session() as session:
        session.add(Member(user_id=ME, display_name="camille", locale="fr-FR", role="member", created_at=now, updated_at=now))
    return ME


def test_export_prints_the_members_data_as_one_json_line(settings, member, capsys, tmp_path) -> None:
    assert main(["privacy", "export", ME], settings=settings) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    data = json.loads(out[0])
    assert data["tables"]["members"][0]["display_name"] == "camille"

    assert main(["privacy", "export", ME, "--out", str(tmp_path / "camille.json")], settings=settings) == 0
    assert json.loads((tmp_path / "camille.json").read_text())["user_id"] == ME


def test_a_bad_user_id_is_a_clear_one_line_error(settings, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["privacy", "erase", "camille; DROP TABLE"], settings=settings)
    assert exit_.value.code == 2
    assert "is not a Slack user id" in capsys.readouterr().err


def test_erase_on_a_pipe_refuses_without_yes(settings, db, member, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("U0CAMILLE\n"))
    assert main(["privacy", "erase", ME], settings=settings) == 2
    assert "stdin is not a terminal, so add --yes" in capsys.readouterr().err
    assert scan_for(db, None, ME) == ["members.user_id"]

    assert main(["privacy", "erase", ME, "--yes"], settings=settings) == 0
    assert json.loads(capsys.readouterr().out)["rows_anonymised"] == 1
    assert scan_for(db, None, ME) == []


def test_erase_on_a_terminal_asks_for_the_id_again(settings, db, member, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("U0SOMEONE\n"))
    assert main(["privacy", "erase", ME], settings=settings) == 1
    assert "not confirmed" in capsys.readouterr().err
    assert scan_for(db, None, ME) == ["members.user_id"]

    monkeypatch.setattr("sys.stdin", Terminal("U0CAMILLE\n"))
    assert main(["privacy", "erase", ME], settings=settings) == 0
    assert "cannot be undone" in capsys.readouterr().err
    assert scan_for(db, None, ME) == []


def test_report_lists_every_table_with_rows_and_age(settings, member, capsys) -> None:
    assert main(["privacy", "report", "--json"], settings=settings) == 0
    lines = {row["table"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert lines["members"]["rows"] == 1 and lines["members"]["oldest_age_days"] is not None
    assert lines["privacy_erasure_log"]["personal"] is False
    assert main(["privacy", "report"], settings=settings) == 0
    assert "members" in capsys.readouterr().out


def test_purge_runs_the_retention_now(settings, member, capsys) -> None:
    assert main(["privacy", "purge"], settings=settings) == 0
    purged = json.loads(capsys.readouterr().out)
    assert set(purged) >= {"members", "kb_questions", "digest_threads"}
    assert not any(purged.values())


def test_report_ages_tables_dated_by_day(settings, db, member, capsys) -> None:
    from datetime import date

    from bot.growth.models import Activity

    with db.session() as session:
        session.add(Activity(day=date(2020, 1, 6), user_id=ME, channel_id="C1", week_start=date(2020, 1, 6),
                             month=date(2020, 1, 1), messages=1, replies=0, reactions=0))
    assert main(["privacy", "report", "--json"], settings=settings) == 0
    lines = {row["table"]: row for row in map(json.loads, capsys.readouterr().out.splitlines())}
    assert lines["growth_activity"]["rows"] == 1
    assert lines["growth_activity"]["oldest_age_days"] > 365 * 5
