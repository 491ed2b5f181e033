"""Daily reconciliation with `users.list`: joins, leaves and profile changes that events missed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.growth.ingest import apply_user, baseline_taken, mark_baseline
from bot.growth.models import GrowthState
from bot.store.db import Database

# When the workspace's member list (users.list) was last taken in; absent until it ever was
# (an import alone doesn't set it: it says who was there then, not who is there now).
SYNCED_KEY = "members_synced_at"


def members_synced(db: Database) -> bool:
    with db.read_session() as session:  # a read: it never queues behind a writer
        return session.get(GrowthState, SYNCED_KEY) is not None


def reconcile_members(db: Database, users: Iterable[dict[str, Any]], now: datetime,
                      arrivals: list[dict[str, Any]] | None = None) -> Counter[str]:
    """Apply the workspace's member list; returns how many members joined, left, rejoined, etc.
    The users who joined or came back are appended to `arrivals` (to welcome them).

    The first list ever taken in (with no import before it) is a baseline: those members were
    there before the bot, so they don't count as joins today.
    """
    outcomes: Counter[str] = Counter()
    with db.session() as session:
        joins_count = baseline_taken(session)
        for user in users:
            if user.get("id"):
                outcome = apply_user(session, user, now, now, is_new_join=joins_count)
                outcomes[outcome] += 1
                if arrivals is not None and outcome in ("joined", "rejoined"):
                    arrivals.append(user)
        mark_baseline(session, now)
        state = session.get(GrowthState, SYNCED_KEY)
        if state is None:
            session.add(GrowthState(key=SYNCED_KEY, value=now.isoformat()))
        else:
            state.value = now.isoformat()
    return outcomes
