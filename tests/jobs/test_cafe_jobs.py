"""Café reminders through the job table: due times, idempotent sending, rescheduling."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.cafe.service import CafeService
from jobs.cafe import JOBS, send_cafe_reminders
from jobs.table import job_table
from tests.bot.cafe.cafe_support import CLOSES, PARIS, STARTS, draft, make_cafe
from tests.support import BotHarness


def channel_texts(bot: BotHarness) -> list[str]:
    return [m["text"] for m in bot.slack.bot_messages("C0GENERAL")]


def cafes(bot: BotHarness) -> CafeService:
    return bot.services.extras["cafe"]


def test_the_reminder_job_is_in_the_job_table() -> None:
    assert JOBS[0] in job_table()
    assert JOBS[0].trigger(None) == {"trigger": "interval", "minutes": 5}  # type: ignore[arg-type]


def test_reminders_are_sent_once_each_when_due(bot: BotHarness, clock) -> None:
    cafe = make_cafe(cafes(bot))
    assert send_cafe_reminders(bot.services) == 1  # the announcement
    assert send_cafe_reminders(bot.services) == 0
    assert len(channel_texts(bot)) == 1 and "Café IAssos de décembre" in channel_texts(bot)[0]

    clock.set((CLOSES - timedelta(hours=48, minutes=1)).astimezone(timezone.utc))
    assert send_cafe_reminders(bot.services) == 0
    clock.advance(minutes=2)
    assert send_cafe_reminders(bot.services) == 1
    assert send_cafe_reminders(bot.services) == 0
    assert "Plus que 48 h" in channel_texts(bot)[-1]

    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=PARIS).astimezone(timezone.utc))
    assert send_cafe_reminders(bot.services) == 1
    assert "C'est aujourd'hui" in channel_texts(bot)[-1] and "18:30" in channel_texts(bot)[-1]
    assert len(channel_texts(bot)) == 3
    # The intake closed on the way: the job closed it and updated the announcement.
    assert cafes(bot).get(cafe.id).status == "closed"
    assert any(item.kind == "update" and "terminée" in str(item.data.get("blocks")) for item in bot.slack.feed)


def test_reminders_move_when_the_dates_change(bot: BotHarness, clock) -> None:
    cafe = make_cafe(cafes(bot))
    send_cafe_reminders(bot.services)
    clock.set((CLOSES - timedelta(hours=47)).astimezone(timezone.utc))
    assert send_cafe_reminders(bot.services) == 1  # the 48 h reminder of the first dates

    # The facilitators push the café a week back: the 48 h reminder is owed again, later.
    cafes(bot).update_cafe(cafe.id, draft(starts_at=STARTS + timedelta(days=7), closes_at=CLOSES + timedelta(days=7)))
    assert send_cafe_reminders(bot.services) == 0
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=PARIS).astimezone(timezone.utc))
    assert send_cafe_reminders(bot.services) == 0  # no morning reminder on the old date
    clock.set((CLOSES + timedelta(days=7) - timedelta(hours=48)).astimezone(timezone.utc))
    assert send_cafe_reminders(bot.services) == 1
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=PARIS).astimezone(timezone.utc))
    assert send_cafe_reminders(bot.services) == 1
    kinds = ["closing" if "48 h" in t else "morning" if "aujourd'hui" in t else "announce" for t in channel_texts(bot)]
    assert kinds == ["announce", "closing", "closing", "morning"]


def test_a_failed_post_is_retried_on_the_next_run(bot: BotHarness) -> None:
    make_cafe(cafes(bot))
    bot.slack.fail("chat.postMessage", status=200, body={"ok": False, "error": "channel_not_found"}, times=1)
    assert send_cafe_reminders(bot.services) == 0
    assert send_cafe_reminders(bot.services) == 1
    assert len(channel_texts(bot)) == 1


def test_a_reminder_overdue_past_its_moment_is_dropped_not_sent_late(bot: BotHarness, clock) -> None:
    make_cafe(cafes(bot))
    send_cafe_reminders(bot.services)
    clock.set((STARTS + timedelta(hours=1)).astimezone(timezone.utc))  # the scheduler was down for days
    assert send_cafe_reminders(bot.services) == 0
    assert len(channel_texts(bot)) == 1
