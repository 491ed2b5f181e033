"""The digest's weekly figures agree with growth's activity when growth has data for the week."""

from __future__ import annotations

from datetime import date, datetime, timezone

from bot.digest.models import DigestPoster
from bot.digest.sources import figures_from_db
from bot.growth.models import Activity
from bot.store.models import Member


def _member(user_id: str, *, opted_out: bool = False) -> Member:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return Member(user_id=user_id, role="member", is_bot=False, is_deleted=False, analytics_opt_out=opted_out,
                  created_at=now, updated_at=now)


def test_actives_come_from_growth_and_skip_opted_out_members(db) -> None:
    monday = date(2026, 11, 16)
    with db.session() as session:
        session.add_all([_member("UA"), _member("UB"), _member("UC", opted_out=True), _member("UD")])
        session.flush()
        for user, messages in (("UA", 3), ("UB", 1), ("UC", 5), ("UD", 0)):
            session.add(Activity(day=monday, user_id=user, channel_id="C1", week_start=monday, month=date(2026, 11, 1),
                                 messages=messages, replies=0, reactions=1))
    start = datetime(2026, 11, 15, 23, 0, tzinfo=timezone.utc)  # Monday 00:00 in Paris
    end = datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc)
    assert figures_from_db(db)(start, end)["actives"] == 2


def test_without_growth_data_the_digest_counts_its_own_posters(db) -> None:
    with db.session() as session:
        session.add(_member("UA"))
        session.flush()
        session.add(DigestPoster(iso_week="2026-W47", user_id="UA"))
    start = datetime(2026, 11, 15, 23, 0, tzinfo=timezone.utc)
    end = datetime(2026, 11, 22, 23, 0, tzinfo=timezone.utc)
    assert figures_from_db(db)(start, end)["actives"] == 1
