"""The growth figures of one day D (`sogabot stats --json`, `/stats`, the App Home).

Definitions (also in docs/growth.md). Days are calendar days in BOT_TIMEZONE; "the 7-day
window" is D-6..D and "the 28-day window" D-27..D.

- A *member* is a human Slack user (not a bot, not Slackbot). A member is *present* on a day
  when they joined on or before it (an unknown join date means "before our history") and had
  not left by its end. A deleted member with no leaving date (exports) is never present.
- Members who opted out of analytics count in `members_total` (and the weekly totals) only.
- *Active* means at least one message (top-level or thread reply) in the window; reactions
  alone do not make a member active.
- Engagement levels, by days with at least one message in D-89..D, over present members:
  advocates ≥ 12 days, contributors 4–11, participants 1–3, observers 0.
- At risk: present, with a message in D-89..D-30 and none in D-29..D.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from bot.growth.days import add_months, end_of_day, local_day, month_start, start_of_day, week_start
from bot.growth.models import Activity, MemberMonth, MemberWeek, Question
from bot.store.db import Database
from bot.store.models import Member

WEEKS = 26
COHORT_MONTHS = 12
TOP_CHANNELS = 10
LEVELS = (("advocates", 12), ("contributors", 4), ("participants", 1), ("observers", 0))
AT_RISK_LIST = 25


@dataclass
class MemberDates:
    user_id: str
    name: str | None
    join_day: date | None
    left_day: date | None
    gone_undated: bool  # deleted with no leaving date
    opted_out: bool

    def present(self, day: date) -> bool:
        return (
            not self.gone_undated
            and (self.join_day is None or self.join_day <= day)
            and (self.left_day is None or self.left_day > day)
        )


@dataclass
class AtRisk:
    user_id: str
    name: str | None
    last_active_day: date


@dataclass
class GrowthStats:
    figures: dict[str, Any]  # the JSON object of `sogabot stats --json`
    at_risk: list[AtRisk]

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]


def _human(members=Member):  # type: ignore[no-untyped-def]
    return and_(members.is_bot.is_(False), members.user_id != "USLACKBOT")


def _counted():  # type: ignore[no-untyped-def]
    """Members whose activity counts: human and not opted out."""
    return and_(_human(), Member.analytics_opt_out.is_(False))


def load_members(session: Session, tz: ZoneInfo) -> list[MemberDates]:
    rows = session.execute(
        select(Member.user_id, Member.display_name, Member.joined_at, Member.left_at, Member.is_deleted, Member.analytics_opt_out)
        .where(_human())
    )
    return [
        MemberDates(
            user_id=user_id,
            name=name,
            join_day=local_day(joined, tz) if joined else None,
            left_day=local_day(left, tz) if left else None,
            gone_undated=bool(deleted) and left is None,
            opted_out=bool(opted_out),
        )
        for user_id, name, joined, left, deleted, opted_out in rows
    ]


class _Presence:
    """members_total on any day in O(log n)."""

    def __init__(self, members: list[MemberDates]) -> None:
        kept = [m for m in members if not m.gone_undated]
        self._undated = sum(1 for m in kept if m.join_day is None)
        self._joins = sorted(m.join_day for m in kept if m.join_day is not None)
        self._lefts = sorted(m.left_day for m in kept if m.left_day is not None)

    def total(self, day: date) -> int:
        return self._undated + bisect_right(self._joins, day) - bisect_right(self._lefts, day)


def _between(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def compute_stats(db: Database, tz: ZoneInfo, as_of: date) -> GrowthStats:
    d = as_of
    d7, d28, d90 = d - timedelta(days=6), d - timedelta(days=27), d - timedelta(days=89)
    with db.session() as session:
        members = load_members(session, tz)
        counted = [m for m in members if not m.opted_out]
        presence = _Presence(members)

        # Per member over the last 90 days: distinct days with a message, and the last one.
        recent = {
            user_id: (days, last)
            for user_id, days, last in session.execute(
                select(Activity.user_id, func.count(func.distinct(Activity.day)), func.max(Activity.day))
                .join(Member, Member.user_id == Activity.user_id)
                .where(Activity.day.between(d90, d), Activity.messages > 0, _counted())
                .group_by(Activity.user_id)
            )
        }
        channels = session.execute(
            select(
                Activity.channel_id,
                func.sum(Activity.messages),
                func.sum(case((Activity.day >= d7, Activity.messages), else_=literal(0))),
                func.sum(Activity.reactions),
            )
            .join(Member, Member.user_id == Activity.user_id)
            .where(Activity.day.between(d28, d), _counted())
            .group_by(Activity.channel_id)
        ).all()
        weekly_active = _weekly_active(session, d, recent)
        cohorts = _cohorts(session, tz, d, counted, recent)
        response_minutes = _first_response_minutes(session, tz, d28, d)

    def active_since(first: date) -> set[str]:
        return {user_id for user_id, (_days, last) in recent.items() if last >= first}

    active_28 = active_since(d28)
    joined_28 = {m.user_id for m in counted if _between(m.join_day, d28, d)}
    top = sorted(((cid, int(msgs or 0)) for cid, msgs, _m7, _r in channels if msgs), key=lambda p: (-p[1], p[0]))
    present_now = [m for m in counted if m.present(d)]
    levels = {name: 0 for name, _floor in LEVELS}
    at_risk: list[AtRisk] = []
    for member in present_now:
        days, last = recent.get(member.user_id, (0, None))
        levels[next(name for name, floor in LEVELS if days >= floor)] += 1
        if last is not None and last <= d - timedelta(days=30):
            at_risk.append(AtRisk(member.user_id, member.name, last))
    at_risk.sort(key=lambda r: (r.last_active_day, r.user_id), reverse=True)

    weeks = [week_start(d) - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    weekly = []
    for start in weeks:
        end = min(start + timedelta(days=6), d)
        weekly.append({
            "week_start": start.isoformat(),
            "members_total": presence.total(end),
            "joined": sum(1 for m in counted if _between(m.join_day, start, end)),
            "left": sum(1 for m in counted if _between(m.left_day, start, end)),
            "active": weekly_active.get(start, 0),
        })

    figures: dict[str, Any] = {
        "as_of": d.isoformat(),
        "members_total": presence.total(d),
        "joined_7d": sum(1 for m in counted if _between(m.join_day, d7, d)),
        "joined_28d": len(joined_28),
        "left_28d": sum(1 for m in counted if _between(m.left_day, d28, d)),
        "active_7d": len(active_since(d7)),
        "active_28d": len(active_28),
        "messages_7d": sum(int(m7 or 0) for _c, _m, m7, _r in channels),
        "messages_28d": sum(int(m or 0) for _c, m, _m7, _r in channels),
        "reactions_28d": sum(int(r or 0) for _c, _m, _m7, r in channels),
        "activated_28d": len(joined_28 & active_28),
        "median_first_response_minutes_28d": (
            round(statistics.median(response_minutes), 1) if response_minutes else None
        ),
        "questions_28d_answered": len(response_minutes),
        "top_channels_28d": [{"channel": cid, "messages": msgs} for cid, msgs in top[:TOP_CHANNELS]],
        "weekly": weekly,
        "cohorts": cohorts,
        "levels": levels,
        "at_risk": len(at_risk),
    }
    return GrowthStats(figures=figures, at_risk=at_risk[:AT_RISK_LIST])


def _weekly_active(session: Session, d: date, recent: dict[str, tuple[int, date]]) -> dict[date, int]:
    """Distinct active members per ISO week: complete weeks from the rollup, D's week from `recent`."""
    current = week_start(d)
    first = current - timedelta(weeks=WEEKS - 1)
    last_complete = current if d - current == timedelta(days=6) else current - timedelta(weeks=1)
    found: dict[date, int] = dict(
        session.execute(
            select(MemberWeek.week_start, func.count())
            .join(Member, Member.user_id == MemberWeek.user_id)
            .where(MemberWeek.week_start.between(first, last_complete), MemberWeek.messages > 0, _counted())
            .group_by(MemberWeek.week_start)
        ).all()
    )
    if last_complete != current:
        found[current] = sum(1 for _days, last in recent.values() if last >= current)
    return found


