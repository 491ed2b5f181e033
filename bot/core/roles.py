"""Who may do what. Every permission check in the bot goes through `Roles.can`."""

from __future__ import annotations

import logging
import threading
import time
from enum import Enum
from typing import Callable

from bot.core.settings import Settings

log = logging.getLogger(__name__)


class Role(str, Enum):
    MEMBER = "member"
    FACILITATOR = "facilitator"
    STAFF = "staff"


class Permission(str, Enum):
    VIEW_STATS = "view_stats"
    MANAGE_DIGEST = "manage_digest"
    CURATE_KNOWLEDGE = "curate_knowledge"
    SET_CHANNEL_MODE = "set_channel_mode"
    ANSWER_HANDOFF = "answer_handoff"
    MANAGE_CAFE = "manage_cafe"
    MODERATE_CAFE = "moderate_cafe"
    MANAGE_PRIVACY_REQUESTS = "manage_privacy_requests"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.MEMBER: frozenset(),
    Role.FACILITATOR: frozenset({Permission.MANAGE_CAFE, Permission.MODERATE_CAFE}),
    Role.STAFF: frozenset(Permission),
}


class Roles:
    """Staff and facilitators come from settings and from the staff user group (cached)."""

    def __init__(
        self,
        settings: Settings,
        usergroup_members: Callable[[str], set[str]] | None = None,
        cache_seconds: float = 300.0,
    ) -> None:
        self._settings = settings
        self._usergroup_members = usergroup_members
        self._cache_seconds = cache_seconds
        self._group_cache: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def _staff_group(self) -> frozenset[str]:
        group = self._settings.staff_usergroup
        if not group or self._usergroup_members is None:
            return frozenset()
        with self._lock:
            now = time.monotonic()
            if self._group_cache and now - self._group_cache[0] < self._cache_seconds:
                return self._group_cache[1]
            try:
                members = frozenset(self._usergroup_members(group))
            except Exception:  # Slack down: keep the last known list rather than lock staff out
                log.warning("could not refresh staff user group %s", group, exc_info=True)
                return self._group_cache[1] if self._group_cache else frozenset()
            self._group_cache = (now, members)
            return members

    def role_of(self, user_id: str | None) -> Role:
        if not user_id:
            return Role.MEMBER
        if user_id in self._settings.staff_ids or user_id in self._staff_group():
            return Role.STAFF
        if user_id in self._settings.facilitator_ids:
            return Role.FACILITATOR
        return Role.MEMBER

    def can(self, user_id: str | None, permission: Permission) -> bool:
        return permission in _GRANTS[self.role_of(user_id)]
