"""A week's figures for the digest, from the same computation as `/stats` (bot.growth.stats):
the members, arrivals and actives of ISO week W are `/stats` as of W's Sunday, with its 7-day
window being exactly that week."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.growth.stats import _Bounds, _human, compute_stats
from bot.privacy.names import ERASED_PREFIX
from bot.store.db import Database
from bot.store.models import Member


def week_figures(db: Database, tz: ZoneInfo, monday: date) -> dict[str, Any]:
    """{"members", "joins", "actives"} of the week starting on `monday`, and whether the week
    is before the bot's first data (`before_history`: the figures then cover only what is known)."""
    figures = compute_stats(db, tz, monday + timedelta(days=6)).figures
    return {"members": figures["members_total"], "joins": figures["joined_7d"], "actives": figures["active_7d"],
            "before_history": figures["before_history"]}


def arrivals(db: Database, tz: ZoneInfo, monday: date) -> list[dict[str, Any]]:
    """Who joined in the week and is still here, to welcome by name: not opted out (they are
    named nowhere), not erased, not gone."""
    bounds = _Bounds(tz)
    sunday = monday + timedelta(days=6)
    with db.session() as session:
        rows = session.execute(
            select(Member.user_id, Member.display_name)
            .where(_human(), bounds.joined(monday, sunday), bounds.present(sunday), ~Member.user_id.startswith(ERASED_PREFIX))
            .order_by(Member.joined_at, Member.user_id)
        ).all()
    return [{"user_id": user_id, "name": name or user_id} for user_id, name in rows]
