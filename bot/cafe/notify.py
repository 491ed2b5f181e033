"""Posting a café's announcement and reminders, through a CafePublisher given by the composition
root (the Slack side renders: bot.slack.publishing), so that the listeners, the web pages and
the jobs share it without this package knowing Slack."""

from __future__ import annotations

import logging
from typing import Protocol

from bot.cafe.service import CafeService
from bot.cafe.values import CafeInfo

log = logging.getLogger(__name__)


class CafePublisher(Protocol):
    def announce(self, cafe: CafeInfo) -> tuple[str, str]:
        """Post the café's announcement in its channel; the message's (channel, ts)."""

    def update_announcement(self, cafe: CafeInfo) -> None:
        """Redraw the posted announcement (its live count and buttons)."""

    def remind(self, kind: str, cafe: CafeInfo) -> None:
        """Post a reminder (closing, morning), under the announcement when there is one."""


def refresh_announcement(cafes: CafeService, publisher: CafePublisher, cafe_id: int) -> bool:
    """Bring the announcement's live count and buttons up to date."""
    cafe = cafes.get(cafe_id)
    if not (cafe.announcement_channel and cafe.announcement_ts):
        return False
    try:
        publisher.update_announcement(cafe)
    except Exception:  # the count is cosmetic: the next change updates it again
        log.warning("could not update the announcement of café %s", cafe_id, exc_info=True)
        return False
    return True


def send_due_reminders(cafes: CafeService, publisher: CafePublisher, *, cafe_id: int | None = None) -> int:
    """Send every reminder that is due and not sent yet; idempotent. Each reminder is claimed
    (sent_at set under a conditional update) before it is posted, so two runs never both
    post it; a failed post releases the claim for the next run."""
    sent = 0
    now = cafes.clock()
    for reminder_id, kind, cafe in cafes.due_reminders():
        if cafe_id is not None and cafe.id != cafe_id:
            continue
        if not cafes.claim_reminder(reminder_id):
            continue
        # Late reminders that no longer make sense are marked sent without posting.
        if kind == "closing" and not cafe.intake_open:
            continue
        if kind == "morning" and now >= cafe.starts_at:
            continue
        if kind == "announce" and cafe.announcement_ts:
            continue
        try:
            if kind == "announce":
                cafes.record_announcement(cafe.id, *publisher.announce(cafe))
            else:
                publisher.remind(kind, cafe)
            sent += 1
        except Exception:
            log.warning("could not send the %s reminder of café %s; will retry", kind, cafe.id, exc_info=True)
            cafes.release_reminder(reminder_id)
    return sent
