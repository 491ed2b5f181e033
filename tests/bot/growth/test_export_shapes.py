"""`sogabot import-slack-export` on real exports in every shape (tests/bot/growth/export_shapes.py)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.cli.main import main
from bot.growth.export_import import import_slack_export
from bot.growth.models import Activity, Channel
from bot.growth.stats import compute_stats
from bot.store.models import Member
from tests.bot.growth.export_shapes import (
    ARCHIVE, DM_ID, HOUSTON, MPIM_ID, PRIVATE_ID, PUBLIC_ID, full_export, human_messages, standard_export, zipped,
)
from tests.support import make_settings

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2016, 8, 1, tzinfo=timezone.utc)


def _messages_by_channel(db) -> Counter[str]:
    with db.session() as session:
        return Counter(dict(session.execute(
            select(Activity.channel_id, func.sum(Activity.messages)).where(Activity.messages > 0).group_by(Activity.channel_id)
        ).all()))


def test_public_channels_count_private_only_with_the_flag_and_dms_never(db, tmp_path) -> None:
    export = full_export(tmp_path / "full")
    public, private = len(human_messages(ARCHIVE / "enrique")), len(human_messages(ARCHIVE / "traveling-sailor"))
    report = import_slack_export(db, str(export), PARIS, frozenset(), NOW)
    assert report.conversations == {"public": 1, "private": 1, "dm": 1, "mpim": 1}
    assert _messages_by_channel(db) == {PUBLIC_ID: public}
    assert report.messages_counted == public

    report = import_slack_export(db, str(export), PARIS, frozenset(), NOW, include_private=True)
    assert _messages_by_channel(db) == {PUBLIC_ID: public, PRIVATE_ID: private}
    with db.session() as session:
        seen = set(session.scalars(select(Activity.channel_id)))
        names = dict(session.execute(select(Channel.channel_id, Channel.name)).all())
    assert DM_ID not in seen and MPIM_ID not in seen
    # Channels are keyed by id and keep their names; a DM has none to keep.
    assert names == {PUBLIC_ID: "enrique", PRIVATE_ID: "traveling-sailor"}


def test_enterprise_grid_people_come_from_org_users(db, tmp_path) -> None:
    report = import_slack_export(db, str(full_export(tmp_path / "grid", enterprise=True)), PARIS, frozenset(), NOW)
    assert report.users == 4
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Member).where(Member.display_name.is_not(None))) == 4


@pytest.mark.parametrize("shape", ["folder", "zip", "zip with a top folder"])
def test_a_zip_or_a_folder_with_or_without_a_top_folder(db, tmp_path, shape) -> None:
    folder = standard_export(tmp_path / "houston")
    path = {"folder": folder, "zip": zipped(folder), "zip with a top folder": zipped(folder, top_folder="houston export")}[shape]
    report = import_slack_export(db, str(path), PARIS, frozenset(), NOW)
    assert report.users == 71 and report.conversations["public"] == 16 and report.skipped_files == []
    assert _messages_by_channel(db) == {"C061A2UGJ": len(human_messages(HOUSTON / "general"))}


def test_a_folder_no_listing_names_is_skipped_and_reported(db, tmp_path) -> None:
    report = import_slack_export(db, str(full_export(tmp_path / "stray", stray_folder=True)), PARIS, frozenset(), NOW)
    assert any(line.startswith("not-listed/") for line in report.skipped_files)
    assert "not-listed" not in _messages_by_channel(db)


def _first_signs(folder: Path) -> dict[str, float]:
    """Independently of the importer: each person's earliest channel_join or human message."""
    first: dict[str, float] = {}
    for file in sorted(folder.glob("*.json")):
        for message in json.loads(file.read_text()):
            human = message.get("subtype") in (None, "file_share", "channel_join") and not message.get("bot_id")
            if human and message.get("user"):
                first[message["user"]] = min(float(message["ts"]), first.get(message["user"], float(message["ts"])))
    return first


def test_joins_are_the_first_sign_of_life_in_any_public_channel(db, tmp_path) -> None:
    export = full_export(tmp_path / "full")
    import_slack_export(db, str(export), PARIS, frozenset(), NOW)
    first = _first_signs(export / "enrique")  # the only public channel
    with db.session() as session:
        joined = {m.user_id: m.joined_at for m in session.scalars(select(Member)) if m.joined_at is not None}
    assert joined == {user: datetime.fromtimestamp(ts, timezone.utc) for user, ts in first.items()}


def test_houston_joins_and_members_against_an_independent_count(db, tmp_path) -> None:
    import_slack_export(db, str(standard_export(tmp_path / "houston")), PARIS, frozenset(), NOW)
    first = _first_signs(HOUSTON / "general")
    users = json.loads((HOUSTON / "users.json").read_text())
    deleted = {u["id"] for u in users if u.get("deleted")}
    for day in (date(2016, 7, 10), date(2016, 7, 20), date(2016, 7, 31)):
        end = datetime(day.year, day.month, day.day, 22, tzinfo=timezone.utc)  # midnight in Paris (summer time)
        expected = sum(1 for u in users if u["id"] not in deleted and (u["id"] not in first or first[u["id"]] < end.timestamp()))
        assert compute_stats(db, PARIS, day)["members_total"] == expected


def _run(args: list[str], slack, database_url) -> int:
    return main(args, settings=make_settings(slack, database_url))


def test_the_cli_prints_a_summary(slack, database_url, tmp_path, capsys) -> None:
    path = zipped(full_export(tmp_path / "full"), top_folder="export")
    assert _run(["import-slack-export", str(path)], slack, database_url) == 0
    out = capsys.readouterr().out
    assert "imported 4 users" in out and "1 public" in out and "1 private (not counted)" in out
    assert "1 DMs (never counted)" in out and "1 group DMs (never counted)" in out


@pytest.mark.parametrize("what", ["missing", "not a zip", "no listing", "no users"])
def test_an_unreadable_export_is_refused_in_one_line(slack, database_url, tmp_path, capsys, what) -> None:
    path = tmp_path / "export"
    if what == "not a zip":
        path.write_text("hello")
    elif what == "no listing":
        (path / "general").mkdir(parents=True)
        (path / "general" / "2016-07-05.json").write_text("[]")
    elif what == "no users":
        path.mkdir()
        (path / "channels.json").write_text("[]")
    assert _run(["import-slack-export", str(path)], slack, database_url) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("sogabot import-slack-export: ") and "Traceback" not in err
