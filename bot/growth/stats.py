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
- `history_starts` is the bot's first data (its first member list, or an import's oldest
  message); for an earlier D, `before_history` is true and the figures are partial.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, String, and_, case, cast, func, literal, literal_column, not_, or_, select, text, type_coerce
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.orm import Session

from bot.growth.days import add_months, days_mask, end_of_day, local_day, month_start, start_of_day, week_start
from bot.growth.ingest import history_start
from bot.growth.models import Activity, MemberMonth, MemberWeek, Question, Week
from bot.store.db import Database
from bot.store.models import Member

WEEKS = 26
COHORT_MONTHS = 12
TOP_CHANNELS = 10
LEVELS = (("advocates", 12), ("contributors", 4), ("participants", 1), ("observers", 0))
AT_RISK_LIST = 25


# Per member with a message in the 90-day window: (days with a message, the last one's ordinal).
Recent = dict[str, tuple[int, int]]


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


def _human():
    return and_(Member.is_bot.is_(False), Member.user_id != "USLACKBOT")


def _not_counted_ids():
    """Members whose activity never counts (bots, opted out). Few, so `NOT IN` beats a join."""
    return select(Member.user_id).where(or_(Member.is_bot.is_(True), Member.analytics_opt_out.is_(True),
                                            Member.user_id == "USLACKBOT"))


