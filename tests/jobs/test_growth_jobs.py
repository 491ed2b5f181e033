"""Right from the first minute: on start, a bot that never read the member list reads it, and
`sogabot growth sync` reads it on demand."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from bot.cli.main import main
from bot.core.services import build_services
from bot.growth.stats import compute_stats
from jobs.scheduler import start_scheduler
from tests.support import FakeClock, make_settings

PARIS = ZoneInfo("Europe/Paris")


def _users_list_calls(slack) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for c in slack.calls if c.path.endswith("users.list"))


def _start_and_wait(services) -> None:  # type: ignore[no-untyped-def]
    done = threading.Event()
    scheduler = start_scheduler(services, background=True)
    assert scheduler is not None
    scheduler.add_listener(lambda e: done.set() if e.job_id == "growth_first_sync" else None, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.wakeup()
    done.wait(20)
    scheduler.shutdown(wait=True)


def test_on_start_the_member_list_is_read_once_when_it_never_was(slack, database_url, db) -> None:  # type: ignore[no-untyped-def]
    for n in range(3):
        slack.add_user(f"U0NEW{n}", f"nouveau{n}")
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    services = build_services(make_settings(slack, database_url), db=db, clock=clock)
    try:
        assert compute_stats(db, PARIS, date(2026, 11, 23))["members_total"] == 0
        _start_and_wait(services)
        # Everyone present in the stand-in's workspace (people, not the bot) counts at once.
        people = sum(1 for u in slack.ws.users.values() if not u.get("is_bot") and not u.get("deleted"))
        assert compute_stats(db, PARIS, date(2026, 11, 23))["members_total"] == people == 7
        calls = _users_list_calls(slack)
        assert calls >= 1
        _start_and_wait(services)  # a restart: the list was read already
        assert _users_list_calls(slack) == calls
    finally:
        services.executor.shutdown()


def test_growth_sync_reads_the_member_list_now(slack, database_url, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["growth", "sync"], settings=make_settings(slack, database_url)) == 0
    outcomes = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert outcomes.get("updated", 0) + outcomes.get("unchanged", 0) + outcomes.get("joined", 0) >= 4
    assert _users_list_calls(slack) >= 1


def test_growth_sync_without_a_token_says_why_in_one_line(slack, database_url, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["growth", "sync"], settings=make_settings(slack, database_url, slack_bot_token=None)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "SLACK_BOT_TOKEN" in err
    assert _users_list_calls(slack) == 0
