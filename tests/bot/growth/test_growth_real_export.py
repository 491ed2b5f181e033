"""The importer on a real Slack export (tests/fixtures/slack_exports/README.md)."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.growth.export_import import import_slack_export
from bot.growth.models import Activity
from bot.growth.stats import compute_stats
from bot.store.models import Member

EXPORT = Path(__file__).resolve().parents[2] / "fixtures" / "slack_exports" / "houstondatavis"
PARIS = ZoneInfo("Europe/Paris")
GENERAL = "C061A2UGJ"


def _zip(tmp_path: Path) -> Path:
    path = tmp_path / "houston.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in EXPORT.rglob("*.json"):
            archive.write(file, file.relative_to(EXPORT).as_posix())
    return path


def test_a_real_export_is_dated_by_ts_in_our_time_zone_not_by_file_name(db, tmp_path) -> None:
    report = import_slack_export(db, str(_zip(tmp_path)), PARIS, frozenset(), datetime(2016, 8, 1, tzinfo=timezone.utc))
    assert report.users == 71 and report.skipped_files == []
    # Independently: human posts of #general by their Paris day.
    expected: Counter[tuple[date, str]] = Counter()
    joins = {}
    for file in sorted((EXPORT / "general").glob("*.json")):
        for message in json.loads(file.read_text()):
            day = datetime.fromtimestamp(float(message["ts"]), PARIS).date()
            if message.get("subtype") in (None, "file_share") and message.get("user"):
                expected[(day, message["user"])] += 1
            if message.get("subtype") == "channel_join":
                joins.setdefault(message["user"], float(message["ts"]))
    with db.session() as session:
        stored = Counter({(d, u): m for d, u, m in session.execute(
            select(Activity.day, Activity.user_id, func.sum(Activity.messages))
            .where(Activity.channel_id == GENERAL, Activity.messages > 0).group_by(Activity.day, Activity.user_id))})
        members = {m.user_id: m for m in session.scalars(select(Member))}
    assert stored == expected
    # A post late on 21 July in Pacific time (its file's name) is on 22 July in Paris.
    assert stored[(date(2016, 7, 22), "U1GGRN36X")] >= 1
    assert all(members[u].joined_at == datetime.fromtimestamp(ts, timezone.utc) for u, ts in joins.items())
    # Those who neither joined nor posted in the export's history were there before it.
    signs = set(joins) | {u for _d, u in expected}
    assert {u for u, m in members.items() if m.joined_at is None} == {u for u in members if u not in signs}
    deleted = [m for m in members.values() if m.is_deleted]
    assert len(deleted) == 1 and deleted[0].left_at is None
    assert compute_stats(db, PARIS, date(2016, 7, 31))["members_total"] == 70