class _Bounds:
    """Local calendar days as UTC instants, so member dates compare in SQL on both backends."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def present(self, day: date):
        end = end_of_day(day, self.tz)
        return and_(
            not_(and_(Member.is_deleted.is_(True), Member.left_at.is_(None))),  # deleted, date unknown: gone
            or_(Member.joined_at.is_(None), Member.joined_at < end),
            or_(Member.left_at.is_(None), Member.left_at >= end),
        )

    def joined(self, first: date, last: date):
        return and_(Member.analytics_opt_out.is_(False), Member.joined_at >= start_of_day(first, self.tz),
                    Member.joined_at < end_of_day(last, self.tz))

    def left(self, first: date, last: date):
        return and_(Member.analytics_opt_out.is_(False), Member.left_at >= start_of_day(first, self.tz),
                    Member.left_at < end_of_day(last, self.tz))


def compute_stats(db: Database, tz: ZoneInfo, as_of: date) -> GrowthStats:
    d = as_of
    d7, d28, d90 = d - timedelta(days=6), d - timedelta(days=27), d - timedelta(days=89)
    bounds = _Bounds(tz)
    weeks = [week_start(d) - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]
    week_ends = [min(start + timedelta(days=6), d) for start in weeks]
    excluded = _not_counted_ids()
    with db.session() as session:
        if not db.is_sqlite:
            # The 90-day per-member aggregate sorts ~100k rows: keep that sort in memory.
            session.execute(text("SET LOCAL work_mem = '64MB'"))
        members = _member_counts(session, bounds, weeks, week_ends, d)
        present_now = set(session.execute(
            select(Member.user_id).where(_human(), Member.analytics_opt_out.is_(False), bounds.present(d))
        ).scalars())
        joined_28 = set(session.execute(select(Member.user_id).where(_human(), bounds.joined(d28, d))).scalars())

        recent = _recent(session, d90, d, excluded) if db.is_sqlite else _recent_postgresql(session, d90, d, excluded)
        channels = _channels(session, d28, d7, d, excluded)
        weekly_active = _weekly_active(session, d, recent, excluded)
        cohorts = _cohorts(session, tz, d, recent)
        response_minutes = _first_response_minutes(session, tz, d28, d, excluded)
        started = history_start(session)
        if started is None:
            first_day = session.scalar(select(func.min(Activity.day)))
        else:
            first_day = local_day(started, tz)
        silent_since = (d - timedelta(days=30)).toordinal()
        at_risk_ids = [(user_id, date.fromordinal(last)) for user_id, (_days, last) in recent.items()
                       if last <= silent_since and user_id in present_now]
        at_risk_ids.sort(key=lambda pair: (pair[1], pair[0]), reverse=True)
        names = dict(session.execute(
            select(Member.user_id, Member.display_name).where(Member.user_id.in_([u for u, _ in at_risk_ids[:AT_RISK_LIST]]))
        ).all()) if at_risk_ids else {}

    def active_since(first: date) -> set[str]:
        since = first.toordinal()
        return {user_id for user_id, (_days, last) in recent.items() if last >= since}

    active_28 = active_since(d28)
    top = sorted(((cid, int(msgs or 0)) for cid, msgs, _m7, _r in channels if msgs), key=lambda p: (-p[1], p[0]))
    levels = {name: 0 for name, _floor in LEVELS}
    for user_id in present_now:
        days = recent.get(user_id, (0, None))[0]
        levels[next(name for name, floor in LEVELS if days >= floor)] += 1
    weekly = [
        {"week_start": start.isoformat(), "members_total": members.total(end), "joined": members.joined(start, end),
         "left": members.left(start, end), "active": weekly_active.get(start, 0)}
        for start, end in zip(weeks, week_ends)
    ]
    figures: dict[str, Any] = {
        "as_of": d.isoformat(),
        "members_total": members.total(d),
        "joined_7d": members.joined(d7, d),
        "joined_28d": members.joined(d28, d),
        "left_28d": members.left(d28, d),
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
        "at_risk": len(at_risk_ids),
        "history_starts": first_day.isoformat() if first_day else None,
        "before_history": first_day is not None and d < first_day,
    }
    at_risk = [AtRisk(user_id, names.get(user_id), last) for user_id, last in at_risk_ids[:AT_RISK_LIST]]
    return GrowthStats(figures=figures, at_risk=at_risk)


class _MemberCounts:
    """Member totals, joins and leaves on any day of the last 26 weeks, by bisection.

    Only members who joined or left in that span are read one by one; everyone else is one count.
    """

    def __init__(self, present_before: int, joins: list[date], leaves: list[date],
                 counted_joins: list[date], counted_leaves: list[date]) -> None:
        self._before = present_before
        self._joins, self._leaves = sorted(joins), sorted(leaves)
        self._counted_joins, self._counted_leaves = sorted(counted_joins), sorted(counted_leaves)

    def total(self, day: date) -> int:
        return self._before + bisect_right(self._joins, day) - bisect_right(self._leaves, day)

    def joined(self, first: date, last: date) -> int:
        return bisect_right(self._counted_joins, last) - bisect_left(self._counted_joins, first)

    def left(self, first: date, last: date) -> int:
        return bisect_right(self._counted_leaves, last) - bisect_left(self._counted_leaves, first)


def _member_counts(session: Session, bounds: _Bounds, weeks: list[date], week_ends: list[date], d: date) -> _MemberCounts:
    first = min(weeks[0], d - timedelta(days=27))
    since = start_of_day(first, bounds.tz)
    present_before = session.scalar(select(func.count()).select_from(Member).where(_human(), bounds.present(first - timedelta(days=1))))
    joins, leaves, counted_joins, counted_leaves = [], [], [], []
    for joined_at, left_at, deleted, opted_out in session.execute(
        select(Member.joined_at, Member.left_at, Member.is_deleted, Member.analytics_opt_out)
        .where(_human(), or_(Member.joined_at >= since, Member.left_at >= since))
    ):
        gone = deleted and left_at is None
        if joined_at is not None and joined_at >= since:
            day = local_day(joined_at, bounds.tz)
            if not gone:
                joins.append(day)
            if not opted_out:
                counted_joins.append(day)
        if left_at is not None and left_at >= since:
            day = local_day(left_at, bounds.tz)
            leaves.append(day)
            if not opted_out:
                counted_leaves.append(day)
    return _MemberCounts(int(present_before or 0), joins, leaves, counted_joins, counted_leaves)


def _channels(session: Session, first: date, week: date, last: date, excluded) -> list[tuple[str, int, int, int]]:
    """Per channel over first..last: messages, messages since `week`, reactions.

    Everyone's counts, less those of the few members who don't count, read by day and member
    through the primary key: cheaper than testing every row against that list."""
    def sums(*conditions):
        return {channel: (int(m or 0), int(m7 or 0), int(r or 0)) for channel, m, m7, r in session.execute(
            select(Activity.channel_id, func.sum(Activity.messages),
                   func.sum(case((Activity.day >= week, Activity.messages), else_=literal(0))), func.sum(Activity.reactions))
            .where(*conditions).group_by(Activity.channel_id)
        )}

    totals = sums(Activity.day.between(first, last))
    uncounted = list(session.scalars(excluded))
    if uncounted:
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        for channel, less in sums(Activity.day.in_(days), Activity.user_id.in_(uncounted)).items():
            totals[channel] = tuple(a - b for a, b in zip(totals[channel], less))
    return [(channel, *counts) for channel, counts in totals.items()]


def _month_key(month):
    """A rollup month selected as text: SQLite hands back its stored 'YYYY-MM-DD' (no date parsing
    per row), PostgreSQL a date; `str()` makes both 'YYYY-MM-DD'."""
    return type_coerce(month, String)


def _recent(session: Session, first: date, last: date, excluded) -> Recent:
    """Per member with a message in first..last: how many days they posted on, and the last one.

    Read from the monthly rollup's day masks: one row per member and month instead of one per
    member, day and channel."""
    windows: dict[str, tuple[int, int]] = {}  # month -> (the ordinal of its day 0, the window's days in it)
    month = month_start(first)
    while month <= last:
        mask = days_mask(max(first, month), min(add_months(month, 1) - timedelta(days=1), last))
        windows[month.isoformat()] = (month.toordinal() - 1, mask)
        month = add_months(month, 1)
    recent: Recent = {}
    uncounted = set(session.scalars(excluded))  # a handful: cheaper in Python than per row in SQLite
    for user_id, key, days in session.connection().execute(
        select(MemberMonth.user_id, _month_key(MemberMonth.month), MemberMonth.days)
        .where(MemberMonth.month.between(month_start(first), month_start(last)))
    ).all():
        if user_id in uncounted:
            continue
        day_zero, window = windows[str(key)]
        inside = days & window
        if inside:
            day = day_zero + inside.bit_length()
            before = recent.get(user_id)
            recent[user_id] = (before[0] + inside.bit_count(), max(before[1], day)) if before else (inside.bit_count(), day)
    return recent


def _recent_postgresql(session: Session, first: date, last: date, excluded) -> Recent:
    """`_recent` with the per-member sums done by PostgreSQL (one row per member comes back
    instead of one per member and month). The last day travels packed with its month:
    index * 2^31 + the month's masked days, whose maximum is the latest month with a message
    (a mask's highest bit is its last day)."""
    months = _months_between(first, last)
    windows = [days_mask(max(first, m), min(add_months(m, 1) - timedelta(days=1), last)) for m in months]
    inside = select(
        MemberMonth.user_id.label("user_id"),
        case(*[(MemberMonth.month == m, i) for i, m in enumerate(months)]).label("i"),
        MemberMonth.days.op("&")(case(*[(MemberMonth.month == m, w) for m, w in zip(months, windows)])).label("x"),
    ).where(MemberMonth.month.between(months[0], months[-1]), MemberMonth.user_id.not_in(excluded)).subquery()
    rows = session.connection().execute(
        select(inside.c.user_id, func.sum(func.bit_count(cast(inside.c.x, BIT(32)))),
               func.max(cast(inside.c.i, BigInteger) * literal_column("2147483648") + inside.c.x))
        .where(inside.c.x != 0)
        .group_by(inside.c.user_id)
    ).all()
    zero = [m.toordinal() - 1 for m in months]
    return {user_id: (int(count), zero[code >> 31] + (code & 0x7FFFFFFF).bit_length()) for user_id, count, code in rows}


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _weekly_active(session: Session, d: date, recent: Recent, excluded) -> dict[date, int]:
    """Distinct active members per ISO week: complete weeks from growth_weeks (members with a
    week rollup row) less the rows of members who no longer count; D's week from `recent`."""
    current = week_start(d)
    first = current - timedelta(weeks=WEEKS - 1)
    last_complete = current if d - current == timedelta(days=6) else current - timedelta(weeks=1)
    found: dict[date, int] = dict(session.execute(
        select(Week.week_start, Week.members).where(Week.week_start.between(first, last_complete))
    ).all())
    for week, uncounted in session.execute(
        select(MemberWeek.week_start, func.count())
        .where(MemberWeek.user_id.in_(excluded), MemberWeek.week_start.between(first, last_complete))
        .group_by(MemberWeek.week_start)
    ):
        found[week] -= uncounted
    if last_complete != current:
        since = current.toordinal()
        found[current] = sum(1 for _days, last in recent.values() if last >= since)
    return found


def _cohorts(session: Session, tz: ZoneInfo, d: date, recent: Recent) -> list[dict[str, Any]]:
    """Monthly join cohorts of the last 12 months: the share active in each month since joining."""
    current = month_start(d)
    months = [add_months(current, -i) for i in range(COHORT_MONTHS - 1, -1, -1)]
    # Cohort index from the join instant, as UTC bounds, so the grouping happens in SQL.
    bounds = [start_of_day(m, tz) for m in months] + [end_of_day(d, tz)]
    cohort_index = case(
        *[(and_(Member.joined_at >= bounds[i], Member.joined_at < bounds[i + 1]), i) for i in range(len(months))],
        else_=-1,
    )
    in_cohorts = and_(_human(), Member.analytics_opt_out.is_(False), Member.joined_at >= bounds[0], Member.joined_at < bounds[-1])
    cohort_of: dict[int, list[str]] = {}
    for user_id, index in session.execute(select(Member.user_id, cohort_index).where(in_cohorts)):
        cohort_of.setdefault(index, []).append(user_id)
    if not cohort_of:
        return []
    active: dict[tuple[int, date], int] = defaultdict(int)
    first = months[min(cohort_of)]
    if first < current and not session.get_bind().dialect.name == "sqlite":
        # PostgreSQL groups by cohort and month itself: a few dozen rows come back.
        for index, month, count in session.execute(
            select(cohort_index, MemberMonth.month, func.count())
            .join(Member, Member.user_id == MemberMonth.user_id)
            .where(in_cohorts, MemberMonth.month.between(first, add_months(current, -1)))
            .group_by(cohort_index, MemberMonth.month)
        ):
            if month >= months[index]:
                active[(index, month)] += count
    elif first < current:
        index_of = {user_id: index for index, ids in cohort_of.items() for user_id in ids}
        month_of = {add_months(first, i).isoformat(): add_months(first, i) for i in range(COHORT_MONTHS)}
        # Plain pairs, matched to cohorts here: cheaper than evaluating the cohort CASE per row.
        for user_id, key in session.connection().execute(
            select(MemberMonth.user_id, _month_key(MemberMonth.month))
            # Rollup rows exist only for months with a message (no `messages > 0`: the member
            # index then covers the query).
            .where(MemberMonth.month.between(first, add_months(current, -1)),
                   MemberMonth.user_id.in_(select(Member.user_id).where(in_cohorts)))
        ).all():
            index, month = index_of[user_id], month_of[str(key)]
            if month >= months[index]:
                active[(index, month)] += 1
    since = current.toordinal()
    active_now = {user_id for user_id, (_days, last) in recent.items() if last >= since}
    result = []
    for index, month in enumerate(months):
        ids = cohort_of.get(index)
        if not ids:
            continue
        shares = []
        step = month
        while step <= current:
            count = sum(1 for u in ids if u in active_now) if step == current else active.get((index, step), 0)
            shares.append({"month": step.strftime("%Y-%m"), "active": count, "share": round(count / len(ids), 4)})
            step = add_months(step, 1)
        result.append({"cohort": month.strftime("%Y-%m"), "members": len(ids), "months": shares})
    return result


def _first_response_minutes(session: Session, tz: ZoneInfo, first: date, last: date, excluded) -> list[float]:
    """Minutes to the first reply of each question asked in the window and answered by the end of D."""
    end = end_of_day(last, tz)
    rows = session.execute(
        select(Question.asked_at, Question.first_reply_at)
        .where(Question.asked_at >= start_of_day(first, tz), Question.asked_at < end,
               Question.first_reply_at.is_not(None), Question.first_reply_at < end,
               Question.asker_user_id.not_in(excluded))
    )
    return [(replied - asked).total_seconds() / 60 for asked, replied in rows]


def today(clock_now: datetime, tz: ZoneInfo) -> date:
    return local_day(clock_now, tz)
