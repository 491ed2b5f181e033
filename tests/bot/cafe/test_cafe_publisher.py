"""Café announcements and reminders go out only through a CafePublisher (bot.cafe.notify): with a
recording one, the domain runs without Slack and says what it publishes, once."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from bot.cafe.notify import refresh_announcement, send_due_reminders
from bot.cafe.service import CafeService
from bot.cafe.values import CafeInfo
from bot.store.db import Database
from tests.bot.cafe.cafe_support import CLOSES, PARIS, make_cafe


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.fail = fail

    def announce(self, cafe: CafeInfo) -> tuple[str, str]:
        self.calls.append(("announce", cafe.id))
        if self.fail:
            raise ConnectionError("Slack is down")
        return cafe.announce_channel, "1700000000.000300"

    def update_announcement(self, cafe: CafeInfo) -> None:
        self.calls.append(("update", (cafe.announcement_channel, cafe.announcement_ts, cafe.question_count)))

    def remind(self, kind: str, cafe: CafeInfo) -> None:
        self.calls.append(("remind", kind))


def test_the_announcement_then_the_closing_reminder_each_once(db: Database, clock) -> None:
    cafes = CafeService(db, clock, PARIS, None)
    cafe = make_cafe(cafes)
    publisher = RecordingPublisher()
    assert send_due_reminders(cafes, publisher) == 1 and send_due_reminders(cafes, publisher) == 0
    assert publisher.calls == [("announce", cafe.id)]
    assert cafes.get(cafe.id).announcement_ts == "1700000000.000300"

    cafes.submit(cafe.id, "U0MEMBER", "Comment choisir un outil d'IA pour une petite association ?", anonymous=False)
    assert refresh_announcement(cafes, publisher, cafe.id)
    assert publisher.calls[-1] == ("update", ("C0GENERAL", "1700000000.000300", 1))

    clock.set((CLOSES - timedelta(hours=47)).astimezone(timezone.utc))
    assert send_due_reminders(cafes, publisher) == 1 and send_due_reminders(cafes, publisher) == 0
    assert publisher.calls[-1] == ("remind", "closing")


def test_a_failed_announcement_is_tried_again_by_the_next_run(db: Database, clock) -> None:
    cafes = CafeService(db, clock, PARIS, None)
    cafe = make_cafe(cafes)
    assert send_due_reminders(cafes, RecordingPublisher(fail=True)) == 0
    assert cafes.get(cafe.id).announcement_ts is None
    publisher = RecordingPublisher()
    assert send_due_reminders(cafes, publisher) == 1 and publisher.calls == [("announce", cafe.id)]
