"""When a café's reminders are due. Pure: the service stores the result, the job sends it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

CLOSING_NOTICE = timedelta(hours=48)
MORNING = time(9, 0)
KINDS = ("announce", "closing", "morning")


def reminder_schedule(
    *, created_at: datetime, starts_at: datetime, closes_at: datetime, tz: ZoneInfo
) -> dict[str, datetime | None]:
    """Due time of each reminder kind; None when it would make no sense.

    - announce: at creation (the listener posts it at once; the job retries if Slack failed);
    - closing: 48 h before the intake closes, skipped when the intake is shorter than that;
    - morning: 9:00 local time on the café's day, or an hour before it when it starts earlier.
    """
    closing = closes_at - CLOSING_NOTICE
    local_start = starts_at.astimezone(tz)
    morning = datetime.combine(local_start.date(), MORNING, tzinfo=tz).astimezone(starts_at.tzinfo)
    if morning >= starts_at:
        morning = starts_at - timedelta(hours=1)
    return {
        "announce": created_at,
        "closing": closing if closing > created_at else None,
        "morning": morning if morning > created_at else None,
    }
