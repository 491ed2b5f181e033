"""Every figure of `sogabot stats --json`, from a synthetic export and from live events, checked
against values computed independently (tests/bot/growth/synthetic.py)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete, func, select

from bot.cli.main import main
from bot.growth.export_import import import_slack_export
from bot.growth.ingest import ActivityRecorder, MembershipRecorder
from bot.growth.models import Activity, GrowthState, MemberMonth, MemberWeek, Question, Week
from bot.growth.stats import compute_stats
from bot.growth.sync import reconcile_members
from bot.store.models import Member
from tests.bot.growth.synthetic import CHANNELS, HELP, PARIS, build_history, expected_figures, write_export
from tests.support import FakeClock

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)
# End of the history, a Sunday in the middle (week complete), the DST change, a mid-month day.
AS_OF = [date(2026, 6, 30), date(2026, 5, 31), date(2026, 3, 29), date(2026, 4, 15)]


@pytest.fixture(scope="module")
def history():
    return build_history()


def _import(db, path, progress=None):
    return import_slack_export(db, str(path), PARIS, frozenset({HELP}), NOW, progress=progress)


def test_history_is_big_enough_to_mean_something(history) -> None:
    figures = expected_figures(history, AS_OF[0])
    assert len(history.users) > 250
    assert figures["joined_28d"] > 5 and figures["active_28d"] > 30 and figures["at_risk"] > 0
    assert figures["median_first_response_minutes_28d"] is not None
    assert sum(c["members"] for c in figures["cohorts"]) > 100


@pytest.mark.parametrize("as_of", AS_OF, ids=str)
def test_imported_export_gives_the_independently_computed_figures(db, tmp_path, history, as_of) -> None:
    path = tmp_path / "export.zip"
    write_export(history, str(path))
    lines: list[str] = []
    report = _import(db, path, progress=lines.append)
    assert report.skipped_files == [report.skipped_files[0]] and "random/2026-07-15.json" in report.skipped_files[0]
    assert lines and lines[-1].startswith("stored")
    assert compute_stats(db, PARIS, as_of).figures == expected_figures(history, as_of)


def test_importing_twice_changes_nothing(db, tmp_path, history) -> None:
    path = tmp_path / "export.zip"
    write_export(history, str(path), top_folder="SOGA Slack export/")
    _import(db, path)

    def snapshot():
        with db.session() as session:
            tables = [session.execute(select(m).order_by(*m.__table__.primary_key.columns)).scalars().all()
                      for m in (Activity, MemberWeek, MemberMonth, Question)]
            rows = [[{c.key: getattr(r, c.key) for c in r.__table__.columns} for r in table] for table in tables]
            members = session.execute(select(Member.user_id, Member.joined_at, Member.is_deleted, Member.first_active_at,
                                             Member.last_active_at).order_by(Member.user_id)).all()
        return rows, members, compute_stats(db, PARIS, AS_OF[0]).figures

    first = snapshot()
    _import(db, path)
    assert snapshot() == first
    assert first[2] == expected_figures(history, AS_OF[0])


def test_cli_imports_and_prints_the_json(db, settings, tmp_path, history, capsys) -> None:
    path = tmp_path / "export.zip"
    write_export(history, str(path))
    settings = settings.model_copy(update={"help_channels": HELP})
    assert main(["import-slack-export", str(path)], settings=settings) == 0
    captured = capsys.readouterr()
    assert "skipped" in captured.err and "random/2026-07-15.json" in captured.err
    assert main(["stats", "--json", "--as-of", "2026-06-30"], settings=settings) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and json.loads(out[0]) == expected_figures(history, date(2026, 6, 30))


@pytest.mark.parametrize("bad", ["2026-02-30", "30/06/2026", "yesterday", "2026-6-1"])
def test_bad_as_of_is_one_clear_line_and_exit_2(settings, bad, capsys) -> None:
    assert main(["stats", "--json", "--as-of", bad], settings=settings) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and "YYYY-MM-DD" in captured.err


def test_a_file_that_is_not_a_zip_is_refused_clearly(settings, tmp_path, capsys) -> None:
    path = tmp_path / "export.zip"
    path.write_text("not a zip")
    assert main(["import-slack-export", str(path)], settings=settings) == 2
    assert "not a readable zip" in capsys.readouterr().err


def _replay_live(db, history) -> None:
    """The same history as Slack would have sent it: a baseline users.list, then events in order."""
    clock = FakeClock(datetime(2025, 12, 31, 12, tzinfo=timezone.utc))
    signs = history.first_signs
    before = [u for u in history.users if u["id"] not in signs]
    reconcile_members(db, before, clock())
    membership = MembershipRecorder(db, clock)
    recorder = ActivityRecorder(db, PARIS, frozenset({HELP}), clock)
    events = []
    for user_id, ts in signs.items():
        events.append((ts, 0, "team_join", next(u for u in history.users if u["id"] == user_id), None))
    for channel, items in history.messages.items():
        for message in items:
            live = dict(message, channel=channel, channel_type="channel")
            if live.get("thread_ts") == live["ts"]:
                del live["thread_ts"]  # the parent had no thread yet when it was posted
            live.pop("reactions", None)
            events.append((float(message["ts"]), 1, "message", live, None))
            for reaction in message.get("reactions", []):
                for reactor in reaction["users"]:
                    events.append((float(message["ts"]), 2, "reaction_added", {
                        "type": "reaction_added", "user": reactor, "reaction": reaction["name"],
                        "item": {"type": "message", "channel": channel, "ts": message["ts"]}, "event_ts": message["ts"],
                    }, None))
    for ts, _order, kind, payload, _ in sorted(events, key=lambda e: (e[0], e[1])):
        clock.set(datetime.fromtimestamp(ts, timezone.utc))
        if kind == "team_join":
            membership.team_join(payload)
        elif kind == "message":
            recorder.message(payload, bot_user_id="UBOTSOGA")
        else:
            recorder.reaction(payload, bot_user_id="UBOTSOGA")


def test_live_events_give_the_same_figures_as_the_import(db, tmp_path) -> None:
    history = build_history(seed=11, members=120, deleted_joiners=False)
    path = tmp_path / "export.zip"
    write_export(history, str(path))
    _import(db, path)
    imported = [compute_stats(db, PARIS, d).figures for d in AS_OF]
    assert imported[0] == expected_figures(history, AS_OF[0])
    with db.session() as session:
        for model in (Activity, MemberWeek, MemberMonth, Week, Question, GrowthState, Member):
            session.execute(delete(model))
    _replay_live(db, history)
    live = [compute_stats(db, PARIS, d).figures for d in AS_OF]
    # The live bot's data starts with its first member list, the day before the first event.
    for figures in live + imported:
        figures.pop("history_starts")
    assert live == imported


def test_opted_out_members_count_only_in_the_member_total(db, tmp_path, history) -> None:
    path = tmp_path / "export.zip"
    write_export(history, str(path))
    _import(db, path)
    before = compute_stats(db, PARIS, AS_OF[0])
    busiest = max(before.at_risk, key=lambda r: r.last_active_day).user_id
    with db.session() as session:
        session.get(Member, busiest).analytics_opt_out = True
    after = compute_stats(db, PARIS, AS_OF[0])
    assert after["members_total"] == before["members_total"]
    assert after["at_risk"] == before["at_risk"] - 1
    assert busiest not in {r.user_id for r in after.at_risk}
    assert sum(after["levels"].values()) == sum(before["levels"].values()) - 1
    # And nothing new is recorded for them.
    recorder = ActivityRecorder(db, PARIS, frozenset(), FakeClock(NOW))
    assert recorder.message({"type": "message", "user": busiest, "channel": "C0GEN", "ts": f"{NOW.timestamp():.6f}", "text": "?"}) is False
    with db.session() as session:
        count = session.scalar(select(func.count()).select_from(Activity).where(Activity.user_id == busiest, Activity.day == date(2026, 7, 1)))
    assert count == 0


def test_channel_ids_map_from_folder_names(db, tmp_path, history) -> None:
    path = tmp_path / "export.zip"
    write_export(history, str(path))
    _import(db, path)
    with db.session() as session:
        channels = set(session.execute(select(Activity.channel_id).distinct()).scalars())
    assert channels <= set(CHANNELS)