def _cohorts(
    session: Session, tz: ZoneInfo, d: date, counted: list[MemberDates], recent: dict[str, tuple[int, date]],
) -> list[dict[str, Any]]:
    """Monthly join cohorts of the last 12 months: the share active in each month since joining."""
    current = month_start(d)
    months = [add_months(current, -i) for i in range(COHORT_MONTHS - 1, -1, -1)]
    cohort_of: dict[date, list[str]] = {m: [] for m in months}
    for member in counted:
        if member.join_day is not None and member.join_day <= d and month_start(member.join_day) in cohort_of:
            cohort_of[month_start(member.join_day)].append(member.user_id)
    months = [m for m in months if cohort_of[m]]
    if not months:
        return []
    # Cohort index from the join instant, as UTC bounds, so the grouping happens in SQL.
    bounds = [start_of_day(m, tz) for m in months] + [end_of_day(d, tz)]
    cohort_index = case(
        *[(and_(Member.joined_at >= bounds[i], Member.joined_at < bounds[i + 1]), i) for i in range(len(months))],
        else_=-1,
    )
    active: dict[tuple[int, date], int] = {}
    if months[0] < current:
        for index, month, count in session.execute(
            select(cohort_index, MemberMonth.month, func.count())
            .join(Member, Member.user_id == MemberMonth.user_id)
            .where(MemberMonth.month.between(months[0], add_months(current, -1)), MemberMonth.messages > 0,
                   Member.joined_at >= bounds[0], Member.joined_at < bounds[-1], _counted())
            .group_by(cohort_index, MemberMonth.month)
        ):
            if index >= 0 and month >= months[index]:
                active[(index, month)] = count
    active_now = {user_id for user_id, (_days, last) in recent.items() if last >= current}
    result = []
    for index, month in enumerate(months):
        ids = cohort_of[month]
        shares = []
        step = month
        while step <= current:
            count = sum(1 for u in ids if u in active_now) if step == current else active.get((index, step), 0)
            shares.append({"month": step.strftime("%Y-%m"), "active": count, "share": round(count / len(ids), 4)})
            step = add_months(step, 1)
        result.append({"cohort": month.strftime("%Y-%m"), "members": len(ids), "months": shares})
    return result


def _first_response_minutes(session: Session, tz: ZoneInfo, first: date, last: date) -> list[float]:
    """Minutes to the first reply of each question asked in the window and answered by the end of D."""
    end = end_of_day(last, tz)
    rows = session.execute(
        select(Question.asked_at, Question.first_reply_at)
        .join(Member, Member.user_id == Question.asker_user_id)
        .where(Question.asked_at >= start_of_day(first, tz), Question.asked_at < end,
               Question.first_reply_at.is_not(None), Question.first_reply_at < end, _counted())
    )
    return [(replied - asked).total_seconds() / 60 for asked, replied in rows]


def today(clock_now: datetime, tz: ZoneInfo) -> date:
    return local_day(clock_now, tz)
