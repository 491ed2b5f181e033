from __future__ import annotations

from bot.core.roles import Permission, Role, Roles
from bot.core.settings import Settings


def test_roles_from_settings_and_the_staff_group() -> None:
    calls: list[str] = []

    def group_members(group: str) -> set[str]:
        calls.append(group)
        return {"UGROUP"}

    settings = Settings(_env_file=None, staff_user_ids="USTAFF", facilitator_user_ids="UFACIL", staff_usergroup="S123")
    roles = Roles(settings, group_members, cache_seconds=300)
    assert roles.role_of("USTAFF") is Role.STAFF
    assert roles.role_of("UGROUP") is Role.STAFF
    assert roles.role_of("UFACIL") is Role.FACILITATOR
    assert roles.role_of("UOTHER") is Role.MEMBER
    assert calls == ["S123"]  # cached


def test_permissions() -> None:
    roles = Roles(Settings(_env_file=None, staff_user_ids="USTAFF", facilitator_user_ids="UFACIL"))
    assert roles.can("USTAFF", Permission.VIEW_STATS)
    assert roles.can("UFACIL", Permission.MANAGE_CAFE)
    assert not roles.can("UFACIL", Permission.VIEW_STATS)
    assert not roles.can("UMEMBER", Permission.MODERATE_CAFE)
    assert not roles.can(None, Permission.MANAGE_DIGEST)


def test_staff_group_failure_keeps_the_last_known_list() -> None:
    answers = [{"UGROUP"}]

    def flaky(_group: str) -> set[str]:
        if answers:
            return answers.pop()
        raise ConnectionError("slack down")

    roles = Roles(Settings(_env_file=None, staff_usergroup="S1"), flaky, cache_seconds=0)
    assert roles.role_of("UGROUP") is Role.STAFF
    assert roles.role_of("UGROUP") is Role.STAFF


def test_a_rate_limited_staff_group_never_slows_the_acks(slack, settings, db, clock) -> None:
    """Through the real HTTP server: `/stats` checks the role in its ack. While Slack answers
    usergroups.users.list with 429 (the client sleeps through each Retry-After), acks stay fast,
    the last good list still counts, and the failure is not retried at every check."""
    from integrations.slack_api import RATE_LIMIT_RETRIES
    from tests.support import BotHarness

    slack.add_user("U0GROUPIE", "lea")
    slack.ws.usergroups["S0STAFFGRP"] = ["U0GROUPIE"]
    bot = BotHarness(settings.model_copy(update={"staff_usergroup": "S0STAFFGRP"}), db, slack, clock)
    try:
        bot.services.roles = Roles(bot.settings, bot.services.directory.usergroup_members, cache_seconds=0)
        # The acks alone: the figures /stats then builds are not what this measures.
        channel = slack.dm_channel("U0GROUPIE")
        result, _ = bot.client.command("/stats", "", "U0GROUPIE", channel)
        assert result.json["text"] == "Je prépare les chiffres…"  # staff, from the group
        bot.wait_idle(60)  # the figures (the first chart imports matplotlib: slow on a busy machine)

        slack.fail("usergroups.users.list", status=429, retry_after=2, times=100)
        slack.reset_calls()
        for _ in range(3):
            result, _ = bot.client.command("/stats", "", "U0GROUPIE", channel)
            assert result.elapsed < 1.0
            assert result.json["text"] == "Je prépare les chiffres…"  # the last good list
            bot.wait_idle(60)
        assert 1 <= len(slack.calls_to("usergroups.users.list")) <= 1 + RATE_LIMIT_RETRIES
        bot.wait_idle(60)
    finally:
        bot.close()


def test_the_first_look_up_of_a_rate_limited_group_waits_briefly(slack, settings, db, clock) -> None:
    from tests.support import BotHarness

    slack.add_user("U0GROUPIE", "lea")
    slack.ws.usergroups["S0STAFFGRP"] = ["U0GROUPIE"]
    slack.fail("usergroups.users.list", status=429, retry_after=5, times=100)
    bot = BotHarness(settings.model_copy(update={"staff_usergroup": "S0STAFFGRP"}), db, slack, clock)
    try:
        for _ in range(3):
            result, _ = bot.client.command("/stats", "", "U0GROUPIE", slack.dm_channel("U0GROUPIE"))
            assert result.status == 200 and result.elapsed < 2.0  # at most FIRST_LOAD_WAIT_SECONDS once
        assert len(slack.calls_to("usergroups.users.list")) == 1  # the one refresh, still sleeping
        bot.wait_idle(60)
    finally:
        bot.close()
