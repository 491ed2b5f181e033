"""Calendar days in the community's time zone, and Slack timestamps."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def ts_to_datetime(ts: str | float) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=timezone.utc)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def day_bit(day: date) -> int:
    """The bit of `day` in a month's mask of active days (growth_member_months.days)."""
    return 1 << (day.day - 1)


def days_mask(first: date, last: date) -> int:
    """The mask of days first..last, both in the same month."""
    return ((1 << last.day) - 1) & ~((1 << (first.day - 1)) - 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant after `day` in `tz`, in UTC (so "on or before D" is `< end_of_day(D)`)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def parse_day(text: str) -> date:
    """YYYY-MM-DD, strictly; ValueError with a readable message otherwise."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date in the form YYYY-MM-DD: {text!r}") from None
