"""Posting a café's announcement and reminders. Takes any Web API client object (duck-typed),
so the listeners and the jobs share it without this package importing Slack."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.blocks.cafe import announcement, reminder_blocks, reminder_text
from bot.cafe.service import CafeService

log = logging.getLogger(__name__)


def refresh_announcement(cafes: CafeService, client: Any, cafe_id: int, tz: ZoneInfo) -> bool:
    """Bring the announcement's live count and buttons up to date (chat.update)."""
    cafe = cafes.get(cafe_id)
    if not (cafe.announcement_channel and cafe.announcement_ts):
        return False
    text, blocks = announcement(cafe, tz)
    try:
        client.chat_update(channel=cafe.announcement_channel, ts=cafe.announcement_ts, text=text, blocks=blocks)
    except Exception:  # the count is cosmetic: the next change updates it again
        log.warning("could not update the announcement of café %s", cafe_id, exc_info=True)
        return False
    return True


def send_due_reminders(cafes: CafeService, client: Any, tz: ZoneInfo, *, cafe_id: int | None = None) -> int:
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
                text, blocks = announcement(cafe, tz)
                response = client.chat_postMessage(channel=cafe.announce_channel, text=text, blocks=blocks)
                cafes.record_announcement(cafe.id, response["channel"], response["ts"])
            else:
                thread = {"thread_ts": cafe.announcement_ts, "reply_broadcast": True} if cafe.announcement_ts and cafe.announcement_channel == cafe.announce_channel else {}
                client.chat_postMessage(channel=cafe.announce_channel, text=reminder_text(kind, cafe, tz),
                                        blocks=reminder_blocks(kind, cafe, tz), **thread)
            sent += 1
        except Exception:
            log.warning("could not send the %s reminder of café %s; will retry", kind, cafe.id, exc_info=True)
            cafes.release_reminder(reminder_id)
    return sent
