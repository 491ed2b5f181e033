"""From Slack events (live or from an export) to counts and dates. No message text is stored.

The same functions serve the live events, the export import and the daily reconciliation, so
the figures agree whichever way the history came in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from bot.growth.days import local_day, month_start, ts_to_datetime, week_start
from bot.growth.models import Activity, GrowthState, MemberMonth, MemberWeek, Question
from bot.growth.upsert import insert_for
from bot.members import PROFILE_TTL
from bot.store.db import Database
from bot.store.models import Member

# Subtypes that are a person speaking. Everything else (channel_join, bot_message,
# message_changed, channel_topic, …) is the system or an integration and never counts.
HUMAN_SUBTYPES = frozenset({None, "", "file_share", "thread_broadcast", "me_message"})
SLACKBOT = "USLACKBOT"
BASELINE_KEY = "members_baseline_at"


@dataclass(frozen=True)
class MessageFacts:
    """What growth keeps of a message: who, where, when, and whether it asks something."""

    user_id: str
    channel_id: str
    ts: str
    thread_ts: str | None  # set for thread replies only
    is_question: bool
    in_help_channel: bool

    @property
    def at(self) -> datetime:
        return ts_to_datetime(self.ts)


def message_facts(
    message: dict[str, Any], channel_id: str | None, help_channels: frozenset[str], bot_user_id: str | None = None,
) -> MessageFacts | None:
    """The facts of a human message, or None when it must not count (bots, system subtypes, DMs)."""
    user = message.get("user")
    if (
        not user
        or not channel_id
        or not message.get("ts")
        or message.get("subtype") not in HUMAN_SUBTYPES
        or message.get("bot_id")
        or message.get("hidden")
        or user in (SLACKBOT, bot_user_id)
        or message.get("channel_type") in ("im", "mpim", "app_home")
    ):
        return None
    ts = str(message["ts"])
    thread_ts = message.get("thread_ts")
    is_reply = bool(thread_ts) and str(thread_ts) != ts
    in_help = channel_id in help_channels
    text = (message.get("text") or "").rstrip()
    return MessageFacts(
        user_id=user,
        channel_id=channel_id,
        ts=ts,
        thread_ts=str(thread_ts) if is_reply else None,
        is_question=not is_reply and (in_help or text.endswith("?")),
        in_help_channel=in_help,
    )


def _member_for_activity(session: Session, user_id: str, now: datetime, is_bot: bool = False) -> Member | None:
    """The member row, created on first sight; None when their activity must not be recorded."""
    member = session.get(Member, user_id)
    if member is None:
        # Stale on purpose, so the member directory fetches the real profile on first use.
        member = Member(user_id=user_id, role="member", is_bot=is_bot, is_deleted=False, analytics_opt_out=False,
                        created_at=now, updated_at=now - PROFILE_TTL - timedelta(seconds=1))
        session.add(member)
        session.flush()
    if member.is_bot or member.analytics_opt_out or user_id == SLACKBOT:
        return None
    return member


def _touch_active(member: Member, at: datetime) -> None:
    if member.first_active_at is None or at < member.first_active_at:
        member.first_active_at = at
    if member.last_active_at is None or at > member.last_active_at:
        member.last_active_at = at


def _add_counts(session: Session, user_id: str, channel_id: str, day: date, messages: int, replies: int, reactions: int) -> None:
    stmt = insert_for(session, Activity).values(
        day=day, user_id=user_id, channel_id=channel_id, week_start=week_start(day), month=month_start(day),
        messages=messages, replies=replies, reactions=reactions,
    )
    session.execute(stmt.on_conflict_do_update(
        index_elements=["day", "user_id", "channel_id"],
        set_={
            "messages": Activity.messages + stmt.excluded.messages,
            "replies": Activity.replies + stmt.excluded.replies,
            "reactions": Activity.reactions + stmt.excluded.reactions,
        },
    ))
    if messages:
        for model, key, value in ((MemberWeek, "week_start", week_start(day)), (MemberMonth, "month", month_start(day))):
            rollup = insert_for(session, model).values(**{key: value}, user_id=user_id, messages=messages)
            session.execute(rollup.on_conflict_do_update(
                index_elements=[key, "user_id"], set_={"messages": model.messages + rollup.excluded.messages},
            ))


def record_question(session: Session, facts: MessageFacts) -> None:
    stmt = insert_for(session, Question).values(
        channel_id=facts.channel_id, thread_ts=facts.ts, asker_user_id=facts.user_id, asked_at=facts.at,
        first_reply_at=None, in_help_channel=facts.in_help_channel,
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["channel_id", "thread_ts"]))


def record_reply_time(session: Session, facts: MessageFacts) -> None:
    """The earliest reply from someone other than the asker answers the question."""
    at = facts.at
    session.execute(
        update(Question)
        .where(and_(
            Question.channel_id == facts.channel_id,
            Question.thread_ts == facts.thread_ts,
            Question.asker_user_id != facts.user_id,
            or_(Question.first_reply_at.is_(None), Question.first_reply_at > at),
        ))
        .values(first_reply_at=at)
    )


class ActivityRecorder:
    """Live ingestion: one short transaction per event."""

    def __init__(self, db: Database, tz: ZoneInfo, help_channels: frozenset[str], clock: Callable[[], datetime]) -> None:
        self._db = db
        self._tz = tz
        self._help_channels = help_channels
        self._clock = clock

    def message(self, message: dict[str, Any], bot_user_id: str | None = None) -> bool:
        facts = message_facts(message, message.get("channel"), self._help_channels, bot_user_id)
        if facts is None:
            return False
        with self._db.session() as session:
            member = _member_for_activity(session, facts.user_id, self._clock())
            if member is None:
                return False
            at = facts.at
            _add_counts(session, facts.user_id, facts.channel_id, local_day(at, self._tz), 1, int(facts.thread_ts is not None), 0)
            _touch_active(member, at)
            if facts.is_question:
                record_question(session, facts)
            elif facts.thread_ts:
                record_reply_time(session, facts)
        return True

    def reaction(self, event: dict[str, Any], bot_user_id: str | None = None) -> bool:
        item = event.get("item") or {}
        user = event.get("user")
        if item.get("type") != "message" or not user or user in (SLACKBOT, bot_user_id) or not item.get("channel"):
            return False
        if str(item["channel"]).startswith("D"):
            return False
        at = ts_to_datetime(event.get("event_ts") or self._clock().timestamp())
        with self._db.session() as session:
            if _member_for_activity(session, user, self._clock()) is None:
                return False
            _add_counts(session, user, item["channel"], local_day(at, self._tz), 0, 0, 1)
        return True


# -- membership -------------------------------------------------------------------------------

def profile_fields(user: dict[str, Any]) -> dict[str, Any]:
    """The member fields growth keeps from a Slack user object (users.list, events, export)."""
    profile = user.get("profile") or {}
    return {
        "team_id": user.get("team_id"),
        "display_name": profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name"),
        "locale": user.get("locale"),
        "tz": user.get("tz"),
        "is_bot": bool(user.get("is_bot")) or user.get("id") == SLACKBOT,
    }


def _apply_profile(member: Member, user: dict[str, Any], now: datetime) -> None:
    for name, value in profile_fields(user).items():
        if value is not None and getattr(member, name) != value:
            setattr(member, name, value)
    member.updated_at = now


def apply_user(session: Session, user: dict[str, Any], at: datetime | None, now: datetime, *, is_new_join: bool) -> str:
    """Bring one member in line with a Slack user object; returns what changed:
    "joined", "left", "rejoined", "updated" or "unchanged".

    `at` is when a join or leave happened (None: unknown, e.g. a baseline or an export).
    `is_new_join` says that an unknown user is a join (team_join, or a sync after the baseline).
    """
    user_id = user["id"]
    deleted = bool(user.get("deleted"))
    member = session.get(Member, user_id)
    outcome = "updated"
    if member is None:
        member = Member(user_id=user_id, role="member", is_bot=False, is_deleted=deleted, analytics_opt_out=False,
                        created_at=now, updated_at=now)
        session.add(member)
        if not deleted and is_new_join:
            member.joined_at = at
            outcome = "joined"
    elif deleted and not member.is_deleted:
        member.is_deleted = True
        member.left_at = at
        outcome = "left"
    elif not deleted and member.is_deleted:
        member.is_deleted = False
        member.left_at = None
        member.joined_at = at
        outcome = "rejoined"
    elif not deleted and is_new_join and member.joined_at is None and member.first_active_at is None:
        # Known only from a profile look-up so far: this team_join is their arrival.
        member.joined_at = at
        outcome = "joined"
    _apply_profile(member, user, now)
    return outcome


def baseline_taken(session: Session) -> bool:
    return session.get(GrowthState, BASELINE_KEY) is not None


def mark_baseline(session: Session, now: datetime) -> None:
    if not baseline_taken(session):
        session.add(GrowthState(key=BASELINE_KEY, value=now.isoformat()))


class MembershipRecorder:
    """team_join and user_change events."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def team_join(self, user: dict[str, Any]) -> str:
        now = self._clock()
        with self._db.session() as session:
            return apply_user(session, user, now, now, is_new_join=True)

    def user_change(self, user: dict[str, Any]) -> str:
        now = self._clock()
        with self._db.session() as session:
            return apply_user(session, user, now, now, is_new_join=False)


def forget_activity(session: Session, user_id: str) -> None:
    """Drop a member's activity (for the privacy capability when a member opts out)."""
    from sqlalchemy import delete

    for model in (Activity, MemberWeek, MemberMonth):
        session.execute(delete(model).where(model.user_id == user_id))
    session.execute(delete(Question).where(Question.asker_user_id == user_id))
    member = session.get(Member, user_id)
    if member is not None:
        member.first_active_at = member.last_active_at = None
