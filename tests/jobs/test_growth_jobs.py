"""Right from the first minute: `sogabot growth sync` reads the member list on demand."""

from __future__ import annotations

import json

from bot.cli.main import main
from tests.support import make_settings


def _users_list_calls(slack) -> int:
    return sum(1 for c in slack.calls if c.path.endswith("users.list"))


def test_growth_sync_reads_the_member_list_now(slack, database_url, capsys) -> None:
    assert main(["growth", "sync"], settings=make_settings(slack, database_url)) == 0
    outcomes = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert outcomes.get("updated", 0) + outcomes.get("unchanged", 0) + outcomes.get("joined", 0) >= 4
    assert _users_list_calls(slack) >= 1


def test_growth_sync_without_a_token_says_why_in_one_line(slack, database_url, capsys) -> None:
    assert main(["growth", "sync"], settings=make_settings(slack, database_url, slack_bot_token=None)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "SLACK_BOT_TOKEN" in err
    assert _users_list_calls(slack) == 0
