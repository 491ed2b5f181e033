"""Seeding a week of community life for the digest tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.observe import DigestRecorder
from bot.store.db import Database
from bot.store.models import Member

# FakeClock's default is Monday 2026-11-23 09:00 UTC: the week just ended is 2026-W47.
WEEK = "2026-W47"
IN_WEEK = datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)  # a Wednesday of W47


def ts_at(moment: datetime, n: int = 0) -> str:
    return f"{moment.timestamp() + n:.6f}"


def add_member(db: Database, user_id: str, name: str, *, joined: datetime = IN_WEEK, opt_out: bool = False, bot: bool = False) -> None:
    with db.session() as session:
        session.add(Member(user_id=user_id, display_name=name, role="member", is_bot=bot, is_deleted=False,
                           analytics_opt_out=opt_out, created_at=joined, updated_at=joined, joined_at=joined))


def message(channel: str, user: str, text: str, ts: str, *, channel_type: str = "channel",
            thread_ts: str | None = None, **extra: Any) -> dict[str, Any]:
    event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts, "channel_type": channel_type, **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


class BothRecorders:
    """What the app does with each message: the digest's recorder and growth's (the figures)."""

    def __init__(self, db: Database, digest: DigestRecorder) -> None:
        from bot.growth.ingest import ActivityRecorder

        self.digest = digest
        self.growth = ActivityRecorder(db, ZoneInfo("Europe/Paris"), frozenset(), lambda: IN_WEEK)

    def record_message(self, event: dict[str, Any]) -> None:
        self.digest.record_message(event)
        self.growth.message(event)

    def record_reaction(self, event: dict[str, Any], delta: int) -> None:
        self.digest.record_reaction(event, delta)


def seed_week(db: Database, digest: DigestRecorder) -> dict[str, str]:
    """Two members who joined, a busy thread, a smaller one, a private-channel post, links."""
    recorder = BothRecorders(db, digest)
    add_member(db, "U0NEW1", "Léa")
    add_member(db, "U0NEW2", "Hidden", opt_out=True)
    add_member(db, "U0OLD", "Marc", joined=IN_WEEK - timedelta(days=200))
    busy = ts_at(IN_WEEK, 0)
    small = ts_at(IN_WEEK, 60)
    recorder.record_message(message("C0ENTRAIDE", "U0OLD", "Qui connaît un outil libre pour <https://example.org/crm|gérer nos adhérents> ? <!channel>", busy))
    for n in range(3):
        recorder.record_message(message("C0ENTRAIDE", "U0NEW1", f"réponse {n} https://outils.example.net/guide", ts_at(IN_WEEK, 100 + n), thread_ts=busy))
    recorder.record_message(message("C0GENERAL", "U0NEW1", "Bonjour à tous, je suis Léa de <@U0OLD> association", small))
    recorder.record_reaction({"type": "reaction_added", "item": {"type": "message", "channel": "C0GENERAL", "ts": small}}, +1)
    recorder.record_message(message("C0STAFF", "U0OLD", "secret staff talk https://private.example.com", ts_at(IN_WEEK, 200), channel_type="group"))
    return {"busy": busy, "small": small}
