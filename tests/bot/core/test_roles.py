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
