"""ISO weeks ("2026-W47") in the community's time zone: a week runs Monday 00:00 to Monday 00:00."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class BadWeek(ValueError):
    """The text is not an ISO week; the message says what is expected."""


def parse_week(text: str) -> tuple[int, int]:
    match = _WEEK.match(text.strip())
    if not match:
        raise BadWeek(f"{text!r} is not an ISO week; expected YYYY-Www, e.g. 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise BadWeek(f"{text!r} is not an ISO week: {year} has no week {week}") from None
    return year, week


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(moment: datetime, tz: ZoneInfo) -> str:
    return week_label(moment.astimezone(tz).date())


def week_of_ts(ts: str, tz: ZoneInfo) -> str:
    return week_of(datetime.fromtimestamp(float(ts), timezone.utc), tz)


def previous_week(now: datetime, tz: ZoneInfo) -> str:
    """The ISO week that ended most recently (on Monday, the one that ended last night)."""
    return week_label(now.astimezone(tz).date() - timedelta(days=7))


def monday(iso_week: str) -> date:
    year, week = parse_week(iso_week)
    return date.fromisocalendar(year, week, 1)


def bounds(iso_week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the week as aware UTC datetimes."""
    start_day = monday(iso_week)
    start = datetime.combine(start_day, time(0), tz)
    end = datetime.combine(start_day + timedelta(days=7), time(0), tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def ts_to_datetime(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), timezone.utc)
