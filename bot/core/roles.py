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


# The first look-up of the staff group waits this long for Slack at most (then the group counts
# as empty until the answer comes); every later one uses the last good list and never waits.
FIRST_LOAD_WAIT_SECONDS = 1.0
# After a failed refresh, no new attempt before this (or the Retry-After Slack asked for).
FAILURE_RETRY_SECONDS = 60.0


class Roles:
    """Staff and facilitators come from settings and from the staff user group (cached).

    Role checks run in acks, so they never wait on Slack: the group is refreshed in the
    background, one refresh at a time, while checks read the last good list. A rate-limited
    usergroups.users.list (whose client sleeps through Retry-After) used to hold one lock that
    every check queued behind, and acks went past 3 s."""

    def __init__(
        self,
        settings: Settings,
        usergroup_members: Callable[[str], set[str]] | None = None,
        cache_seconds: float = 300.0,
    ) -> None:
        self._settings = settings
        self._usergroup_members = usergroup_members
        self._cache_seconds = cache_seconds
        self._members: frozenset[str] | None = None  # the last good list
        self._next_refresh = 0.0  # time.monotonic() from which a refresh may start
        self._refreshing: threading.Thread | None = None
        self._lock = threading.Lock()

    def _staff_group(self) -> frozenset[str]:
        group = self._settings.staff_usergroup
        if not group or self._usergroup_members is None:
            return frozenset()
        with self._lock:
            if self._refreshing is None and time.monotonic() >= self._next_refresh:
                self._refreshing = threading.Thread(target=self._refresh, args=(group,), name="sogabot-staff-group", daemon=True)
                self._refreshing.start()
            known, loading = self._members, self._refreshing
        if known is None and loading is not None:
            loading.join(FIRST_LOAD_WAIT_SECONDS)
            known = self._members
        return known or frozenset()

    def _refresh(self, group: str) -> None:
        members: frozenset[str] | None = None
        try:
            members = frozenset(self._usergroup_members(group))  # type: ignore[misc]
        except Exception as exc:  # Slack down or rate-limited: keep the last list, try again later
            log.warning("could not refresh staff user group %s: %s", group, exc)
            wait = max(FAILURE_RETRY_SECONDS, _retry_after(exc))
        with self._lock:
            if members is not None:
                self._members, wait = members, self._cache_seconds
            self._next_refresh = time.monotonic() + wait
            self._refreshing = None

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


def _retry_after(exc: Exception) -> float:
    """The Retry-After of a rate-limited call's response (Slack's SDK error carries it), or 0."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    value = headers.get("retry-after") or headers.get("Retry-After") if hasattr(headers, "get") else None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0
